"""Writing files so that nothing is ever half-written or lost.

Every file the tool writes goes to a temp file beside the target, is
flushed to disk, and is renamed into place in one step: a crash or a kill
midway leaves the old file whole. A file that holds what people typed is
backed up (timestamped, beside it) before it is replaced.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from .errors import WorkbookWriteError

TEMP_PREFIX = ".backplan-tmp-"


def atomic_write(target: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(temp_path)`` and move the result onto ``target`` atomically.

    Raises:
        WorkbookWriteError: the folder is missing or not writable.
    """
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise WorkbookWriteError(f"{target}: the folder {folder} does not exist")
    if target.exists() and not target.is_file():
        raise WorkbookWriteError(f"{target}: exists and is not a regular file")
    clean_leftovers(folder)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=target.suffix, dir=folder
        )
    except OSError as exc:
        raise WorkbookWriteError(f"{target}: cannot write in {folder}: {exc.strerror}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        with contextlib.suppress(OSError):
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except OSError as exc:
        raise WorkbookWriteError(f"{target}: cannot write: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def clean_leftovers(folder: Path) -> list[Path]:
    """Remove temp files that a killed run left in ``folder``.

    A temp file's name carries the writing process's id; it is a leftover
    when that process is gone (a live one may still be writing).
    """
    removed: list[Path] = []
    try:
        candidates = list(Path(folder).glob(f"{TEMP_PREFIX}*"))
    except OSError:
        return removed
    for path in candidates:
        pid_text = path.name[len(TEMP_PREFIX) :].split("-", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def atomic_write_text(target: Path, text: str) -> None:
    """Write text (UTF-8) atomically; see :func:`atomic_write`."""
    atomic_write(target, lambda p: p.write_text(text, encoding="utf-8"))


def backup(path: Path) -> Path:
    """Copy ``path`` to ``NAME.YYYYmmdd-HHMMSS.bak.SUFFIX`` beside it; return the copy."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = path.with_name(f"{path.stem}.{stamp}.bak{path.suffix}")
    n = 1
    while dest.exists():
        dest = path.with_name(f"{path.stem}.{stamp}-{n}.bak{path.suffix}")
        n += 1
    data = path.read_bytes()
    atomic_write(dest, lambda p: p.write_bytes(data))
    return dest
