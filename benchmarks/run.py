"""Every speed goal of issue 15, each a ratio against the bare libraries in the same run.

Each goal is timed as whole processes (start-up included) unless it says
otherwise, ours and the bare counterpart interleaved round by round so the
machine's noise hits both alike; min / median / max are printed for both
and the verdict uses the ratio of the medians.

    .venv/bin/python benchmarks/run.py              # every goal, quick (a few minutes)
    .venv/bin/python benchmarks/run.py --full       # more runs; the big plan at 100x, not
                                                    # 25x; 500k and 1M check-in rows too
    .venv/bin/python benchmarks/run.py help status  # some goals
    .venv/bin/python benchmarks/run.py --tree DIR   # time another checkout's backplan_xlsx
    .venv/bin/python benchmarks/run.py --detail     # the older per-area reports (bench_*.py)
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

AS_OF = date(2027, 5, 15)
PYTHON = sys.executable
BACKPLAN = str(Path(PYTHON).parent / "backplan")


@dataclass
class Figure:
    """One goal's measurement: our times, the bare counterpart's, and the bar."""

    name: str
    ours: list[float]
    bare: list[float]
    bare_name: str
    limit: float | None  # the ratio ours/bare must stay at or below (None: shown only)
    unit: str = "ms"
    floor: float | None = None  # or: our median must reach this (a rate)
    ours_cpu: list[float] | None = None
    bare_cpu: list[float] | None = None

    @property
    def ratio(self) -> float:
        return statistics.median(self.ours) / statistics.median(self.bare)

    @property
    def is_goal(self) -> bool:
        return self.limit is not None or self.floor is not None

    @property
    def holds(self) -> bool:
        if self.floor is not None:
            return statistics.median(self.ours) >= self.floor
        return self.limit is None or self.ratio <= self.limit

    @property
    def bar(self) -> str:
        if self.floor is not None:
            return f"median {statistics.median(self.ours):.0f}{self.unit} >= {self.floor:.0f}{self.unit}"
        if self.limit is not None:
            return f"{self.ratio:5.2f}x <= {self.limit:.2f}x"
        return f"{self.ratio:5.2f}x"


def _env(tree: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if tree is not None:
        env["PYTHONPATH"] = f"{tree}{os.pathsep}{env.get('PYTHONPATH', '')}"
    return env


def process(argv: Sequence[str], env: dict[str, str], cwd: Path | None = None) -> float:
    """Wall time of one whole process; its failure is the benchmark's failure."""
    t = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env, cwd=cwd)
    return time.perf_counter() - t


Times = dict[str, list[float]]


def _cpu() -> float:
    """CPU seconds used so far by this process and every child it has waited for."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def interleave(
    jobs: dict[str, Callable[[], float]], runs: int, warmup: int = 1
) -> tuple[Times, Times]:
    """Run every job once per round, rotating the order, ``runs`` rounds after ``warmup``.

    Returns each job's wall times and its CPU times (children included): on a
    shared machine the CPU figure is the steadier of the two.
    """
    names = list(jobs)
    wall: Times = {n: [] for n in names}
    cpu: Times = {n: [] for n in names}
    for r in range(warmup + runs):
        order = names[r % len(names) :] + names[: r % len(names)]
        for n in order:
            before = _cpu()
            seconds = jobs[n]()
            if r >= warmup:
                wall[n].append(seconds)
                cpu[n].append(_cpu() - before)
    return wall, cpu


def _mmm(xs: list[float], scale: float) -> str:
    return f"{min(xs) * scale:7.1f} {statistics.median(xs) * scale:7.1f} {max(xs) * scale:7.1f}"


def show(f: Figure) -> None:
    scale = 1000.0 if f.unit == "ms" else 1.0
    verdict = ("holds" if f.holds else "MISSED") if f.is_goal else "(no goal: shown)"
    print(f"{f.name}")
    print(f"    ours {_mmm(f.ours, scale)} {f.unit} (min median max)")
    print(f"    bare {_mmm(f.bare, scale)} {f.unit}  {f.bare_name}")
    if f.ours_cpu and f.bare_cpu:
        print(f"    cpu  {_mmm(f.ours_cpu, scale)} {f.unit} ours, children included")
        print(f"    cpu  {_mmm(f.bare_cpu, scale)} {f.unit} bare")
        cpu = statistics.median(f.ours_cpu) / statistics.median(f.bare_cpu)
        print(f"    cpu ratio {cpu:5.2f}x")
    print(f"    ratio {f.ratio:5.2f}x  {f.bar}  {verdict}", flush=True)


def figure(
    name: str,
    wall: Times,
    cpu: Times,
    keys: tuple[str, str],
    bare_name: str,
    limit: float | None,
    unit: str = "ms",
) -> Figure:
    """A Figure from interleaved wall and CPU times: ours under keys[0], bare under keys[1]."""
    ours, bare = keys
    return Figure(
        name, wall[ours], wall[bare], bare_name, limit, unit, ours_cpu=cpu[ours], bare_cpu=cpu[bare]
    )


# --- the goals -------------------------------------------------------------------------


def goal_help(ctx: Context) -> list[Figure]:
    t, c = interleave(
        {
            "ours": lambda: process([BACKPLAN, "--help"], ctx.env),
            "bare": lambda: process([PYTHON, "-c", "import click"], ctx.env),
        },
        ctx.runs * 2,
    )
    return [figure("backplan --help", t, c, ("ours", "bare"), 'python -c "import click"', 1.2)]


def _sales_workbooks(ctx: Context) -> tuple[Path, Path, Path]:
    """The built sales template, its bare-XlsxWriter module, and a copy with 300 check-ins."""
    from bare import xlsxwriter_module
    from bench_build import record
    from bench_status import workbook

    from backplan_xlsx.model import Snapshot
    from backplan_xlsx.spec import load_spec

    folder = ctx.tmp / "sales"
    folder.mkdir(exist_ok=True)
    plan = load_spec(ctx.root / "templates" / "sales.yaml")
    calls, book = record(Snapshot(plan), folder / "recorded.xlsx")
    bare_out = folder / "bare.xlsx"
    (folder / "bare_sales_build.py").write_text(xlsxwriter_module(calls, book, bare_out))
    subprocess.run([PYTHON, "-c", "import bare_sales_build"], check=True, cwd=folder)
    if bare_out.read_bytes() != (folder / "recorded.xlsx").read_bytes():
        raise SystemExit("the bare XlsxWriter module does not write the same file")
    return folder, bare_out, workbook(folder / "checked-in.xlsx", 300)


def goal_build_status(ctx: Context) -> list[Figure]:
    from bare import calamine_code

    folder, bare_out, filled = _sales_workbooks(ctx)
    ours_out = folder / "ours.xlsx"
    spec = str(ctx.root / "templates" / "sales.yaml")
    day = AS_OF.isoformat()

    def build() -> float:
        ours_out.unlink(missing_ok=True)
        return process([BACKPLAN, "build", spec, "-o", str(ours_out), "--as-of", day], ctx.env)

    def status(path: Path) -> float:
        argv = [BACKPLAN, "status", str(path), "--as-of", day, "-f", "json"]
        return process(argv, ctx.env)

    def bare_write() -> float:
        return process([PYTHON, "-c", "import bare_sales_build"], ctx.env, cwd=folder)

    t, c = interleave(
        {
            "build": build,
            "status": lambda: status(ours_out),
            "bare_write": bare_write,
            "bare_read": lambda: process([PYTHON, "-c", calamine_code(bare_out)], ctx.env),
            "status_filled": lambda: status(filled),
            "bare_filled": lambda: process([PYTHON, "-c", calamine_code(filled)], ctx.env),
            # The least any Click command reading these sheets can cost: the floor
            # under the status goal, which the bare reader does not pay.
            "click_filled": lambda: process(
                [PYTHON, "-c", "import click\n" + calamine_code(filled)], ctx.env
            ),
        },
        ctx.runs,
    )
    for times in (t, c):
        times["both"] = [a + b for a, b in zip(times["build"], times["status"], strict=True)]
        times["bare_both"] = [
            a + b for a, b in zip(times["bare_write"], times["bare_read"], strict=True)
        ]
    return [
        figure(
            "build + status -f json, sales template",
            t,
            c,
            ("both", "bare_both"),
            "XlsxWriter writing + calamine reading it",
            1.5,
        ),
        figure("  build alone", t, c, ("build", "bare_write"), "XlsxWriter, same calls", None),
        figure("  status alone", t, c, ("status", "bare_read"), "calamine, same sheets", None),
        figure(
            "status -f json, sales template + 300 check-ins",
            t,
            c,
            ("status_filled", "bare_filled"),
            "calamine reading the same sheets",
            1.3,
        ),
        figure(
            "  floor: import click + the same calamine read",
            t,
            c,
            ("click_filled", "bare_filled"),
            "calamine reading the same sheets",
            None,
        ),
        figure(
            "  status -f json against that floor",
            t,
            c,
            ("status_filled", "click_filled"),
            "import click + calamine reading the same sheets",
            None,
        ),
    ]


def goal_big_build(ctx: Context) -> list[Figure]:
    """In-process: the plan is made in Python (its 22,800 actions skip the spec)."""
    from bench_build import big, compile_calls, record, replay, sales

    from backplan_xlsx.model import Snapshot
    from backplan_xlsx.writer import write_workbook

    snap = Snapshot(big(goals=ctx.big_goals, actions=456 * ctx.big_goals))
    sales_cells = sum(
        1
        for call in record(Snapshot(sales()), ctx.tmp / "s.xlsx")[0]
        if call[1].startswith("write_")
    )
    folder = ctx.tmp / "big"
    folder.mkdir(exist_ok=True)
    calls, book = record(snap, folder / "recorded.xlsx")
    steps = compile_calls(calls, book)

    def ours() -> float:
        t = time.perf_counter()
        write_workbook(snap, folder / "ours.xlsx", AS_OF)
        return time.perf_counter() - t

    def bare() -> float:
        t = time.perf_counter()
        replay(steps, book, folder / "bare.xlsx")
        return time.perf_counter() - t

    t, c = interleave({"ours": ours, "bare": bare}, ctx.runs, warmup=0)
    cells = sum(1 for call in calls if call[1].startswith("write_"))
    return [
        figure(
            f"build of a plan {cells / sales_cells:.0f}x the template ({cells:,} cells), in-process",
            t,
            c,
            ("ours", "bare"),
            "XlsxWriter replaying the same calls",
            1.0,
        )
    ]


def goal_collect(ctx: Context) -> list[Figure]:
    from bare import calamine_pool_code
    from bench_collect import make_inbox

    jobs = 2
    files = make_inbox(ctx.tmp / "c300", 10)
    inbox = files[0].parent
    t, c = _collect_vs_bare(ctx, files, jobs, calamine_pool_code)
    n = len(files)
    rate = [n / s for s in t["ours"]]
    bare_rate = [n / s for s in t["bare"]]
    figures = [
        figure(
            f"collect of {n} copies, --jobs {jobs}: time",
            t,
            c,
            ("ours", "bare"),
            f"calamine reading every sheet, {jobs} workers",
            1 / 0.75,
        ),
        Figure(
            f"collect of {n} copies, --jobs {jobs}: files per second",
            rate,
            bare_rate,
            "bare calamine files per second",
            None,
            unit="/s",
            floor=250,
        ),
    ]
    if ctx.memory:
        big_inbox = make_inbox(ctx.tmp / "c3000", 100)[0].parent
        small = [_peak_mb(ctx, inbox, ctx.tmp / "m300.xlsx") for _ in range(2)]
        big_mb = [_peak_mb(ctx, big_inbox, ctx.tmp / "m3000.xlsx") for _ in range(2)]
        figures.append(
            Figure("collect peak memory, 3,000 files vs 300", big_mb, small, "300 files", 1.2, "MB")
        )
    return figures


def goal_collect_parts(ctx: Context) -> list[Figure]:
    """The usual return after ``split``: 300 parts (shown, no goal of its own)."""
    from bare import calamine_pool_code
    from bench_collect import make_parts

    files = make_parts(ctx.tmp / "p300")
    t, c = _collect_vs_bare(ctx, files, 2, calamine_pool_code)
    return [
        figure(
            f"collect of {len(files)} parts (from split), --jobs 2: time",
            t,
            c,
            ("ours", "bare"),
            "calamine reading every sheet, 2 workers",
            None,
        )
    ]


def _collect_vs_bare(
    ctx: Context, files: Sequence[Path], jobs: int, bare_code: Callable[[Path, int], str]
) -> tuple[Times, Times]:
    """``collect`` of ``files`` (one folder) and the bare pool reading them, interleaved."""
    inbox = files[0].parent
    out = inbox.parent / "rollup.xlsx"

    def ours() -> float:
        for p in out.parent.glob("rollup*"):
            p.unlink()
        (out.parent / "h.sqlite").unlink(missing_ok=True)
        argv = [BACKPLAN, "collect", str(inbox), "-o", str(out), "--as-of", "2027-06-30"]
        argv += ["--history", str(out.parent / "h.sqlite"), "--jobs", str(jobs)]
        return process(argv, ctx.env)

    bare_argv = [PYTHON, "-c", bare_code(inbox, jobs)]
    return interleave({"ours": ours, "bare": lambda: process(bare_argv, ctx.env)}, ctx.runs)


_PEAK = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _peak_mb(ctx: Context, inbox: Path, out: Path, argv: list[str] | None = None) -> float:
    """Peak RSS (MB) of the largest process in one command's tree."""
    argv = argv or [BACKPLAN, "collect", str(inbox), "-o", str(out), "--as-of", "2027-06-30"]
    done = subprocess.run(
        [PYTHON, "-c", _PEAK, *argv], capture_output=True, text=True, check=True, env=ctx.env
    )
    return int(done.stdout.split()[-1]) / 1024


def goal_checkins(ctx: Context) -> list[Figure]:
    """Large Check-ins sheets: status's time and peak memory against calamine's."""
    from bare import calamine_code
    from bench_status import workbook

    from tests.bigsheets import grow_check_ins

    figures = []
    for rows in ctx.large_rows:
        seed = ctx.tmp / "large-seed.xlsx"
        if not seed.exists():
            workbook(seed, 300)
        path = grow_check_ins(seed, ctx.tmp / f"large-{rows}.xlsx", rows)
        ours_argv = [BACKPLAN, "status", str(path), "--as-of", "2027-06-30", "-f", "json"]
        bare_argv = [PYTHON, "-c", calamine_code(path, ("Check-ins",))]
        jobs: dict[str, Callable[[], float]] = {
            "ours": functools.partial(process, ours_argv, ctx.env),
            "bare": functools.partial(process, bare_argv, ctx.env),
        }
        t, c = interleave(jobs, 3 if rows <= 100_000 else 1, warmup=0)
        label = f"{rows:,} check-in rows"
        figures.append(
            figure(
                f"status, {label}: time", t, c, ("ours", "bare"), "calamine, Check-ins", None, "s"
            )
        )
        mem = _peak_mb(ctx, path, path, ours_argv)
        bare_mem = _peak_mb(ctx, path, path, bare_argv)
        figures.append(
            Figure(
                f"status, {label}: peak RSS", [mem], [bare_mem], "calamine, Check-ins", None, "MB"
            )
        )
    return figures


GOALS = {
    "help": goal_help,
    "build": goal_build_status,
    "big": goal_big_build,
    "collect": goal_collect,
    "parts": goal_collect_parts,
    "checkins": goal_checkins,
}


@dataclass
class Context:
    tmp: Path
    root: Path
    env: dict[str, str]
    runs: int
    memory: bool
    large_rows: tuple[int, ...]
    big_goals: int


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("goals", nargs="*", help=f"some of: {', '.join(GOALS)}")
    ap.add_argument("--full", action="store_true", help="9 runs; 100k, 500k and 1M check-ins")
    ap.add_argument("--runs", type=int, help="interleaved rounds per goal (at least 5)")
    ap.add_argument("--tree", type=Path, help="a checkout whose backplan_xlsx to time instead")
    ap.add_argument("--detail", action="store_true", help="run benchmarks/bench_*.py instead")
    args = ap.parse_args(argv)
    if unknown := [g for g in args.goals if g not in GOALS and not args.detail]:
        ap.error(f"no goal named {', '.join(unknown)}; the goals are {', '.join(GOALS)}")
    if args.detail:
        return _detail(args.goals)
    runs = max(5, args.runs or (9 if args.full else 5))
    tree = args.tree.resolve() if args.tree else None
    if tree is not None:
        sys.path.insert(0, str(tree))
    wanted = args.goals or list(GOALS)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="backplan-goals-") as tmp:
        ctx = Context(
            Path(tmp),
            HERE.parent,
            _env(tree),
            runs,
            memory=True,
            large_rows=(100_000, 500_000, 1_048_000) if args.full else (100_000,),
            big_goals=50 if args.full else 13,
        )
        print(f"{runs} interleaved rounds per goal; tree: {tree or 'this checkout'}", flush=True)
        for name in wanted:
            for f in GOALS[name](ctx):
                show(f)
                figures.append(f)
    goals = [f for f in figures if f.is_goal]
    print(f"\n{sum(f.holds for f in goals)} of {len(goals)} goals hold (wall time, medians):")
    for f in goals:
        cpu = ""
        if f.ours_cpu and f.bare_cpu and f.limit is not None:
            ratio = statistics.median(f.ours_cpu) / statistics.median(f.bare_cpu)
            cpu = f"   (CPU time: {ratio:.2f}x, {'holds' if ratio <= f.limit else 'missed'})"
        print(f"  {'holds ' if f.holds else 'MISSED'} {f.bar}  {f.name}{cpu}")
    return 0


def _detail(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    failed = 0
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        failed |= subprocess.run([sys.executable, str(script)], check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
