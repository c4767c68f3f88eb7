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
