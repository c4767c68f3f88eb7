"""The isolated reader: results come back, crashes and hogs become messages."""

from __future__ import annotations

import os
import time

import pytest

from backplan_xlsx.errors import SpecError, WorkbookReadError
from backplan_xlsx.isolate import run_isolated


def _raise_ours() -> None:
    raise SpecError("plan.yaml:3: bad")


def test_result_and_our_errors_cross_the_boundary() -> None:
    assert run_isolated(lambda a, b: {"sum": a + b}, 2, 3, file="x.xlsx") == {"sum": 5}
    with pytest.raises(SpecError, match="plan.yaml:3: bad"):
        run_isolated(_raise_ours, file="x.xlsx")


def test_a_native_crash_is_one_message() -> None:
    with pytest.raises(WorkbookReadError, match=r"^b\.xlsx: the reader crashed .*SIGABRT"):
        run_isolated(os.abort, file="b.xlsx")


def test_memory_and_time_limits() -> None:
    with pytest.raises(WorkbookReadError, match="needed more than 512 MB"):
        run_isolated(lambda: bytearray(2 * 1024**3), file="c.xlsx", memory=512 * 1024**2)
    with pytest.raises(WorkbookReadError, match="longer than 1 s"):
        run_isolated(time.sleep, 10, file="d.xlsx", timeout=1)


def test_large_results_are_not_truncated() -> None:
    big = run_isolated(lambda: list(range(300_000)), file="e.xlsx")
    assert len(big) == 300_000 and big[-1] == 299_999


def _bug() -> None:
    raise KeyError("oops")


def test_a_bug_in_the_worker_stays_a_bug() -> None:
    from backplan_xlsx.isolate import IsolatedBug

    with pytest.raises(IsolatedBug, match="KeyError: 'oops'"):
        run_isolated(_bug, file="f.xlsx")


def _cyclic() -> list[object]:
    loop: list[object] = [1, "shared"]
    loop.append(loop)
    return loop


def test_a_result_with_a_cycle_or_shared_parts_crosses_intact() -> None:
    """Results are pickled without the memo (memory) unless they need it."""
    got = run_isolated(_cyclic, file="x.xlsx")
    assert got[0] == 1 and got[2] is got
    shared = run_isolated(lambda: [{"a": [1.5] * 3}] * 2000, file="x.xlsx")
    assert shared == [{"a": [1.5] * 3}] * 2000
