"""Parallel reads: every item answered once, crashes and hangs cost one item."""

from __future__ import annotations

import os
import time

from backplan_xlsx.workers import run_parallel


def _work(item: str) -> str:
    if item == "abort":
        os.abort()
    if item == "hang":
        time.sleep(30)
    if item == "hog":
        bytearray(4 * 1024**3)
    return item.upper()


def test_every_item_once_and_crashes_isolated() -> None:
    items = [f"f{i}" for i in range(20)] + ["abort", "hang", "hog"]
    got = {o.item: o for o in run_parallel(_work, items, jobs=2, timeout=2, memory=1024**3)}
    assert set(got) == set(items)
    for i in range(20):
        assert got[f"f{i}"].result == f"F{i}" and not got[f"f{i}"].error
    assert "crashed" in got["abort"].error and "SIGABRT" in got["abort"].error
    assert "longer than 2 s" in got["hang"].error
    assert got["hog"].result is None and got["hog"].error


def test_one_job_runs_in_process() -> None:
    assert [o.result for o in run_parallel(str.upper, ["a", "b"], jobs=1)] == ["A", "B"]


ORPHAN = """
import sys, time
from backplan_xlsx.workers import run_parallel

def slow(item):
    time.sleep(0.5)
    return item

for _ in run_parallel(slow, [str(i) for i in range(100)], jobs=2):
    pass
"""


def test_workers_of_a_killed_parent_exit() -> None:
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", ORPHAN])
    time.sleep(1.5)
    children = subprocess.run(
        ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    assert len(children) == 2
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    alive = children
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [pid for pid in children if os.path.exists(f"/proc/{pid}") and _running(pid)]
    assert not alive, f"orphaned workers still running: {alive}"


def _running(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _pid(item: str) -> str:
    if item == "abort":
        os.abort()
    return f"{item}:{os.getpid()}"


def test_a_pool_keeps_its_workers_over_many_items_and_maps() -> None:
    from backplan_xlsx.workers import WorkerPool

    with WorkerPool(2, timeout=5) as pool:
        first = [o.result for o in pool.map(_pid, [f"a{i}" for i in range(30)])]
        second = {o.item: o for o in pool.map(_pid, ["abort", *(f"b{i}" for i in range(30))])}
    pids = {r.split(":")[1] for r in first if r}
    assert len(first) == 30 and len(pids) == 2  # 30 files, 2 forks
    assert "SIGABRT" in second["abort"].error and second["abort"].result is None
    later = {o.result.split(":")[1] for k, o in second.items() if k != "abort" and o.result}
    assert all(second[f"b{i}"].result for i in range(30))
    # The pool's first workers served the second map too (one replaced after the crash).
    assert pids & later


def test_an_abandoned_map_does_not_mix_answers_into_the_next() -> None:
    from backplan_xlsx.workers import WorkerPool

    with WorkerPool(2, timeout=5) as pool:
        for _ in pool.map(_pid, [f"a{i}" for i in range(10)]):
            break
        got = {o.item: o.result for o in pool.map(_pid, ["x", "y", "z"])}
    assert {k: v.split(":")[0] for k, v in got.items() if v} == {"x": "x", "y": "y", "z": "z"}


SLOW_MODULE = """
import time
time.sleep(0.8)
LOADED = True
"""


def test_preload_imports_while_workers_read_and_never_forks_beside_it(
    tmp_path: object, monkeypatch: object
) -> None:
    """The parent imports what it needs later on a thread; no worker is forked while it runs."""
    import sys
    import threading
    from pathlib import Path

    import pytest

    from backplan_xlsx.workers import WorkerPool

    assert isinstance(tmp_path, Path) and isinstance(monkeypatch, pytest.MonkeyPatch)
    (tmp_path / "slow_to_import.py").write_text(SLOW_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    real_fork = os.fork
    forks = []

    def fork() -> int:
        forks.append(threading.active_count())
        return real_fork()

    monkeypatch.setattr(os, "fork", fork)
    with WorkerPool(2, timeout=5, preload=("slow_to_import", "no_such_module_here")) as pool:
        got = {o.item: o for o in pool.map(_pid, ["abort", *(f"a{i}" for i in range(20))])}
    assert "SIGABRT" in got["abort"].error and all(got[f"a{i}"].result for i in range(20))
    assert sys.modules["slow_to_import"].LOADED
    assert len(forks) == 3 and forks == [1, 1, 1]  # two workers and one replacement, alone
