"""The suite's error types.

Every error the suite raises on purpose is a ``ConformanceError``: the command line and the
reports print its message as one line, without a traceback, so each message must say what
went wrong and, where the user can act, how to fix it.
"""

from __future__ import annotations


def one_line(text: str, limit: int = 300) -> str:
    """*text* on one line (tools put hints and addresses on lines of their own), cut at *limit*."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def describe(err: BaseException) -> str:
    """What went wrong, as a report says it: the message of an error raised on purpose (the suite's
    ``ConformanceError``, a test's ``AssertionError``), else the exception's type and message, since for
    a bug the type is half the story. Multi-line messages stay whole; ``one_line`` flattens them."""
    if isinstance(err, ConformanceError | AssertionError):
        return str(err).strip() or type(err).__name__
    return f"{type(err).__name__}: {err}".strip()


class ConformanceError(Exception):
    """Base of every error the suite raises on purpose."""


class UsageError(ConformanceError):
    """Bad input from the user: an option, a file, a kubeconfig. The message says how to fix it."""


class ApiError(ConformanceError):
    """The Kubernetes API answered with an error status.

    Parameters:
        status: the HTTP status code (0 when the API server could not be reached at all).
        reason: the Kubernetes ``Status.reason`` (``NotFound``, ``Forbidden``...), or a short word.
        message: what the API server said.
    """

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}" if status else f"{reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message


class ServerNotGiven(ConformanceError):
    """A scenario's Service stands for a server (PostgreSQL, the vCluster's API) and none was given
    (``--endpoint NAME=HOST:PORT``): what needs it cannot be tested, which is not a failure."""


class AccessDenied(ApiError):
    """401 or 403: waiting will not help, the credentials or RBAC must change."""


class ClusterUnreachable(ApiError):
    """No answer from the API server (connection refused, DNS, TLS handshake)."""

    def __init__(self, message: str) -> None:
        super().__init__(0, "Unreachable", message)


class WaitTimeout(ConformanceError):
    """A bounded wait ran out; the message names the object, what was wanted and what was last seen.

    Parameters:
        subject: what was waited for, e.g. ``Release test-db-postgresql``.
        last: the last observation's message, e.g. ``want Ready=True, is Ready=False reason=Unavailable``.
        waited: seconds waited.
        simulated: the seconds were a fake clock's (an offline scenario run): the message says so, or a
            run that took 0.2 s would read "(waited 300s)" as if it had really waited five minutes.
    """

    def __init__(self, subject: str, last: str, waited: float, *, simulated: bool = False) -> None:
        note = ", simulated" if simulated else ""
        super().__init__(f"{subject}: {last} (waited {waited:.0f}s{note})")
        self.subject = subject
        self.last = last
        self.waited = waited
        # The object waited on, when the wait was on one (a ``k8s.api.Ref``), and the cluster it was read
        # from (a ``k8s.api.Cluster``): failure diagnostics read it there.
        self.ref: object | None = None
        self.cluster: object | None = None


class WaitFailed(ConformanceError):
    """A wait ended early because the check saw a state it cannot recover from."""

    def __init__(self, subject: str, message: str) -> None:
        super().__init__(f"{subject}: {message}")
        self.subject = subject
        self.last = message
        self.ref: object | None = None  # as WaitTimeout's
        self.cluster: object | None = None


class CheckFailed(ConformanceError):
    """A step's check found the platform other than it must be; the message says what and where."""


class ProbeFailed(ConformanceError):
    """A connectivity probe (PostgreSQL, Redis, TLS) could not do what it was asked."""
