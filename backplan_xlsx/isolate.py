"""Read untrusted files where a crash cannot take the command down.

python-calamine is a native library: on some hostile files it aborts the
whole process (SIGABRT), which no ``except`` can catch. Reading in a forked
worker with an address-space limit and a time limit turns such a crash into
one file's message. The guard (:mod:`backplan_xlsx.guard`) refuses the known
bad shapes first, so the worker is a second line, not the only one.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from .errors import BackplanError, WorkbookReadError

T = TypeVar("T")

DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY = 2 * 1024**3


def _child(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...], memory: int) -> None:
    import faulthandler

    faulthandler.disable()  # a crash is reported by the parent, not dumped here
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):
        pass
    try:
        result: tuple[str, Any] = ("ok", fn(*args))
    except BackplanError as exc:
        result = ("error", (type(exc).__name__, exc.message, exc.problems))
    except MemoryError:
        result = ("memory", None)
    try:
        conn.send(result)
    finally:
        conn.close()


def run_isolated(
    fn: Callable[..., T],
    *args: Any,
    file: str,
    timeout: float = DEFAULT_TIMEOUT,
    memory: int = DEFAULT_MEMORY,
) -> T:
    """Call ``fn(*args)`` in a forked worker and return its result.

    Our own errors raised in the worker are raised again here; a crash, a
    memory blow-up or a hang becomes a :class:`WorkbookReadError` naming
    ``file``. Where fork is unavailable the call runs in-process.
    """
    if "fork" not in multiprocessing.get_all_start_methods() or os.environ.get(
        "BACKPLAN_NO_ISOLATION"
    ):
        return fn(*args)
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args, memory), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            proc.kill()
            raise WorkbookReadError(
                f"{file}: reading took longer than {timeout:.0f} s and was stopped; "
                "the file is probably damaged or far too large"
            )
        try:
            kind, payload = parent.recv()
        except (EOFError, OSError):
            kind, payload = "crash", None
    finally:
        parent.close()
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join()
    if kind == "ok":
        return payload  # type: ignore[no-any-return]
    if kind == "error":
        name, message, problems = payload
        from . import errors

        cls = getattr(errors, name, WorkbookReadError)
        raise cls(message, problems)
    if kind == "memory":
        raise WorkbookReadError(
            f"{file}: reading it needed more than {memory // 2**20:,} MB and was stopped; "
            "the file is probably damaged or far too large"
        )
    code = proc.exitcode
    how = (
        f"signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit {code}"
    )
    raise WorkbookReadError(
        f"{file}: the reader crashed on this file ({how}); it is probably damaged: "
        "get a fresh copy or save it again as .xlsx"
    )
