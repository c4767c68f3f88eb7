"""Finding a data sheet's columns by header text, wherever users moved them.

People insert columns, reorder them, add a blank row above the table or
retype a header in capitals. Columns are found by header (trimmed, spaces
collapsed, case ignored) in the first row that holds the sheet's ID header
among the first few; the layout's column positions are never assumed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from .. import layout, values
from ..errors import Problem, Severity
from ..layout import col_letter
from .source import Grid

_SPACES = " \t\r\n\u00a0\u202f\u2009\u2007"
#: How far down a header row may have been pushed by inserted rows.
HEADER_SEARCH_ROWS = 10


def fold(text: object) -> str:
    """A header as compared: trimmed, inner spaces collapsed, case ignored."""
    return " ".join(values.clean_text(text).split()).casefold()


@dataclass(slots=True)
class Table:
    """A data sheet: where its header row is and which column holds which key."""

    grid: Grid
    header_row: int
    columns: dict[str, int]
    headers: dict[str, int] = field(default_factory=dict)

    @property
    def sheet(self) -> str:
        """The sheet's name as the file spells it."""
        return self.grid.name

    def has(self, key: str) -> bool:
        """Whether the column for ``key`` was found."""
        return key in self.columns

    def get(self, row: int, key: str) -> object:
        """The raw value of ``key``'s column in a 0-based row (None when blank or absent)."""
        col = self.columns.get(key)
        return None if col is None else self.grid.cell(row, col)

    def error(self, row: int, key: str) -> str | None:
        """The error (``#N/A``...) a cell that reads as blank holds, or None."""
        col = self.columns.get(key)
        return None if col is None else self.grid.error(row, col)

    def text(self, row: int, key: str) -> str:
        """The value as trimmed text (``""`` when blank)."""
        col = self.columns.get(key)
        rows = self.grid.rows
        if col is None or row >= len(rows):
            return ""
        line = rows[row]
        value = line[col] if col < len(line) else ""
        if isinstance(value, str):  # the common case, without clean_text's type checks
            return value.strip(_SPACES)
        return values.clean_text(value)

    def texts(self, row: int, keys: Sequence[str]) -> list[str]:
        """:meth:`text` of several keys in one row, in one call (the big sheets' rows)."""
        rows = self.grid.rows
        line = rows[row] if row < len(rows) else []
        return texts_of(line, [self.columns.get(key) for key in keys])

    def ref(self, row: int, key: str) -> str:
        """The A1 reference of a cell, e.g. ``D17`` (the ID column when ``key`` is absent)."""
        col = self.columns.get(key, self.columns.get(layout.ID_KEY, 0))
        return f"{col_letter(col)}{row + 1}"

    def data_rows(self, keys: Sequence[str] = ()) -> Iterator[int]:
        """0-based rows below the header holding anything in ``keys`` (all columns if empty)."""
        cols = [self.columns[k] for k in keys if k in self.columns] if keys else None
        rows = self.grid.rows
        for r in range(self.header_row + 1, len(rows)):
            line = rows[r]
            cells = line if cols is None else [line[c] for c in cols if c < len(line)]
            for v in cells:
                if v == "" or v is None or (isinstance(v, str) and not v.strip(_SPACES)):
                    continue
                yield r
                break


def texts_of(line: Sequence[object], cols: Sequence[int | None]) -> list[str]:
    """The cells of one row at ``cols`` as trimmed text (``""`` when blank or absent).

    The columns are looked up once a sheet, not once a row: this is the
    inner loop of every big sheet.
    """
    width = len(line)
    clean = values.clean_text
    return [
        ""
        if col is None or col >= width
        else (v.strip(_SPACES) if type(v := line[col]) is str else clean(v))
        for col in cols
    ]


def find_table(
    grid: Grid,
    spec: layout.SheetLayout,
    file: str,
    problems: list[Problem],
    needed: Sequence[str],
) -> Table | None:
    """Locate the header row and every layout column by its header.

    A missing column the reader needs (``needed``) is an error and the sheet
    is not read; any other missing contract column is a warning (the
    workbook's own formulas or the check miss it, status does not).

    Returns:
        The table, or None when a needed column is missing.
    """
    wanted = {fold(c.header): c.key for c in spec.columns}
    first = fold(spec.columns[0].header)
    header_row = 0
    for r in range(min(HEADER_SEARCH_ROWS, len(grid.rows))):
        if any(fold(v) == first for v in grid.rows[r]):
            header_row = r
            break
    columns: dict[str, int] = {}
    headers: dict[str, int] = {}
    line = grid.rows[header_row] if grid.rows else []
    for c, raw in enumerate(line):
        h = fold(raw)
        if not h:
            continue
        headers.setdefault(h, c)
        key = wanted.get(h)
        if key is not None and key not in columns:
            columns[key] = c
    table = Table(grid, header_row, columns, headers)
    ok = True
    for col in spec.columns:
        if col.key in columns or not (col.required or col.key in needed):
            continue
        is_needed = col.key in needed
        ok = ok and not is_needed
        severity: Severity = "error" if is_needed else "warning"
        what = (
            "its rows cannot be read until it is back"
            if is_needed
            else "the workbook's formulas may not find it"
        )
        problems.append(
            Problem(
                "missing-column",
                severity,
                f'has no "{col.header}" column ({what}); rename the column back to '
                f'"{col.header}" or restore it from the original workbook',
                file=file,
                sheet=grid.name,
                cell=f"{header_row + 1}:{header_row + 1}",
            )
        )
    return table if ok else None


def located(
    p: Problem, file: str, sheet: str, cell: str, severity: Severity | None = None
) -> Problem:
    """A values.py Problem given its place (and optionally another severity)."""
    if severity is None:
        return replace(p, file=file, sheet=sheet, cell=cell)
    return replace(p, file=file, sheet=sheet, cell=cell, severity=severity)


def as_text(file: str, sheet: str, cell: str, raw: str, kind: str, read_as: str) -> Problem:
    """The warning for a number or date typed as text: read here, ignored by the formulas.

    A check-in typed as text is left out of status's figures too
    (``rules.counts``), so status and the workbook say the same; a rewrite
    writes it as a number and from then on both count it.
    """
    if sheet == layout.CHECK_INS:
        return Problem(
            f"{kind}-as-text",
            "warning",
            f'"{raw.strip()}" is text: the workbook\'s own formulas ignore it, so status leaves '
            f"this check-in out too; type it again as a {kind} ({read_as}), or run merge or "
            "replan, which write it as one",
            file=file,
            sheet=sheet,
            cell=cell,
        )
    return Problem(
        f"{kind}-as-text",
        "warning",
        f'"{raw.strip()}" is text: backplan reads it as {read_as}, but the workbook\'s own '
        f"formulas cannot use text as a {kind}, so the statuses the sheets show are wrong "
        f"until it is typed again as a {kind} (merge and replan write it as one)",
        file=file,
        sheet=sheet,
        cell=cell,
    )
