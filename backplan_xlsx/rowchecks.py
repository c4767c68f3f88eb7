"""The build record against the sheets: rows deleted, ids changed, plan cells edited, rows added.

``_backplan`` lists every row as built, with a fingerprint of its plan
cells. Comparing the two needs no openpyxl, so ``collect`` runs it on every
file it reads (:func:`row_problems`, in a worker), and ``check`` runs it
among its other checks. A worker reads hundreds of copies of a few plans,
whose plan rows are the same: each row's fingerprint is worked out once
(:func:`_plan_fingerprint`) and its columns found once a sheet.
"""

from __future__ import annotations

import functools
from typing import Any

from . import layout
from .errors import Problem
from .layout import ID_KEY, col_letter
from .reader import WorkbookDetails
from .reader.columns import Table
from .reader.identity import RecordRow
from .values import clean_text

#: Data sheets whose rows the build recorded.
RECORDED = layout.RECORDED_SHEETS
ITEM = {
    layout.GOALS: "goal",
    layout.MILESTONES: "milestone",
    layout.ACTIONS: "action",
    layout.OWNERS: "owner",
    layout.ANTI_GOALS: "anti-goal",
}


def id_rows(details: WorkbookDetails) -> dict[str, dict[str, int]]:
    """Per sheet, each ID (case ignored) → its 0-based row, the first if repeated."""
    out: dict[str, dict[str, int]] = {}
    for sheet, table in details.tables.items():
        if not table.has(ID_KEY):
            continue
        col = table.columns[ID_KEY]
        ids: dict[str, int] = {}
        rows = table.grid.rows
        for r in range(table.header_row + 1, len(rows)):
            line = rows[r]
            rid = clean_text(line[col]) if col < len(line) else ""
            if rid:
                ids.setdefault(rid.casefold(), r)
        out[sheet] = ids
    return out


def problem(
    details: WorkbookDetails,
    code: str,
    severity: Any,
    message: str,
    sheet: str,
    cell: str = "",
) -> Problem:
    """A finding about this file, at a sheet and cell."""
    return Problem(code, severity, message, file=details.source.name, sheet=sheet, cell=cell)


def sheet_layout(details: WorkbookDetails, sheet: str) -> layout.SheetLayout:
    """The layout a data sheet was built with (the Owners sheet's share columns by plan)."""
    if sheet == layout.OWNERS:
        plan = details.snapshot.plan
        return layout.owners_layout(tuple(g.id for g in plan.goals if g.measure == "sum"))
    return layout.DATA_LAYOUTS[sheet]


def row_problems(details: WorkbookDetails) -> list[Problem]:
    """Rows deleted, ids changed and rows added by hand, against the build record.

    Cheap (no openpyxl): ``collect`` adds them to each file's problems, so
    its import log names a deleted row as ``check`` does.
    """
    return record_problems(details, id_rows(details))


def record_problems(details: WorkbookDetails, rows: dict[str, dict[str, int]]) -> list[Problem]:
    """Deleted rows, changed ids, edited plan cells and rows added by hand."""
    out: list[Problem] = []
    record = details.identity.record
    for sheet in RECORDED:
        table = details.tables.get(sheet)
        ids = rows.get(sheet)
        if table is None or ids is None:
            continue
        recs = [rec for rec in record if rec.sheet == sheet]
        recorded = {rec.id.casefold() for rec in recs}
        found: list[Problem] = []
        plan_cells = _PlanCells(sheet_layout(details, sheet), table)
        for rec in recs:
            found += _recorded_row(details, table, rec, ids, recorded, plan_cells)
        renamed = {p.cell for p in found if p.code == "id-changed"}
        id_col = col_letter(table.columns[ID_KEY])
        for rid, r in ids.items():
            if recs and rid not in recorded and f"{id_col}{r + 1}" not in renamed:
                found.append(
                    problem(
                        details,
                        "row-added",
                        "warning",
                        f"{table.text(r, ID_KEY)} was added by hand: it is read, but has no "
                        "formulas; add it to the plan spec and re-plan to give it some",
                        table.sheet,
                        f"{id_col}{r + 1}",
                    )
                )
        out += found
    return out


class _PlanCells:
    """Where a sheet's plan cells are, per set of formula columns, found once a sheet.

    A recorded row's plan cells are the layout's columns that are neither
    inputs nor the row's formula columns; most rows of a sheet share one set,
    so the column positions are looked up once per set, not once per row.
    """

    def __init__(self, spec: layout.SheetLayout, table: Table) -> None:
        self.spec = spec
        self.table = table
        self._columns: dict[tuple[str, ...], list[int] | None] = {}

    def columns(self, formula_keys: tuple[str, ...]) -> list[int] | None:
        """The plan cells' 0-based columns, in layout order; None when one is missing."""
        if formula_keys not in self._columns:
            keys = [
                c.key for c in self.spec.columns if c.key not in formula_keys and c.role != "input"
            ]
            found = self.table.columns
            self._columns[formula_keys] = (
                [found[k] for k in keys] if all(k in found for k in keys) else None
            )
        return self._columns[formula_keys]

    def fingerprint(self, row: int, columns: list[int]) -> str:
        """The fingerprint of a row's plan cells as they are now (a blank is ``""``)."""
        line = self.table.grid.rows[row]
        width = len(line)
        return _plan_fingerprint(*[line[c] if c < width else "" for c in columns])


@functools.lru_cache(maxsize=1 << 14, typed=True)
def _plan_fingerprint(*values: object) -> str:
    """:func:`~.fingerprint.values_fingerprint`, remembered for rows seen before.

    Every copy of a plan holds the same plan rows, and a worker of
    ``collect`` reads hundreds of copies: a row's values (each with its
    type, so ``1.0`` and ``True`` stay apart) give its fingerprint once.
    Bounded, so a big plan costs at most a few megabytes.
    """
    from .fingerprint import values_fingerprint

    return values_fingerprint(values)


def _recorded_row(
    details: WorkbookDetails,
    table: Table,
    rec: RecordRow,
    ids: dict[str, int],
    recorded: set[str],
    plan_cells: _PlanCells,
) -> list[Problem]:
    """One row the build recorded: deleted, its id changed, or its plan cells edited."""
    r = ids.get(rec.id.casefold())
    if r is None:
        return [_lost_row(details, table, rec, recorded)]
    columns = plan_cells.columns(rec.formula_keys)
    if columns is None or plan_cells.fingerprint(r, columns) == rec.values:
        return []
    message = (
        f"{ITEM[rec.sheet]} {rec.id}'s plan cells (dates, targets, names) differ from "
        "the plan as built; status uses what the sheet says now. If that was "
        "not meant, copy the row back from the original workbook"
    )
    id_col = col_letter(table.columns[ID_KEY])
    return [problem(details, "plan-edited", "warning", message, table.sheet, f"{id_col}{r + 1}")]


def _lost_row(
    details: WorkbookDetails, table: Table, rec: RecordRow, recorded: set[str]
) -> Problem:
    """A recorded row whose id is no longer on its sheet: the id was changed, or the row deleted."""
    id_col = col_letter(table.columns[ID_KEY])
    item = ITEM[rec.sheet]
    now = table.text(rec.row - 1, ID_KEY)
    if now and now.casefold() not in recorded:
        message = (
            f"the ID was {rec.id} when built and is now {now!r}; check-ins, "
            f"actions and milestones refer to {rec.id}: type {rec.id} back"
        )
        return problem(details, "id-changed", "error", message, table.sheet, f"{id_col}{rec.row}")
    message = (
        f"the row of {item} {rec.id} (built on row {rec.row}) was deleted, "
        f"so {rec.id} no longer counts; copy the row back from the original "
        "workbook (or re-plan if it was meant)"
    )
    return problem(details, "row-deleted", "error", message, table.sheet, f"{id_col}{rec.row}")
