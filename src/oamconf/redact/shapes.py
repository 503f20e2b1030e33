"""Credentials masked by their shape, for text the suite never saw the values of.

A connection string in a pod log, a bearer token in an error, a private key in a kubeconfig,
``POSTGRES_PASSWORD=...``, ``--password VALUE`` on a command line, ``auth with token VALUE
failed`` in prose: `mask_shapes` masks each of these wherever it appears.

Which keys name a credential (one rule for text and for objects, see `is_sensitive_key`): the
key's last word decides, ignoring case and the separators ``_ - .``. ``password``,
``POSTGRES_PASSWORD``, ``PGPASSWORD``, ``auth.postgresPassword`` and ``client-key-data`` name
credentials; ``password_policy``, ``passwordless`` and ``tokenizer`` do not (the word is not at the
end), nor do keys that say where a credential is kept (``existingSecretPasswordKey``,
``secretName``, ``passwordFile``, and ``existingSecret``, the name of a Secret).
"""

from __future__ import annotations

import re
from typing import Final

from oamconf.redact.commands import mask_commands

MASK: Final = "***"

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
# A quoted value may start on the next line, as a real or an escaped line break (JSON in a Python
# repr, which pytest -l prints: '{"password":\n "..."}'); a bare one must be on the key's line,
# or a YAML key whose value is a nested mapping would mask the next key.
_KEY: Final = re.compile(
    rf"""(?<![\w.-])(?P<key>[\w.-]++)(?i:{_KEY_ENDS})\\?["']?[ \t]*[:=]"""
    r"""(?:(?:\s|\\[nrt])+(?=\\?["'])|[ \t]*)"""
)
# A command-line flag and its value as the next argument: helm registry login --password VALUE.
# (--password=VALUE is a key=value pair above.) A next argument that starts with "-" is the next
# flag. Short flags (-p) are left alone: they name different things in every tool.
_FLAG: Final = re.compile(r"(?<![\w-])--(?P<key>[A-Za-z][\w.-]*)[ \t]+(?=[^\s-])")
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

# Prose names a credential and then gives it: "auth with token VALUE failed", "the password is
# VALUE". Prose also says "token rejected" and "the token is expired", so the word after is masked
# only if it looks like a credential (`looks_like_credential`). "secret" is not one of these
# words: "Secret default/vc-vc1" is how a report names a Kubernetes object.
_PROSE: Final = re.compile(
    r"(?i)\b(?:password|passwd|passphrase|token|api[ _-]?key|access[ _-]?key|secret[ _-]?key|client[ _-]?secret)s?"
    r"(?:[ \t]*[:=]|[ \t]+(?:is|was))?[ \t]+[\"'`]?(?P<value>[^\s\"'`]+)"
)
# Ends a sentence, not a credential: "password Pl4nted-pw-7781." masks up to the full stop.
_SENTENCE_END: Final = ".,;:!?)]}>"
# A credential in prose has at least this many characters; shorter words are prose ("is", "none").
_MIN_PROSE_SECRET: Final = 8
_HEX: Final = re.compile(r"[0-9a-fA-F]{16,}")
# Three of these four kinds of character in one word: Xq!zPw-kt, not a word of prose.
_MIN_CHARACTER_KINDS: Final = 3


def looks_like_credential(word: str) -> bool:
    """Whether a word is a credential rather than prose: 8 characters or more, and letters mixed
    with digits, three kinds of character (lower, upper, digit, other), or a long hex string.
    ``rejected``, ``is`` and ``ServiceAccountTokenRequest`` are not: a CamelCase name is a kind or a
    reason, and a random token made of letters alone is too rare to mask names for."""
    if len(word) < _MIN_PROSE_SECRET:
        return False
    lower, upper = any(c.islower() for c in word), any(c.isupper() for c in word)
    digit, other = any(c.isdigit() for c in word), any(not c.isalnum() for c in word)
    if (lower or upper) and digit:
        return True
    if lower + upper + digit + other >= _MIN_CHARACTER_KINDS:
        return True
    return bool(_HEX.fullmatch(word))


def _mask_prose(match: re.Match[str]) -> str:
    value = match["value"].rstrip(_SENTENCE_END)
    if not looks_like_credential(value):
        return match[0]
    start = match.start("value") - match.start()
    return match[0][:start] + MASK + match[0][start + len(value) :]


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


# scheme://TOKEN@host: a credential as the whole user part (CI URLs, git remotes with a token).
_URL_TOKEN_USER: Final = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]+)@")


def _mask_url_user(match: re.Match[str]) -> str:
    return f"{match[1]}{MASK}@" if looks_like_credential(match["user"]) else match[0]


def mask_shapes(text: str) -> str:
    """*text* with every credential shape masked (known values are the ``Redactor``'s part)."""
    for shape, replacement in _SHAPES:
        text = shape.sub(replacement, text)
    text = _URL_TOKEN_USER.sub(_mask_url_user, text)
    text = mask_commands(text)
    text = _mask_values_of(_ENV_PAIR, text)
    text = _mask_values_of(_KEY, text)
    text = _mask_values_of(_FLAG, text)
    return _PROSE.sub(_mask_prose, text)
