"""Redaction of secrets from everything the suite writes.

Two mechanisms work together, because neither is enough alone:

* known values: every secret the suite learns (a password from a profile, the data of a Secret
  it read) is registered and masked wherever it appears, also in base64, since Kubernetes
  Secrets and kubeconfigs carry base64, and, in HTML and XML reports, escaped;
* shapes: credentials the suite never saw as values (a connection string in a pod log, a bearer
  token in an error, a private key in a kubeconfig, ``POSTGRES_PASSWORD=...``) are masked by pattern.

Which keys name a credential (one rule for text and for objects, see `is_sensitive_key`): the
key's last word decides, ignoring case and the separators ``_ - .``. ``password``,
``POSTGRES_PASSWORD``, ``PGPASSWORD``, ``auth.postgresPassword`` and ``client-key-data`` name
credentials; ``password_policy``, ``passwordless`` and ``tokenizer`` do not (the word is not at the
end), nor do keys that say where a credential is kept (``existingSecretPasswordKey``,
``secretName``, ``passwordFile``, and ``existingSecret``, the name of a Secret).
"""

from __future__ import annotations

import base64
import html
import json
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

MASK: Final = "***"

# Shorter values would mask ordinary words all over a report; the shapes below still catch
# short passwords where they stand next to their key ("password=abc").
MIN_SECRET_LENGTH: Final = 4
# Lines of a multi-line secret shorter than this are structure ("users:"), not credentials.
_MIN_LINE_SECRET: Final = 16
# The part of a secret's base64 that is the same at every position in a longer base64 text; shorter
# parts are a few letters that ordinary text contains too.
_MIN_BASE64_PART: Final = 8

# A key ending with one of these (separators removed, any case) names a credential: PGPASSWORD too.
_SENSITIVE_PARTS: Final = (
    ("password",),
    ("passwd",),
    ("secret",),
    ("token",),
    ("api", "key"),
    ("secret", "key"),
    ("private", "key"),
    ("client", "key"),
    ("key", "data"),
)
SENSITIVE_WORDS: Final = tuple("".join(parts) for parts in _SENSITIVE_PARTS)
# These end ordinary words (bypass, compass), so they count only as a word of their own: pass, DB_PASS, dbPass.
SHORT_SENSITIVE_WORDS: Final = frozenset({"pass", "pwd"})
# existingSecret and existingSecret*Key name a Secret and a key in it (Bitnami charts), not a credential.
_REFERENCE_MARK: Final = "existingsecret"
# A value that is one of these says how a credential is set up, and is no credential itself.
_PLAIN_VALUES: Final = frozenset({"true", "false", "null", "none", "~"})

_SEPARATORS: Final = re.compile(r"[._-]")
_WORD_BREAK: Final = re.compile(r"[._-]|(?<=[a-z0-9])(?=[A-Z])")


def is_sensitive_key(key: str) -> bool:
    """Whether a field called *key* holds a credential (the rule is in the module docstring)."""
    flat = _SEPARATORS.sub("", key).lower()
    if _REFERENCE_MARK in flat:
        return False
    if flat.endswith(SENSITIVE_WORDS):
        return True
    return _WORD_BREAK.split(key)[-1].lower() in SHORT_SENSITIVE_WORDS


# key: value, key=value, "key": "value" (also libpq's password=..., a Helm --set, an env line).
# Only keys that end with a sensitive word match (checked once, at the key's end: logs are full of
# key=value pairs), and is_sensitive_key then applies the whole rule.
_KEY_ENDS: Final = "|".join(
    f"(?<={re.escape(sep.join(parts))})"
    for parts in (*_SENSITIVE_PARTS, *((word,) for word in sorted(SHORT_SENSITIVE_WORDS)))
    for sep in ("", "_", "-", ".")
    if not sep or len(parts) > 1
)
_KEY: Final = re.compile(rf"""(?<![\w.-])(?P<key>[\w.-]++)(?i:{_KEY_ENDS})\\?["']?[ \t]*[:=][ \t]*""")
# A Kubernetes env entry or Helm set value: name: POSTGRES_PASSWORD then value: ... (YAML or JSON).
_ENV_PAIR: Final = re.compile(
    r"""(?<![\w.-])["']?name["']?[ \t]*:[ \t]*["']?(?P<key>[\w.-]+)["']?[ \t]*"""
    r"""(?:,[ \t]*|\r?\n[ \t]*)["']?value["']?[ \t]*:[ \t]*"""
)
# The value after a key: quoted up to its closing quote, after a backslash-escaped quote (JSON
# inside a string) up to the next delimiter, after a quote never closed up to the line's end (or
# the next quote), or bare up to a delimiter. Backslashes are never masked, so JSON escapes stay whole.
_VALUE: Final = re.compile(
    r""""(?P<dq>(?:\\.|[^"\\\n])*)"|'(?P<sq>(?:''|[^'\n])*)'"""
    r"""|\\["'](?P<esc>[^"'\s,;&}\\]+)|["'](?P<open>[^"'\n\\]+)|(?P<bare>(?!\*\*\*)[^"'\s,;&}\\]+)"""
)
_VALUE_GROUPS: Final = ("dq", "sq", "esc", "open", "bare")


def _mask_values_of(key_pattern: re.Pattern[str], text: str) -> str:
    """Mask the value after each *key_pattern* match whose ``key`` group names a credential."""
    out: list[str] = []
    pos = 0
    while (key := key_pattern.search(text, pos)) is not None:
        value = _VALUE.match(text, key.end()) if is_sensitive_key(key["key"]) else None
        group = next((g for g in _VALUE_GROUPS if value and value[g]), None)
        if value is None or group is None or value[group].lower() in _PLAIN_VALUES:
            out.append(text[pos : key.end()])
            pos = key.end()
            continue
        out += [text[pos : value.start(group)], MASK]
        pos = value.end(group)
    out.append(text[pos:])
    return "".join(out)


_SHAPES: Final = (
    # scheme://user:password@host -> scheme://user:***@host
    (re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)([^@\s/]+)(@)"), rf"\g<1>{MASK}\g<3>"),
    # PEM private keys, whole block
    (
        re.compile(r"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----", re.DOTALL),
        rf"-----BEGIN \g<1>PRIVATE KEY-----{MASK}-----END \g<1>PRIVATE KEY-----",
    ),
    # Authorization headers and bearer tokens
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{6,}"), rf"\g<1>\g<2>{MASK}"),
    # JSON Web Tokens (service-account tokens, Argo CD session tokens)
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), MASK),
)

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


class SecretSink(Protocol):
    """Anything that can be told about secret values (the Kubernetes backends take one)."""

    def add_secret(self, value: str) -> None: ...

    def add_secret_data(self, data: Mapping[str, Any]) -> None: ...


def remember_secret(sink: SecretSink | None, obj: Mapping[str, Any]) -> None:
    """If *obj* is a core/v1 Secret, tell *sink* its values before anyone can print them."""
    if sink is None or obj.get("kind") != "Secret" or obj.get("apiVersion") != "v1":
        return
    for key in ("data", "stringData"):
        values = obj.get(key)
        if isinstance(values, Mapping):
            sink.add_secret_data(values)


class Redactor:
    """Masks registered secret values and credential shapes in text and objects.

    Parameters:
        enabled: ``False`` only for debugging the suite itself (``--no-redact``); never in CI.
    """

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
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
        `add_secret` also finds inside a longer base64 text, such as a whole kubeconfig), and
        each long line of a multi-line value.
        """
        for raw in data.values():
            if not isinstance(raw, str):
                continue
            self.add_secret(raw)
            try:
                decoded = base64.b64decode(raw, validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                continue
            self.add_secret(decoded)
            # Multi-line values (kubeconfigs, PEM) leak line by line in logs: register each long
            # line, and the value of each "key: value" line (a kubeconfig's token on its own).
            for line in decoded.splitlines():
                _, sep, value = line.partition(": ")
                for candidate in (line, value if sep else ""):
                    if len(candidate.strip()) >= _MIN_LINE_SECRET:
                        self.add_secret(candidate)

    def redact(self, text: str) -> str:
        """Return *text* with every known secret and credential shape masked."""
        if not self.enabled or not text:
            return text
        return self._redact_with(self._known_pattern(markup=False), text)

    def redact_markup(self, text: str) -> str:
        """`redact` for HTML or XML: also masks each known secret as escaping writes it (``&amp;``, ``&#34;``)."""
        if not self.enabled or not text:
            return text
        return self._redact_with(self._known_pattern(markup=True), text)

    def redact_object(self, obj: Any) -> Any:
        """Return a copy of a JSON-like object with secret fields and values masked.

        Secret objects lose all ``data``/``stringData`` values; a string or number in a field whose
        key names a credential (`is_sensitive_key`: ``password``, ``postgresPassword``,
        ``keyData``...) is masked, as is the ``value`` of an env entry or Helm ``set`` item whose
        ``name`` does (``{name: POSTGRES_PASSWORD, value: ...}``); every string is redacted as text.
        """
        if not self.enabled:
            return obj
        return self._redact_value(obj, key=None)

    def _redact_with(self, known: re.Pattern[str] | None, text: str) -> str:
        if known is not None:
            text = known.sub(MASK, text)
        for shape, replacement in _SHAPES:
            text = shape.sub(replacement, text)
        text = _mask_values_of(_ENV_PAIR, text)
        return _mask_values_of(_KEY, text)

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


def scrub(text: str, *secrets: str | None) -> str:
    """*text* with the given secrets (any length) and every credential shape masked.

    For messages built from a tool's error, where the secret is known and may be short.
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return Redactor().redact(text)
