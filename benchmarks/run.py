"""Run every benchmark (benchmarks/bench_*.py), each in its own process.

Each prints its figures as ratios against the bare library doing the same
work in the same run. Usage: ``.venv/bin/python benchmarks/run.py [NAME...]``
(``NAME`` like ``startup`` or ``build``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
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
