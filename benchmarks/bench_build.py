"""How much ``backplan build`` costs over XlsxWriter itself writing the same file.

For the sales template and for a plan about a hundred times its size, one
build is recorded at the XlsxWriter API (every top-level call on the
workbook, its worksheets and charts, with its arguments), and the recording
is replayed on a fresh ``xlsxwriter.Workbook``: that is "bare XlsxWriter
writing the same cells, formats, validations and charts". Both run several
times in the same process; the medians are printed as a ratio
(backplan / bare), with the peak Python memory of each (tracemalloc, in a
separate run so it does not slow the timed ones).

    .venv/bin/python benchmarks/bench_build.py [--runs 7] [--big-runs 3]
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import xlsxwriter
import yaml
from xlsxwriter.chart import Chart
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from backplan_xlsx.model import Action, Plan, Snapshot
from backplan_xlsx.spec import load_spec, load_spec_text
from backplan_xlsx.writer import write_workbook

ROOT = Path(__file__).resolve().parent.parent
AS_OF = date(2027, 5, 15)
RECORDED = (Workbook, Worksheet, Chart)
Call = tuple[Any, str, tuple[Any, ...], dict[str, Any], Any]


# --- recording and replaying the XlsxWriter calls ------------------------------------


class Recorder:
    """Patches the public methods of Workbook, Worksheet and Chart to log top-level calls."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._depth = threading.local()
        self._saved: list[tuple[type, str, Any]] = []

    def __enter__(self) -> Recorder:
        for cls in RECORDED:
            for name, fn in list(vars(cls).items()):
                if not inspect.isfunction(fn):
                    continue
                internal = cls is Workbook and name in ("__init__", "close")
                if name.startswith("_") and not internal:
                    continue
                self._saved.append((cls, name, fn))
                setattr(cls, name, self._wrap(name, fn, record=not internal))
        return self

    def __exit__(self, *exc: object) -> None:
        for cls, name, fn in self._saved:
            setattr(cls, name, fn)

    def _wrap(self, name: str, fn: Callable[..., Any], *, record: bool) -> Callable[..., Any]:
        """Log the call when it is not made from inside another XlsxWriter call.

        ``Workbook.__init__`` and ``close`` are not logged but count as inside,
        so the default formats and sheets they add are not replayed twice.
        """
        depth = self._depth

        def wrapper(obj: Any, *args: Any, **kwargs: Any) -> Any:
            level = getattr(depth, "n", 0)
            # The arguments as passed: XlsxWriter changes some option dicts in place.
            before = (_copy(args), _copy(kwargs)) if level == 0 and record else None
            depth.n = level + 1
            try:
                result = fn(obj, *args, **kwargs)
            finally:
                depth.n = level
            if before is not None:
                self.calls.append((obj, name, before[0], before[1], result))
            return result

        return wrapper


def _copy(value: Any) -> Any:
    """Dicts, lists and tuples copied all the way down; other objects shared."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    return value


def _map(value: Any, objs: dict[int, Any]) -> Any:
    if id(value) in objs:
        return objs[id(value)]
    if isinstance(value, dict):
        return {k: _map(v, objs) for k, v in value.items()}
    if isinstance(value, list):
        return [_map(v, objs) for v in value]
    return value


def record(snapshot: Snapshot, path: Path) -> tuple[list[Call], Any]:
    """Build once with the recorder on; return the calls and the recorded workbook."""
    books: list[Any] = []
    original_init = Workbook.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        books.append((self, args, kwargs))

    Workbook.__init__ = init  # type: ignore[method-assign]
    # The fast formula path stores cells without a public XlsxWriter call, which
    # the recorder would miss: record the plain path (the same bytes).
    plain = {"fast": False} if "fast" in inspect.signature(write_workbook).parameters else {}
    try:
        with Recorder() as rec:
            write_workbook(snapshot, path, AS_OF, **plain)
    finally:
        Workbook.__init__ = original_init  # type: ignore[method-assign]
    return rec.calls, books[0]


Step = tuple[int, str, tuple[Any, ...], tuple[tuple[int, int], ...], bool, dict[str, Any], int]


def compile_calls(calls: list[Call], book: Any) -> list[Step]:
    """The recording as replay steps, with the object substitutions worked out up front.

    So the timed replay does what hand-written XlsxWriter code would: one
    method call per step, plus a list index for a format argument.
    """
    known = {id(book[0])}
    steps: list[Step] = []
    for target, name, args, kw, result in calls:
        subs = tuple((i, id(a)) for i, a in enumerate(args) if id(a) in known)
        deep = bool(kw) or any(isinstance(a, dict | list) for a in args)
        rid = 0
        if result is not None and not isinstance(result, int | float | str | bool):
            rid = id(result)
            known.add(rid)
        steps.append((id(target), name, args, subs, deep, kw, rid))
    return steps


def replay(steps: list[Step], book: Any, path: Path) -> None:
    """Bare XlsxWriter: the recorded calls on a fresh workbook, then close."""
    original, args0, kwargs0 = book
    wb = xlsxwriter.Workbook(str(path), *args0[1:], **kwargs0)
    objs: dict[int, Any] = {id(original): wb}
    for tid, name, args, subs, deep, kw, rid in steps:
        if subs:
            mutable = list(args)
            for i, oid in subs:
                mutable[i] = objs[oid]
            args = tuple(mutable)
        if deep:
            args, kw = _map(list(args), objs), _map(kw, objs)
        out = getattr(objs[tid], name)(*args, **kw)
        if rid:
            objs[rid] = out
    wb.close()


def cells(calls: list[Call]) -> int:
    """How many cells the recorded build wrote."""
    return sum(1 for _, name, *_ in calls if name.startswith("write_"))


# --- the plans ---------------------------------------------------------------------------


def sales() -> Plan:
    return load_spec(ROOT / "templates" / "sales.yaml")


def big(goals: int = 50, owners: int = 60, actions: int = 22_800) -> Plan:
    """About a hundred times the sales workbook's cells.

    50 goals with weekly milestones over three years (7,800 milestones), 60
    owners sharing every goal, and 22,800 actions spread over the milestones.
    The goals and owners go through the spec loader; the actions are added as
    planned ones directly (the spec loader's cost is not what is measured here).
    """
    start = date(2027, 1, 1)
    names = [f"Owner {k:02d}" for k in range(owners)]
    share = 1 / 64  # binary, so the shares add up to exactly 1 below
    spec: dict[str, Any] = {
        "plan": "Big plan",
        "start": start,
        "goals": [
            {
                "id": f"G{i + 1}",
                "name": f"Goal {i + 1}",
                "baseline": 0,
                "target": 1_000_000 + 1000 * i,
                "deadline": start + timedelta(days=7 * 156),
                "cadence": "weekly",
                "measure": "sum" if i % 4 else "latest",
                "curve": "back-loaded",
            }
            for i in range(goals)
        ],
        "owners": [
            {"name": n, "shares": {f"G{i + 1}": share for i in range(goals)}} for n in names
        ],
        "anti_goals": [
            {"avoid": f"Avoid {k}", "instead": f"Do {k}", "limit": 0.2} for k in range(5)
        ],
    }
    rest = 1 - share * (owners - 1)
    spec["owners"][-1]["shares"] = {f"G{i + 1}": rest for i in range(goals)}
    plan = load_spec_text(yaml.safe_dump(spec, sort_keys=False), "big.yaml")
    ms = plan.milestones
    planned = tuple(
        Action(
            id=f"A{k + 1}",
            milestone=(m := ms[k % len(ms)]).id,
            goal=m.goal,
            action=f"Call {k % 7 + 1} customers about the {m.goal} offer",
            owner=names[k % owners],
            due=m.due - timedelta(days=k % 5),
        )
        for k in range(actions)
    )
    return replace(plan, actions=planned)


# --- measuring -------------------------------------------------------------------------


def median_times(a: Callable[[], None], b: Callable[[], None], runs: int) -> tuple[float, float]:
    """Median seconds of ``a`` and of ``b``, run alternately so drift hits both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for fn, out in ((a, times[0]), (b, times[1])):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return statistics.median(times[0]), statistics.median(times[1])


def peak(fn: Callable[[], None]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bench(label: str, plan: Plan, runs: int, folder: Path) -> dict[str, Any]:
    snap = Snapshot(plan)
    target = folder / f"{label}.xlsx"
    calls, book = record(snap, folder / f"{label}-recorded.xlsx")
    steps = compile_calls(calls, book)

    def ours() -> None:
        write_workbook(snap, target, AS_OF)

    def bare() -> None:
        replay(steps, book, folder / f"{label}-bare.xlsx")

    ours()
    bare()  # warm up; and the replay must write the very same file
    same = target.read_bytes() == (folder / f"{label}-bare.xlsx").read_bytes()
    t_ours, t_bare = median_times(ours, bare, runs)
    return {
        "label": label,
        "cells": cells(calls),
        "calls": len(calls),
        "ours_s": t_ours,
        "bare_s": t_bare,
        "ratio": t_ours / t_bare,
        "ours_peak": peak(ours),
        "bare_peak": peak(bare),
        "bytes": target.stat().st_size,
        "same": same,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs for the sales plan")
    parser.add_argument("--big-runs", type=int, default=3, help="timed runs for the big plan")
    args = parser.parse_args()
    t = time.perf_counter()
    small_plan = sales()
    spec_s = time.perf_counter() - t
    t = time.perf_counter()
    big_plan = big()
    big_spec_s = time.perf_counter() - t
    with tempfile.TemporaryDirectory(prefix="backplan-bench-") as tmp:
        rows = [
            bench("sales", small_plan, args.runs, Path(tmp)),
            bench("big", big_plan, args.big_runs, Path(tmp)),
        ]
    small = rows[0]["cells"]
    print(f"spec load + plan: sales {spec_s:.3f} s (first, with imports); big {big_spec_s:.3f} s")
    print(
        f"{'plan':<6} {'cells':>8} {'x sales':>8} {'backplan s':>11} {'bare s':>8} "
        f"{'ratio':>6} {'backplan MB':>12} {'bare MB':>8} {'mem ratio':>9} {'file KB':>8}"
    )
    for r in rows:
        print(
            f"{r['label']:<6} {r['cells']:>8} {r['cells'] / small:>8.1f} {r['ours_s']:>11.3f} "
            f"{r['bare_s']:>8.3f} {r['ratio']:>6.2f} {r['ours_peak'] / 2**20:>12.1f} "
            f"{r['bare_peak'] / 2**20:>8.1f} {r['ours_peak'] / r['bare_peak']:>9.2f} "
            f"{r['bytes'] // 1024:>8} {'yes' if r['same'] else 'NO':>10}"
        )


if __name__ == "__main__":
    main()
