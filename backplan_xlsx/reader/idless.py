"""Rows without an ID: the one place that says whether what they hold would be lost.

Every rewrite (merge, split, replan, ``build --keep``, ``import``) carries
inputs by row id, so a row a manager typed at the bottom of Actions (an
action, a Done mark, a note) but gave no ID has nowhere to go: written
again, the workbook would silently drop it. The rule, derived from the
layout: on a sheet whose layout declares inputs (Actions, Anti-goals), any
cell of an ID-less row outside the formula columns holds something typed;
on any data sheet, so does a cell under a column people inserted. Such a
row is an error (``missing-id``) naming each cell and what it holds, which
:func:`backplan_xlsx.merge.ensure_nothing_lost` turns into a refusal; a
fully blank row, or one holding only formula output, is nothing. An
ID-less row holding only plan cells on a sheet without inputs (Goals,
Milestones, Owners) stays a warning: no rewrite reads those cells from the
workbook by row.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import layout
from ..values import clean_text
from .cells import RowReader
from .columns import Table
from .usercols import inserted_columns

#: How much of a long cell a message quotes.
_SHOWN = 40


def report_rows_without_id(spec: layout.SheetLayout, cells: RowReader) -> None:
    """Report every ID-less row of a data sheet that holds something (see the module)."""
    table = cells.table
    id_col = table.columns.get(layout.ID_KEY)
    if id_col is None:
        return
    kept = _kept_columns(spec, table)
    plan = _plan_columns(spec, table)
    rows = table.grid.rows
    for r in range(table.header_row + 1, len(rows)):
        line = rows[r]
        if id_col < len(line) and not _blank(line[id_col]):
            continue
        typed = [(c, line[c]) for c in kept if c < len(line) and not _blank(line[c])]
        if typed:
            _report_typed(spec, cells, r, typed)
        elif any(c < len(line) and not _blank(line[c]) for c in plan):
            cells.report(
                r,
                layout.ID_KEY,
                "missing-id",
                f"this row has no ID, so it is not part of the plan; give it back its "
                f"{_id_hint(spec)} ID from the original workbook, or delete the row",
                "warning",
            )


def _kept_columns(spec: layout.SheetLayout, table: Table) -> list[int]:
    """The columns whose cells an ID-less row cannot hold without losing them."""
    inserted = [c for c, _ in inserted_columns(table, owners=spec.name == layout.OWNERS)]
    if not spec.keeps_inputs:
        return inserted
    formulas = {c.key for c in spec.columns if c.role == "formula"}
    contract = [
        col for key, col in table.columns.items() if key != layout.ID_KEY and key not in formulas
    ]
    return sorted({*contract, *inserted})


def _plan_columns(spec: layout.SheetLayout, table: Table) -> list[int]:
    """The columns whose content makes an ID-less row worth a warning (its row keys)."""
    keys = spec.row_keys or tuple(c.key for c in spec.columns if c.role != "formula")
    return [table.columns[k] for k in keys if k in table.columns and k != layout.ID_KEY]


def _report_typed(
    spec: layout.SheetLayout, cells: RowReader, r: int, typed: Sequence[tuple[int, object]]
) -> None:
    sheet = cells.table.sheet
    held = ", ".join(f"{sheet}!{layout.col_letter(c)}{r + 1} {_shown(v)}" for c, v in typed)
    notes = next((c for c in spec.inputs if c.field and c.kind == "text"), None)
    move = f"the {notes.header} of an existing row" if notes else "a row that has an ID"
    cells.report(
        r,
        layout.ID_KEY,
        "missing-id",
        f"this row has no ID, so nothing it holds can be kept when the workbook is written "
        f"again: {held}. Give the row an ID from the spec ({_a(_id_hint(spec))} ID), or move "
        f"what it says to {move}, or clear it; merge, split, replan and build --keep refuse "
        "this workbook until then",
    )


def _id_hint(spec: layout.SheetLayout) -> str:
    return next(c.hint for c in spec.columns if c.key == layout.ID_KEY)


def _a(words: str) -> str:
    return f"{'an' if words[:1] in 'aeiou' else 'a'} {words}"


def _blank(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not clean_text(value))


def _shown(value: object) -> str:
    """A cell's value as a message quotes it: text in quotes (cut short), the rest as shown."""
    text = clean_text(value)
    if len(text) > _SHOWN:
        text = text[: _SHOWN - 1] + "\u2026"
    return f'"{text}"' if isinstance(value, str) else text
