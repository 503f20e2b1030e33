"""Credentials on shell lines and client command lines, and private keys without PEM armour.

Log tails of database and init containers are full of these, and none has a ``key: value`` shape
that names the credential by a sensitive word at its end:

* shell assignments ``export AWS_SECRET_ACCESS_KEY=...``, ``ENV GIT_TOKEN=...``, ``declare -x
  DB_PASS=...``: the variable is a credential when any word of its name is one (``SECRET``, ``KEY``,
  ``TOKEN``, ``PASSWORD``, ``PASS``, ``PWD``, ``CREDENTIALS``, ``AUTH``), wherever it stands;
* client password flags whose letter means "password" only for that client: ``redis-cli -a PW``
  (also valkey-cli, keydb-cli), ``mysql -pPW`` (attached; ``-p 3306`` is a port elsewhere, so only
  the attached form of the MySQL family), ``sshpass -p PW``, ``curl -u user:PW``;
* key material quoted alone: a base64 run whose first bytes are a DER private key (a SEQUENCE whose
  first element is a version INTEGER 0 or 1, then an INTEGER, OCTET STRING or SEQUENCE: PKCS#1,
  SEC1 and PKCS#8 alike) or an OpenSSH key (``openssh-key-v1``), with the base64 lines after it.
  Certificates and public keys start with a SEQUENCE, not a version, so they stay readable.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final

MASK: Final = "***"

_CREDENTIAL_WORDS: Final = frozenset(
    {"secret", "key", "token", "password", "passwd", "pass", "pwd", "credential", "credentials", "auth", "apikey"}
)
_NAME_WORDS: Final = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z0-9]+(?![a-z])")
_SHELL_ASSIGN: Final = re.compile(
    r"(?:^|(?<=[\s;&|(`]))(?:export|ENV|declare[ \t]+-x|set|setenv|env)[ \t]+"
    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:=|[ \t]+(?=[^\s=]))"
)
_VALUE: Final = re.compile(r""""(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|(?P<bare>[^\s;&|)`"']+)""")
_CLIENT_FLAGS: Final = (
    re.compile(r"\b(?:redis|valkey|keydb)-cli\b[^\n]*?[ \t]-a[ \t]+(?P<value>[^\s;&|]+)"),
    re.compile(r"\b(?:mysql|mysqladmin|mysqldump|mariadb|mariadb-dump)\b[^\n]*?[ \t]-p(?P<value>[^\s;&|]+)"),
    re.compile(r"\bsshpass[ \t]+-p[ \t]*(?P<value>[^\s;&|]+)"),
    re.compile(r"\bcurl\b[^\n]*?[ \t](?:-u|--user)[ \t]+[^\s:]+:(?P<value>[^\s;&|]+)"),
)
# A run of base64 long enough to hold a key, and the base64 lines that continue it (as a PEM body wraps).
_BASE64_RUN: Final = re.compile(
    r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40,}={0,2}(?:(?:\\n|\r?\n)[ \t]*[A-Za-z0-9+/]{16,}={0,2})*"
)
_OPENSSH: Final = b"openssh-key-v1\0"
_SEQUENCE, _INTEGER, _OCTET_STRING = 0x30, 0x02, 0x04
_VERSIONS: Final = (b"\x02\x01\x00", b"\x02\x01\x01")


def is_credential_name(name: str) -> bool:
    """Whether a variable called *name* holds a credential: any word of it is a credential word."""
    return any(word.lower() in _CREDENTIAL_WORDS for word in _NAME_WORDS.findall(name))


def mask_commands(text: str) -> str:
    """*text* with shell-assigned credentials, client password flags and unarmoured keys masked."""
    text = _mask_shell(text)
    for flag in _CLIENT_FLAGS:
        text = flag.sub(lambda m: m[0][: m.start("value") - m.start()] + MASK, text)
    return _BASE64_RUN.sub(lambda m: MASK if is_private_key(m[0]) else m[0], text)


def _mask_shell(text: str) -> str:
    out: list[str] = []
    pos = 0
    for assign in _SHELL_ASSIGN.finditer(text):
        if assign.start() < pos or not is_credential_name(assign["name"]):
            continue
        value = _VALUE.match(text, assign.end())
        group = next((g for g in ("dq", "sq", "bare") if value and value[g]), None)
        if value is None or group is None or value[group] == MASK:
            continue
        out += [text[pos : value.start(group)], MASK]
        pos = value.end(group)
    out.append(text[pos:])
    return "".join(out)


def is_private_key(run: str) -> bool:
    """Whether a base64 run starts with a DER private key or an OpenSSH key (the rule is in the module docstring)."""
    head = re.sub(r"\\n|\s", "", run)[:24]
    try:
        der = base64.b64decode(head[: len(head) // 4 * 4])
    except (binascii.Error, ValueError):
        return False
    if der.startswith(_OPENSSH):
        return True
    if len(der) < 6 or der[0] != _SEQUENCE:  # noqa: PLR2004 - the shortest header checked below
        return False
    length_bytes = der[1] - 0x80 if der[1] & 0x80 else 0
    body = der[2 + length_bytes :]
    return body[:3] in _VERSIONS and len(body) > 3 and body[3] in {_INTEGER, _OCTET_STRING, _SEQUENCE}  # noqa: PLR2004
