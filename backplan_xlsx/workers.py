"""Read many untrusted files on every core, one crash costing one file.

A pool of long-lived forked workers (one per core by default) takes file
paths one at a time and sends back small results. A worker that dies (a
native reader's SIGABRT, the memory limit) or hangs past the time limit is
replaced, and only the file it was reading is reported as failed: the batch
goes on. Workers start by fork, so they share the parent's imported modules
and cost a few milliseconds each, once.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

T = TypeVar("T")

DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY = 2 * 1024**3


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """One input's result, or why there is none (``error``)."""

    item: str
    result: T | None
    error: str = ""


def _worker(
    conn: Connection, fn: Callable[[str], Any], memory: int, timeout: float, parent: int
) -> None:
    import faulthandler

    faulthandler.disable()  # a crash is reported by the parent, not dumped here
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            # Later workers inherit earlier workers' pipe ends, so a parent killed
            # with SIGKILL closes no pipe: notice it by the parent pid changing.
            while not conn.poll(1.0):
                if os.getppid() != parent:
                    return
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        # A worker whose parent died mid-read must not run on for ever.
        signal.alarm(int(timeout) + 5)
        try:
            conn.send(("ok", fn(item)))
        except MemoryError:
            conn.send(
                ("error", "reading it needed more memory than allowed; it is probably damaged")
            )
        except Exception as exc:  # noqa: BLE001 - a bug: shown with its traceback, batch goes on
            import traceback

            traceback.print_exc()
            conn.send(("error", f"internal error, please report it (a bug in backplan): {exc!r}"))
        finally:
            signal.alarm(0)


@dataclass
class _Slot:
    proc: Any
    conn: Connection
    item: str | None = None
    started: float = 0.0


def run_parallel(
    fn: Callable[[str], T],
    items: Sequence[str],
    *,
    jobs: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory: int = DEFAULT_MEMORY,
) -> Iterator[Outcome[T]]:
    """Yield ``fn(item)`` for every item, in completion order, on ``jobs`` workers.

    ``fn`` should catch the errors it expects and return them as data; an
    exception escaping it, a crash or a time-out becomes an :class:`Outcome`
    with ``error`` set. With ``jobs == 1`` or no fork, items run in-process
    (still one at a time), which is what tests and debuggers want.
    """
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        for one in items:
            yield Outcome(one, fn(one))
        return
    ctx = multiprocessing.get_context("fork")
    queue = list(reversed(items))
    slots: list[_Slot] = []

    def spawn() -> _Slot:
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(
            target=_worker, args=(child, fn, memory, timeout, os.getpid()), daemon=True
        )
        proc.start()
        child.close()
        return _Slot(proc, parent)

    def feed(slot: _Slot) -> None:
        if queue:
            slot.item = queue.pop()
            slot.started = time.monotonic()
            slot.conn.send(slot.item)
        else:
            slot.item = None

    try:
        for _ in range(min(jobs, len(items))):
            slot = spawn()
            slots.append(slot)
            feed(slot)
        while any(s.item is not None for s in slots):
            busy = [s for s in slots if s.item is not None]
            ready = wait([s.conn for s in busy], timeout=1.0)
            now = time.monotonic()
            for slot in busy:
                current = slot.item
                assert current is not None
                item = current
                if slot.conn in ready:
                    try:
                        kind, payload = slot.conn.recv()
                    except (EOFError, OSError):
                        slot.proc.join(5)
                        code = slot.proc.exitcode
                        how = (
                            f"signal {signal.Signals(-code).name}"
                            if code is not None and code < 0
                            else f"exit {code}"
                        )
                        yield Outcome(item, None, f"the reader crashed on it ({how})")
                        _replace(slots, slot, spawn, feed)
                        continue
                    if kind == "ok":
                        yield Outcome(item, payload)
                    else:
                        yield Outcome(item, None, str(payload))
                    feed(slot)
                elif now - slot.started > timeout:
                    slot.proc.kill()
                    slot.proc.join()
                    yield Outcome(item, None, f"reading took longer than {timeout:.0f} s")
                    _replace(slots, slot, spawn, feed)
    finally:
        for slot in slots:
            with contextlib.suppress(OSError, ValueError):
                slot.conn.send(None)
            slot.conn.close()
        for slot in slots:
            slot.proc.join(2)
            if slot.proc.is_alive():
                slot.proc.kill()
                slot.proc.join()


def _replace(
    slots: list[_Slot],
    dead: _Slot,
    spawn: Callable[[], _Slot],
    feed: Callable[[_Slot], None],
) -> None:
    dead.conn.close()
    index = slots.index(dead)
    fresh = spawn()
    slots[index] = fresh
    feed(fresh)
