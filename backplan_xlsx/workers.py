"""Read many untrusted files on every core, one crash costing one file.

A pool of long-lived forked workers (one per core by default) takes file
paths one at a time and sends back small results. A worker that dies (a
native reader's SIGABRT, the memory limit) or hangs past the time limit is
replaced, and only the file it was reading is reported as failed: the batch
goes on. Workers start by fork, so they share the parent's imported modules
and cost a few milliseconds each, once.

Each worker holds two tasks at a time, so it starts the next file the
moment it sends an answer instead of waiting for the parent to take it in.
While the workers read, the parent can import what it needs afterwards
(``preload``: the history store's SQLAlchemy, the roll-up's XlsxWriter) on
a thread; no worker is ever forked while that thread runs.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

T = TypeVar("T")

DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY = 2 * 1024**3
#: Tasks a worker holds at once: the one it reads and the one it starts next.
IN_FLIGHT = 2


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """One input's result, or why there is none (``error``)."""

    item: str
    result: T | None
    error: str = ""


def _worker(conn: Connection, memory: int, timeout: float, parent: int) -> None:
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
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        fn, item = task
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


Task = tuple[Callable[[str], Any], str]


@dataclass
class _Slot:
    """One worker and the tasks it holds, oldest (the one it is reading) first."""

    proc: Any
    conn: Connection
    tasks: deque[Task] = field(default_factory=deque)
    #: When the oldest task started: sent to an idle worker, or its predecessor answered.
    started: float = 0.0

    @property
    def item(self) -> str | None:
        return self.tasks[0][1] if self.tasks else None


class WorkerPool:
    """Long-lived forked workers that take many files each, over one or more maps.

    The workers are forked on the first :meth:`map` and kept until the pool
    closes, so an import that reads every file and then a few of them again
    whole forks ``jobs`` workers once. Each task carries its function (a
    module-level one: it is sent by name), so one pool serves both passes.
    With ``jobs == 1`` or no fork, tasks run in-process (still one at a
    time), which is what tests and debuggers want. ``preload`` names modules
    the caller will import once the reading is done: they are imported on a
    thread once the first workers are forked (see the module docstring).
    """

    def __init__(
        self,
        jobs: int | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        memory: int = DEFAULT_MEMORY,
        preload: Sequence[str] = (),
    ) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.timeout = timeout
        self.memory = memory
        self.in_process = self.jobs == 1 or "fork" not in multiprocessing.get_all_start_methods()
        self._slots: list[_Slot] = []
        self._queue: list[Task] = []
        self._preload = tuple(preload)
        self._loader: Any = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def map(self, fn: Callable[[str], T], items: Sequence[str]) -> Iterator[Outcome[T]]:
        """Yield ``fn(item)`` for every item, in completion order.

        ``fn`` should catch the errors it expects and return them as data; an
        exception escaping it, a crash or a time-out becomes an
        :class:`Outcome` with ``error`` set, and a crashed or stuck worker is
        replaced: only its file is lost.
        """
        if self.in_process:
            for one in items:
                yield Outcome(one, fn(one))
            return
        self._queue = [(fn, one) for one in reversed(items)]
        while len(self._slots) < min(self.jobs, len(items)):
            self._slots.append(self._spawn())
        self._start_preload()
        try:
            for slot in self._slots:
                self._feed(slot)
            while any(s.tasks for s in self._slots):
                yield from self._collect_ready()
        finally:
            if any(s.tasks for s in self._slots):
                self.close()  # abandoned mid-way: answers still on their way would be misread

    def _collect_ready(self) -> Iterator[Outcome[Any]]:
        """Wait up to a second for answers; yield them, and time-outs, and refill."""
        busy = [s for s in self._slots if s.tasks]
        ready = wait([s.conn for s in busy], timeout=1.0)
        now = time.monotonic()
        for slot in busy:
            item = slot.item
            assert item is not None
            if slot.conn in ready:
                try:
                    kind, payload = slot.conn.recv()
                except (EOFError, OSError):
                    yield Outcome(item, None, f"the reader crashed on it ({self._exit(slot)})")
                    self._replace(slot)
                    continue
                slot.tasks.popleft()
                slot.started = time.monotonic()  # the next task began as this one answered
                self._feed(slot)
                yield Outcome(item, payload) if kind == "ok" else Outcome(item, None, str(payload))
            elif now - slot.started > self.timeout:
                slot.proc.kill()
                slot.proc.join()
                yield Outcome(item, None, f"reading took longer than {self.timeout:.0f} s")
                self._replace(slot)

    def _spawn(self) -> _Slot:
        if self._loader is not None:
            self._loader.join()  # never fork while the preload thread runs (its locks)
        ctx = multiprocessing.get_context("fork")
        parent, child = ctx.Pipe(duplex=True)
        proc = ctx.Process(
            target=_worker, args=(child, self.memory, self.timeout, os.getpid()), daemon=True
        )
        proc.start()
        child.close()
        return _Slot(proc, parent)

    def _start_preload(self) -> None:
        if not self._preload or self._loader is not None:
            return
        import threading

        self._loader = threading.Thread(target=_import_all, args=(self._preload,), daemon=True)
        self._loader.start()

    def _feed(self, slot: _Slot) -> None:
        """Top the worker up to :data:`IN_FLIGHT` tasks."""
        if not slot.tasks:
            slot.started = time.monotonic()
        while self._queue and len(slot.tasks) < IN_FLIGHT:
            task = self._queue.pop()
            try:
                slot.conn.send(task)
            except OSError:  # it died on the task it holds: the next wait says how
                self._queue.append(task)
                if not slot.tasks:  # it died idle: nothing was lost, it is just replaced
                    self._replace(slot, lost=False)
                return
            slot.tasks.append(task)

    @staticmethod
    def _exit(slot: _Slot) -> str:
        slot.proc.join(5)
        code = slot.proc.exitcode
        if code is not None and code < 0:
            return f"signal {signal.Signals(-code).name}"
        return f"exit {code}"

    def _replace(self, dead: _Slot, *, lost: bool = True) -> None:
        """A fresh worker in a dead one's place; the tasks it held after the lost one go first."""
        dead.conn.close()
        dead.proc.join(5)
        if lost:
            dead.tasks.popleft()
        self._queue.extend(reversed(dead.tasks))
        fresh = self._spawn()
        self._slots[self._slots.index(dead)] = fresh
        self._feed(fresh)

    def close(self) -> None:
        """Stop every worker (a worker still busy is killed)."""
        slots, self._slots = self._slots, []
        for slot in slots:
            with contextlib.suppress(OSError, ValueError):
                slot.conn.send(None)
            slot.conn.close()
        for slot in slots:
            slot.proc.join(2)
            if slot.proc.is_alive():
                slot.proc.kill()
                slot.proc.join()
        if self._loader is not None:
            self._loader.join()


def _import_all(modules: Sequence[str]) -> None:
    """Import each module, quietly: a failure is met again, and reported, where it is used."""
    import importlib

    for name in modules:
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def run_parallel(
    fn: Callable[[str], T],
    items: Sequence[str],
    *,
    jobs: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory: int = DEFAULT_MEMORY,
) -> Iterator[Outcome[T]]:
    """Yield ``fn(item)`` for every item, in completion order, on ``jobs`` workers.

    A pool of its own for one map (see :class:`WorkerPool`), closed when
    the iteration ends or is abandoned.
    """
    with WorkerPool(jobs, timeout=timeout, memory=memory) as pool:
        yield from pool.map(fn, items)
