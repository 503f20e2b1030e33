"""The in-memory backend's vClusters: scenario ``vclusters:`` entries, opened while the host says the vCluster is up.

Each entry is a cluster of its own, read like a scenario's top level; ``open_vcluster`` hands it out only
while the host holds Secret ``vc-<name>``, and fails as the real backend does when it does not.
"""

from __future__ import annotations

import socket
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

from oamconf.errors import ApiError, UsageError
from oamconf.k8s.api import Endpoint, Ref
from oamconf.k8s.scenario import load_scenario
from oamconf.redact import MASK, Redactor

# What says vc1 is up; scenario texts below write it as $VC_SECRET.
VC_SECRET: Final = (
    "{apiVersion: v1, kind: Secret, metadata: {name: vc-vc1, namespace: vc1-ns}, "
    "data: {certificate-authority: c2NlbmFyaW8tY2E=}}"
)
DB_SERVICE: Final = Ref("v1", "Service", "podinfo-db", "demo")
NOT_UP: Final = "404 NotFound: vCluster vc1 in vc1-ns: Secret vc-vc1 not found: is the vCluster up?"


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).replace("$VC_SECRET", VC_SECRET), encoding="utf-8")
    return path


def vc1_scenario(tmp_path: Path, *, secret: bool = True) -> Path:
    """Host with (or without) Secret vc-vc1; inside vc1 a replicated Service, a Secret, a reaction and a failure."""
    host_objects = "[$VC_SECRET]" if secret else "[{apiVersion: v1, kind: Namespace, metadata: {name: vc1-ns}}]"
    return write(
        tmp_path,
        """
        name: vc
        objects: HOST_OBJECTS
        vclusters:
          - namespace: vc1-ns
            name: vc1
            objects:
              - apiVersion: v1
                kind: Service
                metadata: {name: podinfo-db, namespace: demo}
                spec: {ports: [{port: 5432}]}
              - apiVersion: v1
                kind: Secret
                metadata: {name: db, namespace: demo}
                data: {password: aW5zaWRlLXMzY3JldC1wdw==}
            services:
              - {namespace: demo, name: podinfo-db, port: 5432, endpoint: postgresql}
            failures:
              - {verb: delete, match: {kind: Namespace}, error: forbidden}
            reactions:
              - on: {apiVersion: v1, kind: ConfigMap, name: probe}
                set_status: {seen: true}
        """.replace("HOST_OBJECTS", host_objects),
    )


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server


# -- opening -----------------------------------------------------------------------------------------


def test_a_declared_vcluster_opens_as_a_cluster_of_its_own_while_its_secret_exists(tmp_path: Path) -> None:
    host = load_scenario(vc1_scenario(tmp_path))

    with host.open_vcluster("vc1-ns", "vc1") as inside:
        replicated = inside.get(DB_SERVICE)
        name = inside.name
        inside.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "probe", "namespace": "demo"}})
        reacted = inside.get(Ref("v1", "ConfigMap", "probe", "demo"))
        with pytest.raises(ApiError, match=r"^403 Forbidden"):
            inside.delete(Ref("v1", "Namespace", "demo"))

    assert replicated is not None
    assert replicated.field("spec.ports") == [{"port": 5432}]
    assert name == "vcluster vc1 (vc1-ns) via vc"
    assert reacted is not None
    assert reacted.status == {"seen": True}  # the vCluster's own reaction
    assert host.get(DB_SERVICE) is None  # what is inside stays inside
    assert host.delete(Ref("v1", "Namespace", "demo")) is False  # the vCluster's failure stays there too


def test_a_vcluster_whose_secret_is_missing_is_not_up_in_the_real_backends_words(tmp_path: Path) -> None:
    host = load_scenario(vc1_scenario(tmp_path, secret=False))

    with pytest.raises(ApiError) as caught, host.open_vcluster("vc1-ns", "vc1"):
        pytest.fail("no Secret vc-vc1, the vCluster must not open")

    assert str(caught.value) == NOT_UP


def test_a_vcluster_opens_once_a_host_reaction_creates_its_secret(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        kinds: [{apiVersion: platform.example.org/v1alpha1, kind: VirtualCluster, scope: Cluster}]
        reactions:
          - on: {apiVersion: platform.example.org/v1alpha1, kind: VirtualCluster, name: vc1}
            after_polls: 1
            create: [$VC_SECRET]
        vclusters:
          - {namespace: vc1-ns, name: vc1}
        """,
    )
    host = load_scenario(path)
    xr = {"apiVersion": "platform.example.org/v1alpha1", "kind": "VirtualCluster", "metadata": {"name": "vc1"}}
    host.apply(xr)

    with pytest.raises(ApiError, match="is the vCluster up"), host.open_vcluster("vc1-ns", "vc1"):
        pytest.fail("the composite was not read yet, its Secret is not there")
    host.get(Ref.of(xr))  # the poll after which the "controller" creates the Secret
    with host.open_vcluster("vc1-ns", "vc1") as inside:
        assert inside.list("v1", "Namespace") == []


def test_a_vcluster_the_scenario_does_not_declare_says_to_declare_it(tmp_path: Path) -> None:
    host = load_scenario(write(tmp_path, "name: bare\nobjects: [$VC_SECRET]\n"))

    with pytest.raises(UsageError) as caught, host.open_vcluster("vc1-ns", "vc1"):
        pytest.fail("vc1 is not declared, it must not open")

    assert str(caught.value) == (
        "vCluster vc1 in vc1-ns is up (Secret vc-vc1) but scenario bare does not say what is inside: "
        "declare it under vclusters: - {namespace: vc1-ns, name: vc1}"
    )


# -- inside: endpoints and secrets --------------------------------------------------------------------


def test_a_service_inside_reaches_the_endpoint_the_run_binds(tmp_path: Path, listening: socket.socket) -> None:
    address = Endpoint(*listening.getsockname()[:2])
    host = load_scenario(vc1_scenario(tmp_path), {"postgresql": address})

    with host.open_vcluster("vc1-ns", "vc1") as inside, inside.port_forward("demo", "podinfo-db", 5432) as local:
        assert local == address


def test_secrets_inside_are_masked_by_the_hosts_redactor(tmp_path: Path) -> None:
    redactor = Redactor()
    host = load_scenario(vc1_scenario(tmp_path), secrets=redactor)

    with host.open_vcluster("vc1-ns", "vc1") as inside:
        inside.get(Ref("v1", "Secret", "db", "demo"))

    assert redactor.redact("a controller echoed inside-s3cret-pw") == f"a controller echoed {MASK}"


# -- composing and checking entries ------------------------------------------------------------------


def test_entries_for_the_same_vcluster_in_two_files_compose_into_one(tmp_path: Path) -> None:
    first = write(
        tmp_path,
        """
        objects: [$VC_SECRET]
        vclusters:
          - namespace: vc1-ns
            name: vc1
            kinds: [{apiVersion: example.org/v1, kind: Widget, scope: Namespaced}]
          - {namespace: vc2-ns, name: vc2}
        """,
        "1-vclusters.yaml",
    )
    second = write(
        tmp_path,
        """
        vclusters:
          - namespace: vc1-ns
            name: vc1
            objects: [{apiVersion: example.org/v1, kind: Widget, metadata: {name: w, namespace: demo}}]
        """,
        "2-apps.yaml",
    )

    host = load_scenario([first, second])

    assert sorted(host.vclusters) == [("vc1-ns", "vc1"), ("vc2-ns", "vc2")]
    with host.open_vcluster("vc1-ns", "vc1") as inside:
        assert inside.get(Ref("example.org/v1", "Widget", "w", "demo")) is not None


def test_a_kind_declared_on_the_host_is_not_served_inside_a_vcluster(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        kinds: [{apiVersion: example.org/v1, kind: Widget, scope: Namespaced}]
        vclusters:
          - namespace: vc1-ns
            name: vc1
            objects:
              - {apiVersion: example.org/v1, kind: Widget, metadata: {name: w, namespace: demo}}
        """,
    )

    with pytest.raises(UsageError) as caught:
        load_scenario(path)

    assert str(caught.value).startswith(
        f"{path}, line 7: vclusters[0].objects[0].kind Widget (example.org/v1) is not a kind the in-memory "
        "cluster knows"
    )


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        pytest.param("{namespace: vc1-ns}", "line 2: vclusters[0] needs the key 'name'", id="no-name"),
        pytest.param(
            "{namespace: vc1-ns, name: vc1, description: x}",
            "line 2: vclusters[0].description is not a known key; use one of: namespace, name, kinds",
            id="host-only-key",
        ),
        pytest.param(
            "{namespace: vc1-ns, name: vc1, reactions: [{on: {kind: Pod}}]}",
            "line 2: vclusters[0].reactions[0] does nothing",
            id="inner-entry",
        ),
    ],
)
def test_a_malformed_vcluster_entry_is_a_one_line_error_naming_file_line_and_key(
    tmp_path: Path, entry: str, expected: str
) -> None:
    path = write(tmp_path, f"vclusters:\n  - {entry}\n")

    with pytest.raises(UsageError) as caught:
        load_scenario(path)

    assert str(caught.value).startswith(f"{path}, {expected}")
