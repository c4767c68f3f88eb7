"""The monthly import: files per second, speed-up on every core, memory as files grow.

300 typical returned workbooks (30 distinct filled copies of the sales plan
under 6 plan ids, each copied 10 times under new names: reading cost is per
file, so copies are fair) are imported by ``collect`` with ``--jobs 1`` and
with every core. "Bare calamine" opens the same files and reads every
sheet into Python lists, in one process and in a pool of as many processes,
in the same run. Peak memory of the whole import (workers included) is
measured for 300 and 3,000 files in fresh processes. ``--where`` shows where
one file's CPU time goes, stage by stage, in this process (no workers).

    .venv/bin/python benchmarks/bench_collect.py [--runs 3] [--no-memory] [--where]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, ROOT  # noqa: E402

from backplan_xlsx.collect import collect  # noqa: E402
from backplan_xlsx.model import CheckIn, Snapshot  # noqa: E402
from backplan_xlsx.spec import load_spec  # noqa: E402
from backplan_xlsx.writer import write_workbook  # noqa: E402

AS_OF = date(2027, 6, 30)


def make_inbox(folder: Path, copies_each: int) -> list[Path]:
    """30 distinct filled workbooks, each copied ``copies_each`` times."""
    base = load_spec(ROOT / "templates" / "sales.yaml")
    rng = random.Random(7)
    distinct = folder / "distinct"
    distinct.mkdir(parents=True, exist_ok=True)
    made = []
    for k in range(30):
        plan = replace(base, id=f"team-{k % 6}", title=f"Team {k % 6}")
        ins = tuple(
            CheckIn(
                plan.start + timedelta(days=rng.randint(0, 170)),
                rng.choice(["G1", "G2", "X1"]),
                rng.choice(plan.owners).name,
                rng.choice([5_000.0, 20_000.0, 40_000.0]),
                row=i + 2,
            )
            for i in range(rng.randint(5, 40))
        )
        path = distinct / f"copy-{k}.xlsx"
        write_workbook(Snapshot(plan, check_ins=ins), path, AS_OF)
        made.append(path)
    inbox = folder / "inbox"
    inbox.mkdir(exist_ok=True)
    out = []
    for i in range(copies_each):
        for p in made:
            dest = inbox / f"{p.stem}-{i}.xlsx"
            shutil.copyfile(p, dest)
            out.append(dest)
    return out


def make_parts(folder: Path, copies: int = 300) -> list[Path]:
    """``copies`` returned parts: each of :func:`make_inbox`'s 30 plans split per owner.

    The usual monthly return after ``split``: one person's view of a plan.
    """
    from backplan_xlsx.reader import read_workbook
    from backplan_xlsx.split import split_plan

    pieces = []
    for k, whole in enumerate(make_inbox(folder / "plans", 1)):
        for n, (_, piece) in enumerate(split_plan(read_workbook(whole))):
            path = folder / "pieces" / f"part-{k}-{n}.xlsx"
            path.parent.mkdir(parents=True, exist_ok=True)
            write_workbook(piece, path, AS_OF)
            pieces.append(path)
    inbox = folder / "inbox"
    inbox.mkdir(exist_ok=True)
    out = [inbox / f"part-{i}.xlsx" for i in range(copies)]
    for i, dest in enumerate(out):
        shutil.copyfile(pieces[i % len(pieces)], dest)
    return out


def bare_read(path: str) -> int:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(path)
    return sum(len(wb.get_sheet_by_name(n).to_python()) for n in wb.sheet_names)


def bare(files: list[Path], jobs: int) -> None:
    names = [str(p) for p in files]
    if jobs == 1:
        for n in names:
            bare_read(n)
        return
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        pool.map(bare_read, names, chunksize=8)


def where_time_goes(files: list[Path]) -> None:
    """CPU milliseconds per file of each stage of a collect read, medians of the files."""
    import pickle

    from python_calamine import CalamineWorkbook

    from backplan_xlsx import guard
    from backplan_xlsx.intake import SharedInputs, read_packed
    from backplan_xlsx.reader import read_details, read_workbook
    from backplan_xlsx.reader.source import open_source
    from backplan_xlsx.rowchecks import row_problems

    names = [str(p) for p in files]
    read_workbook(names[0], inputs_only=True)  # imports and caches out of the figures
    sheets = [*CalamineWorkbook.from_path(names[0]).sheet_names]
    shared = SharedInputs()

    def calamine(path: str) -> None:
        wb = CalamineWorkbook.from_path(path)
        for n in sheets:
            wb.get_sheet_by_name(n).to_python()

    def packed_trip(path: str) -> None:
        shared.unpack(pickle.loads(pickle.dumps(read_packed(path))))

    def with_record(path: str) -> None:
        read_details(path, with_record=True, inputs_only=True)

    details = {p: read_details(p, with_record=True, inputs_only=True) for p in names}
    stages = {
        "guard (every part streamed, checked)": lambda p: guard.check_file(p, keep={}),
        "bare calamine, every sheet": calamine,
        "open_source: guard, calamine opening, metadata": lambda p: open_source(p).close(),
        "read_workbook, inputs only (guard included)": lambda p: read_workbook(p, inputs_only=True),
        "read_details, inputs only, with the build record": with_record,
        "row_problems alone (the record compared, row by row)": lambda p: row_problems(details[p]),
        "the whole worker task and the trip back": packed_trip,
    }
    print(f"CPU ms per file, median of {len(names)} files, in-process")
    for label, fn in stages.items():
        per = []
        for path in names:
            t = time.process_time()
            fn(path)
            per.append((time.process_time() - t) * 1000)
        print(f"  {statistics.median(per):6.2f}  {label}")


def timed(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


PEAK = """
import resource, subprocess, sys
subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_mb(inbox: Path, out: Path) -> float:
    """Peak RSS of one `backplan collect` process tree (workers included), in MB."""
    exe = str(Path(PYTHON).parent / "backplan")
    argv = [exe, "collect", str(inbox), "-o", str(out), "--as-of", AS_OF.isoformat()]
    text = subprocess.run(
        [PYTHON, "-c", PEAK, *argv], capture_output=True, text=True, check=True
    ).stdout
    return int(text.split()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--where", action="store_true", help="per-file CPU by stage, then stop")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = make_inbox(root / "300", 10)
        inbox = files[0].parent
        if args.where:
            where_time_goes(files[:100])
            return
        n = len(files)
        rollup = root / "rollup.xlsx"
        history = root / "h.sqlite"

        def ours(jobs: int) -> None:
            collect([inbox], rollup, history=history, as_of=AS_OF, jobs=jobs)

        one = timed(lambda: ours(1), args.runs)
        many = timed(lambda: ours(cores), args.runs)
        bare_one = timed(lambda: bare(files, 1), args.runs)
        bare_many = timed(lambda: bare(files, cores), args.runs)
        print(f"{n} files, {cores} cores, medians of {args.runs} runs")
        print(f"collect --jobs 1      {n / one:7.1f} files/s   ({one:6.2f} s)")
        print(f"collect --jobs {cores:<2}     {n / many:7.1f} files/s   ({many:6.2f} s)")
        print(f"speed-up              {one / many:7.2f}x  (goal on 2 cores: 1.7x or better)")
        print(
            f"bare calamine, 1 proc {n / bare_one:7.1f} files/s   ratio collect/bare {one / bare_one:5.2f}x"
        )
        print(
            f"bare calamine, {cores} proc {n / bare_many:7.1f} files/s   ratio collect/bare "
            f"{many / bare_many:5.2f}x  (goal: within 1.5x)"
        )
        if not args.no_memory:
            small = peak_mb(inbox, root / "r300.xlsx")
            big_files = make_inbox(root / "3000", 100)
            big = peak_mb(big_files[0].parent, root / "r3000.xlsx")
            print(
                f"peak memory           300 files {small:6.1f} MB, 3,000 files {big:6.1f} MB, "
                f"ratio {big / small:4.2f}x (goal: flat)"
            )


if __name__ == "__main__":
    main()
