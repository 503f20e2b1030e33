"""The upstream engines as binaries: built from the pinned Go modules in ``hack/tools`` into the tool cache.

Each binary of ``hack/tools/tools.toml`` is built once per version with the machine's Go toolchain
(``go build`` in its module folder, ``-mod=readonly`` so that ``go.sum`` is the checksum, and
``GOTOOLCHAIN=local`` so that nothing but the module proxy is asked for) and kept as
``<cache>/go/<name>/<version>/<name>``, beside a stamp of the sources it was built from. A later run
reuses it while the stamp matches; with no Go on the machine, a binary already there (a prebuilt one put
into ``--cache-dir``) is used as it is. Concurrent runs take a lock per binary, so two sessions never
build the same one twice.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from oamconf.cluster.commands import last_line
from oamconf.cluster.tools import default_cache_dir
from oamconf.errors import ConformanceError, UsageError, one_line
from oamconf.platform.paths import project_root, shown
from oamconf.platform.versions import Versions, load_versions

GO_INSTALL_HINT: Final = (
    "install the Go toolchain (1.26 or newer, https://go.dev/dl; Debian bookworm's golang-go is too old), "
    "or put prebuilt binaries into the tool cache (--cache-dir)"
)
# A cold build of the largest engine (vela) takes minutes on 2 cores; a hung build still ends.
BUILD_TIMEOUT: Final = 45 * 60.0
_REQUIRE: Final = re.compile(r"^\s*(?:require\s+)?(\S+)\s+(v\S+)", re.MULTILINE)


class BuildFailed(ConformanceError):
    """``go build`` of an engine failed; the message ends with Go's last error line and names the log."""


@dataclass(frozen=True)
class GoTool:
    """One binary of ``hack/tools/tools.toml`` (its comment explains each field)."""

    name: str
    module: Path
    package: str
    upstream: str
    version: str
    pin: str | None
    version_variable: str | None
    # More than one version variable (Kubernetes has gitVersion, gitMajor, gitMinor), each with its template.
    version_variables: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Built:
    tool: GoTool
    path: Path
    seconds: float  # the build's wall time; 0 when reused
    source: str  # "built", "cache" or "prebuilt" (no Go here: used without checking its stamp)


def tools_dir() -> Path:
    return project_root() / "hack" / "tools"


def load_tools(folder: Path | None = None) -> dict[str, GoTool]:
    """Read ``tools.toml`` and each tool's version from its module's go.mod."""
    folder = folder or tools_dir()
    path = folder / "tools.toml"
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise UsageError(f"{shown(path)}: cannot read the engine list: {err}") from err
    return {name: _tool(folder, name, entry) for name, entry in table.items()}


def _tool(folder: Path, name: str, entry: dict[str, Any]) -> GoTool:
    module = folder / entry["module"]
    upstream = entry["upstream"]
    requires = dict(_REQUIRE.findall((module / "go.mod").read_text(encoding="utf-8")))
    if upstream not in requires:
        raise UsageError(f"{shown(module / 'go.mod')}: requires no {upstream}, which tools.toml names for {name}")
    return GoTool(
        name=name,
        module=module,
        package=entry["package"],
        upstream=upstream,
        version=requires[upstream],
        pin=entry.get("pin"),
        version_variable=entry.get("version_variable"),
        version_variables=tuple(sorted(entry.get("version_variables", {}).items())),
    )


def pin_mismatches(tools: dict[str, GoTool], versions: Versions) -> list[str]:
    """Each tool whose module version differs from the versions file's pin, as one line."""
    problems = []
    for tool in tools.values():
        if tool.pin is None:
            continue
        pinned = _pinned(versions, tool.pin)
        if pinned is None:
            problems.append(f"{tool.name}: tools.toml pins it to {tool.pin}, which the versions file does not have")
        elif _bare(pinned) != _bare(tool.version):
            problems.append(
                f"{tool.name}: hack/tools/{tool.module.name}/go.mod requires {tool.upstream} {tool.version}, "
                f"the versions file pins {tool.pin} = {pinned}"
            )
    return problems


def _pinned(versions: Versions, key: str) -> str | None:
    """``crossplane.chart_version`` -> that value of the versions file, or None if there is no such key."""
    value: object = versions
    for part in key.split("."):
        value = getattr(value, part, None)
    return value if isinstance(value, str) else None


def _bare(version: str) -> str:
    """``xpkg.../function-patch-and-transform:v0.10.9`` and ``0.10.9`` -> ``0.10.9``."""
    return version.rpartition(":")[2].removeprefix("v")


def ensure(tool: GoTool, *, cache_dir: Path, timeout: float = BUILD_TIMEOUT) -> Built:
    """The binary of *tool* at its pinned version: from the cache, else built now.

    Raises:
        UsageError: no Go toolchain on PATH and no binary in the cache.
        BuildFailed: ``go build`` failed or ran past *timeout*.
    """
    folder = cache_dir / "go" / tool.name / tool.version
    binary = folder / tool.name
    go = shutil.which("go")
    if go is None:
        if binary.is_file():
            return Built(tool, binary, 0.0, "prebuilt")
        raise UsageError(f"cannot build {tool.name} {tool.version}: go not found on PATH; {GO_INSTALL_HINT}")
    stamp = _stamp(tool)
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder / ".lock"):
        if binary.is_file() and _read(folder / ".stamp") == stamp:
            return Built(tool, binary, 0.0, "cache")
        started = time.monotonic()
        _build(go, tool, folder, timeout)
        (folder / ".stamp").write_text(stamp, encoding="utf-8")
        return Built(tool, binary, time.monotonic() - started, "built")


def ensure_all(names: Sequence[str] | None = None, *, cache_dir: Path, folder: Path | None = None) -> list[Built]:
    return list(ensure_each(names, cache_dir=cache_dir, folder=folder))


def ensure_each(names: Sequence[str] | None = None, *, cache_dir: Path, folder: Path | None = None) -> Iterator[Built]:
    """``ensure`` each named tool (default: every one), one at a time, as each is ready."""
    tools = load_tools(folder)
    unknown = sorted(set(names or ()) - set(tools))
    if unknown:
        raise UsageError(f"no engine named {', '.join(unknown)} in hack/tools/tools.toml ({', '.join(tools)})")
    for name in names or list(tools):
        yield ensure(tools[name], cache_dir=cache_dir)


class ModuleUnavailable(ConformanceError):
    """The module proxy does not serve that module version (or Go could not download it)."""


def module_dir(module: str, version: str, *, timeout: float = 600.0) -> Path:
    """The source tree of *module* at *version* in Go's module cache, downloaded through the module proxy
    and verified against the checksum database: where charts, CRDs and schemas of a pinned version live.

    Raises:
        UsageError: no Go toolchain on PATH.
        ModuleUnavailable: Go's own message (e.g. the proxy answers 403 for a version it does not serve).
    """
    go = shutil.which("go")
    if go is None:
        raise UsageError(f"cannot read {module}@{version}: go not found on PATH; {GO_INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="oamconf-gomod-") as outside:  # outside any go.mod
        proc = subprocess.run(  # noqa: S603 - an argument list of our own, no shell
            [go, "mod", "download", "-json", f"{module}@{version}"],
            cwd=outside,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod"},
            check=False,
        )
    try:
        answer = json.loads(proc.stdout or "{}")
    except json.JSONDecodeError:
        answer = {}
    if proc.returncode != 0 or "Dir" not in answer:
        why = answer.get("Error") or last_line(proc.stderr) or f"exit {proc.returncode}"
        raise ModuleUnavailable(one_line(why) if module in why else f"{module}@{version}: {one_line(why)}")
    return Path(answer["Dir"])


def _build(go: str, tool: GoTool, folder: Path, timeout: float) -> None:
    staging = folder / f".{tool.name}.building"
    log = folder / "build.log"
    ldflags = " ".join(["-s -w", *(f"-X {name}={value}" for name, value in _version_flags(tool))])
    argv = [go, "build", "-trimpath", "-mod=readonly", "-ldflags", ldflags, "-o", str(staging), tool.package]
    # CGO off: static binaries, and no C compiler needed. GOTOOLCHAIN=local: a go.mod that asks for a newer
    # Go fails with Go's own message instead of fetching a toolchain from elsewhere.
    env = {**os.environ, "CGO_ENABLED": "0", "GOTOOLCHAIN": "local", "GOFLAGS": "-buildvcs=false"}
    with log.open("w", encoding="utf-8") as out:
        try:
            proc = subprocess.run(  # noqa: S603 - an argument list of our own, no shell
                argv, cwd=tool.module, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as err:
            raise BuildFailed(f"go build of {tool.name} {tool.version} ran past {timeout:.0f}s; log: {log}") from err
    if proc.returncode != 0:
        staging.unlink(missing_ok=True)
        why = last_line(log.read_text(encoding="utf-8", errors="replace")) or f"exit {proc.returncode}"
        raise BuildFailed(f"go build of {tool.name} {tool.version} failed: {why} (full log: {log})")
    staging.replace(folder / tool.name)


def _version_flags(tool: GoTool) -> list[tuple[str, str]]:
    """Each ``-X`` variable with its value: ``{version}`` is the module version, ``{major}``/``{minor}`` its parts."""
    major, _, rest = tool.version.removeprefix("v").partition(".")
    fields = {"version": tool.version, "major": major, "minor": rest.partition(".")[0]}
    flags = [(tool.version_variable, tool.version)] if tool.version_variable else []
    return flags + [(name, template.format(**fields)) for name, template in tool.version_variables]


def _stamp(tool: GoTool) -> str:
    """What the build depends on besides the toolchain: the module's go.mod and go.sum, our own sources
    (adapters under ./cmd), and how the binary is named and versioned."""
    digest = hashlib.sha256(f"{tool.package}\n{tool.version_variable}\n".encode())
    if tool.version_variables:  # only then, so the stamps of the binaries built before this field stay valid
        digest.update(repr(tool.version_variables).encode())
    files = [tool.module / "go.mod", tool.module / "go.sum"]
    if tool.package.startswith("./"):
        files += sorted((tool.module / tool.package).rglob("*.go"))
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m oamconf.cluster.gobuild [--cache-dir DIR] [NAME...]``: build (or reuse) the engines and
    say where the time went, one line a binary; a bad pin, a missing Go or a failed build is one line."""
    parser = argparse.ArgumentParser(prog="python -m oamconf.cluster.gobuild", description=__doc__)
    parser.add_argument("names", nargs="*", help="engines to build (default: every one in hack/tools/tools.toml)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="the tool cache (default: $OAMCONF_CACHE_DIR)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        problems = pin_mismatches(load_tools(), load_versions())
        if problems:
            raise UsageError(f"hack/tools disagrees with fixtures/versions.toml: {problems[0]}")
        cache_dir = args.cache_dir or default_cache_dir()
        built = [_say(item) for item in ensure_each(args.names or None, cache_dir=cache_dir)]
    except ConformanceError as err:
        print(f"ERROR: {err}", flush=True)  # noqa: T201 - the command's output
        return 2
    fresh = sum(item.source == "built" for item in built)
    print(  # noqa: T201 - the command's output
        f"engines ready in {time.monotonic() - started:.1f}s ({fresh} built, {len(built) - fresh} reused)", flush=True
    )
    return 0


def _say(item: Built) -> Built:
    how = f"built in {item.seconds:.1f}s" if item.source == "built" else f"reused ({item.source})"
    print(f"{item.tool.name} {item.tool.version}: {how} -> {item.path}", flush=True)  # noqa: T201
    return item


if __name__ == "__main__":
    raise SystemExit(main())
