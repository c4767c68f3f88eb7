"""Atomic writes: a kill at any point leaves the old file or the new one, whole."""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
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


@pytest.fixture
def umask() -> Iterator[Callable[[int], int]]:
    """Set the process umask for one test; put the old one back."""
    old = os.umask(0o022)
    os.umask(old)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize(("mask", "mode"), [(0o002, 0o664), (0o022, 0o644), (0o077, 0o600)])
def test_new_files_follow_the_umask(
    tmp_path: Path, umask: Callable[[int], None], mask: int, mode: int
) -> None:
    from click.testing import CliRunner

    from backplan_xlsx.cli import main
    from tests.conftest import TEMPLATES

    umask(mask)
    book = tmp_path / "plan.xlsx"
    runner = CliRunner()
    assert (
        runner.invoke(main, ["build", str(TEMPLATES / "sales.yaml"), "-o", str(book)]).exit_code
        == 0
    )
    for args in (
        ["status", str(book), "-f", "csv", "-o", str(tmp_path / "s.csv")],
        ["split", str(book), "-o", str(tmp_path / "parts")],
        ["brief", str(book), "-o", str(tmp_path / "briefs")],
        ["collect", str(book), "-o", str(tmp_path / "r.xlsx")],
        ["new", "--template", "sales", str(tmp_path / "new.yaml")],
    ):
        assert runner.invoke(main, args).exit_code == 0, args
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) >= 14
    for p in files:
        got = stat.S_IMODE(p.stat().st_mode)
        assert got == mode, (p.name, oct(got))
    for d in (tmp_path / "parts", tmp_path / "briefs"):
        assert stat.S_IMODE(d.stat().st_mode) == 0o777 & ~mask


def test_a_replaced_file_keeps_its_mode_and_group(
    tmp_path: Path, umask: Callable[[int], None]
) -> None:
    target = tmp_path / "shared.xlsx"
    target.write_bytes(OLD)
    os.chmod(target, 0o664)
    group = _another_group()
    if group is not None:
        os.chown(target, -1, group)
    umask(0o077)
    atomic_write(target, lambda p: p.write_bytes(NEW))
    st = target.stat()
    assert target.read_bytes() == NEW
    assert stat.S_IMODE(st.st_mode) == 0o664
    if group is not None:
        assert st.st_gid == group
    copy = backup(target)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o664  # the backup as shared as the file


def test_replan_in_place_keeps_a_shared_workbooks_mode(
    tmp_path: Path, umask: Callable[[int], None]
) -> None:
    from click.testing import CliRunner

    from backplan_xlsx.cli import main
    from tests.conftest import TEMPLATES

    book = tmp_path / "plan.xlsx"
    runner = CliRunner()
    assert (
        runner.invoke(main, ["build", str(TEMPLATES / "sales.yaml"), "-o", str(book)]).exit_code
        == 0
    )
    os.chmod(book, 0o664)
    umask(0o077)
    result = runner.invoke(main, ["replan", str(book), "-o", str(book), "--as-of", "2027-06-30"])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(book.stat().st_mode) == 0o664


def test_a_private_file_stays_private(tmp_path: Path, umask: Callable[[int], None]) -> None:
    target = tmp_path / "mine.txt"
    target.write_text("old")
    os.chmod(target, 0o600)
    umask(0o002)
    atomic_write_text(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(backup(target).stat().st_mode) == 0o600


def _another_group() -> int | None:
    """A group other than ours that we may give a file to (any, as root)."""
    if os.geteuid() == 0:
        return 12345
    groups = [g for g in os.getgroups() if g != os.getegid()]
    return groups[0] if groups else None
