"""Faults of the machine are messages: one line, exit 2, the old file whole, nothing half-written.

Each case is made real where the machine allows it: a small tmpfs that is
really full, a tmpfs mounted read-only (as root, where a mode of 0555 stops
nothing), a real symbolic link loop, a real name over 255 bytes. Where a
tmpfs cannot be mounted (not root, or no permission in a container) those
tests skip and say why; the same faults are also injected at the fileio
boundary (``os.fsync`` failing with ENOSPC), which runs everywhere.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from backplan_xlsx import fileio
from backplan_xlsx.cli import main
from backplan_xlsx.errors import OutputError
from backplan_xlsx.history import HistoryStore

AS_OF = "2027-05-31"
TEMP = fileio.TEMP_PREFIX


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A spec and its workbook, built once; tests copy them."""
    from tests.conftest import TEMPLATES

    root = tmp_path_factory.mktemp("made")
    shutil.copyfile(TEMPLATES / "sales.yaml", root / "plan.yaml")
    result = CliRunner().invoke(
        main, ["build", str(root / "plan.yaml"), "-o", str(root / "plan.xlsx"), "--as-of", AS_OF]
    )
    assert result.exit_code == 0, result.output
    shutil.copyfile(root / "plan.xlsx", root / "copy.xlsx")
    return root


def _mount(folder: Path, options: str) -> None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root: the fault is injected in the other tests")
    folder.mkdir(exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")


@contextlib.contextmanager
def _mounted(folder: Path, options: str) -> Iterator[Path]:
    _mount(folder, options)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.fixture
def full_disk(tmp_path: Path, made: Path) -> Iterator[Path]:
    """A 192 KiB tmpfs holding the workbook, then filled to the last few KiB."""
    with _mounted(tmp_path / "full", "size=192k") as disk:
        shutil.copyfile(made / "plan.xlsx", disk / "plan.xlsx")
        _fill(disk, keep=12_000)
        yield disk


def _fill(disk: Path, keep: int) -> None:
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    with contextlib.suppress(OSError), open(disk / "filler", "wb") as fh:
        fh.write(b"\0" * max(0, free - keep))


@contextlib.contextmanager
def _read_only(folder: Path) -> Iterator[Path]:
    """``folder`` (with what it holds) on a read-only file system, or mode 0555 if not root."""
    if os.geteuid() != 0:
        os.chmod(folder, 0o555)
        try:
            yield folder
        finally:
            os.chmod(folder, 0o755)
        return
    keep = folder.with_name(folder.name + "-content")
    shutil.copytree(folder, keep)
    _mount(folder, "size=1m")
    try:
        shutil.copytree(keep, folder, dirs_exist_ok=True)
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command in its own process: what a user sees, to the last line."""
    return subprocess.run(
        [sys.executable, "-m", "backplan_xlsx", *args], capture_output=True, text=True, timeout=300
    )


def _cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def assert_message(code: int, stderr: str, *names: object) -> str:
    """Exit 2, one line of ``Error:`` naming the path, no traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code == 2, stderr
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    assert "Traceback" not in stderr
    for name in names:
        assert str(name) in lines[0], (name, lines[0])
    return lines[0]


def assert_clean(*folders: Path) -> None:
    for folder in folders:
        assert not list(folder.glob(f"{TEMP}*")), list(folder.iterdir())
        assert not list(folder.glob("*.lock"))


# -- full disk -------------------------------------------------------------------------


def test_build_on_a_full_disk(full_disk: Path, made: Path) -> None:
    before = sorted(p.name for p in full_disk.iterdir())
    done = _run("build", str(made / "plan.yaml"), "-o", str(full_disk / "new.xlsx"))
    line = assert_message(done.returncode, done.stderr, full_disk / "new.xlsx")
    assert "disk is full" in line
    assert sorted(p.name for p in full_disk.iterdir()) == before
    assert_clean(full_disk)


def test_replan_in_place_on_a_full_disk_keeps_the_workbook(full_disk: Path, made: Path) -> None:
    book = full_disk / "plan.xlsx"
    old = book.read_bytes()
    done = _run("replan", str(book), "-o", str(book), "--as-of", "2027-06-30")
    assert "disk is full" in assert_message(done.returncode, done.stderr, book)
    assert book.read_bytes() == old
    assert_clean(full_disk)


def test_collect_on_a_full_disk_files_nothing(full_disk: Path, made: Path, tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite"
    rollup = full_disk / "rollup.xlsx"
    (full_disk / "filler").unlink()
    assert _run("collect", str(made / "plan.xlsx"), "-o", str(rollup), "--history", str(history),
                "--as-of", "2027-04-30").returncode == 0  # fmt: skip
    old = rollup.read_bytes()
    _fill(full_disk, keep=4_000)
    done = _run("collect", str(made / "plan.xlsx"), "-o", str(rollup), "--history", str(history),
                "--as-of", AS_OF)  # fmt: skip
    assert "disk is full" in assert_message(done.returncode, done.stderr, rollup)
    assert rollup.read_bytes() == old
    store = HistoryStore(history)
    assert store.months() == ["2027-04"]  # May was not filed without its roll-up
    store.close()
    assert_clean(full_disk, tmp_path)


def test_a_full_disk_at_fsync_is_a_message_and_keeps_the_file(
    made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same fault injected where fileio flushes: runs on any machine."""
    book = tmp_path / "plan.xlsx"
    shutil.copyfile(made / "plan.xlsx", book)
    old = book.read_bytes()

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    for args in (
        ["replan", str(book), "-o", str(book), "--as-of", "2027-06-30"],
        ["build", str(made / "plan.yaml"), "-o", str(tmp_path / "new.xlsx")],
        ["status", str(book), "-f", "csv", "-o", str(tmp_path / "s.csv")],
        ["split", str(book), "-o", str(tmp_path / "parts")],
        ["brief", str(book), "-o", str(tmp_path / "briefs")],
        ["collect", str(book), "-o", str(tmp_path / "r.xlsx"), "--history", str(tmp_path / "h")],
    ):
        result = _cli(*args)
        line = assert_message(result.exit_code, result.stderr, tmp_path)
        assert "disk is full" in line, args
        assert not isinstance(result.exception, OutputError)  # caught and turned into exit 2
    assert book.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["briefs", "h", "parts", "plan.xlsx"]
    assert not list((tmp_path / "parts").iterdir()) and not list((tmp_path / "briefs").iterdir())
    store = HistoryStore(tmp_path / "h")
    assert store.months() == []  # the month was not filed without its roll-up
    store.close()
    assert_clean(tmp_path)


# -- read-only folder ------------------------------------------------------------------


def test_read_only_folder_for_split_brief_collect_build(made: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert _cli("split", str(made / "plan.xlsx"), "-o", str(out)).exit_code == 0
    assert _cli("brief", str(made / "plan.xlsx"), "-o", str(out)).exit_code == 0
    assert _cli("collect", str(made / "plan.xlsx"), "-o", str(out / "r.xlsx"),
                "--history", str(tmp_path / "h.sqlite"), "--as-of", AS_OF).exit_code == 0  # fmt: skip
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with _read_only(out):
        for args in (
            ["split", str(made / "plan.xlsx"), "-o", str(out), "--as-of", "2027-07-01"],
            ["brief", str(made / "plan.xlsx"), "-o", str(out), "--as-of", "2027-07-01"],
            ["collect", str(made / "plan.xlsx"), "-o", str(out / "r.xlsx"),
             "--history", str(tmp_path / "h.sqlite"), "--as-of", "2027-07-01"],
            ["build", str(made / "plan.yaml"), "-o", str(out / "new.xlsx")],
            ["status", str(made / "plan.xlsx"), "-o", str(out / "s.json"), "-f", "json"],
        ):  # fmt: skip
            result = _cli(*args)
            line = assert_message(result.exit_code, result.stderr, out)
            assert "read-only" in line or "permission denied" in line, line
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    store = HistoryStore(tmp_path / "h.sqlite")
    assert store.months() == ["2027-05"]  # July was not filed
    store.close()


def test_a_read_only_file_is_not_replaced(made: Path, tmp_path: Path) -> None:
    """A workbook someone made read-only (chmod a-w) in a writable folder stays as it is."""
    target = tmp_path / "locked.xlsx"
    shutil.copyfile(made / "plan.xlsx", target)
    parts = tmp_path / "parts"
    assert _cli("split", str(made / "plan.xlsx"), "-o", str(parts)).exit_code == 0
    part = sorted(parts.iterdir())[0]
    for locked in (target, part):
        locked.chmod(0o444)
    before = target.read_bytes(), part.read_bytes()
    for args in (
        ["build", str(made / "plan.yaml"), "-o", str(target), "--force"],
        ["replan", str(target), "-o", str(target), "--as-of", "2027-06-30"],
        ["split", str(made / "plan.xlsx"), "-o", str(parts), "--as-of", "2027-07-01"],
        ["collect", str(made / "plan.xlsx"), "-o", str(target), "--as-of", AS_OF],
    ):
        result = _cli(*args)
        line = assert_message(result.exit_code, result.stderr)
        assert "is read-only, so it was not replaced" in line, line
    assert (target.read_bytes(), part.read_bytes()) == before
    assert oct(target.stat().st_mode & 0o777) == "0o444"


def test_history_store_in_a_read_only_folder(made: Path, tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    with _read_only(ro):
        result = _cli("collect", str(made / "plan.xlsx"), "-o", str(tmp_path / "r.xlsx"),
                      "--history", str(ro / "h.sqlite"))  # fmt: skip
        assert "h.sqlite" in assert_message(result.exit_code, result.stderr)
    assert not (tmp_path / "r.xlsx").exists()


# -- missing folder, name too long, symlink loop ---------------------------------------


def test_a_missing_output_folder(made: Path, tmp_path: Path) -> None:
    gone = tmp_path / "nonexistent"
    for args in (
        ["build", str(made / "plan.yaml"), "-o", str(gone / "p.xlsx")],
        ["collect", str(made / "plan.xlsx"), "-o", str(gone / "r.xlsx")],
        ["collect", str(made / "plan.xlsx"), "-o", str(gone / "r.xlsx"),
         "--history", str(tmp_path / "h.sqlite")],
        ["status", str(made / "plan.xlsx"), "-o", str(gone / "s.csv"), "-f", "csv"],
        ["check", str(made / "plan.xlsx"), "-o", str(gone / "c.json"), "-f", "json"],
        ["new", "--template", "sales", str(gone / "plan.yaml")],
        ["replan", str(made / "plan.xlsx"), "-o", str(gone / "v2.xlsx"), "--as-of", "2027-06-30"],
        ["merge", str(made / "plan.xlsx"), str(made / "copy.xlsx"), "-o", str(gone / "m.xlsx")],
    ):  # fmt: skip
        result = _cli(*args)
        line = assert_message(result.exit_code, result.stderr, gone)
        assert "does not exist" in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert not gone.exists()


def test_a_name_too_long(made: Path, tmp_path: Path) -> None:
    long = tmp_path / ("x" * 300)
    for args in (
        ["build", str(made / "plan.yaml"), "-o", f"{long}.xlsx"],
        ["collect", str(made / "plan.xlsx"), "-o", f"{long}.xlsx"],
        ["status", str(made / "plan.xlsx"), "-o", f"{long}.csv", "-f", "csv"],
        ["split", str(made / "plan.xlsx"), "-o", str(long)],
        ["brief", str(made / "plan.xlsx"), "-o", str(long)],
    ):
        result = _cli(*args)
        assert result.exit_code == 2, (args[0], result.output)
        assert "too long" in assert_message(result.exit_code, result.stderr, "xxxx")
    assert list(tmp_path.iterdir()) == []


def test_an_owner_with_a_300_character_name_gets_a_short_file(made: Path, tmp_path: Path) -> None:
    spec = (made / "plan.yaml").read_text(encoding="utf-8")
    long_name = "Ravi " + "Patel" * 60
    (tmp_path / "plan.yaml").write_text(spec.replace("Ravi Patel", long_name), encoding="utf-8")
    book = tmp_path / "plan.xlsx"
    assert _cli("build", str(tmp_path / "plan.yaml"), "-o", str(book)).exit_code == 0
    for args in (["split", str(book), "-o", str(tmp_path / "p")],
                 ["brief", str(book), "-o", str(tmp_path / "b")]):  # fmt: skip
        result = _cli(*args)
        assert result.exit_code == 0, result.output
        names = [p.name for p in Path(args[-1]).iterdir()]
        assert len(names) == 5 and max(len(n.encode()) for n in names) <= 70, names


def test_a_symlink_loop_as_the_output(made: Path, tmp_path: Path) -> None:
    for name in ("loop.xlsx", "loop.csv", "dir"):
        (tmp_path / name).symlink_to(name)
    for args in (
        ["build", str(made / "plan.yaml"), "-o", str(tmp_path / "loop.xlsx")],
        ["collect", str(made / "plan.xlsx"), "-o", str(tmp_path / "loop.xlsx"),
         "--history", str(tmp_path / "h.sqlite")],
        ["replan", str(made / "plan.xlsx"), "-o", str(tmp_path / "loop.xlsx"), "--as-of", "2027-06-30"],
        ["status", str(made / "plan.xlsx"), "-o", str(tmp_path / "loop.csv"), "-f", "csv"],
        ["split", str(made / "plan.xlsx"), "-o", str(tmp_path / "dir")],
        ["brief", str(made / "plan.xlsx"), "-o", str(tmp_path / "dir")],
    ):  # fmt: skip
        result = _cli(*args)
        line = assert_message(result.exit_code, result.stderr, tmp_path)
        assert "symbolic link loop" in line, (args, line)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "loop.csv", "loop.xlsx"]
    assert all(p.is_symlink() for p in tmp_path.iterdir())


def test_writing_through_a_symlink_keeps_the_link(made: Path, tmp_path: Path) -> None:
    real = tmp_path / "shared" / "plan.xlsx"
    real.parent.mkdir()
    link = tmp_path / "plan.xlsx"
    link.symlink_to(real)
    assert _cli("build", str(made / "plan.yaml"), "-o", str(link)).exit_code == 0
    assert link.is_symlink() and real.is_file()


def test_xlsxwriter_file_create_error_is_an_output_error(tmp_path: Path) -> None:
    from xlsxwriter.exceptions import FileCreateError

    error = fileio.output_error(tmp_path / "x.xlsx", FileCreateError(OSError(errno.EROFS, "ro")))
    assert str(error) == f"{tmp_path / 'x.xlsx'}: {tmp_path} is on a read-only file system; " \
        "write the output elsewhere"  # fmt: skip

    def fails(p: Path) -> None:
        raise FileCreateError(OSError(errno.EACCES, "denied"))

    with pytest.raises(OutputError, match="permission denied"):
        fileio.atomic_write(tmp_path / "y.xlsx", fails)
    assert list(tmp_path.iterdir()) == []


# -- all of several files, or none -----------------------------------------------------


def test_split_writes_every_part_or_none(
    made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backplan_xlsx import writer

    parts = tmp_path / "parts"
    assert _cli("split", str(made / "plan.xlsx"), "-o", str(parts)).exit_code == 0
    before = {p.name: p.read_bytes() for p in parts.iterdir()}
    real = writer.write_workbook
    calls: list[Path] = []

    def third_fails(snap: object, path: Path, day: date) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(snap, path, day)  # type: ignore[arg-type]

    monkeypatch.setattr(writer, "write_workbook", third_fails)
    result = _cli("split", str(made / "plan.xlsx"), "-o", str(parts), "--as-of", "2027-08-01")
    assert "disk is full" in assert_message(result.exit_code, result.stderr, parts)
    assert len(calls) == 3
    assert {p.name: p.read_bytes() for p in parts.iterdir()} == before
    assert_clean(parts)


def test_brief_writes_every_page_or_none(
    made: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "briefs"
    real = Path.write_text
    count = {"n": 0}

    def second_fails(self: Path, *args: object, **kwargs: object) -> int:
        count["n"] += 1
        if count["n"] == 2:
            raise OSError(errno.EDQUOT, "Disk quota exceeded")
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", second_fails)
    result = _cli("brief", str(made / "plan.xlsx"), "-o", str(out))
    assert "quota" in assert_message(result.exit_code, result.stderr, out)
    assert list(out.iterdir()) == []


def test_leftovers_of_a_killed_multi_file_write_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    stale = tmp_path / f"{TEMP}{dead}-abc"
    stale.mkdir()
    (stale / "0.xlsx").write_bytes(b"half")
    fileio.atomic_write_many(tmp_path, {"a.md": lambda p: p.write_text("a")})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md"]
