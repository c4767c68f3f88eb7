"""Reading a CRM export as rows of cells, whatever program wrote it.

Exports come as CSV or xlsx. A CSV's separator depends on who wrote it:
HubSpot and Pipedrive write ``,``, Excel in a European locale writes ``;``,
"Unicode text" is tab-separated. Its encoding is UTF-8 (with a BOM when
Excel saved it as "CSV UTF-8"), UTF-16 ("Unicode text"), or the Windows code
page Excel uses for plain "CSV" (cp1252 in Western locales). The standard
library is enough and predictable here: a BOM says what it is, strict UTF-8
almost never decodes text in another encoding, and cp1252 is the one code
page left; a statistical detector (charset-normalizer) guesses between
code pages on short files and would make the same file read two ways.
The separator is the one of ``,`` ``;`` tab that the header line holds most
outside quotes; ``csv.Sniffer`` guesses from any characters in a sample
and is misled by amounts like ``1,200.00`` in ``;`` files.

Reports put titles above the header (Salesforce's formatted xlsx) and
totals and a copyright line below the data, so the header row is looked
for, and rows are kept with their line number for every message.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ..errors import ExportError

#: A cell as read: text from a CSV, typed values from an xlsx.
Value = str | float | int | bool | date | datetime | None

#: How far down a title block may push the header row.
HEADER_SEARCH_ROWS = 30
#: An export this large is not a month of deals.
MAX_EXPORT_BYTES = 100 * 1024 * 1024
SEPARATORS = (",", ";", "\t")
_SEPARATOR_NAMES = {",": "comma-separated", ";": "semicolon-separated", "\t": "tab-separated"}


@dataclass(frozen=True, slots=True)
class ExportTable:
    """An export's header and data rows, each row with its line (CSV) or row (xlsx) number."""

    file: str
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[Value, ...]], ...]
    #: How the file was read, for people: "UTF-8 with BOM, semicolon-separated".
    read_as: str
    #: The separator (``""`` for xlsx): ``;`` hints at a European locale.
    separator: str = ""
    #: "line" for CSV, "row" for xlsx: what a number in a message counts.
    unit: str = "line"

    def where(self, number: int) -> str:
        """``deals.csv line 7`` or ``deals.xlsx row 7``."""
        return f"{self.file} {self.unit} {number}"


def read_export(
    path: Path, find_header: Callable[[Sequence[str]], bool] | None = None
) -> ExportTable:
    """Read a CSV or xlsx export; ``find_header`` says which row is the header.

    Args:
        path: the export file.
        find_header: true for a row of cells that is the header (default:
            the first row with two or more cells).

    Raises:
        ExportError: missing, empty, too big, an old .xls, or text in an
            encoding that is neither UTF-8/UTF-16 nor Windows-1252.
    """
    path = Path(path)
    if not path.is_file():
        raise ExportError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise ExportError(
            f"{path.name}: is an old Excel 97-2003 file; export it again as CSV or .xlsx "
            "(or open it and save it as .xlsx)"
        )
    try:
        head = path.read_bytes()[:4] if path.stat().st_size < MAX_EXPORT_BYTES else b""
    except OSError as exc:
        raise ExportError(f"{path}: cannot be read ({exc.strerror})") from None
    if path.stat().st_size >= MAX_EXPORT_BYTES:
        raise ExportError(
            f"{path.name}: is over {MAX_EXPORT_BYTES // 2**20} MB, more than a deals export "
            "holds; export only the deals of the plan's period"
        )
    pick = find_header or _two_cells
    if suffix in (".xlsx", ".xlsm", ".ods") or head.startswith(b"PK\x03\x04"):
        return _read_workbook(path, pick)
    return _read_csv(path, pick)


def _two_cells(cells: Sequence[str]) -> bool:
    return sum(1 for c in cells if c) >= 2


def decode(data: bytes, file: str) -> tuple[str, str]:
    """The text of a CSV and how it was encoded (see the module docstring).

    Raises:
        ExportError: bytes that are neither UTF-8/UTF-16 nor Windows-1252.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "UTF-8 with BOM"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise ExportError(
            f"{file}: byte {exc.start + 1} is neither UTF-8 nor Windows-1252 text; export it "
            "again as CSV UTF-8 (in Excel: Save As, CSV UTF-8)"
        ) from None


def separator_of(header_line: str) -> str:
    """The separator the header line uses most, outside quoted text."""
    counts = dict.fromkeys(SEPARATORS, 0)
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ","


def _read_csv(path: Path, pick: Callable[[Sequence[str]], bool]) -> ExportTable:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExportError(f"{path}: cannot be read ({exc.strerror})") from None
    text, encoding = decode(data, path.name)
    if "\x00" in text:
        raise ExportError(f"{path.name}: is not a text file; export the deals as CSV or .xlsx")
    lines = text.splitlines()
    first = 0
    separator = ""
    # Excel honours (and some exports write) a first line "sep=;".
    if lines and lines[0].strip().lower().startswith("sep=") and len(lines[0].strip()) == 5:
        separator = lines[0].strip()[4]
        first = 1
    body = "\n".join(lines[first:])
    if not separator:
        sample = next((ln for ln in lines[first : first + HEADER_SEARCH_ROWS] if ln.strip()), "")
        separator = separator_of(sample)
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=separator, strict=False)
    line = first
    try:
        for cells in reader:
            start, line = line + 1, first + reader.line_num
            rows.append((start, [c.strip() for c in cells]))
    except csv.Error as exc:
        raise ExportError(f"{path.name} line {line + 1}: cannot be read as CSV ({exc})") from None
    read_as = f"{encoding}, {_SEPARATOR_NAMES[separator]}"
    table = _table(path.name, rows, read_as, separator, "line", pick)
    if table is None:
        raise ExportError(
            f"{path.name}: no header row with the deals' column names in its first "
            f"{HEADER_SEARCH_ROWS} lines; is this the deals export?"
        )
    return table


def _read_workbook(path: Path, pick: Callable[[Sequence[str]], bool]) -> ExportTable:
    from ..reader.source import open_source

    src = open_source(path)  # the guard runs first: no zip bomb or encrypted file gets read
    try:
        visible = [n for n in src.sheet_names if src.visibility.get(n) == "visible"]
        best: ExportTable | None = None
        for name in visible or src.sheet_names:
            grid = src.grid(name)
            if grid is None:
                continue
            rows = [(i + 1, list(line)) for i, line in enumerate(grid.rows)]
            table = _table(path.name, rows, f"sheet {name!r}", "", "row", pick)
            if table is not None:
                best = table
                break
    finally:
        src.close()
    if best is None:
        raise ExportError(f"{path.name}: no sheet holds a table of deals (a header row, then rows)")
    return best


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value).strip()


def _table(
    file: str,
    rows: Sequence[tuple[int, Sequence[object]]],
    read_as: str,
    separator: str,
    unit: str,
    pick: Callable[[Sequence[str]], bool],
) -> ExportTable | None:
    """The header row (the first ``pick`` accepts near the top) and the rows below it."""
    header_at = None
    for i, (_n, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if pick([_cell_text(c) for c in cells]):
            header_at = i
            break
    if header_at is None:
        return None
    headers = tuple(_cell_text(c).lstrip("\ufeff") for c in rows[header_at][1])
    width = len(headers)
    data: list[tuple[int, tuple[Value, ...]]] = []
    for number, cells in rows[header_at + 1 :]:
        line = [_value(c) for c in cells][:width]
        line += [None] * (width - len(line))
        if any(c is not None for c in line):
            data.append((number, tuple(line)))
    return ExportTable(file, headers, tuple(data), read_as, separator, unit)


def _value(cell: object) -> Value:
    """A cell as one of the kinds :data:`Value` allows (blank is None)."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, str | float | int | bool | date):
        return cell
    return str(cell)  # a time or duration: shown as text, never an amount or a date
