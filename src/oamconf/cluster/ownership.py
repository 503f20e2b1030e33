"""What this run made: a run id, the labels on everything the suite creates, and a cleanup that
deletes only that.

Names alone do not prove ownership: between our apply and our cleanup someone may delete an
object and create their own under the same name. So cleanup deletes an object only if this run
recorded it AND the live object still carries this run's id label. The labels also let a person
clean up by hand after a crashed run: ``kubectl delete ns -l oamconf.io/run-id=<id>``.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from oamconf.errors import ApiError, ConformanceError, UsageError
from oamconf.k8s.api import Cluster, KubeObject, Ref
from oamconf.k8s.expect import Expect
from oamconf.platform.manifests import load_documents
from oamconf.platform.paths import fixtures_dir, shown

MANAGED_BY_LABEL: Final = "app.kubernetes.io/managed-by"
MANAGED_BY: Final = "oam-vcluster-conformance"
RUN_ID_LABEL: Final = "oamconf.io/run-id"
# 8 hex digits: short enough for resource names, 4 billion values make clashes between runs unlikely.
_RUN_ID_BYTES: Final = 4


def new_run_id() -> str:
    """A short random hex id for one run, e.g. ``"3f9a0c1e"``."""
    return secrets.token_hex(_RUN_ID_BYTES)


def run_labels(run_id: str) -> dict[str, str]:
    """The labels the suite puts on everything it creates in run *run_id*."""
    return {MANAGED_BY_LABEL: MANAGED_BY, RUN_ID_LABEL: run_id}


def labelled(manifest: Mapping[str, Any], labels: Mapping[str, str]) -> dict[str, Any]:
    """A copy of *manifest* with *labels* added to its own (ours win on a clash); the input is untouched."""
    copied = copy.deepcopy(dict(manifest))
    meta = copied["metadata"] = dict(copied.get("metadata") or {})
    meta["labels"] = {**(meta.get("labels") or {}), **labels}
    return copied


class Owned:
    """Records what this run creates in *cluster*, and deletes only that at the end.

    Parameters:
        cluster: the cluster the run works in.
        run_id: this run's id (``new_run_id()``).
    """

    def __init__(
        self,
        cluster: Cluster,
        run_id: str,
        *,
        expect: Expect | None = None,
        apply_timeout: float | None = None,
        fixtures: Path | None = None,
        rewrite: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.cluster = cluster
        self.run_id = run_id
        # Applies are retried while the API cannot take them yet (a CRD not served yet) when given.
        self._expect = expect
        self._apply_timeout = apply_timeout
        self._fixtures = fixtures
        # What the cluster mode changes in what the suite applies (the local tier: a stand-in chart's repository).
        self._rewrite = rewrite
        self._recorded: list[Ref] = []

    @property
    def labels(self) -> dict[str, str]:
        return run_labels(self.run_id)

    @property
    def recorded(self) -> tuple[Ref, ...]:
        """What this run applied, in the order it was first applied."""
        return tuple(self._recorded)

    def apply(self, manifest: Mapping[str, Any]) -> KubeObject:
        """Apply *manifest* with this run's labels added, and record it for ``cleanup()``.

        Raises:
            ConformanceError: an object of that name exists and was not created by this run (taking
                it over would label it as ours and delete it at the end).
            ApiError: the API server refused the apply (nothing is recorded then).
        """
        if self._rewrite is not None:
            manifest = self._rewrite(copy.deepcopy(dict(manifest)))
        ref = Ref.of(manifest)
        existing = self.cluster.get(ref) if ref.name else None
        if existing is not None and not self.is_ours(existing) and existing.ref not in self._recorded:
            raise ConformanceError(
                f"{ref} already exists and was not created by this run: refusing to take it over "
                "(delete it, or give the suite's object another name)"
            )
        with_labels = labelled(manifest, self.labels)
        if self._expect is None:
            live = self.cluster.apply(with_labels)
        else:
            live = self._expect.applied(with_labels, timeout=self._apply_timeout)
        # The API server's answer names the namespace even when the manifest left it to the default.
        if live.ref not in self._recorded:
            self._recorded.append(live.ref)
        return live

    def apply_fixture(
        self, path: str, *, name: str | None = None, namespace: str | None = None, fields: Mapping[str, Any] = {}
    ) -> KubeObject:
        """Apply the one manifest in ``fixtures/<path>`` as ``apply`` does, after setting its name,
        namespace and dotted *fields* (``fixture_manifest``).

        Raises:
            UsageError: the file is missing, does not parse, or does not hold exactly one manifest.
            ConformanceError, ApiError: as ``apply``.
        """
        manifest = fixture_manifest(path, name=name, namespace=namespace, fields=fields, fixtures=self._fixtures)
        return self.apply(manifest)

    def namespace(self, name: str) -> KubeObject:
        """The namespace *name*: created and owned by this run, or, when it already exists and is
        someone else's, used as it is and never labelled or deleted.

        A namespace still being deleted (an earlier run's cleanup, seconds ago) takes no new objects: it is
        waited for until gone, then created anew (without ``expect``: a ``ConformanceError`` says so).

        Raises:
            ApiError: the API server refused it.
            ConformanceError, WaitTimeout: the namespace is being deleted and did not go.
        """
        ref = Ref("v1", "Namespace", name)
        existing = self.cluster.get(ref)
        if existing is not None and existing.metadata.get("deletionTimestamp"):
            if self._expect is None:
                raise ConformanceError(
                    f"namespace {name} is being deleted and takes no new objects until it is gone: "
                    f"run again once `kubectl get namespace {name}` finds nothing"
                )
            self._expect.gone(ref, timeout=self._apply_timeout)
            existing = None
        if existing is not None and not self.is_ours(existing):
            return existing
        return self.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    def delete(self, ref: Ref) -> bool:
        """Delete now what this run created (still carrying its id), before the end of the run; ``False`` when
        it is not ours or already gone. A stand-in must go before the real object takes its name."""
        live = self.cluster.get(ref)
        if live is None or not self.is_ours(live):
            return False
        deleted = self.cluster.delete(ref)
        self._recorded = [r for r in self._recorded if r != live.ref]
        return deleted

    def is_ours(self, obj: KubeObject) -> bool:
        """Whether the live *obj* carries this run's labels (not merely a name we used)."""
        return all(obj.labels.get(key) == value for key, value in self.labels.items())

    def cleanup(self) -> list[Ref]:
        """Delete, newest first, what this run recorded and still carries its id; return what went.

        Objects already gone, and objects now carrying someone else's labels, are left alone.
        Every object is tried even when one fails; the records are cleared, so a second call
        deletes nothing.

        Raises:
            ConformanceError: one line naming what could not be deleted and the label to clean up by.
        """
        deleted: list[Ref] = []
        failures: list[str] = []
        for ref in reversed(self._recorded):
            try:
                live = self.cluster.get(ref)
                if live is not None and self.is_ours(live) and self.cluster.delete(ref):
                    deleted.append(ref)
            except ApiError as err:
                failures.append(f"{ref}: {err}")
        self._recorded.clear()
        if failures:
            raise ConformanceError(
                f"cleanup of run {self.run_id} left {len(failures)} object(s) ({failures[0]}): "
                f"delete them by label {RUN_ID_LABEL}={self.run_id}"
            )
        return deleted


def fixture_manifest(
    path: str,
    *,
    name: str | None = None,
    namespace: str | None = None,
    fields: Mapping[str, Any] = {},
    fixtures: Path | None = None,
) -> dict[str, Any]:
    """The one manifest in ``fixtures/<path>`` with its name, namespace and dotted *fields* set
    (``{"spec.forProvider.namespace": "apps"}``, a number indexes a list): the fixture holds the shape, the
    step the names of this run and this platform.

    Raises:
        UsageError: the file is missing, does not parse, or does not hold exactly one manifest.
    """
    file = (fixtures or fixtures_dir()) / path
    documents = load_documents(file)
    if len(documents) != 1:
        raise UsageError(f"{shown(file)}: holds {len(documents)} manifests; a step fixture holds one")
    manifest = copy.deepcopy(documents[0].body)
    overrides = dict(fields)
    if name is not None:
        overrides["metadata.name"] = name
    if namespace is not None:
        overrides["metadata.namespace"] = namespace
    for dotted, value in overrides.items():
        _set_field(manifest, dotted, value)
    return manifest


def _set_field(manifest: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``a.b.0.c`` in *manifest* (a number indexes a list), creating the maps on the way."""
    *parents, last = dotted.split(".")
    node: Any = manifest
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        if not isinstance(node, dict | list):
            raise UsageError(f"cannot set {dotted}: {key} is neither a map nor a list")
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
