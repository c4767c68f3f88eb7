"""Replies straight from mail: .eml files, mbox files and Maildir folders as inputs.

Ops should not have to save thirty attachments by hand before ``collect``
can see them. :func:`mail_inputs` finds the mail among ``collect``'s inputs
(given directly, or found inside a folder), saves every .xlsx/.ods
attachment of every message into a private temp folder under a path that
names the mailbox, the sender and the message date
(``replies.mbox/dana@example.com 2027-05-30 0912/dana-whitfield.xlsx``), and
hands that folder to ``collect`` as if it were one more folder of files: so
the attachments go through the same guard, worker and merge as any file,
and the import log names each by its sender and date. Each saved file's
modification time is its message's date, so "the newest copy wins" means
the latest reply.

A message is untrusted input. It is parsed with the lenient ``compat32``
policy (no structured header parsing to exhaust), each message is read with
a size cap before it is parsed, the MIME tree is walked with a depth and a
part limit, names from the message are reduced to safe file names (no
paths, no control characters, never one of our own temp or backup names),
and the bytes saved in one run are capped. What is not a workbook (a
signature logo, a PDF) is skipped with a line in the log.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from pathlib import Path

from .fileio import TEMP_PREFIX
from .guard import MAX_FILE_BYTES
from .rollup import ImportEntry

MAIL_SUFFIXES = (".eml", ".mbox")
WORKBOOK_SUFFIXES = (".xlsx", ".ods")
LEGACY_SUFFIXES = (".xls", ".xlsm", ".xlsb")
WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
}
#: A message may carry one workbook at the guard's limit, base64-encoded (4/3), and some text.
MAX_MESSAGE_BYTES = MAX_FILE_BYTES * 4 // 3 + 8 * 1024 * 1024
MAX_PARTS = 500
MAX_DEPTH = 12
MAX_SAVED_BYTES = 4 * 1024**3
MAX_LINE_BYTES = 1024 * 1024
CHUNK = 4 * 1024 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


@dataclass
class MailInputs:
    """``collect``'s inputs with the mail replaced by a folder of its attachments."""

    inputs: list[Path]
    #: Import-log lines for what was not saved (not a workbook, too big, unreadable).
    log: list[ImportEntry] = field(default_factory=list)
    messages: int = 0
    attachments: int = 0
    mail: list[Path] = field(default_factory=list)


def is_maildir(path: Path) -> bool:
    """A folder with ``cur``, ``new`` and ``tmp`` inside."""
    return path.is_dir() and all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


def _is_mbox(path: Path) -> bool:
    if path.suffix.lower() == ".mbox":
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(5) == b"From "
    except OSError:
        return False


def find_mail(inputs: Sequence[Path]) -> list[Path]:
    """The .eml files, mbox files and Maildir folders among or under the inputs.

    Given directly, a file ending in .eml or .mbox, or one that starts like
    an mbox (``From ``), is mail; inside a folder only the names count
    (.eml, .mbox, and a file named ``mbox``, as Apple Mail exports them).
    """
    return list(_labelled_mail(inputs))


def _labelled_mail(inputs: Sequence[Path]) -> dict[Path, str]:
    """Mail path → its name in the log (relative to the folder it was found in)."""
    found: dict[Path, str] = {}
    for item in inputs:
        if is_maildir(item):
            found[item] = item.name
        elif item.is_dir():
            for root, dirs, files in os.walk(item):
                here = Path(root)
                boxes = [here / d for d in sorted(dirs) if is_maildir(here / d)]
                mail = [here / f for f in sorted(files) if _mail_name(f)]
                for p in (*boxes, *mail):
                    found.setdefault(p, str(p.relative_to(item)))
                dirs[:] = sorted(d for d in dirs if here / d not in boxes)
        elif item.suffix.lower() in MAIL_SUFFIXES or (
            item.suffix.lower() not in (*WORKBOOK_SUFFIXES, *LEGACY_SUFFIXES) and _is_mbox(item)
        ):
            found[item] = item.name
    return found


def _mail_name(name: str) -> bool:
    """An .eml or .mbox file, or the ``mbox`` file inside an Apple Mail ``X.mbox`` export."""
    return Path(name).suffix.lower() in MAIL_SUFFIXES or name.casefold() == "mbox"


@contextlib.contextmanager
def mail_inputs(inputs: Sequence[Path]) -> Iterator[MailInputs]:
    """Replace the mail among ``inputs`` by a temp folder of its workbook attachments.

    Without mail the inputs come back unchanged and no folder is made. The
    folder (mode 0700) is removed on exit.
    """
    labelled = _labelled_mail(inputs)
    mail = list(labelled)
    if not mail:
        yield MailInputs(list(inputs))
        return
    direct = set(mail)
    rest = [p for p in inputs if p not in direct]
    with tempfile.TemporaryDirectory(prefix="backplan-mail-") as tmp:
        out = MailInputs(rest, mail=mail)
        saver = _Saver(Path(tmp), out)
        for source, label in labelled.items():
            saver.read_source(source, label)
        if out.attachments:
            out.inputs.append(Path(tmp))
        yield out


class _Saver:
    """Saves the attachments of one run under unique, safe, labelled paths."""

    def __init__(self, folder: Path, out: MailInputs) -> None:
        self.folder = folder
        self.out = out
        self.saved_bytes = 0
        self.used: set[str] = set()

    def note(self, label: str, why: str) -> None:
        self.out.log.append(ImportEntry(label, "", None, "skipped", why))

    def read_source(self, source: Path, label: str) -> None:
        for data, fallback in _messages(source, label, self):
            self.out.messages += 1
            self.read_message(label, data, fallback)

    def read_message(self, source_label: str, data: bytes, fallback: float) -> None:
        from email import message_from_bytes, policy

        try:
            msg = message_from_bytes(data, policy=policy.compat32)
            sender, sent = _sender(msg), _date(msg, fallback)
            parts = list(_leaves(msg))
        except (RecursionError, ValueError, LookupError, TypeError) as exc:
            self.note(source_label, f"message cannot be read ({type(exc).__name__})")
            return
        if msg.get("X-Unsent") == "1":
            self.note(source_label, "a draft written by backplan send, not a reply")
            return
        # The sender's own clock, as their mail client shows it; the file's time is absolute.
        stamp, when = sent.strftime("%Y-%m-%d %H%M"), sent.timestamp()
        box = "/".join(_safe(c, 80) for c in Path(source_label).parts)
        folder = self.unique(f"{box}/{_safe(sender, 80)} {stamp}", False)
        if parts and parts[0] is None:
            self.note(folder, f"message has more than {MAX_PARTS} parts or {MAX_DEPTH} levels")
            return
        attached = 0
        for part in parts:
            assert part is not None
            attached += self.read_part(folder, part, when)
        if not attached:  # a reply people will wait on: ops must hear it held no workbook
            self.note(folder, f"a reply with nothing attached; ask {sender} for their workbook")

    def read_part(self, folder: str, part: Message, when: float) -> bool:
        """Save one part when it is a workbook (else log why not); False for the body."""
        name, ctype = _filename(part), part.get_content_type()
        disposition = part.get_content_disposition()
        suffix = Path(name).suffix.lower()
        if not name and disposition != "attachment" and ctype not in WORKBOOK_TYPES:
            return False  # the body, not an attachment
        label = f"{folder}/{_safe(name or 'attachment', 100)}"
        if suffix in LEGACY_SUFFIXES:
            self.note(label, f"a {suffix} file: ask the sender to save it as .xlsx and reply")
            return True
        if suffix not in WORKBOOK_SUFFIXES:
            if ctype not in WORKBOOK_TYPES:
                self.note(label, f"not a workbook ({ctype})")
                return True
            suffix = WORKBOOK_TYPES[ctype]
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if self.saved_bytes + len(data) > MAX_SAVED_BYTES:
            self.note(label, f"over {MAX_SAVED_BYTES // 1024**3} GB of attachments in one run")
            return True
        self.saved_bytes += len(data)
        stem = _safe(Path(name).stem if name else "attachment", 100)
        rel = self.unique(f"{folder}/{stem}{suffix}")
        path = self.folder / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            os.utime(path, (when, when))
        except OSError as exc:  # a full temp disk: this attachment is not read, and says so
            self.note(label, f"cannot be saved to read it ({exc.strerror or exc})")
            with contextlib.suppress(OSError):
                path.unlink()
            return True
        self.out.attachments += 1
        return True

    def unique(self, rel: str, keep_suffix: bool = True) -> str:
        """``rel``, or ``rel (2)``… when a path is taken (a file's suffix kept)."""
        p = Path(rel)
        stem, suffix = (p.stem, p.suffix) if keep_suffix else (p.name, "")
        candidate, n = rel, 2
        while candidate.casefold() in self.used:
            candidate = str(p.with_name(f"{stem} ({n}){suffix}"))
            n += 1
        self.used.add(candidate.casefold())
        return candidate


def _messages(source: Path, label: str, saver: _Saver) -> Iterator[tuple[bytes, float]]:
    """(bytes, fallback date) of each message in an .eml, an mbox or a Maildir."""
    if source.is_dir():
        yield from _maildir(source, label, saver)
    elif source.suffix.lower() == ".eml" or not _is_mbox(source):
        data = _capped(source, label, saver)
        if data is not None:
            yield data, _mtime(source)
    else:
        yield from _mbox(source, label, saver)


def _maildir(folder: Path, label: str, saver: _Saver) -> Iterator[tuple[bytes, float]]:
    """Every message file in ``new`` and ``cur`` (regular files only: no FIFO can hang us)."""
    for sub in ("new", "cur"):
        try:
            names = sorted(n for n in os.listdir(folder / sub) if not n.startswith("."))
        except OSError as exc:
            saver.note(f"{label}/{sub}", f"cannot be read ({exc.strerror})")
            continue
        for name in names:
            path = folder / sub / name
            data = _capped(path, f"{label}/{sub}/{_safe(name, 80)}", saver)
            if data is not None:
                yield data, _mtime(path)


def _mbox(path: Path, label: str, saver: _Saver) -> Iterator[tuple[bytes, float]]:
    """Each message of an mbox, each read with a cap.

    The standard library indexes an mbox line by line, so a hostile file
    with one enormous line would be read into memory whole: such a file is
    refused first (mail lines are at most 998 characters; 1 MB is generous).
    """
    import mailbox

    if not _regular(path, label, saver):
        return
    if _has_long_line(path, MAX_LINE_BYTES):
        saver.note(label, f"has a line over {MAX_LINE_BYTES // 2**20} MB: not an mbox")
        return
    try:
        box = mailbox.mbox(path, factory=None, create=False)
        keys = sorted(box.iterkeys())
    except (OSError, mailbox.Error) as exc:
        saver.note(label, f"cannot be read as a mailbox ({exc})")
        return
    try:
        for n, key in enumerate(keys, start=1):
            try:
                with box.get_file(key) as fh:
                    data = fh.read(MAX_MESSAGE_BYTES + 1)
            except (OSError, KeyError, mailbox.Error) as exc:
                saver.note(f"{label} message {n}", f"cannot be read ({exc})")
                continue
            if len(data) > MAX_MESSAGE_BYTES:
                saver.note(f"{label} message {n}", _too_big())
                continue
            yield data, _mtime(path)
    finally:
        box.close()


def _has_long_line(path: Path, limit: int) -> bool:
    run = 0  # the length of the line still open at the end of the last chunk
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            lines = chunk.split(b"\n")
            run += len(lines[0])
            if run > limit or any(len(line) > limit for line in lines[1:-1]):
                return True
            if len(lines) > 1:
                run = len(lines[-1])
    return run > limit


def _regular(path: Path, label: str, saver: _Saver) -> bool:
    try:
        st = os.stat(path)
    except OSError as exc:
        saver.note(label, f"cannot be read ({exc.strerror})")
        return False
    if not stat.S_ISREG(st.st_mode):
        saver.note(label, "not a regular file (a pipe or device?)")
        return False
    return True


def _capped(path: Path, label: str, saver: _Saver) -> bytes | None:
    if not _regular(path, label, saver):
        return None
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_MESSAGE_BYTES + 1)
    except OSError as exc:
        saver.note(label, f"cannot be read ({exc.strerror})")
        return None
    if len(data) > MAX_MESSAGE_BYTES:
        saver.note(label, _too_big())
        return None
    return data


def _too_big() -> str:
    return f"message over {MAX_MESSAGE_BYTES // 2**20} MB; save its attachment as a file instead"


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _leaves(msg: Message) -> Iterator[Message | None]:
    """The leaf parts, depth first; a single ``None`` when the tree is too big."""
    stack: list[tuple[Message, int]] = [(msg, 0)]
    leaves: list[Message] = []
    seen = 0
    while stack:
        part, depth = stack.pop()
        seen += 1
        if seen > MAX_PARTS or depth > MAX_DEPTH:
            yield None
            return
        if part.is_multipart():
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend((c, depth + 1) for c in reversed(children) if isinstance(c, Message))
        else:
            leaves.append(part)
    yield from leaves


def _filename(part: Message) -> str:
    """The attachment's file name, decoded (RFC 2231 and 2047), without any folder."""
    from email.header import decode_header, make_header

    raw = part.get_filename() or ""
    try:
        name = str(make_header(decode_header(raw))) if "=?" in raw else raw
    except (ValueError, LookupError, UnicodeError):
        name = raw
    return name.replace("\\", "/").rsplit("/", 1)[-1].strip()


def _sender(msg: Message) -> str:
    from email.utils import parseaddr

    name, addr = parseaddr(str(msg.get("From", "")))
    return addr or name or "unknown sender"


def _date(msg: Message, fallback: float) -> datetime:
    """The Date header, else the file's time (a message without one, or with junk)."""
    from email.utils import parsedate_to_datetime

    try:
        sent = parsedate_to_datetime(str(msg.get("Date", "")))
        sent.timestamp()  # a year out of range fails here, not later
        return sent
    except (TypeError, ValueError, IndexError, OverflowError):
        return datetime.fromtimestamp(fallback)


def _safe(text: str, limit: int) -> str:
    """One path component from untrusted text: no separators or controls, short, not hidden.

    Never one of the names ``collect`` skips (``~$`` lock files, our temp
    files, ``.bak.`` backups).
    """
    clean = " ".join(_UNSAFE.sub("_", text).split()).lstrip(".~$ ") or "_"
    clean = clean.replace(".bak.", ".bak_")
    if clean.startswith(TEMP_PREFIX.lstrip(".")):
        clean = "_" + clean
    encoded = clean.encode("utf-8")[:limit]
    return encoded.decode("utf-8", "ignore").rstrip(". ") or "_"
