"""The plan's identity and the as-built record, for readers of returned copies.

The identity (plan id and version) is written three times: on the very
hidden ``_backplan`` sheet, as defined names and as custom document
properties, because each may be lost on the way back (LibreOffice makes
very hidden plain hidden, Google Sheets may drop the sheet and properties).

``_backplan`` also keeps, for every row of every data sheet, its id, the row
it was built on and two fingerprints: of its plan values and of its formulas.
A reader recomputes them from what it finds to tell edited plan cells,
overwritten formulas, deleted rows and foreign copies apart. Both are
computed over canonical text (:mod:`backplan_xlsx.fingerprint`)
so that a re-save by LibreOffice, which rewrites numbers and formula
spelling, does not look like an edit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .. import layout, layout_meta
from ..asbuilt import encode_cells
from ..goalsettings import encode_settings
from ..parts import encode_owners
from ..returns import encode, inputs_fingerprints
from .book import Book, Sheet

__all__ = [
    "GENERATOR",
    "KEY_HEADERS",
    "ROWS_COLUMN",
    "ROW_HEADERS",
    "meta_values",
    "write_identity",
    "write_meta_sheet",
]

#: Kept for readers of older code and tests: the declarations live in ``layout_meta``.
KEY_HEADERS = layout_meta.META_KEY_HEADERS
ROW_HEADERS = tuple(c.header for c in layout_meta.RECORD_COLUMNS)
ROWS_COLUMN = layout_meta.RECORD_FIRST_COLUMN
GENERATOR = "backplan-xlsx"


def identity_formula(value: str | int) -> str:
    """A defined name's formula holding a constant: ``="fy27"`` or ``=1``."""
    if isinstance(value, int):
        return f"={value}"
    return '="' + value.replace('"', '""') + '"'


def write_identity(book: Book) -> None:
    """Defined names and custom document properties that carry the plan's identity."""
    plan = book.snapshot.plan
    book.define_name(layout.PLAN_ID_NAME, identity_formula(plan.id))
    book.define_name(layout.VERSION_NAME, identity_formula(plan.version))
    if plan.part:
        book.define_name(layout.PART_NAME, identity_formula(plan.part))
    wb = book.workbook
    wb.set_custom_property(layout.PLAN_ID_PROPERTY, plan.id, "text")
    wb.set_custom_property(layout.VERSION_PROPERTY, plan.version, "number_int")


def meta_values(book: Book) -> dict[str, str | int | date | tuple[str, ...]]:
    """What each declared ``_backplan`` key holds for this build (by ``MetaField.field``)."""
    plan = book.snapshot.plan
    return {
        "plan_id": plan.id,
        "version": plan.version,
        "schema_version": layout.SCHEMA_VERSION,
        "title": plan.title,
        "start": plan.start,
        "built_as_of": book.as_of,
        "generator": GENERATOR,
        "part": plan.part,
        "plan_owners": encode_owners(plan.plan_owners) if plan.part else "",
        "used_ids": plan.used_ids,
        "inputs": encode(inputs_fingerprints(book.snapshot)),
        "input_cells": encode_cells(book.snapshot),
        "goal_settings": encode_settings(plan.goals),
    }


def _stored(kind: layout_meta.MetaKind, value: object) -> str | int:
    """A value as ``_backplan`` stores it: dates as ISO text, lists comma-joined."""
    if kind == "int":
        assert isinstance(value, int)
        return value
    if kind == "date":
        assert isinstance(value, date)
        return value.isoformat()
    if kind == "list":
        assert isinstance(value, tuple)
        return ",".join(value)
    return str(value)


def _cell(sheet: Sheet, row: int, col: int, value: str | int, fmt: Any) -> None:
    if isinstance(value, int):
        sheet.number(row, col, value, fmt)
    else:
        sheet.text(row, col, value, fmt)


def write_meta_sheet(book: Book) -> None:
    """The very hidden ``_backplan`` sheet: identity, then one line per built row.

    Both blocks are one loop over their declaration in ``layout_meta``.
    """
    sheet = book.add_sheet(layout.META)
    head = book.styles.header()
    plain = book.styles.get()
    values = meta_values(book)
    if values.keys() != {f.field for f in layout_meta.META_FIELDS}:
        raise ValueError(f"_backplan values {sorted(values)} are not layout_meta.META_FIELDS")
    for i, text in enumerate(layout_meta.META_KEY_HEADERS):
        sheet.text(0, i, text, head)
    r = 1
    for key in layout_meta.META_FIELDS:
        value = values[key.field]
        if key.optional and not value:
            continue
        sheet.text(r, 0, key.key, plain)
        _cell(sheet, r, 1, _stored(key.kind, value), plain)
        r += 1
    first = layout_meta.RECORD_FIRST_COLUMN
    columns = layout_meta.RECORD_COLUMNS
    for i, col in enumerate(columns):
        sheet.text(0, first + i, col.header, head)
    for r, rec in enumerate(book.records, start=1):
        for i, col in enumerate(columns):
            _cell(sheet, r, first + i, _stored(col.kind, getattr(rec, col.field)), plain)
    sheet.ws.set_column(0, 1, 16)
    sheet.ws.set_column(first, first + len(columns) - 1, 14)
    sheet.protect()
    sheet.ws.very_hidden()
