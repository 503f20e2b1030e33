"""Pinned downloads: fetched from a real HTTP server, verified by sha256, unpacked, cached and reused,
and every way a download can fail reported in one line that leaves the cache as it was.

The releases are the stand-ins of releases.py; PATH holds only this test's bin folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.releases import (
    HELM,
    HELM_PATH,
    KIND,
    KIND_PATH,
    RELEASES,
    Site,
    kubectl_json,
    output,
    release_site,
    script,
    sha256,
    tar_gz,
)
from cluster.standins import write_standin
from oamconf.errors import ConformanceError, UsageError
from probes.servers import refusing_port


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    with release_site(tmp_path, monkeypatch) as served:
        yield served


def test_incompatible_tools_on_path_are_replaced_by_verified_downloads(site: Site) -> None:
    write_standin(site.bin_dir, "kind", 'print("kind v0.31.0 go1.24.1 linux/amd64")')
    write_standin(site.bin_dir, "helm", 'print("v3.19.0+g3d8990f")')
    write_standin(site.bin_dir, "kubectl", f"print({kubectl_json('v1.34.0')!r})")

    tools = site.resolve()

    assert [(t.source, t.version) for t in (tools.kind, tools.helm, tools.kubectl)] == [
        ("download", "v0.32.0"),
        ("download", "v4.2.3"),
        ("download", "v1.36.1"),
    ]
    assert sorted(site.server.requests) == sorted(RELEASES)
    assert tools.kind.path == site.cache_dir / "kind" / "v0.32.0" / "kind"
    assert output(tools.kind.path, "version") == "kind v0.32.0 go1.24.1 linux/amd64\n"
    assert json.loads(output(tools.kubectl.path, "version", "--client", "-o", "json"))["clientVersion"] == {
        "gitVersion": "v1.36.1",
        "platform": "linux/amd64",
    }


def test_a_verified_cached_copy_is_reused_without_a_request(site: Site) -> None:
    site.resolve()
    site.server.requests.clear()

    tools = site.resolve()

    assert [t.source for t in (tools.kind, tools.helm, tools.kubectl)] == ["cache", "cache", "cache"]
    assert site.server.requests == []
    assert output(tools.helm.path, "version", "--short") == "v4.2.3+g1234abc\n"


def test_a_cached_copy_that_no_longer_matches_its_pin_is_downloaded_again(site: Site) -> None:
    first = site.resolve()
    first.kind.path.write_bytes(script("kind v0.32.0 tampered\n"))
    first.helm.path.write_bytes(script("v4.2.3 tampered\n"))
    site.server.requests.clear()

    tools = site.resolve()

    assert [t.source for t in (tools.kind, tools.helm, tools.kubectl)] == ["download", "download", "cache"]
    assert sorted(site.server.requests) == [HELM_PATH, KIND_PATH]
    assert output(tools.helm.path, "version") == "v4.2.3+g1234abc\n"


def test_a_wrong_checksum_names_tool_url_and_both_digests_and_leaves_the_cache_empty(site: Site) -> None:
    expected = sha256(b"the release that was pinned")

    with pytest.raises(ConformanceError) as caught:
        site.resolve(site.pins(kind=expected))

    assert str(caught.value) == (
        f"kind v0.32.0 from {site.server.base_url}{KIND_PATH}: sha256 mismatch, expected {expected}, "
        f"got {sha256(KIND)}: nothing was installed; check the pin in fixtures/versions.toml "
        "against the release's published checksum"
    )
    assert site.server.requests == [KIND_PATH]
    assert list(site.cache_dir.iterdir()) == []


def test_an_empty_pin_asks_for_a_tool_on_path_or_a_published_checksum(site: Site) -> None:
    with pytest.raises(UsageError) as caught:
        site.resolve(site.pins(kind=""))

    assert str(caught.value) == (
        "no sha256 pinned for kind v0.32.0 linux_amd64 (fixtures/versions.toml [tools.kind.sha256]): "
        "install kind v0.32.x on PATH, or pin the checksum published with the release"
    )
    assert site.server.requests == []


def test_a_missing_release_is_one_line_naming_the_url_and_the_404(site: Site) -> None:
    with pytest.raises(ConformanceError) as caught:
        site.resolve(site.pins(base=site.server.base_url + "/moved"))

    assert str(caught.value) == (
        f"could not download kind v0.32.0 from {site.server.base_url}/moved{KIND_PATH} (HTTP 404 Not Found): "
        "check the network and proxy, or the url in fixtures/versions.toml [tools.kind]"
    )
    assert list(site.cache_dir.iterdir()) == []


def test_a_refused_connection_is_one_line_naming_the_url(site: Site) -> None:
    with refusing_port() as port, pytest.raises(ConformanceError) as caught:
        site.resolve(site.pins(base=f"http://127.0.0.1:{port.port}"))

    message = str(caught.value)
    assert message.startswith(f"could not download kind v0.32.0 from http://127.0.0.1:{port.port}{KIND_PATH} (")
    assert "Connection refused" in message
    assert "\n" not in message


def test_the_helm_binary_is_extracted_from_its_archive_alone_and_runs(site: Site) -> None:
    tools = site.resolve()

    assert tools.helm.path == site.cache_dir / "helm" / "v4.2.3" / "helm"
    assert output(tools.helm.path, "version", "--short") == "v4.2.3+g1234abc\n"
    assert os.access(tools.helm.path, os.X_OK)
    assert "helm/v4.2.3/LICENSE" not in site.cached_files()


@pytest.mark.parametrize("member", ["../escaped", "linux-amd64/../../escaped", "/escaped"])
def test_a_helm_archive_member_that_points_outside_is_refused(site: Site, member: str) -> None:
    evil = tar_gz({member: b"owned\n", "linux-amd64/helm": HELM})
    site.server.files[HELM_PATH] = evil

    with pytest.raises(ConformanceError) as caught:
        site.resolve(site.pins(helm=sha256(evil)))

    assert str(caught.value) == (
        f"{site.server.base_url}{HELM_PATH}: archive member {member!r} points outside the archive: "
        "refusing to extract; this is not a release archive"
    )
    assert not any(site.cache_dir.parent.rglob("escaped"))
    assert site.cached_files() == ["kind/v0.32.0/kind"]


def test_a_helm_archive_without_the_platforms_binary_is_refused(site: Site) -> None:
    darwin_only = tar_gz({"darwin-arm64/helm": HELM})
    site.server.files[HELM_PATH] = darwin_only

    with pytest.raises(ConformanceError, match=r"helm-v4\.2\.3-linux-amd64\.tar\.gz: no file linux-amd64/helm in"):
        site.resolve(site.pins(helm=sha256(darwin_only)))
