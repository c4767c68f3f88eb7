"""The roll-up's table writer: one loop over a sheet's layout, through the checked writer.

Every cell goes through :class:`~backplan_xlsx.writer.book.Sheet`, the plan
workbook's writer, which checks each XlsxWriter return code: a value
XlsxWriter refuses or cuts never goes missing silently. One thing differs
for a report: text too long for a cell (Excel holds 32,767 characters) came
from a returned file, not from the spec, so it must not stop the month's
import. It is cut with a visible mark saying how much was cut, and named in
:attr:`Rollup.cut` so ``collect`` reports it.

Imported only while a roll-up is written (it pulls in XlsxWriter).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .layout_rollup import Colours, NumberStyle, ReportLayout
from .reports.data import neutralise
from .writer.book import MAX_TEXT_CHARS, Sheet, cell_name

#: One row of a roll-up sheet: its layout's fields, each to its value.
Row = Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Measure:
    """A figure in its goal's unit, so a % goal's 0.24 shows as 24.0%, not 0.24."""

    value: float | None
    unit: str


class Formats:
    """The roll-up's cell formats, made once (XlsxWriter keeps every ``add_format``)."""

    def __init__(self, wb: Any, fill: str, font: str) -> None:
        base = {"font_name": "Calibri", "font_size": 10, "valign": "top"}
        self.header = wb.add_format(
            {
                **base,
                "bold": True,
                "bg_color": fill,
                "font_color": font,
                "text_wrap": True,
                "border": 1,
            }
        )
        self.title = wb.add_format({**base, "bold": True, "font_size": 14})
        self.text = wb.add_format({**base, "text_wrap": True})
        self.number = wb.add_format({**base, "num_format": "#,##0.##"})
        #: ``#,##0.##`` shows a whole number as "345,000." in Excel: whole numbers get this.
        self.whole = wb.add_format({**base, "num_format": "#,##0"})
        self.date = wb.add_format({**base, "num_format": "yyyy-mm-dd"})
        self.stamp = wb.add_format({**base, "num_format": "yyyy-mm-dd hh:mm"})
        self.percent = wb.add_format({**base, "num_format": "0.0%"})
        self.times = wb.add_format({**base, "num_format": '0.00"x"'})
        self.change = wb.add_format({**base, "num_format": "+0.0%;-0.0%;0.0%"})

    def of(self, style: NumberStyle) -> Any:
        """The format a column's numbers take."""
        found: Any = getattr(self, style)
        return found


@dataclass
class Rollup:
    """The roll-up being written: its workbook, formats, and the cells whose text was cut."""

    workbook: Any
    fmt: Formats
    cut: list[str] = field(default_factory=list)


class ReportSheet(Sheet):
    """The checked sheet writer, cutting text too long for a cell visibly instead of refusing."""

    def __init__(self, worksheet: Any, name: str, cut: list[str]) -> None:
        super().__init__(worksheet, name, fast=False)
        self.cut = cut

    def text(self, row: int, col: int, value: str, fmt: Any = None) -> None:
        """Text as text; over Excel's limit, its start and a mark saying how long it was."""
        if len(value) > MAX_TEXT_CHARS:
            self.cut.append(f"{self.name}!{cell_name(row, col)} ({len(value):,} characters)")
            value = cut_to_fit(value)
        super().text(row, col, value, fmt)

    def stamp(self, row: int, col: int, value: datetime, fmt: Any) -> None:
        """A date with its time (a file's modification time)."""
        self.check(self.ws.write_datetime(row, col, value, fmt), row, col, "a date and time")


def cut_to_fit(text: str) -> str:
    """Text over Excel's limit: its start, then a mark saying it was cut and how long it was."""
    mark = f" … [cut to fit one cell: {len(text):,} characters in all]"
    return text[: MAX_TEXT_CHARS - len(mark)] + mark


def colours_of(kind: Colours) -> Mapping[str, tuple[str, str]]:
    """The words that colour a column, each with its (fill, font)."""
    from .returns import MISSING, RETURNED, UNTOUCHED
    from .writer.book import AMBER, GREEN, RED, STATUS_COLOURS

    if kind == "returns":
        return {RETURNED: GREEN, UNTOUCHED: AMBER, MISSING: RED}
    return STATUS_COLOURS if kind == "status" else {}


def table(out: Rollup, spec: ReportLayout, rows: Sequence[Row], title: str = "") -> ReportSheet:
    """A sheet holding one table: ``spec``'s headers, then each row's fields in column order.

    A row whose fields are not exactly the layout's is a bug (a column added
    in one place only), and raises.
    """
    fmt = out.fmt
    sheet = ReportSheet(out.workbook.add_worksheet(spec.name), spec.name, out.cut)
    ws = sheet.ws
    top = 1 if spec.titled else 0
    if spec.titled:
        sheet.text(0, 0, title, fmt.title)
    for c, col in enumerate(spec.columns):
        ws.set_column(c, c, col.width, fmt.text if col.width >= 30 else None)
        sheet.text(top, c, col.header, fmt.header)
    fields = set(spec.fields)
    for r, row in enumerate(rows, start=top + 1):
        if row.keys() != fields:
            raise ValueError(f"{spec.name}: a row holds {sorted(row)}, the layout {spec.fields}")
        for c, col in enumerate(spec.columns):
            _cell(sheet, fmt, r, c, row[col.field], col.number)
    ws.freeze_panes(top + 1, 0)
    sheet.check(
        ws.autofilter(top, 0, top + max(1, len(rows)), len(spec.columns) - 1), top, 0, "a filter"
    )
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(top)
    if rows:
        for c, col in enumerate(spec.columns):
            if col.colours:
                status_colours(out, sheet, top + 1, c, len(rows), colours_of(col.colours))
    return sheet


def _cell(
    sheet: ReportSheet, fmt: Formats, r: int, c: int, value: object, style: NumberStyle
) -> None:
    """One value by its type: nothing for none, a date, a stamp, TRUE/FALSE, a number, text."""
    if isinstance(value, Measure):
        if value.value is not None:
            percent = value.unit.strip() == "%"
            shown = fmt.percent if percent else fitted(fmt, style, value.value)
            sheet.number(r, c, value.value, shown)
        return
    if value is None or value == "":
        return
    if isinstance(value, datetime):
        sheet.stamp(r, c, value, fmt.stamp)
    elif isinstance(value, date):
        sheet.date(r, c, value, fmt.date)
    elif isinstance(value, bool):
        sheet.value(r, c, value, None)
    elif isinstance(value, int | float):
        sheet.number(r, c, value, fitted(fmt, style, value))
    else:
        # Text from the files came from people and programs we do not control.
        sheet.text(r, c, str(neutralise(value)))


def fitted(fmt: Formats, style: NumberStyle, value: float) -> Any:
    """The column's format, but whole numbers (to two places) without Excel's trailing point."""
    if style == "number" and math.isfinite(value) and round(value, 2) == round(value):
        return fmt.whole
    return fmt.of(style)


def status_colours(
    out: Rollup,
    sheet: ReportSheet,
    first_row: int,
    col: int,
    n: int,
    colours: Mapping[str, tuple[str, str]],
) -> None:
    """Colour ``n`` cells of a column from ``first_row`` by the words they hold."""
    for status, (fill, font) in colours.items():
        rc = sheet.ws.conditional_format(
            first_row,
            col,
            first_row + n - 1,
            col,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{status}"',
                "format": out.workbook.add_format({"bg_color": fill, "font_color": font}),
            },
        )
        sheet.check(rc, first_row, col, "a conditional format")
