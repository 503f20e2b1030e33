"""Redaction of secrets from everything the suite writes.

Two mechanisms work together, because neither is enough alone:

* known values: every secret the suite learns (a password from a profile, the data of a Secret
  it read) is registered and masked wherever it appears, also in its base64 form, since
  Kubernetes Secrets and kubeconfigs carry base64;
* shapes: credentials the suite never saw as values (a connection string in a pod log, a bearer
  token in an error, a private key in a kubeconfig) are masked by pattern.
"""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Mapping
from typing import Any, Final, Protocol

MASK: Final = "***"

# Shorter values would mask ordinary words all over a report; the shapes below still catch
# short passwords where they stand next to their key ("password=abc").
MIN_SECRET_LENGTH: Final = 4
# Lines of a multi-line secret shorter than this are structure ("users:"), not credentials.
_MIN_LINE_SECRET: Final = 16

SENSITIVE_KEYS: Final = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "secret",
        "token",
        "bearertoken",
        "access_token",
        "id_token",
        "refresh_token",
        "apikey",
        "api_key",
        "api-key",
        "client-key-data",
        "client_key",
        "client-key",
        "keydata",
        "private_key",
        "privatekey",
        "postgres-password",
        "redis-password",
        "replication-password",
        "admin.password",
    }
)

_KEY_ALTERNATION = "|".join(sorted((re.escape(k) for k in SENSITIVE_KEYS), key=len, reverse=True))

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
    # key=value, key: value, "key": "value" for sensitive keys (also libpq's password=...)
    (
        re.compile(rf"(?i)(?<![A-Za-z0-9_-])((?:{_KEY_ALTERNATION})[\"']?\s*[:=]\s*[\"']?)(?!\*\*\*)([^\"'\s,;&}}]+)"),
        rf"\g<1>{MASK}",
    ),
)


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

    def add_secret(self, value: str) -> None:
        """Register a secret; it and its base64 encodings are masked from now on."""
        value = value.strip()
        if len(value) < MIN_SECRET_LENGTH:
            return
        forms = {value, base64.b64encode(value.encode()).decode()}
        # A value decoded from a Secret's data may itself be base64 text; mask what it stands for too.
        with self._lock:
            before = len(self._values)
            self._values.update(f for f in forms if len(f) >= MIN_SECRET_LENGTH)
            if len(self._values) != before:
                self._pattern = None

    def add_secret_data(self, data: Mapping[str, Any]) -> None:
        """Register every value of a Secret's ``data`` (base64) or ``stringData`` (plain)."""
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
        pattern = self._known_pattern()
        if pattern is not None:
            text = pattern.sub(MASK, text)
        for shape, replacement in _SHAPES:
            text = shape.sub(replacement, text)
        return text

    def redact_object(self, obj: Any) -> Any:
        """Return a copy of a JSON-like object with secret fields and values masked.

        Secret objects lose all ``data``/``stringData`` values; any field named like a credential
        (``password``, ``token``, ``keyData``...) is masked; every string is redacted as text.
        """
        if not self.enabled:
            return obj
        return self._redact_value(obj, key=None)

    def _redact_value(self, value: Any, key: str | None) -> Any:
        if isinstance(value, Mapping):
            is_secret = value.get("kind") == "Secret"
            out: dict[str, Any] = {}
            for k, v in value.items():
                if is_secret and k in {"data", "stringData"} and isinstance(v, Mapping):
                    out[k] = dict.fromkeys(v, MASK)
                else:
                    out[k] = self._redact_value(v, key=str(k))
            return out
        if isinstance(value, list | tuple):
            return [self._redact_value(v, key=key) for v in value]
        if isinstance(value, str):
            if key is not None and key.lower() in SENSITIVE_KEYS and value:
                return MASK
            return self.redact(value)
        return value

    def _known_pattern(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._pattern is None and self._values:
                # Longest first, so a value that contains another is masked whole.
                ordered = sorted(self._values, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(v) for v in ordered))
            return self._pattern
