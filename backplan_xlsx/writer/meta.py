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

import hashlib
import re
from collections.abc import Iterable
from datetime import date, datetime

from .. import layout
from .book import Book

#: Header of the key/value block (columns A:B) and of the row table (from column D).
KEY_HEADERS = ("Key", "Value")
ROW_HEADERS = ("Sheet", "ID", "Row", "Values", "Formulas", "Formula columns")
ROWS_COLUMN = 3
FINGERPRINT_CHARS = 16
GENERATOR = "backplan-xlsx"


def canonical(value: object) -> str:
    """One text per cell value, the same whether written by us or re-saved by others.

    Numbers keep 15 significant digits (what every spreadsheet guarantees);
    a date and a midnight datetime are the same ISO date; empty is ``""``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        text = f"{float(value):.15g}"
        return "0" if text == "-0" else text
    return str(value)


def _digest(parts: Iterable[str]) -> str:
    h = hashlib.sha256("\x1f".join(parts).encode("utf-8"))
    return h.hexdigest()[:FINGERPRINT_CHARS]


def values_fingerprint(values: Iterable[object]) -> str:
    """The fingerprint of a row's plan values, in column order (sha256, 16 hex)."""
    return _digest(canonical(v) for v in values)


_SPACE = re.compile(r"\s+")
_WHOLE_COLUMN = re.compile(r"\b([A-Z]{1,3})1:([A-Z]{1,3})1048576\b")


def normalize_formula(formula: str) -> str:
    """A formula's spelling with the differences re-saving programs introduce removed.

    Drops the leading ``=``, ``$`` anchors, spaces and ``_xlfn.`` prefixes,
    upper-cases everything outside string literals, and turns ``TRUE()`` and
    whole-column ranges written as ``D1:D1048576`` back into ``TRUE`` and ``D:D``.
    """
    text = formula.strip().removeprefix("=")
    # Split on quotes: even parts are code, odd parts string literals (an
    # escaped "" leaves an empty code part between, which stays empty).
    parts = text.split('"')
    parts[::2] = [_normalize_code(p) for p in parts[::2]]
    return '"'.join(parts)


def _normalize_code(code: str) -> str:
    # Each step is guarded by a cheap test: this runs for every formula written.
    if not code:
        return code
    if " " in code or "\n" in code or "\t" in code or "\r" in code:
        code = _SPACE.sub("", code)
    code = code.replace("$", "").upper()
    if "_XL" in code:
        code = code.replace("_XLFN.", "").replace("_XLWS.", "")
    if "()" in code:
        code = code.replace("TRUE()", "TRUE").replace("FALSE()", "FALSE")
    if "1048576" in code:
        code = _WHOLE_COLUMN.sub(r"\1:\2", code)
    return code


def formulas_fingerprint(formulas: Iterable[str]) -> str:
    """The fingerprint of a row's formulas, in column order, spelling normalized."""
    return _digest(normalize_formula(f) for f in formulas)


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
        ("plan_id", plan.id),
        ("version", plan.version),
        ("schema_version", layout.SCHEMA_VERSION),
        ("title", plan.title),
        ("start", plan.start.isoformat()),
        ("built_as_of", book.as_of.isoformat()),
        ("generator", GENERATOR),
    ]
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
        sheet.text(r, c + 3, values_fingerprint(rec.values), plain)
        sheet.text(r, c + 4, formulas_fingerprint(f for _, f in rec.formulas), plain)
        sheet.text(r, c + 5, ",".join(k for k, _ in rec.formulas), plain)
    sheet.ws.set_column(0, 1, 16)
    sheet.ws.set_column(ROWS_COLUMN, ROWS_COLUMN + len(ROW_HEADERS) - 1, 14)
    sheet.protect()
    sheet.ws.very_hidden()
