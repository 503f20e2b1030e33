"""Kubeconfig loading for ``KubeCluster``: which files, which context, and errors that name them.

The files and the context are checked before the client loads them, so a missing file, bad YAML
or an unknown context is a one-line ``UsageError`` naming the file and the contexts it offers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from kubernetes import config as k8s_config

from oamconf.errors import UsageError, one_line
from oamconf.yamlio import YAMLError, load_kubernetes


def choose_context(path: Path | None, context: str | None) -> tuple[list[Path], str]:
    """The kubeconfig files to load and the context to use, checked so errors name the file.

    Parameters:
        path: the kubeconfig file; ``None`` follows ``KUBECONFIG``, then ``~/.kube/config``.
        context: a context in it; ``None`` takes its current-context.

    Raises:
        UsageError: no file exists, one cannot be parsed, or the context is not in them.
    """
    if path is not None:
        files = [path]
    else:
        listed = os.environ.get("KUBECONFIG", "").split(os.pathsep)
        files = [Path(p).expanduser() for p in listed if p] or [Path("~/.kube/config").expanduser()]
    present = [f for f in files if f.is_file()]
    if not present or (path is not None and not path.is_file()):
        raise UsageError(f"kubeconfig {file_names(files)} does not exist: pass an existing file or set KUBECONFIG")
    contexts: list[str] = []
    current = ""
    for file in present:
        doc = _parse_kubeconfig(file)
        contexts += [str(c["name"]) for c in doc.get("contexts") or [] if isinstance(c, dict) and "name" in c]
        current = current or str(doc.get("current-context") or "")  # the first file's wins, as in kubectl
    available = ", ".join(contexts) or "none"
    chosen = context or current
    if not chosen:
        raise UsageError(f"kubeconfig {file_names(present)} has no current-context: choose one of: {available}")
    if chosen not in contexts:
        raise UsageError(f"context {chosen!r} is not in kubeconfig {file_names(present)}; available: {available}")
    return present, chosen


def context_server(files: list[Path], context: str) -> str | None:
    """The API server URL *context* points at in *files* (from ``choose_context``), or ``None`` if it names none.

    The files merge as kubectl merges them: the first file that defines a context or cluster name wins.

    Raises:
        UsageError: a file cannot be read or parsed.
    """
    return server_of([_parse_kubeconfig(f) for f in files], context)


def server_of(docs: Sequence[object], context: str) -> str | None:
    """The API server URL *context* points at in parsed kubeconfig *docs*, or ``None`` if it names none."""
    entry = _first_named(docs, "contexts", context, "context")
    cluster = _first_named(docs, "clusters", str(entry.get("cluster") or ""), "cluster")
    server = cluster.get("server")
    return str(server) if server else None


def _first_named(docs: Sequence[object], section: str, name: str, body: str) -> Mapping[str, Any]:
    """The *body* mapping of the first entry called *name* in the *section* list of any doc; empty if none."""
    if not name:
        return {}
    for doc in docs:
        entries = doc.get(section) if isinstance(doc, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and entry.get("name") == name:
                found = entry.get(body)
                return found if isinstance(found, dict) else {}
    return {}


def new_client(path: Path | None, context: str | None) -> tuple[Any, str]:
    """A ``kubernetes.client.ApiClient`` for the chosen context, and that context's name.

    Raises:
        UsageError: the file is missing or unparsable, the context is not in it, or its credentials fail to load.
    """
    files, chosen = choose_context(path, context)
    check_exec_plugin(files, chosen)
    try:
        with client_errors() as logged:
            # The client's config module has no annotations.
            api_client = k8s_config.new_client_from_config(  # type: ignore[no-untyped-call]
                config_file=file_names(files), context=chosen, persist_config=False
            )
    except (k8s_config.ConfigException, OSError, ValueError) as err:
        raise UsageError(f"kubeconfig {file_names(files)}, context {chosen}: {one_line(str(err))}") from err
    if logged:  # an exec plugin that ran and failed: the client would go on without credentials
        raise UsageError(
            f"kubeconfig {file_names(files)}, context {chosen}: loading its credentials failed: "
            f"{one_line(logged[0])}: fix the credential plugin, or choose another context"
        )
    return api_client, chosen


def check_exec_plugin(files: list[Path], context: str) -> None:
    """Refuse a context whose user gets its credentials from an exec plugin that is not installed.

    The client would log the missing program on the root logger, go on without credentials and have the
    server refuse them: the stop would blame the credentials, not the missing program.

    Raises:
        UsageError: one line naming the plugin, the user, and the kubeconfig's install hint when it has one.
    """
    docs = [_parse_kubeconfig(f) for f in files]
    user = str(_first_named(docs, "contexts", context, "context").get("user") or "")
    plugin = _first_named(docs, "users", user, "user").get("exec")
    if not isinstance(plugin, dict) or not plugin.get("command"):
        return
    command = str(plugin["command"])
    # As the client runs it: a path with a slash is relative to the kubeconfig's folder, a bare name on PATH.
    found = (files[0].parent / command).is_file() if "/" in command else shutil.which(command) is not None
    if found:
        return
    hint = " ".join(str(plugin.get("installHint") or "").split())
    advice = f" ({hint})" if hint else ""
    raise UsageError(
        f"context {context!r}: user {user!r} gets its credentials from the exec plugin {command!r}, which is not "
        f"installed (not found{'' if '/' in command else ' on PATH'}){advice}: install it, or choose another context"
    )


class _Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def client_errors() -> Iterator[list[str]]:
    """Collect what the Kubernetes client logs as an error while it loads a kubeconfig (a failing exec plugin).

    It logs through ``logging.error`` on the root logger, which, with no handler there, installs one that
    prints ``ERROR:root:...`` for the rest of the run; the caller turns the messages into one line instead.
    """
    handler = _Collected()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler.messages
    finally:
        root.removeHandler(handler)


def file_names(files: list[Path]) -> str:
    """The files as ``KUBECONFIG`` would list them, for messages and for the client's loader."""
    return os.pathsep.join(str(f) for f in files)


def _parse_kubeconfig(file: Path) -> Mapping[str, Any]:
    try:
        doc = load_kubernetes(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"kubeconfig {file} cannot be read ({err}): check the path and permissions") from err
    except YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise UsageError(f"kubeconfig {file} is not valid YAML{where}: fix it or pass another file") from err
    if not isinstance(doc, dict) or not isinstance(doc.get("contexts", []), list):
        raise UsageError(f"kubeconfig {file} is not a kubeconfig (no contexts list): pass another file")
    return doc
