"""The types a scenario object's common fields must have, checked at load like the API server would.

The steps read every object through the same accessors (labels, conditions, ``status.*``): an object
written with ``status: 5`` or ``conditions: Ready`` would surface as an ``AttributeError`` deep inside a
step's report. Kubernetes rejects such an object when it is written; a scenario is rejected when it is
read, in one line naming the file, the line and the field. Only what every kind shares is checked: a
kind's own schema is not known here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from oamconf.k8s.yamldoc import Where, YamlDoc

# Condition fields that are text in every API that has conditions (metav1.Condition, and the older
# per-kind ones such as DeploymentCondition or Argo CD's ApplicationCondition, which has no status).
_CONDITION_TEXT: Final = ("status", "reason", "message", "lastTransitionTime", "lastUpdateTime", "lastProbeTime")


def check_object(doc: YamlDoc, where: Where, manifest: Mapping[str, Any]) -> None:
    """*manifest*'s metadata, ``spec`` and ``status`` have the types every Kubernetes object gives them."""
    meta = manifest["metadata"]
    for key in ("labels", "annotations"):
        if key in meta:
            _string_map(doc, (*where, "metadata", key), meta[key])
    if "generation" in meta:
        doc.count((*where, "metadata", "generation"), meta["generation"])
    if "ownerReferences" in meta:
        for index, owner in enumerate(doc.items((*where, "metadata", "ownerReferences"), meta["ownerReferences"])):
            doc.mapping((*where, "metadata", "ownerReferences", index), owner)
    if "spec" in manifest:
        doc.mapping((*where, "spec"), manifest["spec"])
    if "status" in manifest:
        check_status(doc, (*where, "status"), manifest["status"])


def check_status(doc: YamlDoc, where: Where, value: Any) -> None:
    """A ``status`` is a map; its ``conditions`` a list of maps with a ``type`` and text fields."""
    status = doc.mapping(where, value)
    if "observedGeneration" in status:
        doc.count((*where, "observedGeneration"), status["observedGeneration"])
    if "conditions" not in status:
        return
    for index, item in enumerate(doc.items((*where, "conditions"), status["conditions"])):
        at = (*where, "conditions", index)
        condition = doc.mapping(at, item, required=("type",))
        doc.text((*at, "type"), condition["type"])
        for key in _CONDITION_TEXT:
            if key in condition and not isinstance(condition[key], str):
                doc.fail(
                    (*at, key), f"must be text (quote it: '{condition[key]}'), not {type(condition[key]).__name__}"
                )


def _string_map(doc: YamlDoc, where: Where, value: Any) -> None:
    for key, text in doc.mapping(where, value).items():
        if not isinstance(text, str):
            doc.fail((*where, key), f"must be text (quote it: '{text}'), not {type(text).__name__}")
