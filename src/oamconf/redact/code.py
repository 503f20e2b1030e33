"""Redaction of a traceback's text, whose quoted source lines are code of the checkout, not data of the run.

A credential's shape in code is usually not a credential: ``namespace, secret = profile.namespaces.apps``
names where a value comes from. So in a source line a shape is masked only where it touches a string
literal or a comment (``password = "hunter2"``, ``--password X`` inside a string), and every secret value
the run learnt is masked wherever it stands. Every other line is redacted as text, in blocks, so that a
credential over several lines (a PEM block in an error message) is seen whole.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from difflib import SequenceMatcher
from typing import Final

from oamconf.redact import Redactor

# A string literal (possibly left open at the line's end: it goes on below) or a comment.
_DATA: Final = re.compile(r"""[rRbBuUfF]{0,2}(?:"(?:[^"\\]|\\.)*(?:"|$)|'(?:[^'\\]|\\.)*(?:'|$))|#.*$""")


def redact_code_line(line: str, redactor: Redactor) -> str:
    """*line* with known secrets masked, and credential shapes where they reach a literal or a comment."""
    known = redactor.redact_known(line)
    full = redactor.redact(known)
    if full == known:
        return known
    data = [m.span() for m in _DATA.finditer(known)]
    out: list[str] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, known, full, autojunk=False).get_opcodes():
        touches_data = any(start < max(i2, i1 + 1) and i1 < end for start, end in data)
        out.append(full[j1:j2] if tag == "equal" or touches_data else known[i1:i2])
    return "".join(out)


def redact_traceback(text: str, redactor: Redactor, code: AbstractSet[str]) -> str:
    """*text* redacted: its *code* lines by `redact_code_line`, the lines between them as blocks of text."""
    out: list[str] = []
    block: list[str] = []
    for line in [*text.split("\n"), None]:
        if line is None or line in code:
            if block:
                out.append(redactor.redact("\n".join(block)))
                block = []
            if line is not None:
                out.append(redact_code_line(line, redactor))
        else:
            block.append(line)
    return "\n".join(out)
