"""The plan's identity and the as-built record, for readers of returned copies.

The identity (plan id and version) is written three times: on the very
hidden ``_backplan`` sheet, as defined names and as custom document
properties, because each may be lost on the way back (LibreOffice makes
very hidden plain hidden, Google Sheets may drop the sheet and properties).

``_backplan`` also keeps, for every row of every data sheet, its id, the row
it was built on and two fingerprints: of its plan values and of its formulas.
A reader recomputes them from what it finds to tell edited plan cells,
overwritten formulas, deleted rows and foreign copies apart. Both are
computed over canonical text (:func:`canonical`, :func:`normalize_formula`)
so that a re-save by LibreOffice, which rewrites numbers and formula
spelling, does not look like an edit.
"""

from __future__ import annotations

from .. import layout
from ..returns import encode, inputs_fingerprints
from .book import Book
from .fingerprint import (
    FINGERPRINT_CHARS,
    canonical,
    formulas_fingerprint,
    normalize_formula,
    values_fingerprint,
)

__all__ = [
    "FINGERPRINT_CHARS",
    "KEY_HEADERS",
    "ROWS_COLUMN",
    "ROW_HEADERS",
    "canonical",
    "formulas_fingerprint",
    "normalize_formula",
    "values_fingerprint",
    "write_identity",
    "write_meta_sheet",
]

#: Header of the key/value block (columns A:B) and of the row table (from column D).
KEY_HEADERS = ("Key", "Value")
ROW_HEADERS = ("Sheet", "ID", "Row", "Values", "Formulas", "Formula columns")
ROWS_COLUMN = 3
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


def write_meta_sheet(book: Book) -> None:
    """The very hidden ``_backplan`` sheet: identity, then one line per built row."""
    plan = book.snapshot.plan
    sheet = book.add_sheet(layout.META)
    head = book.styles.header()
    plain = book.styles.get()
    pairs: list[tuple[str, str | int]] = [
        (layout.META_PLAN_ID, plan.id),
        (layout.META_VERSION, plan.version),
        (layout.META_SCHEMA, layout.SCHEMA_VERSION),
        (layout.META_TITLE, plan.title),
        (layout.META_START, plan.start.isoformat()),
        (layout.META_BUILT_AS_OF, book.as_of.isoformat()),
        (layout.META_GENERATOR, GENERATOR),
    ]
    if plan.part:
        pairs.append((layout.META_PART, plan.part))
    pairs.append((layout.META_INPUTS, encode(inputs_fingerprints(book.snapshot))))
    for i, text in enumerate(KEY_HEADERS):
        sheet.text(0, i, text, head)
    for r, (key, value) in enumerate(pairs, start=1):
        sheet.text(r, 0, key, plain)
        if isinstance(value, int):
            sheet.number(r, 1, value, plain)
        else:
            sheet.text(r, 1, value, plain)
    for i, text in enumerate(ROW_HEADERS):
        sheet.text(0, ROWS_COLUMN + i, text, head)
    for r, rec in enumerate(book.records, start=1):
        c = ROWS_COLUMN
        sheet.text(r, c, rec.sheet, plain)
        sheet.text(r, c + 1, rec.id, plain)
        sheet.number(r, c + 2, rec.row, plain)
        sheet.text(r, c + 3, rec.values, plain)
        sheet.text(r, c + 4, rec.formulas, plain)
        sheet.text(r, c + 5, ",".join(rec.formula_keys), plain)
    sheet.ws.set_column(0, 1, 16)
    sheet.ws.set_column(ROWS_COLUMN, ROWS_COLUMN + len(ROW_HEADERS) - 1, 14)
    sheet.protect()
    sheet.ws.very_hidden()
