"""Atomic writes: a kill at any point leaves the old file or the new one, whole."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backplan_xlsx.fileio import TEMP_PREFIX, atomic_write, atomic_write_text, backup

WRITER = """
import sys, time
from pathlib import Path
from backplan_xlsx.fileio import atomic_write

def write(p: Path) -> None:
    with open(p, "wb") as fh:
        for i in range(200):
            fh.write(b"N" * 10_000)
            fh.flush()
            time.sleep(0.001)

print("ready", flush=True)
atomic_write(Path(sys.argv[1]), write)
"""

OLD = b"O" * 1_234_567
NEW = b"N" * 2_000_000


def test_a_killed_write_never_leaves_a_partial_target(tmp_path: Path) -> None:
    target = tmp_path / "plan.xlsx"
    target.write_bytes(OLD)
    rng = random.Random(7)
    seen = set()
    for _ in range(12):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0, 0.35))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = target.read_bytes()
        assert data in (OLD, NEW), len(data)
        seen.add(data == NEW)
        if data == NEW:
            target.write_bytes(OLD)
    # Leftover temp files of killed runs are cleaned up by the next write.
    atomic_write_text(tmp_path / "other.txt", "x")
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


def test_a_failing_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "plan.xlsx"
    target.write_bytes(OLD)

    def boom(p: Path) -> None:
        p.write_bytes(b"half")
        raise RuntimeError("bug midway")

    with pytest.raises(RuntimeError):
        atomic_write(target, boom)
    assert target.read_bytes() == OLD
    assert not list(tmp_path.glob(f"{TEMP_PREFIX}*"))


def test_backup_keeps_a_timestamped_copy(tmp_path: Path) -> None:
    target = tmp_path / "plan.xlsx"
    target.write_bytes(OLD)
    first = backup(target)
    second = backup(target)
    assert first != second
    assert first.read_bytes() == second.read_bytes() == OLD
    assert first.name.startswith("plan.") and first.suffix == ".xlsx" and ".bak" in first.name


def test_live_writers_temp_files_are_left_alone(tmp_path: Path) -> None:
    mine = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-abc.xlsx"
    mine.write_bytes(b"in progress")
    atomic_write_text(tmp_path / "x.txt", "x")
    assert mine.exists()
