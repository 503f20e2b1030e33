"""A scenario object whose common fields have the wrong type is refused at load: file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from oamconf.errors import UsageError
from oamconf.k8s.scenario import load_scenario

POD = "  - apiVersion: v1\n    kind: Pod\n    metadata: {name: db-0, namespace: default}\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "    status: 5\n", "line 5: objects[0].status must be a map of keys to values, not 5", id="status"
        ),
        pytest.param(
            "    status: {conditions: Ready}\n",
            "line 5: objects[0].status.conditions must be a list, not 'Ready'",
            id="conditions-as-text",
        ),
        pytest.param(
            "    status:\n      conditions: [Ready]\n",
            "line 6: objects[0].status.conditions[0] must be a map of keys to values, not 'Ready'",
            id="condition-as-text",
        ),
        pytest.param(
            "    status:\n      conditions: [{type: Ready, status: true}]\n",
            "line 6: objects[0].status.conditions[0].status must be text (quote it: 'True'), not bool",
            id="unquoted-condition-status",
        ),
        pytest.param(
            "    status:\n      conditions: [{status: 'True'}]\n",
            "line 6: objects[0].status.conditions[0] needs the key 'type'",
            id="condition-without-type",
        ),
        pytest.param(
            "    spec: [a]\n", "line 5: objects[0].spec must be a map of keys to values, not a list", id="spec"
        ),
    ],
)
def test_an_object_field_of_the_wrong_type_is_refused_naming_file_line_and_field(
    tmp_path: Path, body: str, expected: str
) -> None:
    path = tmp_path / "typed.yaml"
    path.write_text(f"objects:\n{POD}{body}", encoding="utf-8")

    with pytest.raises(UsageError) as caught:
        load_scenario(path)

    assert str(caught.value) == f"{path}, {expected}"


def test_labels_are_text_and_a_reaction_status_is_checked_too(tmp_path: Path) -> None:
    labels = tmp_path / "labels.yaml"
    labels.write_text("objects:\n  - {apiVersion: v1, kind: Pod, metadata: {name: a, labels: {tier: 1}}}\n")
    reaction = tmp_path / "reaction.yaml"
    reaction.write_text("reactions:\n  - on: {kind: Pod}\n    set_status: {conditions: Ready}\n")

    with pytest.raises(UsageError, match=r"labels\.yaml, line 2: objects\[0\]\.metadata\.labels\.tier must be text"):
        load_scenario(labels)
    with pytest.raises(UsageError, match=r"line 3: reactions\[0\]\.set_status\.conditions must be a list, not 'Ready'"):
        load_scenario(reaction)
