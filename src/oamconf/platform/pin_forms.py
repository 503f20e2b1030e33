"""The forms a pinned value must have, checked after every override is merged: a chart or tool version is a
semantic version, a package or image is pinned by a semver tag or a digest, a node image by digest.

Helm reads ``--version ""`` as "the latest chart", so an empty or loose version would install something the
report does not name. Each problem is one line naming where the value came from (the file, the override
file, or the ``--set`` option as typed) and the key.
"""

from __future__ import annotations

import re
from typing import Final

from oamconf.errors import UsageError
from oamconf.platform.strict_toml import Origins

# semver.org's own expression, with the leading "v" that Kubernetes, Argo CD and the CLIs write.
SEMVER: Final = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
DIGEST: Final = re.compile(r"@sha256:[0-9a-f]{64}$")
_SHA256: Final = re.compile(r"^([0-9a-f]{64})?$")
# A reference without tag or digest: registry/path, lowercase as the OCI distribution spec asks.
_REFERENCE: Final = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+$")

SEMVER_FIX: Final = "write a semantic version such as 2.3.4 or v1.36.1"
DIGEST_FORM: Final = "(image:tag@sha256:<64 hex>)"
PACKAGE_FIX: Final = "write registry/path:<semver tag> or registry/path@sha256:<64 hex>"


class Pins:
    """Checks over one loaded file; each failure names the value's origin and its key."""

    def __init__(self, origins: Origins) -> None:
        self.origins = origins

    def fail(self, dotted: str, problem: str, fix: str) -> UsageError:
        table, _, key = dotted.rpartition(".")
        return UsageError(f"{self.origins.of(dotted)}: [{table}] {key}: {problem}; {fix}")

    def text(self, dotted: str, value: str) -> None:
        if not value.strip():
            raise self.fail(dotted, "is empty", "give it a value or leave the pinned one")

    def semver(self, dotted: str, value: str) -> None:
        self.text(dotted, value)
        if not SEMVER.match(value):
            raise self.fail(dotted, f"{value!r} is not a semantic version", SEMVER_FIX)

    def digest(self, dotted: str, value: str, what: str) -> None:
        if not DIGEST.search(value):
            table, _, key = dotted.rpartition(".")
            raise UsageError(f"{self.origins.of(dotted)}: [{table}] {key}: pin {what} by digest {DIGEST_FORM}")

    def package(self, dotted: str, value: str) -> None:
        """``registry/path:v1.4.0``, ``registry/path@sha256:…`` or both."""
        self.text(dotted, value)
        unpinned = DIGEST.sub("", value)
        reference, colon, tag = unpinned.rpartition(":")
        if "/" in tag or not colon:  # the colon was a registry port, or there is none: no tag
            reference, tag = unpinned, ""
        tagged = bool(tag) and SEMVER.match(tag) is not None
        if not _REFERENCE.match(reference) or not (tagged or DIGEST.search(value)):
            raise self.fail(dotted, f"{value!r} is not a pinned package", PACKAGE_FIX)

    def sha256(self, dotted: str, value: str) -> None:
        if not _SHA256.match(value):
            raise self.fail(dotted, f"{value!r} is not a sha256", "write 64 lowercase hex digits, or '' if unverified")
