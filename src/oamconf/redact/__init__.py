"""Redaction of secrets from everything the suite writes.

Two mechanisms work together, because neither is enough alone:

* known values: every secret the suite learns (a password from a profile, the data of a Secret
  it read) is registered and masked wherever it appears, also in base64, since Kubernetes
  Secrets and kubeconfigs carry base64, and, in HTML and XML reports, escaped;
* shapes: credentials the suite never saw as values (a connection string in a pod log, a bearer
  token in an error, a private key in a kubeconfig, ``POSTGRES_PASSWORD=...``, ``--password VALUE``
  on a command line, ``auth with token VALUE failed`` in prose) are masked by pattern
  (`oamconf.redact.shapes`, which also has the rule for which keys name a credential).
"""

from __future__ import annotations

import base64
import html
import json
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

from oamconf.redact.shapes import MASK, is_sensitive_key, looks_like_credential, mask_shapes

__all__ = [
    "MASK",
    "MIN_SECRET_LENGTH",
    "Redactor",
    "SecretSink",
    "is_sensitive_key",
    "looks_like_credential",
    "remember_secret",
    "scrub",
]

# Shorter values would mask ordinary words all over a report; the shapes still catch
# short passwords where they stand next to their key ("password=abc").
MIN_SECRET_LENGTH: Final = 4
# Lines of a multi-line secret shorter than this are structure ("users:"), not credentials.
_MIN_LINE_SECRET: Final = 16
# The part of a secret's base64 that is the same at every position in a longer base64 text; shorter
# parts are a few letters that ordinary text contains too.
_MIN_BASE64_PART: Final = 8

# How HTML and XML reports write a value: as text, as an ElementTree attribute, escaped by
# html.escape or by Jinja (pytest-html), and inside JSON in the page (pytest-html's data blob).
_MARKUP_ESCAPES: Final[tuple[Callable[[str], str], ...]] = (
    lambda s: html.escape(s, quote=False),
    lambda s: html.escape(s, quote=False).translate({34: "&quot;", 10: "&#10;", 13: "&#13;", 9: "&#09;"}),
    html.escape,
    lambda s: html.escape(s, quote=False).translate({34: "&#34;", 39: "&#39;"}),
    lambda s: json.dumps(s)[1:-1],
)
# pytest-html escapes JSON that holds HTML that holds the text: three layers.
_MARKUP_DEPTH: Final = 3


def _base64_forms(raw: bytes) -> set[str]:
    """``b64(raw)``, and the part of it that is the same wherever *raw* sits in a longer base64 text.

    base64 encodes 3 bytes as 4 characters, so *raw* preceded by 0, 1 or 2 bytes encodes three
    ways; in each, only the characters that hold nothing but *raw*'s bits are fixed.
    """
    forms = {base64.b64encode(raw).decode()}
    for shift in range(3):
        encoded = base64.b64encode(bytes(shift) + raw).decode()
        first, end = -(-8 * shift // 6), 8 * (shift + len(raw)) // 6
        if end - first >= _MIN_BASE64_PART:
            forms.add(encoded[first:end])
    return forms


def _json_strings(text: str) -> list[tuple[str, str]]:
    """``(key, value)`` for every string in a JSON object or list; none when *text* is not JSON."""
    if not text.lstrip().startswith(("{", "[")):
        return []
    try:
        stack: list[tuple[str, Any]] = [("", json.loads(text))]
    except ValueError:
        return []
    found: list[tuple[str, str]] = []
    while stack:
        key, node = stack.pop()
        if isinstance(node, str):
            found.append((key, node))
        elif isinstance(node, dict):
            stack += [(str(k), v) for k, v in node.items()]
        elif isinstance(node, list):
            stack += [(key, v) for v in node]
    return found


class SecretSink(Protocol):
    """Anything that can be told about secret values (the Kubernetes backends take one)."""

    def add_secret(self, value: str) -> None: ...

    def add_secret_data(self, data: Mapping[str, Any]) -> None: ...


# An Argo CD cluster or repository Secret (label argocd.argoproj.io/secret-type) keeps what it names beside
# its credentials: the cluster's name and server, a repository's URL. Those are the subject of a report, not
# secrets; its credentials (config, password, sshPrivateKey...) are masked as in any Secret.
ARGOCD_SECRET_TYPE: Final = "argocd.argoproj.io/secret-type"  # noqa: S105 - a label name
ARGOCD_NAMES: Final = frozenset({"name", "server", "namespaces", "project", "clusterResources", "url", "type"})


def remember_secret(sink: SecretSink | None, obj: Mapping[str, Any]) -> None:
    """If *obj* is a core/v1 Secret, tell *sink* its values before anyone can print them."""
    if sink is None or obj.get("kind") != "Secret" or obj.get("apiVersion") != "v1":
        return
    labels = (obj.get("metadata") or {}).get("labels") or {}
    public = ARGOCD_NAMES if ARGOCD_SECRET_TYPE in labels else frozenset()
    for key in ("data", "stringData"):
        values = obj.get(key)
        if isinstance(values, Mapping):
            sink.add_secret_data({k: v for k, v in values.items() if k not in public})


class Redactor:
    """Masks registered secret values and credential shapes in text and objects. Always on: there is no
    switch to turn it off, so no report can be made without it."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None
        self._markup_pattern: re.Pattern[str] | None = None

    def add_secret(self, value: str) -> None:
        """Register a secret; it and its base64, also inside a longer base64 text, are masked from now on."""
        value = value.strip()
        if len(value) < MIN_SECRET_LENGTH:
            return
        forms = {value, *_base64_forms(value.encode())}
        with self._lock:
            before = len(self._values)
            self._values.update(f for f in forms if len(f) >= MIN_SECRET_LENGTH)
            if len(self._values) != before:
                self._pattern = self._markup_pattern = None

    def add_secret_data(self, data: Mapping[str, Any]) -> None:
        """Register every value of a Secret's ``data`` (base64) or ``stringData`` (plain).

        A ``data`` value is registered as given and decoded: the decoded text, its base64 (which
        `add_secret` also finds inside a longer base64 text, such as a whole kubeconfig), each
        long line of a multi-line value, and each credential in a JSON value.
        """
        for raw in data.values():
            if not isinstance(raw, str):
                continue
            self.add_secret(raw)
            try:
                text = base64.b64decode(raw, validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                text = raw  # stringData, or data that is not text
            else:
                self.add_secret(text)
            self._add_parts(text)

    def _add_parts(self, text: str) -> None:
        # Multi-line values (kubeconfigs, PEM, Helm values) leak line by line in logs: register each line
        # and each "key: value" value that is a credential by its key (token, client-key-data) or by its
        # shape (a long token or base64 run). Names and settings (a Service "ns/name", a SAN, an image) in
        # the same value stay readable: the report needs them, and they are not secrets.
        for line in text.splitlines():
            key, sep, value = line.partition(": ")
            if _token_like(line.strip()):
                self.add_secret(line)
            if sep and (_token_like(value.strip()) or (is_sensitive_key(key.strip(" -\"'")) and value.strip())):
                self.add_secret(value)
        # A JSON value (Argo CD's cluster config) leaks field by field: a bearerToken in an error.
        for key, value in _json_strings(text):
            if _token_like(value) or is_sensitive_key(key):
                self.add_secret(value)

    def redact(self, text: str) -> str:
        """Return *text* with every known secret and credential shape masked."""
        if not text:
            return text
        return self._redact_with(self._known_pattern(markup=False), text)

    def redact_known(self, text: str, *, markup: bool = False) -> str:
        """Mask only the registered secret values in *text* (with *markup*, also as escaping writes them).

        For source code a traceback quotes, and for a report rendered from text redacted already: a
        value the run learnt is masked wherever it appears, but ``secret = profile.namespaces.apps``
        has a credential's shape and is code, not a secret.
        """
        known = self._known_pattern(markup=markup) if text else None
        return known.sub(MASK, text) if known is not None else text

    def redact_markup(self, text: str) -> str:
        """`redact` for HTML or XML: also masks each known secret as escaping writes it (``&amp;``, ``&#34;``)."""
        if not text:
            return text
        return self._redact_with(self._known_pattern(markup=True), text)

    def redact_repr(self, text: str) -> str:
        """`redact` for a Python repr as pytest prints a local variable (``-l``).

        pprint breaks a long string into adjacent literals on several lines, which can put a key
        and its value in different literals; saferepr cuts a long repr in the middle with "...",
        which can leave part of a known secret on either side of the cut. So the literals are
        joined (the layout is kept where that uncovers nothing) and the parts of known secrets
        next to a cut are masked.
        """
        if not text:
            return text
        joined = _SPLIT_LITERAL.sub("", text)
        with self._lock:
            values = tuple(self._values)
        masked = self.redact(_mask_cut_secrets(joined, values))
        return masked if masked != joined else self.redact(text)

    def redact_object(self, obj: Any) -> Any:
        """Return a copy of a JSON-like object with secret fields and values masked.

        Secret objects lose all ``data``/``stringData`` values; a string or number in a field whose
        key names a credential (`is_sensitive_key`: ``password``, ``postgresPassword``,
        ``keyData``...) is masked, as is the ``value`` of an env entry or Helm ``set`` item whose
        ``name`` does (``{name: POSTGRES_PASSWORD, value: ...}``); every string is redacted as text.
        """
        return self._redact_value(obj, key=None)

    def _redact_with(self, known: re.Pattern[str] | None, text: str) -> str:
        if known is not None:
            text = known.sub(MASK, text)
        return mask_shapes(text)

    def _redact_value(self, value: Any, key: str | None) -> Any:
        if isinstance(value, Mapping):
            is_secret = value.get("kind") == "Secret"
            name = value.get("name")
            env_secret = isinstance(name, str) and "value" in value and is_sensitive_key(name)
            out: dict[str, Any] = {}
            for k, v in value.items():
                if is_secret and k in {"data", "stringData"} and isinstance(v, Mapping):
                    out[k] = dict.fromkeys(v, MASK)
                else:
                    out[k] = self._redact_value(v, key="password" if env_secret and k == "value" else str(k))
            return out
        if isinstance(value, list | tuple):
            return [self._redact_value(v, key=key) for v in value]
        credential = key is not None and is_sensitive_key(key)
        if credential and (isinstance(value, int | float) and not isinstance(value, bool)):
            return MASK
        if isinstance(value, str):
            return MASK if credential and value else self.redact(value)
        return value

    def _known_pattern(self, *, markup: bool) -> re.Pattern[str] | None:
        with self._lock:
            pattern = self._markup_pattern if markup else self._pattern
            if pattern is None and self._values:
                forms = set(self._values)
                for _ in range(_MARKUP_DEPTH if markup else 0):
                    forms |= {escape(form) for form in forms for escape in _MARKUP_ESCAPES}
                # Longest first, so a value that contains another is masked whole.
                ordered = sorted(forms, key=len, reverse=True)
                pattern = re.compile("|".join(re.escape(v) for v in ordered))
                if markup:
                    self._markup_pattern = pattern
                else:
                    self._pattern = pattern
            return pattern


# The end of one string literal and the start of the next, as pprint.pformat splits a long string.
_SPLIT_LITERAL: Final = re.compile(r"""(['"])\n[ \t]*\1""")
_CUT: Final = "..."  # where saferepr left out the middle of a long repr
# saferepr keeps at most half of its 240 characters on each side of a cut.
_CUT_SIDE: Final = 120


def _mask_cut_secrets(text: str, values: tuple[str, ...]) -> str:
    """Mask the start of a known secret just before each cut and the end of one just after it."""
    out: list[str] = []
    pos = 0
    for cut in re.finditer(re.escape(_CUT), text):
        before, after = text[max(pos, cut.start() - _CUT_SIDE) : cut.start()], text[cut.end() : cut.end() + _CUT_SIDE]
        head = max((k for v in values for k in _kept(v) if before.endswith(v[:k])), default=0)
        tail = max((k for v in values for k in _kept(v) if after.startswith(v[-k:])), default=0)
        out += [text[pos : cut.start() - head], MASK if head else "", _CUT, MASK if tail else ""]
        pos = cut.end() + tail
    out.append(text[pos:])
    return "".join(out)


def _kept(value: str) -> range:
    """How many characters of *value* a cut may have left on one side (a part, not all of it)."""
    return range(min(len(value) - 1, _CUT_SIDE), MIN_SECRET_LENGTH - 1, -1)


def scrub(text: str, *secrets: str | None) -> str:
    """*text* with the given secrets (any length) and every credential shape masked.

    For messages built from a tool's error, where the secret is known and may be short.
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return Redactor().redact(text)


_TOKEN: Final = re.compile(r"[A-Za-z0-9+/=_.-]+")


def _token_like(value: str) -> bool:
    """A long run of token or base64 characters with letters and digits: a credential's shape, not a name.
    Names are lowercase (DNS labels): a lowercase value with a dot or slash (``vc1.vc1-ns.svc``,
    ``ghcr.io/loft-sh/vcluster``) is a name; base64 and generated tokens mix cases."""
    if len(value) < _MIN_LINE_SECRET or not _TOKEN.fullmatch(value):
        return False
    if not any(c.isupper() for c in value) and any(c in "./" for c in value):
        return False
    return any(c.isalpha() for c in value) and any(c.isdigit() for c in value)
