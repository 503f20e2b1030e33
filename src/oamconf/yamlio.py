"""Every YAML the suite reads or writes, and which YAML each one is read as (and why).

- Kubernetes manifests, kubeconfigs and kind's output: YAML 1.1, as kubectl and client-go read them
  (sigs.k8s.io/yaml on go-yaml v2), so ``on``/``yes`` are booleans here exactly when they would be in
  what kubectl applies: a fixture means what the cluster will get.
- Scenario files: YAML 1.2 booleans only, and timestamps kept as strings (``SCENARIO_LOADER``, used by
  ``k8s.yamldoc``): a reaction's ``on:`` key stays a key, and status timestamps stay the strings the
  API server returns.
- The pinned CRDs and values schemas (test kit): YAML 1.1 with libyaml when PyYAML was built with it,
  ten times faster on the large CRD files.
- Diagnostics: written block style, keys in the object's order.
"""

from __future__ import annotations

import re
from typing import Any, Final

import yaml

_BOOL: Final = "tag:yaml.org,2002:bool"
_TIMESTAMP: Final = "tag:yaml.org,2002:timestamp"
YAMLError = yaml.YAMLError
MarkedYAMLError = yaml.MarkedYAMLError


class SCENARIO_LOADER(yaml.SafeLoader):  # noqa: N801 - a loader class passed around like a constant
    """SafeLoader with YAML 1.2 booleans and without timestamps (scenario files)."""


SCENARIO_LOADER.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in {_BOOL, _TIMESTAMP}]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SCENARIO_LOADER.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))

# libyaml's loader when PyYAML was built with it: same YAML 1.1, much faster.
_FAST_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_kubernetes(text: str) -> Any:
    """One Kubernetes YAML document (a kubeconfig, kind's output), read as kubectl reads it."""
    return yaml.safe_load(text)


def load_all_kubernetes(text: str) -> list[Any]:
    """Every document of a Kubernetes YAML stream (manifests), read as kubectl reads them."""
    return list(yaml.safe_load_all(text))


def load_all_fast(text: str) -> list[Any]:
    """Every document of a large YAML stream (pinned CRDs), YAML 1.1 through libyaml when available."""
    return list(yaml.load_all(text, Loader=_FAST_LOADER))


_SHORT: Final = 60  # characters: a type, a reason, a name stay plain scalars


class _DiagnosticsDumper(yaml.SafeDumper):
    """SafeDumper whose strings read back as the controller wrote them once their lines are joined."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML's default for a message with a quote and ': ' is single-quoted, which doubles every quote and
    # writes each newline as a blank line: a reader (or a hint rule) no longer sees the controller's words.
    # A multi-line message goes in a literal block, a long one or one with a quote in a folded block (its
    # quotes as they are, no closing quote to read into it; a double-quoted one would break its words with
    # escapes where it folds). A block cannot show a message that begins or ends with a space: PyYAML quotes
    # that one as it would have.
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if " " in value and (len(value) > _SHORT or "'" in value or '"' in value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")
    return dumper.represent_str(value)


_DiagnosticsDumper.add_representer(str, _represent_text)


def dump(obj: Any) -> str:
    """*obj* as block-style YAML, keys in their order, a message's words as its controller wrote them
    (diagnostics)."""
    return yaml.dump(obj, Dumper=_DiagnosticsDumper, sort_keys=False, default_flow_style=False)
