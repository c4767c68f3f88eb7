"""How much ``backplan status`` costs over python-calamine reading the same cells.

The sales template is built with 300 check-ins (and again with 30,000: a
hundred times as many). "Bare calamine" opens the same file and reads the
same sheets status reads (Start, the five data sheets, Check-ins and the
``_backplan`` identity) into Python lists, and stops. Ours is the whole
library path of ``status``: the guard's look at the file, the reader
(headers, strict values, problems), the engine and the JSON report. Both
run several times in the same process; medians are printed as ratios; the
reader is also timed without the guard, whose cost is its own. The
whole ``backplan status`` process is timed too (start-up included), and each
reader's peak memory is measured in a fresh process (ru_maxrss).

    .venv/bin/python benchmarks/bench_status.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, ROOT, median_process_seconds, median_seconds, report  # noqa: E402

from backplan_xlsx import guard  # noqa: E402
from backplan_xlsx.engine import evaluate  # noqa: E402
from backplan_xlsx.model import CheckIn, Snapshot  # noqa: E402
from backplan_xlsx.reader import read_workbook  # noqa: E402
from backplan_xlsx.reports import render_status  # noqa: E402
from backplan_xlsx.spec import load_spec  # noqa: E402
from backplan_xlsx.writer import write_workbook  # noqa: E402

AS_OF = date(2027, 6, 15)
SHEETS = (
    "Start",
    "Goals",
    "Milestones",
    "Actions",
    "Owners",
    "Anti-goals",
    "Check-ins",
    "_backplan",
)


def workbook(path: Path, n: int) -> Path:
    """The sales plan with ``n`` check-ins spread over the first half-year."""
    plan = load_spec(ROOT / "templates" / "sales.yaml")
    owners = [o.name for o in plan.owners]
    goals = ("G1", "G1", "G2", "G3", "X1", "X2", "X3")
    rows = []
    for i in range(n):
        gid = goals[i % len(goals)]
        value = {"G1": 4000.0, "G2": 30000.0}.get(gid, 0.2 + (i % 7) / 100)
        day = plan.start + timedelta(days=(i * 167) // max(1, n))
        rows.append(CheckIn(day, gid, owners[i % len(owners)], value, row=i + 2))
    snap = Snapshot(plan, tuple(rows), done={a.id: "Yes" for a in plan.actions[:40]})
    write_workbook(snap, path, AS_OF)
    return path


def bare_calamine(path: Path) -> list[list[list[Any]]]:
    """Open the file and read the sheets status reads, as python-calamine's users would."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    out = [book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in SHEETS]
    book.close()
    return out


def bare_code(path: Path) -> str:
    """:func:`bare_calamine` as a script of its own, for whole-process timings and memory."""
    return (
        "from python_calamine import CalamineWorkbook\n"
        f"book = CalamineWorkbook.from_path({str(path)!r})\n"
        f"rows = [book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in {SHEETS!r}]\n"
    )


def ours(path: Path) -> str:
    """What ``backplan status -f json`` does, in-process."""
    snap = read_workbook(path)
    return render_status(evaluate(snap, AS_OF), "json", problems=snap.problems)


def read_without_guard(path: Path) -> object:
    """The reader alone: the guard's look at the file (zip bombs, DTDs) switched off."""
    real = guard.check_file
    guard.check_file = lambda p, **kw: "xlsx"  # type: ignore[assignment,return-value]
    try:
        return read_workbook(path)
    finally:
        guard.check_file = real


def peak_rss_mb(code: str) -> float:
    """Peak resident memory (MB) of a fresh Python process running ``code``."""
    # VmHWM, not ru_maxrss: the latter keeps the peak of the forked parent
    # from before exec, which here is this benchmark's own size.
    probe = (
        f"{code}\nimport sys\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
        "print(int(hwm.split()[1]) / 1024, file=sys.stderr)"
    )
    done = subprocess.run([PYTHON, "-c", probe], check=True, capture_output=True, text=True)
    return float(done.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="backplan-bench-") as tmp:
        small = workbook(Path(tmp) / "plan.xlsx", 300)
        big = workbook(Path(tmp) / "big.xlsx", 30_000)
        assert len(read_workbook(small).check_ins) == 300

        bare = median_seconds(lambda: bare_calamine(small), runs=args.runs)
        full = median_seconds(lambda: ours(small), runs=args.runs)
        read = median_seconds(lambda: read_workbook(small), runs=args.runs)
        look = median_seconds(lambda: guard.check_file(small), runs=args.runs)
        unguarded = median_seconds(lambda: read_without_guard(small), runs=args.runs)
        report("status in-process, 300 check-ins", full, bare, "bare calamine, same sheets")
        report("  read_workbook", read, bare, "bare calamine, same sheets")
        report(
            "  read_workbook without the guard",
            unguarded,
            bare,
            "bare calamine, same sheets",
            "1.3x",
        )
        report("  guard.check_file alone", look, bare, "bare calamine, same sheets")

        # Installed packages have their bytecode compiled; a checkout run with
        # PYTHONDONTWRITEBYTECODE=1 recompiles every module in every process.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        backplan = shutil.which("backplan", path=str(Path(PYTHON).parent)) or "backplan"
        bare_proc = median_process_seconds([PYTHON, "-c", bare_code(small)], runs=args.runs)
        for fmt in ("json", "table"):
            proc = median_process_seconds(
                [backplan, "status", str(small), "--as-of", AS_OF.isoformat(), "-f", fmt],
                runs=args.runs,
            )
            report(
                f"backplan status -f {fmt} (process)",
                proc,
                bare_proc,
                "python + bare calamine",
                "<250 ms",
            )

        runs = max(3, args.runs // 3)
        bare = median_seconds(lambda: bare_calamine(big), runs=runs, warmup=1)
        full = median_seconds(lambda: ours(big), runs=runs, warmup=1)
        read = median_seconds(lambda: read_workbook(big), runs=runs, warmup=1)
        report("status in-process, 30,000 check-ins", full, bare, "bare calamine, same sheets")
        unguarded = median_seconds(lambda: read_without_guard(big), runs=runs, warmup=1)
        report("  read_workbook", read, bare, "bare calamine, same sheets")
        report("  read_workbook without the guard", unguarded, bare, "bare calamine, same sheets")
        rss_bare = peak_rss_mb(bare_code(big))
        rss_ours = peak_rss_mb(
            "from datetime import date\n"
            "from backplan_xlsx.engine import evaluate\n"
            "from backplan_xlsx.reader import read_workbook\n"
            "from backplan_xlsx.reports import render_status\n"
            f"snap = read_workbook({str(big)!r})\n"
            f"render_status(evaluate(snap, date({AS_OF.year}, {AS_OF.month}, {AS_OF.day})), 'json')"
        )
        print(
            f"{'peak RSS, 30,000 check-ins':<44} {rss_ours:9.1f} MB  vs "
            f"{'bare calamine, same sheets':<32} {rss_bare:9.1f} MB  ratio {rss_ours / rss_bare:5.2f}x"
        )
        size = big.stat().st_size / 2**20
        data = json.loads(ours(big))
        print(
            f"(big.xlsx: {size:.1f} MB, {len(data['goals'])} goals, {sum(1 for _ in read_workbook(big).check_ins)} check-ins)"
        )


if __name__ == "__main__":
    main()
