"""Where a whole ``backplan status`` process spends its CPU time, stage by stage.

The status goal compares the whole process with bare python-calamine reading
the same sheets; this says what lies between them. A probe process runs the
stages status runs, in its order, in one process (no fork), timing each with
its own CPU clock; fresh processes time the interpreter's start, bare
calamine, ``import click`` plus the bare read (the floor under any Click
command), and ``backplan status`` itself with and without its reading worker
(the difference is the fork's cost). Medians over ``--runs`` fresh processes,
interleaved.

    .venv/bin/python benchmarks/bench_breakdown.py [--runs 9]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from bare import calamine_code  # noqa: E402
from run import AS_OF, BACKPLAN, PYTHON, interleave, process  # noqa: E402

PROBE = """
import json, sys, time
from datetime import date
cpu = time.process_time
out, t = {}, cpu()
def stage(name):
    global t
    now = cpu(); out[name] = now - t; t = now
import click; stage("import click")
import backplan_xlsx.cli; stage("import backplan_xlsx.cli (commands declared)")
from pathlib import Path
import zipfile, python_calamine
from backplan_xlsx import guard
from backplan_xlsx.reader import read_workbook, as_of_for
import backplan_xlsx.reader.metadata; stage("import pathlib, the reader, guard, calamine")
from backplan_xlsx.engine import evaluate
from backplan_xlsx.parts import judged_on_share
from backplan_xlsx.reports import render_status
import backplan_xlsx.reports.data; stage("import the engine and reports")
path = Path(sys.argv[1])
guard.check_file(path, keep={}); stage("guard (first look at the file)")
snap = read_workbook(path); stage("read_workbook (guard again, calamine, parsing)")
report = evaluate(judged_on_share(snap), date.fromisoformat(sys.argv[2])); stage("evaluate")
render_status(report, "json", problems=snap.problems); stage("render JSON")
print(json.dumps(out))
"""


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args(argv)
    from bench_status import workbook

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="backplan-breakdown-") as tmp:
        path = workbook(Path(tmp) / "checked-in.xlsx", 300)
        day = AS_OF.isoformat()
        status = [BACKPLAN, "status", str(path), "--as-of", day, "--format", "json"]
        stages: dict[str, list[float]] = {}

        def probe() -> float:
            done = subprocess.run(
                [PYTHON, "-c", PROBE, str(path), day],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            for name, seconds in json.loads(done.stdout).items():
                stages.setdefault(name, []).append(seconds)
            return 0.0

        _, cpu = interleave(
            {
                "python -c pass (interpreter start)": lambda: process([PYTHON, "-c", "pass"], env),
                "bare calamine, same sheets": lambda: process(
                    [PYTHON, "-c", calamine_code(path)], env
                ),
                "import click + the bare read (floor)": lambda: process(
                    [PYTHON, "-c", "import click\n" + calamine_code(path)], env
                ),
                "backplan status, no worker": lambda: process(
                    status, {**env, "BACKPLAN_NO_ISOLATION": "1"}
                ),
                "backplan status": lambda: process(status, env),
                "probe": probe,
            },
            args.runs,
        )
    print(f"CPU ms, medians of {args.runs} fresh processes (children included)")
    for name, times in cpu.items():
        if name != "probe":
            print(f"  {statistics.median(times) * 1000:7.1f}  {name}")
    print("inside one process, stage by stage (the probe):")
    for name, times in stages.items():
        print(f"  {statistics.median(times) * 1000:7.1f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
