"""What may be overwritten: nothing a user typed is lost without a backup.

An existing workbook is looked at before it is replaced. Without any input
(a fresh build, never filled in) it is simply replaced. With any input
(check-ins, Done marks, notes, feedback, review dates, a typed As-of), or
when it cannot be read well enough to tell, it is kept unless ``force`` is
given, and then a timestamped copy is kept beside it first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import layout
from ..errors import WorkbookWriteError
from ..fileio import backup

SUFFIXES = (".xlsx",)


@dataclass(frozen=True, slots=True)
class Replaced:
    """What happened to a workbook that was in the way (``None`` fields: nothing)."""

    existed: bool = False
    held_check_ins: bool | None = None
    backup: Path | None = None


def holds_check_ins(path: Path) -> bool | None:
    """Whether the workbook's Check-ins sheet has any value below its header.

    Returns None when that cannot be told: not a workbook, encrypted, broken,
    or without a Check-ins sheet (someone else's file).
    """
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        if layout.CHECK_INS not in wb.sheet_names:
            return None
        for i, row in enumerate(wb.get_sheet_by_name(layout.CHECK_INS).iter_rows()):
            if i == 0:
                continue
            if any(cell not in (None, "") for cell in row):
                return True
    except (CalamineError, OSError, ValueError):
        return None
    return False


def typed_inputs(path: Path) -> tuple[str, ...] | None:
    """What people typed into the workbook, by kind ("check-ins", "Done marks"…).

    Empty when nothing was typed; None when that cannot be told (not a
    backplan workbook, or one whose inputs cannot be read), which callers
    treat as holding work.
    """
    from ..errors import BackplanError
    from ..reader import read_workbook

    if holds_check_ins(path):  # the common case, told without reading the whole file
        return ("check-ins",)
    try:
        snap = read_workbook(path, inputs_only=True)
    except BackplanError:
        return None
    found = {
        "check-ins": bool(snap.check_ins),
        **{
            f"{col.header} cells": any(
                v not in (None, "") and str(v).strip() for v in getattr(snap, col.field).values()
            )
            for _, col in layout.row_inputs()
        },
        "a typed As-of date": snap.as_of is not None,
        "columns someone inserted": any(u.values for u in snap.user_columns),
        "typed values that cannot be read": any(
            p.severity == "error" and p.sheet in layout.INPUT_SHEETS for p in snap.problems
        ),
    }
    return tuple(k for k, v in found.items() if v)


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (following links), even if ``a`` does not exist."""
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        return False


def check_target(path: Path, spec_path: Path | None) -> None:
    """Refuse outputs that cannot be right before any work is done."""
    if spec_path is not None and same_file(path, spec_path):
        raise WorkbookWriteError(
            f"{path}: that is the plan spec itself; write the workbook to another file, "
            f"e.g. -o {spec_path.with_suffix('.xlsx').name}"
        )
    if path.suffix.lower() not in SUFFIXES:
        raise WorkbookWriteError(
            f"{path}: the workbook must end in .xlsx (Excel opens nothing else as a workbook)"
        )
    if path.exists() and not path.is_file():
        raise WorkbookWriteError(f"{path}: exists and is not a file")


def make_way(path: Path, force: bool, *, always_backup: bool = False) -> Replaced:
    """Decide about an existing workbook at ``path``; back it up when it must be kept.

    ``always_backup`` keeps a copy of whatever is there (``build --keep``).

    Raises:
        WorkbookWriteError: it holds any input (or cannot be read) and ``force``
            is not given.
    """
    if not path.exists():
        return Replaced()
    if always_backup:
        return Replaced(existed=True, backup=backup(path))
    kinds = typed_inputs(path)
    held = None if kinds is None else "check-ins" in kinds
    if kinds == ():
        return Replaced(existed=True, held_check_ins=False)
    if not force:
        why = (
            f"holds {', '.join(kinds)}"
            if kinds
            else "cannot be read as a backplan workbook, so it may hold work"
        )
        raise WorkbookWriteError(
            f"{path}: {why}; not overwritten. Write to another file, or use --force "
            "(a timestamped backup is kept beside it)"
        )
    return Replaced(existed=True, held_check_ins=held, backup=backup(path))
