"""Writing files so that nothing is ever half-written or lost.

Every file the tool writes goes to a temp file beside the target, is
flushed to disk, and is renamed into place in one step: a crash or a kill
midway leaves the old file whole. A file that holds what people typed is
backed up (timestamped, beside it) before it is replaced. Several files
that belong together (the parts of ``split``, the pages of ``brief``) are
written into a temp folder first and moved into place only when every one
of them was written.

This is also the one place where the machine's faults (a full disk, a
read-only folder, a name too long, a symlink loop…) become a one-line
:class:`~backplan_xlsx.errors.OutputError` naming the path and what to do,
so every command says the same thing about the same fault.

Written files get the permissions the user's umask gives any new file
(``tempfile`` alone would make them 0600, private to the writer); a file
that is replaced keeps its mode, and its group where the user may set it.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path

from .errors import OutputError

TEMP_PREFIX = ".backplan-tmp-"

#: errno → what to tell the user (``{path}``, ``{folder}`` filled in).
_ADVICE = {
    errno.ENOSPC: "the disk is full; free some space or write elsewhere, then run again",
    errno.EDQUOT: "the disk quota is used up; free some space or write elsewhere",
    errno.EROFS: "{folder} is on a read-only file system; write the output elsewhere",
    errno.EACCES: "permission denied in {folder}; write the output to a folder you may write to",
    errno.EPERM: "not permitted in {folder}; write the output to a folder you may write to",
    errno.ENOENT: "the folder {folder} does not exist; create it or write elsewhere",
    errno.ENOTDIR: "a part of the path is a file, not a folder; choose another path",
    errno.ENAMETOOLONG: "the name is too long for this file system; choose a shorter one",
    errno.ELOOP: "the path is a symbolic link loop; remove the link or choose another path",
    errno.EISDIR: "that is a folder; give a file name",
    errno.EEXIST: "is in the way; remove it or choose another path",
    errno.ETXTBSY: "the file is busy; close the program using it and run again",
    errno.EFBIG: "the file is too large for this file system",
    errno.EIO: "the disk reported an input/output error; check it and run again",
}


def output_error(path: Path | str, exc: BaseException, *, is_folder: bool = False) -> OutputError:
    """The one-line message for an OS error met while writing ``path``.

    Also takes XlsxWriter's ``FileCreateError``, which wraps the OS error.
    ``is_folder``: ``path`` is the output folder itself (``split -o DIR``).
    """
    os_error = as_os_error(exc)
    folder: Path | str = Path(path).parent if str(Path(path).parent) else Path(".")
    if is_folder:
        folder = "the folder"
    if os_error is None:
        return OutputError(f"{path}: cannot write: {_one_line(str(exc))}")
    code = os_error.errno or 0
    advice = _ADVICE.get(code)
    if advice is None:
        reason = os_error.strerror or _one_line(str(os_error))
        return OutputError(f"{path}: cannot write: {reason}")
    text = advice.format(path=path, folder=folder)
    return OutputError(f"{path}: {text[:1].upper() + text[1:] if is_folder else text}")


def as_os_error(exc: BaseException) -> OSError | None:
    """The OS error behind ``exc``: itself, or what XlsxWriter wrapped."""
    if isinstance(exc, OSError):
        return exc
    if type(exc).__name__ == "FileCreateError" and exc.args and isinstance(exc.args[0], OSError):
        return exc.args[0]
    if isinstance(exc, RuntimeError) and "symlink loop" in str(exc).lower():
        return OSError(errno.ELOOP, os.strerror(errno.ELOOP))
    return None


def _one_line(text: str) -> str:
    return " ".join(text.split())


@contextlib.contextmanager
def writing(path: Path | str, *, is_folder: bool = False) -> Iterator[None]:
    """Turn an OS fault inside the block into an :class:`OutputError` about ``path``."""
    try:
        yield
    except Exception as exc:
        if as_os_error(exc) is None:
            raise
        error = output_error(path, exc, is_folder=is_folder)
        _release(exc)
        raise error from None


def _release(exc: BaseException) -> None:
    """Let go of what the failed write still holds, quietly.

    A writer that failed on a full disk (XlsxWriter's zip file) still holds
    a buffered file in its frames; closing it later, at exit, would fail
    again and print a traceback after our one-line message. (``traceback``
    is imported here: only a failed write needs it.)
    """
    import traceback

    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        seen: set[int] = set()
        while exc is not None and id(exc) not in seen:
            seen.add(id(exc))
            if exc.__traceback__ is not None:
                traceback.clear_frames(exc.__traceback__)
            exc = exc.__context__ or exc.__cause__  # type: ignore[assignment]
        gc.collect()
    finally:
        sys.unraisablehook = hook


def real_target(target: Path) -> Path:
    """Where writing ``target`` lands: a symbolic link is written through, not replaced.

    Raises:
        OutputError: a link loop, or a path that cannot be looked at.
    """
    try:
        if not target.is_symlink():
            return target
        return Path(os.path.realpath(target, strict=True))
    except FileNotFoundError:
        return Path(os.path.realpath(target))  # a dangling link: create what it names
    except (OSError, RuntimeError) as exc:
        raise output_error(target, exc) from None


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", "rb") as fh:
        for line in fh:
            if line.startswith(b"Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _give_mode(tmp: Path, like: Path | None) -> None:
    """Give ``tmp`` the mode (and group) of ``like`` if it exists, else the umask's."""
    st = None
    if like is not None:
        with contextlib.suppress(OSError):
            st = like.stat()
    if st is None:
        os.chmod(tmp, 0o666 & ~current_umask())
        return
    with contextlib.suppress(OSError):  # only root or a member of the group may
        os.chown(tmp, -1, st.st_gid)
    os.chmod(tmp, st.st_mode & 0o777)  # never a set-id bit from a file we may not own


def _check_folder(target: Path, folder: Path) -> None:
    try:
        is_folder = stat.S_ISDIR(folder.stat().st_mode)
    except (OSError, RuntimeError) as exc:
        raise output_error(target, exc) from None
    if not is_folder:
        raise output_error(target, OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)))


def check_writable(target: Path) -> Path:
    """Refuse, before any work, an output that cannot be written; return where it lands.

    The same messages as a fault met while writing; the write itself still
    turns any later fault (a disk that fills meanwhile) into one.

    Raises:
        OutputError: a missing or read-only folder, a bad name, a link loop.
    """
    real = real_target(Path(target))
    folder = real.parent if str(real.parent) else Path(".")
    _check_folder(real, folder)
    with writing(real):
        if real.exists() and not real.is_file():
            raise OutputError(f"{real}: exists and is not a regular file; choose another path")
        refuse_read_only(real)
        if not os.access(folder, os.W_OK | os.X_OK):
            code = errno.EROFS if _read_only_fs(folder) else errno.EACCES
            raise OSError(code, os.strerror(code))
    return real


def refuse_read_only(target: Path) -> None:
    """Refuse to replace a file someone made read-only: its folder lets us, they did not.

    Replacing goes through a rename, which a read-only file does not stop;
    but a user who took the write permission off meant "keep this as it is".

    Raises:
        OutputError: the file exists and nobody may write to it (or we may not).
    """
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return  # not there (or unreadable: the write itself will say so)
    if not stat.S_ISREG(mode):
        return
    if mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0 or not os.access(target, os.W_OK):
        raise OutputError(
            f"{target}: is read-only, so it was not replaced; make it writable "
            "(chmod u+w, or untick Read-only in its properties) or write to another file"
        )


def _read_only_fs(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def atomic_write(
    target: Path, write: Callable[[Path], object], *, mode_from: Path | None = None
) -> None:
    """Call ``write(temp_path)`` and move the result onto ``target`` atomically.

    Args:
        target: the file to write; a symbolic link is written through.
        write: writes the whole file at the path it is given.
        mode_from: the file whose mode the result gets (default: ``target``
            when it exists, else the umask's mode for a new file).

    Raises:
        OutputError: the folder is missing or not writable, the disk is full,
            or any other fault of the machine (the old file is left whole).
    """
    target = real_target(Path(target))
    folder = target.parent if str(target.parent) else Path(".")
    _check_folder(target, folder)
    with writing(target):
        if target.exists() and not target.is_file():
            raise OutputError(f"{target}: exists and is not a regular file; choose another path")
        refuse_read_only(target)
        clean_leftovers(folder)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=target.suffix, dir=folder
        )
        os.close(fd)
    tmp = Path(tmp_name)
    try:
        with writing(target):
            write(tmp)
            _settle(tmp, mode_from if mode_from is not None else target)
            os.replace(tmp, target)
        _sync_folder(folder)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _settle(tmp: Path, like: Path | None) -> None:
    """Flush ``tmp`` to disk and give it its final mode, before it is renamed."""
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    _give_mode(tmp, like)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class Staged:
    """A file's new content, written aside, to be put in place at the right moment.

    See :func:`staged_write`.
    """

    def __init__(self, target: Path) -> None:
        self.target = real_target(Path(target))
        self.folder = self.target.parent if str(self.target.parent) else Path(".")
        self.tmp: Path | None = None

    def write(self, write: Callable[[Path], object]) -> None:
        """Write the new content to a temp file beside the target, flushed to disk."""
        target = self.target
        _check_folder(target, self.folder)
        with writing(target):
            if target.exists() and not target.is_file():
                raise OutputError(f"{target}: exists and is not a regular file; choose another")
            refuse_read_only(target)
            clean_leftovers(self.folder)
            self.tmp = Path(_temp_name(self.folder, target.suffix))
            write(self.tmp)
            _settle(self.tmp, target)

    def put_in_place(self) -> None:
        """Rename the new content onto the target: one step, nothing left to fail."""
        if self.tmp is None:
            raise OutputError(f"{self.target}: nothing was written to put in place")
        with writing(self.target):
            os.replace(self.tmp, self.target)
        self.tmp = None
        _sync_folder(self.folder)


@contextlib.contextmanager
def staged_write(target: Path) -> Iterator[Staged]:
    """Write ``target`` as one unit with something else (``collect``'s history).

    Inside the block, ``stage.write(fn)`` writes the whole new file aside
    (the part that can fail on a full disk), then the other thing commits,
    then ``stage.put_in_place()`` renames it onto ``target``: a rename in
    one folder, which does not need space. Leaving the block without
    putting it in place leaves the old file as it was.

    Raises:
        OutputError: a fault of the machine, naming the file.
    """
    stage = Staged(target)
    try:
        yield stage
    finally:
        if stage.tmp is not None:
            with contextlib.suppress(OSError):
                stage.tmp.unlink()


def _temp_name(folder: Path, suffix: str) -> str:
    fd, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=suffix, dir=folder)
    os.close(fd)
    return name


def atomic_write_many(folder: Path, files: Mapping[str, Callable[[Path], object]]) -> list[Path]:
    """Write several files into ``folder`` as one unit: all of them, or none.

    Each file is written into a temp folder inside ``folder`` (same disk, so
    the moves are renames); only when every one was written are they moved
    into place. A fault before that leaves every old file as it was and no
    new one; ``folder`` is created when missing.

    Returns:
        The paths written, in the order given.

    Raises:
        OutputError: a fault of the machine, naming the file or folder.
    """
    folder = real_target(Path(folder))
    with writing(folder, is_folder=True):
        folder.mkdir(parents=True, exist_ok=True)
    clean_leftovers(folder)
    with writing(folder, is_folder=True):
        staging = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=folder))
    targets = [folder / name for name in files]
    try:
        staged: list[tuple[Path, Path]] = []
        for (name, write), target in zip(files.items(), targets, strict=True):
            target = real_target(target)
            tmp = staging / f"{len(staged)}{Path(name).suffix}"
            with writing(target):
                if target.exists() and not target.is_file():
                    raise OutputError(f"{target}: exists and is not a regular file; remove it")
                refuse_read_only(target)
                write(tmp)
                _settle(tmp, target)
            staged.append((tmp, target))
        for tmp, target in staged:
            with writing(target):
                os.replace(tmp, target)
        _sync_folder(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return targets


def clean_leftovers(folder: Path) -> list[Path]:
    """Remove temp files and folders that a killed run left in ``folder``.

    A temp name carries the writing process's id; it is a leftover when
    that process is gone (a live one may still be writing).
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
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
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
    """Copy ``path`` to ``NAME.YYYYmmdd-HHMMSS.bak.SUFFIX`` beside it; return the copy.

    The copy keeps the original's mode: a private workbook stays private.
    """
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = path.with_name(f"{path.stem}.{stamp}.bak{path.suffix}")
    n = 1
    while dest.exists():
        dest = path.with_name(f"{path.stem}.{stamp}-{n}.bak{path.suffix}")
        n += 1
    with writing(path):
        data = path.read_bytes()
    atomic_write(dest, lambda p: p.write_bytes(data), mode_from=path)
    return dest
