"""Scenario and manifest files: what they may say, and one-line errors naming file and line for what they may not."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from oamconf.errors import UsageError
from oamconf.k8s.api import Ref
from oamconf.k8s.memory import MemoryCluster
from oamconf.k8s.scenario import load_manifests, load_scenario


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# -- malformed scenarios -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "name: x\nreaction: []\n",
            ", line 2: reaction is not a known key; did you mean 'reactions'?",
            id="unknown-key",
        ),
        pytest.param(
            "name: x\nreactions:\n  - on: {kind: Application}\n    after_polls: two\n    set_status: {}\n",
            ", line 4: reactions[0].after_polls must be a whole number >= 0, not 'two'",
            id="wrong-type",
        ),
        pytest.param("name: x\nobjects: [\n", ", line 3: not valid YAML", id="unparsable"),
        pytest.param(
            "objects:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {namespace: a}}\n",
            ", line 2: objects[0].metadata needs the key 'name'",
            id="manifest-without-name",
        ),
        pytest.param(
            "failures:\n  - {verb: get, error: teapot}\n",
            ", line 2: failures[0].error must be one of forbidden, server-error, unreachable, not 'teapot'",
            id="unknown-error",
        ),
        pytest.param(
            "reactions:\n  - on: {kind: Application}\n    after_polls: 1\n",
            ", line 2: reactions[0] does nothing; give at least one of: set_status",
            id="reaction-without-effect",
        ),
        pytest.param("name: a\n---\nname: b\n", ": a scenario is one YAML document, found 2", id="two-documents"),
        pytest.param(
            "- name: x\n", ", line 1: the top level must be a map of keys to values, not a list", id="not-a-map"
        ),
    ],
)
def test_a_malformed_scenario_is_a_one_line_usage_error_naming_file_and_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text, "broken.yaml")

    with pytest.raises(UsageError) as caught:
        load_scenario(path)

    message = str(caught.value)
    assert message.startswith(f"{path}{expected}")
    assert "\n" not in message


def test_a_missing_scenario_file_says_to_check_the_path(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"missing\.yaml: cannot read the file .*; check the path"):
        load_scenario(tmp_path / "missing.yaml")


def test_yaml_1_1_words_stay_strings_and_timestamps_stay_text(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        objects:
          - apiVersion: v1
            kind: ConfigMap
            metadata: {name: flags, creationTimestamp: 2025-08-08T09:00:00Z}
            data: {enabled: on, legacy: yes, strict: true}
        """,
    )

    found = load_scenario(path).get(Ref("v1", "ConfigMap", "flags", "default"))

    assert found is not None
    assert found.field("data") == {"enabled": "on", "legacy": "yes", "strict": True}
    assert found.metadata["creationTimestamp"] == "2025-08-08T09:00:00Z"


def test_declared_kinds_and_events_and_logs_come_from_the_scenario(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        name: vcluster
        kinds: [{apiVersion: platform.example.org/v1alpha1, kind: VirtualCluster, scope: Cluster}]
        objects:
          - {apiVersion: platform.example.org/v1alpha1, kind: VirtualCluster, metadata: {name: vc1, namespace: x}}
        events:
          - ref: {apiVersion: v1, kind: Pod, namespace: vc1-ns, name: vc1-0}
            type: Warning
            reason: BackOff
            message: crash
            count: 4
        logs:
          - {namespace: vc1-ns, pod: vc1-0, container: syncer, text: "started\\nready\\n"}
        """,
    )
    cluster = load_scenario(path)

    vcluster = cluster.get(Ref("platform.example.org/v1alpha1", "VirtualCluster", "vc1"))
    assert vcluster is not None
    assert "namespace" not in vcluster.metadata
    assert [str(e) for e in cluster.events(Ref("v1", "Pod", "vc1-0", "vc1-ns"))] == ["Warning BackOff (x4): crash"]
    assert cluster.pod_logs("vc1-ns", "vc1-0") == "started\nready"


# -- manifests for seed --------------------------------------------------------------------------


def test_manifests_load_from_a_multi_document_file_or_a_directory(tmp_path: Path) -> None:
    write(tmp_path, "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\n", "1-ns.yaml")
    listed = "apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n"
    write(tmp_path, listed, "2-list.yml")
    (tmp_path / "notes.txt").write_text("not yaml", encoding="utf-8")

    manifests = load_manifests(tmp_path)
    cluster = MemoryCluster()
    cluster.seed(manifests)

    assert [m["metadata"]["name"] for m in manifests] == ["a", "b"]
    assert cluster.get(Ref("v1", "ConfigMap", "b", "default")) is not None
    assert len(load_manifests(tmp_path / "1-ns.yaml")) == 1


def test_a_document_that_is_not_a_manifest_is_a_usage_error(tmp_path: Path) -> None:
    path = write(tmp_path, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: Secret\n", "bad.yaml")

    with pytest.raises(UsageError, match=r"bad\.yaml, line 5: the top level needs the key 'apiVersion'"):
        load_manifests(path)


def test_an_empty_manifest_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"no \*\.yaml or \*\.yml files"):
        load_manifests(tmp_path)
