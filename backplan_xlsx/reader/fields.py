"""A data sheet's rows, each cell parsed as its column declares: one loop for every sheet.

The layout says which columns are read and how (``Column.kind``), what to
type when a cell is wrong (``Column.hint``), which cells a row cannot do
without (``needed``) and which columns are inputs kept by row id
(``field``). So a column added to the layout is read here without a line
of reading code; the per-sheet hooks in :mod:`.plan` only turn the parsed
values into model objects and check what spans cells (a deadline after
the start, a milestone's goal).

Cells are read in a fixed order, so a row's problems come in the order a
person fixes them: the ID, the needed text cells, the needed numbers and
dates, the optional ones, then the choices (a wrong measure or direction
is read as its default, with a warning).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime, time
from functools import cache
from typing import Any

from .. import layout
from ..model import DoneMark
from .cells import RowReader, SkipRow
from .columns import texts_of

_TYPED = ("number", "date", "days")


@dataclass(slots=True)
class Row:
    """One readable row: its 0-based index on the sheet, its ID and each read cell by key."""

    index: int
    id: str
    values: dict[str, Any]


def done_mark(raw: object, text: str) -> DoneMark:
    """A Done cell as typed: a checkbox's TRUE, a number or a date keep their
    type (each is a done mark by its own rule); text is kept as typed but for
    the plain spaces around it, which is what the workbook's TRIM drops too:
    "yes" followed by a non-breaking space is not done there, so not here."""
    if isinstance(raw, str):
        return raw.strip(" ")
    if isinstance(raw, bool | int | float):
        return raw
    if isinstance(raw, datetime):
        return raw.date() if raw.time() == time(0, 0) else raw
    if isinstance(raw, date):
        return raw
    return text


@cache
def model_fields(model: type) -> frozenset[str]:
    """The attribute names of a model dataclass (the keys of its plan columns)."""
    return frozenset(f.name for f in fields(model))


def model_values(model: type, values: dict[str, Any]) -> dict[str, Any]:
    """The parsed cells that are attributes of ``model``, ready for ``model(**…)``."""
    names = model_fields(model)
    return {k: v for k, v in values.items() if k in names}


class RowParser:
    """How one sheet's rows are read, worked out once from its layout.

    With ``inputs_only`` only the ID and the input columns are read: what a
    monthly import needs from every copy of a plan but one.
    """

    def __init__(
        self, spec: layout.SheetLayout, cells: RowReader, *, inputs_only: bool = False
    ) -> None:
        cols = [c for c in spec.columns if c.kind]
        if inputs_only:
            cols = [c for c in cols if c.role in ("id", "input")]
        self.spec = spec
        self.cells = cells
        self.id = next(c for c in cols if c.kind == "id")
        needed = [c for c in cols if c.needed and not c.blank and c.kind != "id"]
        #: Every cell read as text, in one call a row (the big sheets' rows).
        self.texts = [c for c in cols if c.kind in ("id", "text", "choice", "done")]
        self.text_keys = [c.key for c in self.texts]
        self.needed_texts = [c for c in needed if c.kind == "text"]
        #: (key, hint, parser) of the numbers and dates: the needed, then the others.
        self.needed_typed = [self._parser(c) for c in needed if c.kind in _TYPED]
        self.optional_typed = [
            self._parser(c) for c in cols if c.kind in _TYPED and c not in needed
        ]
        self.settled = [c for c in cols if c.kind in ("choice", "days")]
        #: Done cells: read as text, kept as typed (a date, TRUE) when not blank.
        self.done = [c.key for c in cols if c.kind == "done"]
        self.inputs = [(c.key, c.field) for c in cols if c.role == "input" and c.field]

    def rows(self, refs: Callable[[Row], None] | None = None) -> Iterator[Row]:
        """Each row that has an ID and every needed cell readable (the others are reported).

        ``refs`` checks what the row's text cells refer to (a milestone's
        goal) before its numbers and dates are read; it skips a row by
        raising :class:`~backplan_xlsx.reader.cells.SkipRow`.
        """
        table, cells = self.cells.table, self.cells
        seen: set[str] = set()
        keys, done = self.text_keys, self.done
        cols = [table.columns.get(k) for k in keys]
        lines = table.grid.rows
        for r in table.data_rows(self.spec.row_keys):
            values: dict[str, Any] = dict(zip(keys, texts_of(lines[r], cols)))  # noqa: B905
            try:
                rid = cells.row_id(r, seen, self.id.hint, values[self.id.key])
                for c in self.needed_texts:
                    cells.need(r, c.key, values[c.key], c.hint)
                if refs is not None:
                    refs(Row(r, rid, values))
                for key, hint, parse in self.needed_typed:
                    values[key] = parse(r, key, hint, need=True)
                for key, hint, parse in self.optional_typed:
                    values[key] = parse(r, key, hint, need=False)
            except SkipRow:
                continue
            for c in self.settled:
                values[c.key] = self._settle(r, c, values[c.key])
            for key in done:
                if values[key]:
                    values[key] = done_mark(table.get(r, key), values[key])
            yield Row(r, rid, values)

    def _parser(self, col: layout.Column) -> tuple[str, str, Callable[..., Any]]:
        parse = self.cells.optional_date if col.kind == "date" else self.cells.optional_number
        return col.key, col.hint, parse

    def _settle(self, r: int, col: layout.Column, value: Any) -> Any:
        """A choice or a number of days, from the cell as first read (warned when wrong)."""
        if col.kind == "choice":
            chosen = value.casefold() or col.choices[0]
            if chosen in col.choices:
                return chosen
            self.cells.report(r, col.key, f"bad-{col.key}", col.bad.format(value=value))
            return col.choices[0]
        if value is None:
            return layout.REVIEW_EVERY_DAYS
        if value >= 1 and value == int(value):
            return int(value)
        self.cells.report(r, col.key, "bad-number", col.bad.format(value=value))
        return layout.REVIEW_EVERY_DAYS

    def keep_inputs(self, row: Row, inputs: dict[str, dict[str, Any]]) -> None:
        """File the row's input cells (Done, Notes, Last reviewed…) under its ID."""
        values = row.values
        for key, name in self.inputs:
            value = values[key]
            if value is not None and value != "":
                inputs.setdefault(name, {})[row.id] = value
