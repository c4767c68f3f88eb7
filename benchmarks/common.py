"""Timing helpers shared by the benchmarks: medians, ratios, subprocess wall time.

Machines here are noisy, so every figure is a median of several runs and
is printed as a ratio against the bare library doing the same work in the
same run, which cancels most of the noise.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_seconds(fn: Callable[[], object], runs: int = 15, warmup: int = 2) -> float:
    """Median wall time of ``fn()`` over ``runs`` calls after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def median_process_seconds(argv: Sequence[str], runs: int = 15) -> float:
    """Median wall time of running a whole process (start-up included).

    Bytecode caching is on, as in any installed environment (this machine
    sets PYTHONDONTWRITEBYTECODE, which would recompile every module on every
    run and time the compiler instead).
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return median_seconds(
        lambda: subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env),
        runs=runs,
        warmup=2,
    )


def report(name: str, ours: float, bare: float, bare_name: str, goal: str = "") -> None:
    """Print one figure: our median, the bare library's, and the ratio."""
    ratio = ours / bare if bare else float("inf")
    extra = f"  (goal: {goal})" if goal else ""
    print(
        f"{name:<44} {ours * 1000:9.1f} ms  vs {bare_name:<32} {bare * 1000:9.1f} ms"
        f"  ratio {ratio:5.2f}x{extra}"
    )


PYTHON = sys.executable
