"""The Check-ins sheet: where progress is typed, one reading a row.

Every column is unlocked as a whole (through the column format), so rows
typed or pasted far below the prepared ones are as editable as the first;
the formulas read whole columns (sums) or down to ``CHECK_IN_LAST_ROW``
(latest readings), so they count too. Dropdown sources are fixed absolute
ranges because Google Sheets rejects lists built by formulas.
"""

from __future__ import annotations

from typing import Any

from .. import layout
from ..layout import CHECK_IN as C
from .book import Book, Sheet, absolute, display_format
from .datasheets import validate_column, write_user_columns

_USER = layout.Column("", "user", role="input")

#: Where the list of goal and anti-goal ids lives (a hidden column on Start).
IDS_SHEET = layout.START
IDS_COLUMN = 7


def ids_source(book: Book) -> str:
    """The fixed range the Goal dropdown reads: goal ids, then anti-goal ids."""
    plan = book.snapshot.plan
    n = len(plan.goals) + len(plan.anti_goals)
    last = max(layout.LIST_LAST_ROW, n + 1)
    letter = layout.col_letter(IDS_COLUMN)
    return f"={absolute(IDS_SHEET, letter, 2)}:${letter}${last}"


def owners_source(book: Book, owners: layout.SheetLayout) -> str:
    """The fixed range the Owner dropdown reads: the Owners sheet's names."""
    last = max(layout.LIST_LAST_ROW, len(book.snapshot.plan.owners) + 1)
    letter = owners.letter(layout.OWNER.name)
    return f"={absolute(layout.OWNERS, letter, 2)}:${letter}${last}"


def write_check_ins(book: Book, owners: layout.SheetLayout) -> None:
    """Header, prepared input rows with dropdowns and checks, and any check-ins given."""
    spec = layout.CHECK_INS_LAYOUT
    styles = book.styles
    sheet = book.add_sheet(spec.name)
    head = styles.header()
    for i, col in enumerate(spec.columns):
        base: dict[str, Any] = {"locked": False}
        fmt = display_format(col.fmt)
        if fmt:
            base["num_format"] = fmt
        sheet.ws.set_column(i, i, col.width, styles.get(**base))
        sheet.text(0, i, col.header, head)
    sheet.ws.set_row(0, 30)
    sheet.ws.freeze_panes(1, 0)

    check_ins = book.snapshot.check_ins
    prepared = max(layout.CHECK_IN_ROWS, len(check_ins))
    formats = styles.row(spec, {})
    for r in range(1, prepared + 1):
        for i, fmt in enumerate(formats):
            sheet.blank(r, i, fmt)
    for r, c in enumerate(check_ins, start=1):
        for i, col in enumerate(spec.columns):  # each column is the CheckIn field of its key
            sheet.value(r, i, getattr(c, col.key, None), formats[i])

    _validations(book, sheet, owners, prepared)
    _user_columns(book, sheet)
    sheet.print_setup(book.snapshot.plan.title)
    sheet.protect(insert_rows=True, delete_rows=True, sort=True)


def _validations(book: Book, sheet: Sheet, owners: layout.SheetLayout, prepared: int) -> None:
    """Each column's declared check on the prepared rows; the dropdowns read their sheets."""
    spec = layout.CHECK_INS_LAYOUT
    sources = {C.goal.key: ids_source(book), C.owner.key: owners_source(book, owners)}
    for col in spec.validated:
        validate_column(sheet, spec, col, prepared, sources.get(col.key, ""))


def _user_columns(book: Book, sheet: Sheet) -> None:
    """Columns people added to Check-ins, after the contract's; each reading keeps its values."""
    spec = layout.CHECK_INS_LAYOUT
    mine = [u for u in book.snapshot.user_columns if u.sheet == spec.name]
    extra = {u.header: j for j, u in enumerate(mine)}

    def placed(_values: tuple[tuple[str, object], ...]) -> list[tuple[int, object]]:
        return []  # the values live on the check-ins, written below

    write_user_columns(book, sheet, spec, placed)
    fmt = book.styles.column(_USER)
    for r, c in enumerate(book.snapshot.check_ins, start=1):
        for header, value in c.extra:
            if header in extra:
                sheet.value(r, len(spec.columns) + extra[header], value, fmt)
