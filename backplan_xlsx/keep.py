"""Rebuild from an edited spec keeping what people typed (``build --keep OLD.xlsx``).

A spec changes during the year (a new goal, a new owner, a changed target)
while people keep typing into the workbook. Every row the old workbook has
keeps its id (G1, A7, X2…) in the new plan, found by what the row is
(:mod:`backplan_xlsx.rekey`); a new row gets an id the old plan never used,
and a removed row's id stays unused, so copies of the old version returned
later are carried forward by row id onto the right rows. The new plan is a
new version of the old one: above it, and above a newer workbook it
replaces. Check-ins are rows of their own and all come along.
An input whose row the new plan no longer has is not dropped: the rebuild
is refused, naming each such cell and value, so the user can move it or
clear it first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from . import layout
from .errors import InputsWouldBeLostError
from .model import Plan, Snapshot
from .rekey import follow_rows, keep_ids

if TYPE_CHECKING:
    from .reader import WorkbookDetails
    from .reader.columns import Table


@dataclass(frozen=True, slots=True)
class Rebuild:
    """The new version with the old one's inputs, and what a person should know of it."""

    snapshot: Snapshot
    #: E.g. that the workbook it replaces was a newer version than the one kept.
    notes: tuple[str, ...] = ()


def kept_snapshot(path: Path, plan: Plan, replacing: Path | None = None) -> Rebuild:
    """The new ``plan`` holding every input of the workbook at ``path``, with its ids.

    Every row the old workbook has keeps its id; new rows get ids above the
    old plan's highest. The version is above the old workbook's (and the
    spec's, when that says more), and above ``replacing``'s (the file the
    rebuild will overwrite) when that is a newer version of the same plan.

    Raises:
        WorkbookReadError: the old workbook, or its Check-ins, cannot be read.
        InputsWouldBeLostError: it is a part or another plan, a typed value
            there cannot be read, or an input has no row in the new plan
            (each named by cell and value).
    """
    from .merge import ensure_nothing_lost
    from .reader import ensure_check_ins_readable, ensure_sheets_readable, read_details

    details = read_details(path)
    ensure_check_ins_readable(details)
    ensure_sheets_readable(details)
    old = details.snapshot
    name = path.name
    if old.plan.part:
        raise InputsWouldBeLostError(
            f"{name} is {old.plan.part}'s part of the plan (from backplan split); merge the "
            "parts first (backplan merge), then rebuild with --keep MERGED.xlsx"
        )
    if old.plan.id != plan.id:
        raise InputsWouldBeLostError(
            f"{name} is plan {old.plan.id!r} but the spec is plan {plan.id!r}; keep inputs of "
            f"the same plan only (give the spec `id: {old.plan.id}` if it is the same plan "
            "renamed)"
        )
    ensure_nothing_lost(old)
    # The planner numbers by position: give each row its old id back.
    plan, maps = keep_ids(old.plan, plan, details.identity.recorded)
    moved, gone = follow_rows(old, plan, maps)
    lost = _without_a_row(details, gone)
    if lost:
        head = (
            f"{name}: {len(lost)} typed value(s) have no row in the new plan and would be lost; "
            "move them to a row that stays, clear them, or keep their rows in the spec. "
            "Nothing was written"
        )
        raise InputsWouldBeLostError("\n".join([head, *lost]))
    version, notes = _new_version(old.plan, plan, name, replacing)
    return Rebuild(replace(moved, plan=replace(plan, version=version), problems=()), notes)


def _new_version(
    old: Plan, spec: Plan, name: str, replacing: Path | None
) -> tuple[int, tuple[str, ...]]:
    """A version above the old one's, and above the one the output would replace.

    Writing version 2 over a version 3 of the same plan would make copies
    of that version 3 look newer than the rebuild.
    """
    version = max(old.version + 1, spec.version)
    there = _version_of(replacing, old.id) if replacing is not None else None
    if there is None or there < version:
        return version, ()
    return there + 1, (
        f"{replacing} held version {there} of this plan and {name} version {old.version}: "
        f"the rebuild is version {there + 1}, the newest, with {name}'s inputs (the file it "
        "replaces is backed up)",
    )


def _version_of(path: Path, plan_id: str) -> int | None:
    """The version of ``plan_id`` the workbook at ``path`` holds (None: none, or not read)."""
    from .errors import BackplanError
    from .reader.identity import read_identity
    from .reader.source import open_source

    if not path.is_file():
        return None
    try:
        src = open_source(path)
        try:
            found = read_identity(src, [])
        finally:
            src.close()
    except BackplanError:
        return None
    return found.version if found.plan_id == plan_id else None


def _without_a_row(details: WorkbookDetails, gone: dict[str, set[str]]) -> list[str]:
    """``OLD.xlsx, Actions!G9: A8 Done 'yes'`` for each input whose row the new plan lacks."""
    snap = details.snapshot
    out = []
    for spec, col in layout.row_inputs():
        sheet, key, header = spec.name, col.key, col.header
        table = details.tables.get(sheet)
        for item, value in getattr(snap, col.field).items():
            if item not in gone.get(sheet, set()) or value in (None, ""):
                continue
            shown = value.isoformat() if isinstance(value, date) else str(value)
            cell = _cell_of(table, item, key) if table is not None else ""
            place = f"{table.sheet if table else sheet}!{cell}" if cell else sheet
            out.append(f"{details.source.name}, {place}: {item} {header} {shown!r}")
    for user in snap.user_columns:
        table = details.tables.get(user.sheet)
        for rid, value in user.values:
            if rid in gone.get(user.sheet, set()):
                cell = _inserted_cell_of(table, rid, user.header) if table is not None else ""
                place = f"{table.sheet}!{cell}" if table is not None and cell else user.sheet
                out.append(f"{details.source.name}, {place}: {rid} {user.header} {value!r}")
    return out


def _row_of(table: Table, item: str) -> int | None:
    for r in table.data_rows((layout.ID_KEY,)):
        if table.text(r, layout.ID_KEY) == item:
            return r
    return None


def _cell_of(table: Table, item: str, key: str) -> str:
    r = _row_of(table, item)
    return table.ref(r, key) if r is not None else ""


def _inserted_cell_of(table: Table, item: str, header: str) -> str:
    """The A1 cell of a column someone inserted, on ``item``'s row."""
    from .reader.usercols import inserted_columns

    r = _row_of(table, item)
    col = next((c for c, h in inserted_columns(table) if h == header), None)
    return f"{layout.col_letter(col)}{r + 1}" if r is not None and col is not None else ""
