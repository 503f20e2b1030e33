"""A server that answers /version like a Kubernetes API server but nothing else like one (a proxy, a health
endpoint, the wrong URL path): the run says so in one line instead of a parsing error from the client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from k8s.fakeapi import DISCOVERY, FakeApiServer, Reply, Request, write_kubeconfig
from oamconf.errors import ClusterUnreachable
from oamconf.k8s.api import Ref
from oamconf.k8s.kube import KubeCluster
from oamconf.redact import Redactor


class VersionOnly(FakeApiServer):
    """/version as an API server answers it; every other path a 200 with *body*."""

    def __init__(self, body: Any) -> None:
        super().__init__()
        self.body = body

    def respond(self, request: Request) -> Reply:
        self.record(request)
        if request.path.rstrip("/") == "/version":
            return Reply(200, json.dumps(DISCOVERY["/version"]).encode())
        return Reply(200, json.dumps(self.body).encode())


@pytest.fixture(params=[{}, None, [], {"kind": "Status"}], ids=["empty-object", "null", "list", "no-versions"])
def version_only(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KubeCluster]:
    server = VersionOnly(request.param)
    server.start()
    cluster = KubeCluster.from_kubeconfig(
        write_kubeconfig(tmp_path / "kubeconfig", server.url), "fake", secrets=Redactor()
    )
    try:
        yield cluster
    finally:
        cluster.close()
        server.stop()


def test_a_server_that_answers_only_version_is_one_line_naming_discovery(version_only: KubeCluster) -> None:
    assert version_only.server_version() == "v1.36.1-fake"
    with pytest.raises(ClusterUnreachable) as caught:
        version_only.get(Ref("v1", "Namespace", "default"))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(
        f"Unreachable: {version_only.server} answers /version but not the API's discovery (/api, /apis)"
    )
    assert "is the kubeconfig's server URL the API server's own root" in message
