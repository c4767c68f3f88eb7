"""Opening a returned workbook: the one boundary where library errors become ours.

Values come from python-calamine (about ten times faster than openpyxl and
no 200 ms import). What calamine does not expose (defined names, the 1904
flag, document properties, whether ``AsOf`` holds a formula) is read from
the file's own small parts by :mod:`.metadata`, from the bytes the guard
already unpacked where it can.

Every exception a reading library raises on a bad file is turned into one
:class:`~backplan_xlsx.errors.WorkbookReadError` naming the file, here and
nowhere else. :func:`backplan_xlsx.guard.check_file` runs first, so zip
bombs, encrypted and non-workbook files never reach calamine.
"""

from __future__ import annotations

import contextlib
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from python_calamine import CalamineWorkbook

from ..errors import WorkbookReadError
from ..layout import col_letter

Kind = Literal["xlsx", "ods"]
#: What calamine returns for a cell ("" for an empty one).
Cell = int | float | str | bool | time | date | datetime | timedelta
Visibility = Literal["visible", "hidden", "very hidden"]

#: Labels beside the named cells on the Start sheet, as the writer puts them:
#: the fallback when a program dropped the defined names.
#: The biggest metadata part read whole (workbook.xml, custom.xml, a Start sheet).
MAX_PART_BYTES = 8 * 1024 * 1024

_CELL_REF = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")

#: Rows of a streamed sheet kept whole: where a table's header is looked for.
STREAM_HEAD_ROWS = 20


@dataclass(frozen=True, slots=True)
class NamedCell:
    """Where a named cell is (0-based row and column) and whether it holds a formula.

    ``formula`` is None when the file does not say (a program that writes
    no formulas, or a part we could not find).
    """

    sheet: str
    row: int
    col: int
    formula: bool | None = None

    @property
    def ref(self) -> str:
        """``B7``."""
        return f"{col_letter(self.col)}{self.row + 1}"


def col_index(letters: str) -> int:
    """A → 0, AA → 26."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


class Grid:
    """One sheet's values as a list of rows, row 0 being the sheet's row 1.

    Empty cells are ``""`` in calamine's output; :meth:`cell` turns them into
    None so every parser sees one kind of blank.
    """

    __slots__ = ("_error_file", "_errors", "name", "rows")

    def __init__(self, name: str, rows: list[list[Cell]], error_file: Path | None = None) -> None:
        self.name = name
        self.rows = rows
        self._error_file = error_file
        self._errors: dict[tuple[int, int], str] | None = None

    def error(self, row: int, col: int) -> str | None:
        """The error (``#N/A``...) a cell that reads as blank really holds, or None.

        Calamine gives error cells as blanks; the sheet is scanned for them
        on the first question (see :mod:`backplan_xlsx.reader.errorcells`).
        """
        if self._error_file is None:
            return None
        if self._errors is None:
            from .errorcells import error_cells

            self._errors = error_cells(self._error_file, self.name)
        return self._errors.get((row, col))

    def cell(self, row: int, col: int) -> object:
        """The value at a 0-based position (None when empty or outside the data)."""
        if row < 0 or col < 0 or row >= len(self.rows):
            return None
        line = self.rows[row]
        if col >= len(line):
            return None
        value = line[col]
        return None if value == "" else value


class StreamedRows:
    """A sheet's rows read one at a time, for the one sheet that grows (Check-ins).

    Looks like the list :meth:`Source.grid` holds, for readers that walk it
    top to bottom: ``len()`` is known up front, the first ``head`` rows (where
    the header is looked for) are kept, and asking for a later row moves
    python-calamine's row iterator to it. Only the row being read is held in
    Python, so a sheet of a million rows costs calamine's own copy, not a
    second one in lists. Asking for a row already passed starts the iterator
    again (correct, slower; no reader does it).
    """

    __slots__ = ("_current", "_head", "_iter", "_next", "_pad", "_rows", "_sheet")

    def __init__(self, sheet: Any, head: int) -> None:
        self._sheet = sheet
        end = sheet.end
        start = sheet.start
        self._rows = end[0] + 1 if end else 0
        # iter_rows pads empty rows above the data but not empty columns left of it.
        self._pad: list[Cell] = [""] * start[1] if start and start[1] else []
        self._iter: Iterator[list[Cell]] = iter(())
        self._head: list[list[Cell]] = []
        self._restart()
        for _ in range(min(head, self._rows)):
            self._head.append(self._step())
        self._current: list[Cell] = []

    def _restart(self) -> None:
        self._iter = iter(self._sheet.iter_rows())
        self._next = 0

    def _step(self) -> list[Cell]:
        line = next(self._iter, [])
        self._next += 1
        return self._pad + line if self._pad else line

    def __len__(self) -> int:
        return self._rows

    def __getitem__(self, row: int) -> list[Cell]:
        if row < 0 or row >= self._rows:
            raise IndexError(row)
        if row < len(self._head):
            return self._head[row]
        if row == self._next - 1 and self._next > len(self._head):
            return self._current
        if row < self._next:
            self._restart()
        while self._next <= row:
            self._current = self._step()
        return self._current


@dataclass(slots=True)
class Source:
    """An opened workbook: its sheets (read on demand) and what calamine cannot see."""

    path: Path
    kind: Kind
    sheet_names: list[str]
    visibility: dict[str, Visibility]
    date1904: bool = False
    names: dict[str, NamedCell] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
    _book: CalamineWorkbook | None = None
    _grids: dict[str, Grid] = field(default_factory=dict)
    _folded: dict[str, str] | None = None
    #: Sheets whose rows :meth:`grid` streams (see :class:`StreamedRows`), folded names.
    streamed: set[str] = field(default_factory=set)
    #: Sheets the guard saw whole without one error cell: no second look for ``#N/A``.
    no_error_cells: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        """The file name, as messages show it."""
        return self.path.name

    def find_sheet(self, wanted: str) -> str | None:
        """The sheet's name as the file spells it (case and spaces ignored), or None."""
        if self._folded is None:  # asked a dozen times per read: fold the names once
            self._folded = {}
            for name in self.sheet_names:
                self._folded.setdefault(_fold(name), name)
        return self._folded.get(_fold(wanted))

    def stream(self, wanted: str) -> None:
        """Have :meth:`grid` read this sheet's rows one at a time (:class:`StreamedRows`)."""
        self.streamed.add(_fold(wanted))

    def grid(self, wanted: str) -> Grid | None:
        """The values of a sheet found by :meth:`find_sheet`, or None when missing."""
        name = self.find_sheet(wanted)
        if name is None:
            return None
        found = self._grids.get(name)
        if found is None:
            if self._book is None:
                raise ValueError(f"{self.path.name} is closed")  # a bug: grids are read first
            with boundary(self.path):
                sheet = self._book.get_sheet_by_name(name)
                rows: Any = (
                    StreamedRows(sheet, STREAM_HEAD_ROWS)
                    if self.kind == "xlsx" and _fold(name) in self.streamed
                    else sheet.to_python(skip_empty_area=False)
                )
            found = Grid(name, rows, None if name in self.no_error_cells else self.path)
            self._grids[name] = found
        return found

    def close(self) -> None:
        """Release the file (calamine keeps it open)."""
        book, self._book = self._book, None
        if book is not None:
            with contextlib.suppress(Exception), boundary(self.path):
                book.close()


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


@contextlib.contextmanager
def boundary(path: Path) -> Iterator[None]:
    """Turn any reading library's complaint about a bad file into a WorkbookReadError."""
    import sys

    from python_calamine import CalamineError

    openpyxl_errors: tuple[type[BaseException], ...] = ()
    if "openpyxl" in sys.modules:  # only ``check`` loads it; never import it just for this
        from openpyxl.utils.exceptions import InvalidFileException

        openpyxl_errors = (InvalidFileException, KeyError)
    try:
        yield
    except openpyxl_errors as exc:
        raise WorkbookReadError(
            f"{path.name}: cannot be inspected ({_short(exc)}); it is damaged: get a fresh "
            "copy or open it and save it again as .xlsx"
        ) from None
    except CalamineError as exc:
        raise WorkbookReadError(
            f"{path.name}: cannot be read ({_short(exc)}); it is damaged or not a "
            "workbook: get a fresh copy or open it and save it again as .xlsx"
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, UnicodeDecodeError) as exc:
        raise WorkbookReadError(
            f"{path.name}: is damaged ({_short(exc)}); get a fresh copy or save it again as .xlsx"
        ) from None
    except (ValueError, OverflowError) as exc:
        raise WorkbookReadError(
            f"{path.name}: holds a value that cannot be read ({_short(exc)}); "
            "open it, save it again as .xlsx and retry"
        ) from None
    except OSError as exc:
        raise WorkbookReadError(
            f"{path.name}: cannot be read ({exc.strerror or _short(exc)})"
        ) from None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def open_source(path: str | Path) -> Source:
    """Check the file, open it with calamine and read its metadata parts.

    Raises:
        WorkbookReadError: the file is missing, not a workbook, damaged,
            encrypted or refused by the guard; the message names the file.
    """
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    from .. import guard
    from .metadata import read_metadata

    path = Path(path)
    kept: dict[str, bytes] = {}
    no_error_cells: set[str] = set()
    kind: Kind = guard.check_file(path, keep=kept, no_error_cells=no_error_cells)
    with boundary(path):
        book = CalamineWorkbook.from_path(str(path))
        visibility: dict[str, Visibility] = {}
        for meta in book.sheets_metadata:
            if meta.visible == SheetVisibleEnum.VeryHidden:
                visibility[meta.name] = "very hidden"
            elif meta.visible == SheetVisibleEnum.Hidden:
                visibility[meta.name] = "hidden"
            else:
                visibility[meta.name] = "visible"
        src = Source(path, kind, list(book.sheet_names), visibility, _book=book)
        src.no_error_cells = no_error_cells
        read_metadata(src, kept)
    return src


def parse_ref(text: str) -> NamedCell | None:
    """``Start!$B$7`` or ``'Anti goals'!$B$7`` as a NamedCell; None for anything else."""
    if "!" not in text:
        return None
    sheet, _, cell = text.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    m = _CELL_REF.match(cell)
    if not m or not sheet:
        return None
    return NamedCell(sheet, int(m.group(2)) - 1, col_index(m.group(1)))
