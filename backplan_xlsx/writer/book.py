"""What every sheet module shares: checked cell writes, styles, the build context.

XlsxWriter reports soft failures as return codes (-1: outside the sheet,
-2: a string cut at 32,767 characters) that are easy to ignore and leave a
workbook quietly wrong. :class:`Sheet` checks every one and raises
:class:`~backplan_xlsx.errors.WorkbookWriteError` naming the sheet and cell,
and refuses formulas longer than Excel's 8,192 characters, which XlsxWriter
writes but Excel will not open.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import CellArrayFormulaTuple as _ARRAY
from xlsxwriter.worksheet import CellFormulaTuple as _FORMULA
from xlsxwriter.worksheet import Worksheet

from .. import layout, rules
from ..engine import StatusReport
from ..errors import WorkbookWriteError
from ..layout_meta import RowRecord as RowRecord  # re-exported: sheet modules keep one per row
from ..model import Goal, Snapshot

#: Excel's longest formula, in characters.
MAX_FORMULA_CHARS = 8192
#: Excel's longest text in a cell.
MAX_TEXT_CHARS = 32767

#: Header band, input cells, muted text.
HEADER_FILL = "#1F4E78"
HEADER_FONT = "#FFFFFF"
INPUT_FILL = "#FFF2CC"
MUTED_FONT = "#595959"
FONT = "Calibri"

#: Status colours (fill, font): the same on the Start legend and in conditional formats.
GREEN = ("#C6EFCE", "#006100")
AMBER = ("#FFEB9C", "#9C5700")
RED = ("#FFC7CE", "#9C0006")
GREY = ("#E7E6E6", "#3A3A3A")
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    rules.DONE: GREEN,
    rules.ON_TRACK: GREEN,
    rules.OK: GREEN,
    rules.AT_RISK: AMBER,
    rules.WARNING: AMBER,
    rules.REVIEW_OVERDUE: AMBER,
    rules.OFF_TRACK: RED,
    rules.MISSED: RED,
    rules.OVERDUE: RED,
    rules.BREACHED: RED,
    rules.NOT_STARTED: GREY,
    rules.OPEN: GREY,
    rules.NO_DATA: GREY,
}

Cached = float | int | str | None


def quote_sheet(name: str) -> str:
    """A sheet name as a formula prefix: ``Goals!`` or ``'Check-ins'!``."""
    if name.isalnum():
        return f"{name}!"
    return "'" + name.replace("'", "''") + "'!"


def absolute(sheet: str, col: str, row: int) -> str:
    """An absolute reference to one cell on another sheet: ``Goals!$G$2``."""
    return f"{quote_sheet(sheet)}${col}${row}"


def cell_name(row: int, col: int) -> str:
    """A 0-based (row, col) as A1 text, for messages."""
    return f"{layout.col_letter(col)}{row + 1}"


def goal_number_format(goal: Goal) -> str:
    """How a goal's figures are shown: whole numbers for big goals, more digits for rates.

    The layout's generic ``#,##0.##`` shows ``2,400,000.`` (a trailing point) in
    Excel, so each goal's rows get a format fitted to its scale instead.
    """
    if goal.unit == "%" and max(abs(goal.baseline), abs(goal.target)) <= 1.5:
        return "0.0%"
    span = abs(goal.target - goal.baseline)
    if span >= 1000:
        return "#,##0"
    if span >= 10:
        return "#,##0.00"
    return "0.00##"


def wraps(col: layout.Column) -> bool:
    """Whether a column wraps its text: the wide text columns (Why, Avoid, Action...)."""
    return col.width >= 24 and not col.fmt


def display_format(fmt: str, number: str = "") -> str:
    """The number format to write for a layout format: a goal's own, or General."""
    if fmt == layout.NUMBER:
        return number or "General"
    return fmt


class Styles:
    """Formats made once and shared: XlsxWriter keeps every ``add_format``."""

    def __init__(self, workbook: Any) -> None:
        self._wb = workbook
        self._cache: dict[tuple[tuple[str, Any], ...], Any] = {}
        self._columns: dict[tuple[layout.Column, str], Any] = {}
        self._rows: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[tuple[Any, ...], list[Any]]]
        self._rows = {}

    def get(self, **props: Any) -> Any:
        """A cell format with these XlsxWriter properties (locked unless ``locked=False``)."""
        props.setdefault("font_name", FONT)
        props.setdefault("font_size", 10)
        props.setdefault("valign", "top")
        key = tuple(sorted(props.items()))
        found = self._cache.get(key)
        if found is None:
            found = self._wb.add_format(dict(props))
            self._cache[key] = found
        return found

    def column(self, col: layout.Column, number: str = "") -> Any:
        """The format of a data cell in this column: number format, lock, input fill.

        ``number`` is the row's goal's display format (see :func:`goal_number_format`);
        it replaces the layout's generic number format.
        """
        key = (col, number)
        found = self._columns.get(key)
        if found is not None:
            return found
        props: dict[str, Any] = {}
        fmt = display_format(col.fmt, number)
        if fmt and fmt != "General":
            props["num_format"] = fmt
        if col.role == "input":
            props["locked"] = False
            props["bg_color"] = INPUT_FILL
        if wraps(col):
            props["text_wrap"] = True
        found = self._columns[key] = self.get(**props)
        return found

    def row(self, spec: layout.SheetLayout, numbers: Mapping[str, str]) -> list[Any]:
        """The format of each cell of a table row, column by column (see :meth:`column`).

        Looked up once a sheet and goal scale, not once a cell: hashing a
        :class:`~backplan_xlsx.layout.Column` is most of what a lookup costs.
        ``numbers`` maps column keys to a display format, ``""`` every other.
        """
        key = (spec.name, tuple(numbers.items()))
        found = self._rows.get(key)
        if found is not None and (found[0] is spec.columns or found[0] == spec.columns):
            return found[1]
        default = numbers.get("", "")
        formats = [self.column(col, numbers.get(col.key, default)) for col in spec.columns]
        self._rows[key] = (spec.columns, formats)
        return formats

    def header(self) -> Any:
        """The header row of a table."""
        return self.get(
            bold=True,
            font_color=HEADER_FONT,
            bg_color=HEADER_FILL,
            text_wrap=True,
            valign="vcenter",
            border=1,
            border_color="#FFFFFF",
        )

    def status_band(self, colour: tuple[str, str]) -> Any:
        """A conditional-format (dxf) format for one status colour."""
        fill, font = colour
        key = (("dxf", fill), ("font", font))
        found = self._cache.get(key)
        if found is None:
            found = self._wb.add_format({"bg_color": fill, "font_color": font})
            self._cache[key] = found
        return found


#: The functions XlsxWriter's ``_prepare_formula`` (3.x) prefixes with ``_xlfn.``
#: in every formula (dynamic arrays and the newest functions).
_REWRITTEN_CALLS = (
    "ANCHORARRAY", "BYCOL", "BYROW", "CHOOSECOLS", "CHOOSEROWS", "DROP", "EXPAND", "FILTER",
    "HSTACK", "LAMBDA", "MAKEARRAY", "MAP", "RANDARRAY", "REDUCE", "SCAN", "SEQUENCE", "SORT",
    "SORTBY", "SWITCH", "TAKE", "TEXTSPLIT", "TOCOL", "TOROW", "UNIQUE", "VSTACK", "WRAPCOLS",
    "WRAPROWS", "XLOOKUP", "LET", "ARRAYTOTEXT", "VALUETOTEXT", "IMAGE", "ISOMITTED", "GROUPBY",
    "PIVOTBY", "PERCENTOF", "TRIMRANGE",
)  # fmt: skip
#: What XlsxWriter's ``_prepare_formula`` (3.x) rewrites or treats apart: array
#: braces, a trailing brace it strips, and the functions it prefixes with
#: ``_xlfn.``. Matched loosely (inside longer names too): a match only sends
#: the formula down XlsxWriter's own path. The definition; the writer asks
#: :func:`rewritten_by_xlsxwriter`, which says the same faster.
_REWRITTEN = re.compile(r"^[{=]|}$|_xlfn\.|INGLE\(|(?:" + "|".join(_REWRITTEN_CALLS) + r")\(")


def _by_first_letter(names: tuple[str, ...]) -> str:
    """``A(?:NCHORARRAY|RRAYTOTEXT)|B(?:YCOL|YROW)|…``: the same names, one branch a letter.

    Python's ``re`` tries the branches of an alternation one by one at every
    position; grouped by first letter there are half as many, each failing on
    its first character (about five times faster over the sales template's
    formulas).
    """
    groups: dict[str, list[str]] = {}
    for name in sorted(names):
        groups.setdefault(name[0], []).append(re.escape(name[1:]))
    return "|".join(f"{re.escape(first)}(?:{'|'.join(rest)})" for first, rest in groups.items())


_CALLS = re.compile(f"(?:{_by_first_letter((*_REWRITTEN_CALLS, 'INGLE'))})\\(")


def rewritten_by_xlsxwriter(formula: str) -> bool:
    """Whether :data:`_REWRITTEN` matches ``formula``, at a fifth of its cost.

    Its anchored and literal branches are plain string tests here, and the
    function names one grouped expression: ``tests/test_writer_fast.py``
    holds the two to the same answer.
    """
    return (
        formula.startswith(("{", "="))
        or formula.endswith("}")
        or "_xlfn." in formula
        or _CALLS.search(formula) is not None
    )


def store_formula(ws: Any, row: int, col: int, formula: str, fmt: Any, value: Cached) -> int:
    """XlsxWriter's ``write_formula`` without the rewriting our formulas never need.

    ``write_formula`` runs about thirty regular expressions over every
    formula (dynamic-array detection and ``_xlfn.`` prefixes): most of a
    big build's time. A formula :data:`_REWRITTEN` does not match comes
    out of those unchanged, so it is stored the way XlsxWriter stores it,
    step for step; ``tests/test_writer_fast.py`` checks the bytes are the
    plain path's.
    """
    if ws._check_dimensions(row, col):
        return -1
    if ws.constant_memory and row > ws.previous_row:
        ws._write_single_row(row)
    ws.table[row][col] = _FORMULA(formula, fmt, value)
    return 0


def store_array_formula(ws: Any, row: int, col: int, formula: str, fmt: Any, value: Cached) -> int:
    """XlsxWriter's one-cell ``write_array_formula``, likewise (see :func:`store_formula`)."""
    if ws._check_dimensions(row, col):
        return -1
    if ws.constant_memory and row > ws.previous_row:
        ws._write_single_row(row)
    ws.table[row][col] = _ARRAY(formula, fmt, value, xl_rowcol_to_cell(row, col), "static")
    return 0


class PlainRulesWorksheet(Worksheet):  # type: ignore[misc]
    """XlsxWriter's worksheet, minus the rewriting a formula without a call never needs.

    On ``close`` XlsxWriter sends every conditional-format and validation
    formula (``"Done"``, ``=Owners!$B$2:$B$500``) through
    ``_prepare_formula`` with future functions expanded: about 190 regular
    expressions, each compiled on its first use (some 5 ms of CPU a build,
    for nothing: none of them matches). Every one of them rewrites a function call, a name
    and its ``(`` (``tests/test_writer_fast.py`` reads XlsxWriter's source to hold
    it to that), so a formula with no ``(`` comes out of them only stripped of
    its ``{``, ``=`` and ``}``, which this does itself. The fast path's workbooks
    use it; the plain path keeps XlsxWriter's own, and the byte test compares them.
    """

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if "(" in formula:
            prepared: str = super()._prepare_formula(formula, expand_future_functions)
            return prepared
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula


class Sheet:
    """One worksheet with every write checked (see the module docstring).

    ``fast`` (the default) stores plain formulas directly (see
    :func:`store_formula`); ``False`` sends every write through XlsxWriter's
    public methods, the reference the fast path is compared with.
    """

    def __init__(self, worksheet: Any, name: str, *, fast: bool = True) -> None:
        self.ws = worksheet
        self.name = name
        self.fast = fast and not worksheet.use_future_functions
        # The fast path calls the methods XlsxWriter's public ones hand over to
        # (``write_string`` → ``_write_string``), skipping the decorator that
        # turns "A1" into a row and column: these cells come as numbers.
        w = worksheet
        plain = not self.fast
        self._string = w.write_string if plain else w._write_string
        self._number = w.write_number if plain else w._write_number
        self._blank = w.write_blank if plain else w._write_blank
        self._boolean = w.write_boolean if plain else w._write_boolean

    def check(self, rc: int | None, row: int, col: int, what: str) -> None:
        """Raise when an XlsxWriter call at (row, col) reported a failure."""
        if rc is None or rc >= 0:
            return
        where = f"{self.name}!{cell_name(row, col)}"
        if rc == -2:
            raise WorkbookWriteError(
                f"{where}: {what} is longer than Excel's {MAX_TEXT_CHARS} characters; "
                "shorten it in the spec"
            )
        raise WorkbookWriteError(f"{where}: cannot write {what} (XlsxWriter code {rc})")

    def text(self, row: int, col: int, value: str, fmt: Any = None) -> None:
        """Text, always as text: a plan value starting with ``=`` is never run."""
        if len(value) > MAX_TEXT_CHARS:
            self.check(-2, row, col, f"the text {value[:30]!r}…")
        self.check(self._string(row, col, value, fmt), row, col, "text")

    def number(self, row: int, col: int, value: float, fmt: Any = None) -> None:
        """A number (a date is a number with a date format: see :meth:`date`)."""
        self.check(self._number(row, col, value, fmt), row, col, "a number")

    def date(self, row: int, col: int, value: date, fmt: Any) -> None:
        """A date as its 1900-system serial, which every reader turns back into a date."""
        self.number(row, col, rules.serial(value), fmt)

    def blank(self, row: int, col: int, fmt: Any) -> None:
        """An empty, formatted cell (an input cell waiting for a value)."""
        self.check(self._blank(row, col, None, fmt), row, col, "a blank cell")

    def formula(self, row: int, col: int, formula: str, fmt: Any, value: Cached) -> None:
        """A formula with its cached value, for programs that never recalculate."""
        if len(formula) + 1 > MAX_FORMULA_CHARS:
            where = f"{self.name}!{cell_name(row, col)}"
            raise WorkbookWriteError(
                f"{where}: the formula would be {len(formula) + 1} characters, over Excel's "
                f"{MAX_FORMULA_CHARS}; the plan has too many goals for one owner formula"
            )
        cached: Cached = "" if value is None else value
        if self.fast and formula and not rewritten_by_xlsxwriter(formula):
            array = isinstance(formula, rules.ArrayFormula)
            store = store_array_formula if array else store_formula
            rc = store(self.ws, row, col, str(formula), fmt, cached)
        elif isinstance(formula, rules.ArrayFormula):
            rc = self.ws.write_array_formula(row, col, row, col, "{=" + formula + "}", fmt, cached)
        else:
            rc = self.ws.write_formula(row, col, "=" + formula, fmt, cached)
        self.check(rc, row, col, "a formula")

    def value(self, row: int, col: int, value: object, fmt: Any) -> None:
        """Any plan value: text, number, date or nothing."""
        if value is None or value == "":
            self.blank(row, col, fmt)
        elif isinstance(value, str):
            self.text(row, col, value, fmt)
        elif isinstance(value, bool):
            # A checkbox's TRUE typed into an input stays a boolean.
            self.check(self._boolean(row, col, value, fmt), row, col, "a TRUE/FALSE")
        elif isinstance(value, date):
            self.date(row, col, value, fmt)
        elif isinstance(value, int | float):
            self.number(row, col, float(value), fmt)
        else:  # pragma: no cover - the model holds no other types
            raise TypeError(f"cannot write {type(value).__name__}")

    def merge(
        self, first_row: int, first_col: int, last_row: int, last_col: int, text: str, fmt: Any
    ) -> None:
        """Merged cells holding text (only on the Start and Dashboard sheets)."""
        if last_col == first_col and last_row == first_row:
            self.text(first_row, first_col, text, fmt)
            return
        rc = self.ws.merge_range(first_row, first_col, last_row, last_col, "", fmt)
        self.check(rc, first_row, first_col, "merged cells")
        self.text(first_row, first_col, text, fmt)

    def status_colours(
        self, styles: Styles, first_row: int, col: int, last_row: int, statuses: tuple[str, ...]
    ) -> None:
        """Colour a status column by its words (conditional formats survive re-saves)."""
        if last_row < first_row:
            return
        for status in statuses:
            rc = self.ws.conditional_format(
                first_row,
                col,
                last_row,
                col,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": f'"{status}"',
                    "format": styles.status_band(STATUS_COLOURS[status]),
                },
            )
            self.check(rc, first_row, col, "a conditional format")

    def print_setup(self, title: str, *, fit_height: int = 0, repeat_header: bool = True) -> None:
        """Landscape, fit to the page width, header rows repeated, title in the footer."""
        self.ws.set_landscape()
        self.ws.set_paper(9)
        self.ws.fit_to_pages(1, fit_height)
        self.ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        if repeat_header:
            self.ws.repeat_rows(0)
        safe = title.replace("&", "&&")
        self.ws.set_footer(f"&L&8{safe} · {self.name}&R&8Page &P of &N")

    def protect(self, **options: bool) -> None:
        """Protect without a password: it guards against slips, not people."""
        opts = {"format_columns": True, "format_rows": True, "autofilter": True}
        opts.update(options)
        self.ws.protect("", opts)


@dataclass(slots=True)
class Book:
    """The build context handed to each sheet module."""

    workbook: Any
    styles: Styles
    snapshot: Snapshot
    report: StatusReport
    as_of: date
    goal_rows: dict[str, int] = field(default_factory=dict)
    records: list[RowRecord] = field(default_factory=list)
    sheets: dict[str, Sheet] = field(default_factory=dict)
    fast: bool = True

    def add_sheet(self, name: str) -> Sheet:
        """Add a worksheet (XlsxWriter keeps the order they are added in)."""
        kind = PlainRulesWorksheet if self.fast else None
        sheet = Sheet(self.workbook.add_worksheet(name, kind), name, fast=self.fast)
        self.sheets[name] = sheet
        return sheet

    def define_name(self, name: str, formula: str) -> None:
        """A workbook-scope defined name; a refusal is a bug, so it raises."""
        if self.workbook.define_name(name, formula) != 0:
            raise WorkbookWriteError(f"cannot define the name {name} as {formula}")
