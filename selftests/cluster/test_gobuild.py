"""Engines built from pinned Go modules into the tool cache: once per version, reused, and every way it
can go wrong said in one line. The builds here are real `go build`s of a tiny module of the test's own."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from oamconf.cluster import gobuild
from oamconf.errors import UsageError
from oamconf.platform.versions import load_versions

HELLO = 'package main\n\nimport "fmt"\n\nvar version = "unset"\n\nfunc main() { fmt.Println("hello", version) }\n'


def _tools_folder(tmp_path: Path, *, source: str = HELLO, pin: str = "") -> Path:
    """A tools folder with one module, `hello`, whose adapter package prints the version it was built as."""
    folder = tmp_path / "tools"
    module = folder / "hello"
    (module / "cmd" / "hello").mkdir(parents=True)
    # The "upstream" is the module itself here; its version is read from a require line of a local replace.
    (module / "go.mod").write_text(
        "module example.test/hello\n\ngo 1.22\n\nrequire example.test/upstream v1.2.3\n\n"
        "replace example.test/upstream => ./upstream\n",
        encoding="utf-8",
    )
    (module / "upstream").mkdir()
    (module / "upstream" / "go.mod").write_text("module example.test/upstream\n\ngo 1.22\n", encoding="utf-8")
    (module / "go.sum").write_text("", encoding="utf-8")
    (module / "cmd" / "hello" / "main.go").write_text(source, encoding="utf-8")
    pin_line = f'pin = "{pin}"\n' if pin else ""
    (folder / "tools.toml").write_text(
        '[hello]\nmodule = "hello"\npackage = "./cmd/hello"\nupstream = "example.test/upstream"\n'
        f'version_variable = "main.version"\n{pin_line}',
        encoding="utf-8",
    )
    return folder


def _hello(folder: Path) -> gobuild.GoTool:
    return gobuild.load_tools(folder)["hello"]


def test_a_tool_is_built_once_with_its_version_and_then_reused(tmp_path: Path) -> None:
    tool = _hello(_tools_folder(tmp_path))
    first = gobuild.ensure(tool, cache_dir=tmp_path / "cache")
    second = gobuild.ensure(tool, cache_dir=tmp_path / "cache")

    assert (first.source, second.source) == ("built", "cache")
    assert first.path == tmp_path / "cache" / "go" / "hello" / "v1.2.3" / "hello"
    assert first.seconds > 0
    assert second.seconds == 0
    ran = subprocess.run([str(first.path)], capture_output=True, text=True, check=True)  # noqa: S603 - our binary
    assert ran.stdout == "hello v1.2.3\n"


def test_a_changed_source_is_rebuilt(tmp_path: Path) -> None:
    folder = _tools_folder(tmp_path)
    gobuild.ensure(_hello(folder), cache_dir=tmp_path / "cache")
    (folder / "hello" / "cmd" / "hello" / "main.go").write_text(HELLO.replace("hello", "hi"), encoding="utf-8")
    again = gobuild.ensure(_hello(folder), cache_dir=tmp_path / "cache")
    assert again.source == "built"


def test_a_failed_build_is_one_line_with_go_s_error_and_the_log(tmp_path: Path) -> None:
    tool = _hello(_tools_folder(tmp_path, source="package main\n\nfunc main() { undefined() }\n"))
    with pytest.raises(gobuild.BuildFailed) as caught:
        gobuild.ensure(tool, cache_dir=tmp_path / "cache")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("go build of hello v1.2.3 failed: ")
    assert "undefined: undefined" in message
    assert message.endswith(f"(full log: {tmp_path / 'cache' / 'go' / 'hello' / 'v1.2.3' / 'build.log'})")
    assert not (tmp_path / "cache" / "go" / "hello" / "v1.2.3" / "hello").exists()


def test_without_go_a_prebuilt_binary_in_the_cache_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tool = _hello(_tools_folder(tmp_path))
    built = gobuild.ensure(tool, cache_dir=tmp_path / "cache")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert gobuild.ensure(tool, cache_dir=tmp_path / "cache") == gobuild.Built(tool, built.path, 0.0, "prebuilt")


def test_without_go_and_without_a_cached_binary_one_line_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = _hello(_tools_folder(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(UsageError) as caught:
        gobuild.ensure(tool, cache_dir=tmp_path / "cache")
    assert str(caught.value) == f"cannot build hello v1.2.3: go not found on PATH; {gobuild.GO_INSTALL_HINT}"


def test_the_engines_are_pinned_at_the_versions_the_versions_file_names() -> None:
    tools = gobuild.load_tools()
    assert gobuild.pin_mismatches(tools, load_versions()) == []
    pinned = {name: tool.version for name, tool in tools.items() if tool.pin}
    assert pinned == {
        "crossplane": "v2.3.4",
        "function-patch-and-transform": "v0.10.9",
        "vela": "v1.10.9",
        "vela-core": "v1.10.9",
        "helm": "v4.2.3",
        "kube-apiserver": "v1.36.1",
        "kube-controller-manager": "v1.36.1",
        "kube-scheduler": "v1.36.1",
        "provider-kubernetes": "v1.2.1",  # provider-helm has no pin: the proxy does not serve v1.4.0 (tools.toml)
        "kubectl": "v1.36.1",
    }


def test_a_module_at_another_version_than_the_versions_file_is_named(tmp_path: Path) -> None:
    folder = _tools_folder(tmp_path, pin="kubevela.chart_version")
    (problem,) = gobuild.pin_mismatches(gobuild.load_tools(folder), load_versions())
    assert problem == (
        "hello: hack/tools/hello/go.mod requires example.test/upstream v1.2.3, "
        "the versions file pins kubevela.chart_version = 1.10.9"
    )


def test_a_pin_naming_no_key_of_the_versions_file_is_named(tmp_path: Path) -> None:
    folder = _tools_folder(tmp_path, pin="kubevela.no_such_key")
    (problem,) = gobuild.pin_mismatches(gobuild.load_tools(folder), load_versions())
    assert problem == "hello: tools.toml pins it to kubevela.no_such_key, which the versions file does not have"


def test_the_command_line_names_each_engine_and_its_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert gobuild.main(["--cache-dir", str(tmp_path / "none"), "no-such-engine"]) == 2
    out = capsys.readouterr().out
    assert out.startswith("ERROR: no engine named no-such-engine in hack/tools/tools.toml (crossplane, ")
