"""Root-cause hints for a failure: the known failure modes of ``hint_catalogue``, matched on its text.

A failing step that recorded no hint of its own gets the hint of the first catalogue entry matching
its message plus diagnostics, so the report says "likely cause + what to do" for the traps the
platform team has already hit (platform-facts.md: vCluster SANs, the Bitnami image move, Argo CD's
repo-server...). A failure no entry knows still gets a root cause line (``unmatched``): that none
matched, and which object and which diagnostics to read, so Recommendations never drops a failure.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from oamconf.k8s.api import Ref
from oamconf.steps.hint_catalogue import CATALOGUE, Known
from oamconf.steps.outcomes import UNMATCHED, Hint

# A captured value goes into one report line: a longer one (a function's message) is cut here.
VALUE_LIMIT: Final = 240
_PLACEHOLDER: Final = re.compile(r"\{(\w+)\}")
# A JSON string under a "message" key, as an API server's Status body carries an error (an ApiException's).
_JSON_MESSAGE: Final = re.compile(r'"message":\s*("(?:[^"\\]|\\.)*")[ \t]*')
# A condition's message as ``Condition`` writes it into a wait's failure: a Python literal, quoted in \' or ".
# What follows either starts a line of its own, unindented, or ``unfold`` would join it to the message again.
_CONDITION_MESSAGE: Final = re.compile(r"""\bmessage=('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")[ \t]*""")


@dataclass(frozen=True)
class Rule:
    """A catalogue entry with its patterns compiled."""

    known: Known
    patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def of(cls, known: Known) -> Rule:
        texts = (known.patterns,) if isinstance(known.patterns, str) else known.patterns
        return cls(known, tuple(re.compile(text, re.IGNORECASE) for text in texts))

    @property
    def name(self) -> str:
        return self.known.name

    def search(self, text: str) -> re.Match[str] | None:
        """The match of the first of its patterns found in *text* (as ``unfold`` leaves it)."""
        for pattern in self.patterns:
            found = pattern.search(text)
            if found:
                return found
        return None

    def hint(self, match: re.Match[str]) -> Hint:
        """The cause and fix, with the values *match* captured (or the entry's defaults) filled in."""
        values = dict.fromkeys(match.re.groupindex, "")
        values.update(self.known.defaults)
        values.update({name: _clean(value) for name, value in match.groupdict().items() if value})
        return Hint(cause=_fill(self.known.cause, values), fix=_fill(self.known.fix, values))


RULES: tuple[Rule, ...] = tuple(Rule.of(known) for known in CATALOGUE)


def matching_rule(text: str) -> tuple[Rule, re.Match[str]] | None:
    """The first rule (in catalogue order) matching *text*, with its match; ``None`` when none does."""
    unfolded = unfold(_messages(text))
    for rule in RULES:
        found = rule.search(unfolded)
        if found:
            return rule, found
    return None


def diagnose(text: str) -> Hint | None:
    """The hint of the first rule matching *text*, or ``None``."""
    found = matching_rule(text)
    return found[0].hint(found[1]) if found else None


def unfold(text: str) -> str:
    """*text* with each line that is indented deeper than the one it follows joined to it.

    Diagnostics show an object's status as YAML, which folds a long message over lines indented
    below its key, so an upstream sentence (a SAN list) may be cut anywhere; joined, it is whole and
    ends at its closing quote, while events, pod lines and conditions keep a line each. A list item's
    keys (``- type: Synced`` then ``  message: …``) keep a line each too: joined, a message's free-text
    tail would read on into the keys after it.
    """
    lines: list[str] = []
    indent = 0
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        depth = len(line) - len(stripped)
        if lines and stripped and depth > indent:
            lines[-1] += " " + stripped.strip()
        else:
            lines.append(line)
            indent = depth + 2 if stripped.startswith("- ") else depth  # an item's keys start 2 further in
    return "\n".join(lines)


def _messages(text: str) -> str:
    """*text* with each quoted message (an API server's JSON Status, a condition in a wait's failure) decoded
    onto lines of its own, in its controller's words.

    A message whose free-text tail a rule reads to the end of its line would otherwise read on into what
    follows it (``","code":500}``, ``' (waited 90s)``), and its quotes and newlines would stay escaped.
    """
    return _CONDITION_MESSAGE.sub(_python_literal, _JSON_MESSAGE.sub(_json_literal, text))


def _json_literal(match: re.Match[str]) -> str:
    try:
        return f'"message":\n{json.loads(match[1])}\n'
    except ValueError:  # not JSON after all (an escape JSON does not have): left as it is
        return match[0]


def _python_literal(match: re.Match[str]) -> str:
    try:
        return f"message=\n{ast.literal_eval(match[1])}\n"
    except (ValueError, SyntaxError):  # not a literal after all: left as it is
        return match[0]


def _clean(value: str) -> str:
    """A captured value as one line: JSON escapes undone, whitespace joined, cut at ``VALUE_LIMIT``."""
    flat = " ".join(value.replace('\\"', '"').split()).strip(" ,;")
    return flat if len(flat) <= VALUE_LIMIT else flat[: VALUE_LIMIT - 1].rstrip() + "…"


def _fill(template: str, values: Mapping[str, str]) -> str:
    """*template* with each ``{group}`` replaced; other braces (a jsonpath) stay as they are."""
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), template)


def unmatched(*, step: str, test: str, looked_at: Ref | str | None, diagnostics: Sequence[str]) -> Hint:
    """The hint of a failure no rule matched: say so, name what to look at, point at the diagnostics.

    Parameters:
        step: the step id, where the report shows the diagnostics.
        test: the test's node id, named when the failure looked at no object.
        looked_at: the object (or the subject) the failed wait looked at, when it was one.
        diagnostics: the names of the diagnostics gathered for this failure.
    """
    subject = str(looked_at) if looked_at else f"the test {test}"
    cause = f"{UNMATCHED}; look at {subject}"
    if diagnostics:
        fix = f"read the diagnostics of step {step} ({', '.join(diagnostics)})"
    else:
        fix = f"no diagnostics were gathered: read the failure of {test} in report.html"
    if isinstance(looked_at, Ref):
        fix += f"; its live state: `{describe_command(looked_at)}`"
    return Hint(cause=cause, fix=fix)


def describe_command(ref: Ref) -> str:
    """``kubectl describe release.helm.crossplane.io test-db-postgresql``: kind.group names a CRD unambiguously."""
    resource = f"{ref.kind.lower()}.{ref.group}" if ref.group else ref.kind.lower()
    namespace = f" -n {ref.namespace}" if ref.namespace else ""
    return f"kubectl describe {resource} {ref.name}{namespace}"
