"""Read untrusted files where a crash cannot take the command down.

python-calamine is a native library: on some hostile files it aborts the
whole process (SIGABRT), which no ``except`` can catch. Reading in a forked
child with an address-space limit and a time limit turns such a crash into
one file's message. The guard (:mod:`backplan_xlsx.guard`) refuses the known
bad shapes first, so the child is a second line, not the only one.

This is a bare ``os.fork`` and a pipe rather than :mod:`multiprocessing`:
importing that costs ~20 ms, which a small ``status`` should not pay.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import BackplanError, WorkbookReadError

T = TypeVar("T")


class IsolatedBug(RuntimeError):
    """An unexpected exception in the worker: a bug, reported with its traceback."""


DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY = 2 * 1024**3


def _child(
    write_fd: int, fn: Callable[..., Any], args: tuple[Any, ...], memory: int, timeout: float
) -> None:
    import faulthandler
    import gc

    # What the parent built is alive for the child's whole life: frozen, the
    # collector never walks it (nor copies its pages, the fork recipe in gc's
    # docs). The reader's own objects live until the child exits, so collect
    # them seldom: at 700 allocations the collector ran ~14 times over a small
    # status and found nothing (7-17 ms, measured). A cycle is still collected.
    gc.freeze()
    gc.set_threshold(10_000)
    faulthandler.disable()  # a crash is reported by the parent, not dumped here
    signal.alarm(int(timeout) + 5)  # if the parent is killed, do not run on for ever
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
    except Exception:  # noqa: BLE001 - a bug: sent to the parent with its traceback
        import traceback

        result = ("bug", traceback.format_exc())
    view = memoryview(_dumps(result))
    while view:
        written = os.write(write_fd, view)
        view = view[written:]


def _dumps(result: object) -> bytes:
    """Pickle without the memo when the result allows it.

    The memo keeps every pickled object alive in a table: for a snapshot of
    a million check-ins that table alone is bigger than the snapshot (it
    doubled ``status``'s peak memory, measured). Results are trees, so the
    memo only saves a few repeated strings; one that is not (a cycle) is
    pickled the usual way.
    """
    import io

    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    try:
        pickler.dump(result)
    except (ValueError, RecursionError):
        return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    return out.getvalue()


def run_isolated(
    fn: Callable[..., T],
    *args: Any,
    file: str,
    timeout: float = DEFAULT_TIMEOUT,
    memory: int = DEFAULT_MEMORY,
) -> T:
    """Call ``fn(*args)`` in a forked child and return its result.

    Our own errors raised in the child are raised again here; a crash, a
    memory blow-up or a hang becomes a :class:`WorkbookReadError` naming
    ``file``. Without fork (or with ``BACKPLAN_NO_ISOLATION`` set) the call
    runs in-process.
    """
    if not hasattr(os, "fork") or os.environ.get("BACKPLAN_NO_ISOLATION"):
        return fn(*args)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; coverage cannot follow it
        code = 0
        try:
            os.close(read_fd)
            _child(write_fd, fn, args, memory, timeout)
        except BaseException:  # noqa: BLE001 - a bug: the parent reports the exit code
            code = 70
        finally:
            os._exit(code)
    os.close(write_fd)
    chunks, status, timed_out = _wait_for(pid, read_fd, timeout)
    if timed_out:
        raise WorkbookReadError(
            f"{file}: reading took longer than {timeout:.0f} s and was stopped; "
            "the file is probably damaged or far too large"
        )
    if not chunks:
        if os.WIFSIGNALED(status):
            how = f"signal {signal.Signals(os.WTERMSIG(status)).name}"
        else:
            how = f"exit {os.WEXITSTATUS(status)}"
        raise WorkbookReadError(
            f"{file}: the reader crashed on this file ({how}); it is probably damaged: "
            "get a fresh copy or save it again as .xlsx"
        )
    return _result(pickle.loads(b"".join(chunks)), file, memory)  # type: ignore[no-any-return]


def _wait_for(pid: int, read_fd: int, timeout: float) -> tuple[list[bytes], int, bool]:
    """The child's pickled answer in chunks, its exit status, and whether it timed out.

    A child past ``timeout`` is killed; either way it is reaped, and the pipe closed.
    """
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read_fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        if timed_out:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    return chunks, status, timed_out


def _result(answer: tuple[str, Any], file: str, memory: int) -> Any:
    """The child's result, or its error raised again here."""
    kind, payload = answer
    if kind == "ok":
        return payload
    if kind == "error":
        name, message, problems = payload
        from . import errors

        cls = getattr(errors, name, WorkbookReadError)
        raise cls(message, problems)
    if kind == "bug":
        raise IsolatedBug(f"a bug while reading {file}; the worker's traceback:\n{payload}")
    raise WorkbookReadError(
        f"{file}: reading it needed more than {memory // 2**20:,} MB and was stopped; "
        "the file is probably damaged or far too large"
    )
