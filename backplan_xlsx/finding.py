"""Which files a monthly import reads, and how its log names them.

Folders are searched recursively for .xlsx and .ods; Office lock files,
backplan's own temp files and backups, and the roll-up being written are
left out, so a collect run over the folder it writes into is safe. Every
other file in a folder (a PDF, a macro-enabled copy) is named in the import
log by :func:`passed_over`, so ops know why a file they dropped did not count.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .fileio import TEMP_PREFIX

if TYPE_CHECKING:
    from .intake import FileDecision
    from .rollup import ImportEntry

SUFFIXES = (".xlsx", ".ods")

#: Files a folder of returns holds that are nobody's return: not worth a log line.
_SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", "icon\r"})

#: Why a file of this kind is not read, and what to do (the rest: :func:`_why_not`).
_NOT_READ = {
    ".xls": "a legacy Excel 97-2003 file (.xls)",
    ".xlsm": "a macro-enabled workbook (.xlsm)",
    ".xlsb": "a binary workbook (.xlsb)",
    ".xltx": "an Excel template (.xltx)",
    ".csv": "a CSV file (one sheet, no plan)",
    ".numbers": "a Numbers file",
    ".pdf": "a PDF, not a workbook",
}


def find_workbooks(inputs: Sequence[Path], exclude: Sequence[Path] = ()) -> list[Path]:
    """Every .xlsx/.ods under the inputs, recursively, sorted.

    Skips Office lock files (``~$…``), our own temp files and backups, and
    the paths in ``exclude`` (the roll-up being written).
    """
    skip = {_resolved(p) for p in exclude}
    found: dict[Path, None] = {}
    for item in inputs:
        if item.is_dir():
            candidates: Iterator[Path] = (p for p in sorted(item.rglob("*")) if p.is_file())
        else:
            candidates = iter([item])
        for p in candidates:
            if item.is_dir() and (p.suffix.lower() not in SUFFIXES or _ours_or_office(p.name)):
                continue
            if _resolved(p) in skip:
                continue
            found[p] = None
    return list(found)


def passed_over(inputs: Sequence[Path], exclude: Sequence[Path] = ()) -> list[tuple[Path, str]]:
    """Each file in the input folders that is not read, with why and what to do.

    Lock files, temp files, backups, hidden and system files are left out
    silently, as :func:`find_workbooks` does, and so is what ``exclude``
    names or holds (the roll-up, the mail read on its own); everything else
    is a file somebody dropped there and should hear about.
    """
    skip = {_resolved(p) for p in exclude}
    out = []
    for item in inputs:
        if not item.is_dir():
            continue
        for p in sorted(item.rglob("*")):
            if (
                not p.is_file()
                or p.suffix.lower() in SUFFIXES
                or _ours_or_office(p.name)
                or p.name.startswith(".")
                or p.name.casefold() in _SYSTEM_FILES
                or any(part.startswith(".") for part in p.relative_to(item).parts[:-1])
                or not skip.isdisjoint((_resolved(p), *_resolved(p).parents))
            ):
                continue
            out.append((p, _why_not(p.suffix.lower())))
    return out


def _ours_or_office(name: str) -> bool:
    """An Office or LibreOffice lock file, or a temp file or backup of backplan's own."""
    return name.startswith(("~$", ".~lock", TEMP_PREFIX)) or ".bak." in name


def _why_not(suffix: str) -> str:
    what = _NOT_READ.get(suffix, f"not a workbook ({suffix or 'no extension'})")
    return f"{what}; only .xlsx and .ods files are imported: if it is a plan, save it as .xlsx"


def shown_name(path: str, inputs: Sequence[Path]) -> str:
    p = Path(path)
    for base in inputs:
        if base.is_dir():
            with contextlib.suppress(ValueError):
                return str(p.relative_to(base))
    return p.name


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a link loop, a name too long: read (and refused) as given
        return path


def log_entry(d: FileDecision) -> ImportEntry:
    """The import log's line for one file: its problems, or why it was skipped.

    Errors come first, then warnings (a number typed as text, a deleted
    row): the same problems ``check`` names, so a file it faults never has
    a blank line here.
    """
    from .rollup import ImportEntry

    if d.action == "skip":
        return ImportEntry(d.name, d.plan_id, d.version, "skipped", d.reason)
    assert d.read is not None
    problems = sorted(d.read.problems, key=lambda p: p.severity != "error")  # stable
    text = problems_text(d.name, [str(p) for p in problems])
    return ImportEntry(d.name, d.plan_id, d.version, "imported", text)


#: How much of a file's problems the import log shows before pointing at ``check``.
LOG_PROBLEMS_CHARS = 2000


def problems_text(name: str, errors: Sequence[str]) -> str:
    """A file's problems, whole problems only, up to a readable length.

    A badly edited copy can hold thousands of problems; the log shows the
    first ones and says how many more there are and how to see them all,
    rather than cutting a sentence in the middle.
    """
    shown: list[str] = []
    used = 0
    for text in errors:
        if shown and used + len(text) + 2 > LOG_PROBLEMS_CHARS:
            break
        shown.append(text)
        used += len(text) + 2
    rest = len(errors) - len(shown)
    if rest:
        more = "problem" if rest == 1 else "problems"
        shown.append(f"… and {rest:,} more {more}: run `backplan check {name}` to see them all")
    return "; ".join(shown)
