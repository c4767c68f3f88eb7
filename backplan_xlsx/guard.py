"""Look at a file before any reader library opens it.

Workbooks arrive by email from people and programs we do not control, and
the reading libraries' defaults are not a safe bar: python-calamine aborts
the whole process when a zip bomb or one cell at XFD1048576 makes it
allocate gigabytes, openpyxl walks every cell up to a lying dimension tag,
and a FIFO named .xlsx hangs both. So this module sniffs the bytes, walks
the zip's directory *before* extracting, streams each XML part with a cap on
the bytes actually decompressed (headers lie), verifies CRCs, refuses DTDs
and entity declarations, and measures the span of cell references and the
rows a sheet really has. Each refusal is one plain sentence naming the file.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from .errors import WorkbookReadError
from .layout import MAX_SHEET_ROWS

Kind = Literal["xlsx", "ods"]

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 5_000
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 1024 * 1024
#: Excel's own row limit, which is also what ``build`` may write: a sheet any
#: real program saved never has more. What a sheet costs to read is bounded by
#: MAX_CELLS and the bytes above, not by a row count a user can reach.
MAX_ROWS = MAX_SHEET_ROWS
MAX_CELLS = 20_000_000
CHUNK = 1024 * 1024

#: How an error cell (``#N/A`` ...) is marked in a sheet's XML: ``t="e"``, however spaced
#: or quoted. One pass of this costs less than two plain searches for the quoted ``e``.
ERROR_MARK = re.compile(rb"""t\s*=\s*["']e["']""")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_WIDE_COL = re.compile(rb'<c r="([A-Z]{2,3})')
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]{1,3})([0-9]{1,7})"')
_ROW = re.compile(rb"<(?:\w+:)?row\b")
_BIG_ROW = re.compile(rb'<row r="([0-9]{5,7})"')
_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?(?:r:)?id="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?Id="([^"]*)"[^>]*?Target="([^"]*)"')
_REL_ALT = re.compile(rb'<Relationship\b[^>]*?Target="([^"]*)"[^>]*?Id="([^"]*)"')


def _refuse(path: Path, message: str) -> WorkbookReadError:
    return WorkbookReadError(f"{path.name}: {message}")


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def check_file(
    path: str | Path,
    *,
    keep: dict[str, bytes] | None = None,
    no_error_cells: set[str] | None = None,
) -> Kind:
    """Check that ``path`` is a workbook that is safe to hand to a reader.

    Args:
        path: the file.
        keep: when given, every XML part that passed and unpacked in one
            chunk (up to 1 MB, exactly its stated size) is put in it by name,
            so the reader need not unpack again what the check just unpacked.
        no_error_cells: when given, the name of every worksheet whose XML
            holds no error cell (``t="e"``) is added to it: the reader then
            need not unpack such a sheet again to tell an ``#N/A`` from a
            blank (:mod:`backplan_xlsx.reader.errorcells`).

    Returns:
        ``"xlsx"`` or ``"ods"``.

    Raises:
        WorkbookReadError: one sentence naming the file, the cause and what to do.
    """
    path = Path(path)
    _check_stat(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise _refuse(path, f"cannot be read: {exc.strerror}") from None
    if head.startswith(_OLE):
        raise _refuse(path, _ole_reason(path))
    if not head.startswith(b"PK"):
        raise _refuse(path, _not_a_zip(head))
    return _check_zip(path, keep, no_error_cells)


def _check_stat(path: Path) -> None:
    """Refuse what is not a regular, non-empty file of a plausible size."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise _refuse(path, "no such file") from None
    except OSError as exc:
        raise _refuse(path, f"cannot be read: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise _refuse(path, "is a folder, not a workbook")
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(path, "is not a regular file (a pipe or device?); give a saved workbook")
    if st.st_size == 0:
        raise _refuse(path, "is empty (0 bytes); the copy or download did not finish")
    if st.st_size > MAX_FILE_BYTES:
        raise _refuse(
            path,
            f"is {st.st_size / 2**20:,.0f} MB; a plan workbook is far smaller "
            f"(limit {MAX_FILE_BYTES // 2**20} MB)",
        )


def _ole_reason(path: Path) -> str:
    """Why an OLE (pre-2007) file is refused: encrypted, or a legacy .xls."""
    try:
        with open(path, "rb") as fh:
            body = fh.read(4 * 1024 * 1024)
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    if "EncryptionInfo".encode("utf-16-le") in body:
        return (
            "is password-protected (encrypted); open it, remove the password "
            "(File > Info > Protect Workbook) and save it as .xlsx"
        )
    return "is a legacy Excel 97-2003 (.xls) file; open it and save it as .xlsx"


def _not_a_zip(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%PDF"):
        return "is a PDF, not a workbook; ask for the .xlsx file"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "is a web page (HTML) saved with a workbook name; download the .xlsx itself"
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        return "is an XML file, not a workbook; save it from Excel as .xlsx"
    if head.startswith(b"{\\rtf"):
        return "is an RTF document, not a workbook"
    try:
        sample = head.decode("utf-8")
    except UnicodeDecodeError:
        sample = ""
    if sample and any(sep in sample for sep in (",", ";", "\t")) and "\n" in sample:
        return "is a CSV (text) file, not a workbook; open it and save it as .xlsx"
    return "is not a workbook (not an .xlsx or .ods file); save it as .xlsx"


def _check_zip(path: Path, keep: dict[str, bytes] | None, clean: set[str] | None) -> Kind:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise _refuse(
            path, "is damaged (an incomplete zip: a truncated download or copy?); get it again"
        ) from None
    except (OSError, ValueError, NotImplementedError) as exc:
        raise _refuse(path, f"is damaged ({exc}); get it again") from None
    with zf:
        infos = zf.infolist()
        names = {i.filename for i in infos}
        kind = _kind(path, zf, names)
        if len(infos) > MAX_MEMBERS:
            raise _refuse(path, f"holds {len(infos):,} parts; a workbook has a few dozen")
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise _refuse(path, "is an encrypted zip; save it again without a password")
            total += info.file_size
            ratio = info.file_size / max(1, info.compress_size)
            if (
                info.file_size > MAX_MEMBER_BYTES
                or total > MAX_TOTAL_BYTES
                or (info.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO)
            ):
                raise _refuse(
                    path,
                    f"unpacks to far more than a workbook should ({info.filename}: "
                    f"{info.file_size:,} bytes, {ratio:,.0f}x compressed): refused as a "
                    "possible zip bomb",
                )
        sheet_names = _sheet_names(zf, names) if kind == "xlsx" else {}
        budget = MAX_TOTAL_BYTES
        for info in infos:
            if not info.filename.endswith((".xml", ".rels")) or info.is_dir():
                continue
            sheet = sheet_names.get(info.filename)
            budget, errors = _scan_member(path, zf, info, budget, sheet, keep)
            if clean is not None and sheet is not None and not errors:
                clean.add(sheet)
    return kind


def _kind(path: Path, zf: zipfile.ZipFile, names: set[str]) -> Kind:
    if "mimetype" in names:
        try:
            mime = zf.read("mimetype")[:100]
        except (zipfile.BadZipFile, OSError, ValueError, zlib.error):
            raise _refuse(path, "is damaged (its mimetype part is unreadable)") from None
        if b"opendocument.spreadsheet" in mime and "content.xml" in names:
            return "ods"
        if b"opendocument.text" in mime:
            raise _refuse(path, "is a text document (.odt), not a spreadsheet")
        raise _refuse(path, "is an OpenDocument file but not a spreadsheet")
    if "xl/workbook.bin" in names:
        raise _refuse(path, "is a binary workbook (.xlsb); open it and save it as .xlsx")
    if "xl/vbaProject.bin" in names:
        raise _refuse(
            path,
            "contains macros (a macro-enabled .xlsm workbook); backplan workbooks are "
            "macro-free: save it as .xlsx (Excel Workbook)",
        )
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        raise _refuse(path, "is a Word document, not a workbook")
    if "ppt/presentation.xml" in names:
        raise _refuse(path, "is a PowerPoint file, not a workbook")
    raise _refuse(path, "is a zip file but not a workbook; save the plan as .xlsx")


def _sheet_names(zf: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Worksheet part name → sheet name, for messages."""
    try:
        wb = _read_capped(zf, "xl/workbook.xml", 4 * 1024 * 1024)
        rels = b""
        if "xl/_rels/workbook.xml.rels" in names:
            rels = _read_capped(zf, "xl/_rels/workbook.xml.rels", 4 * 1024 * 1024)
    except (zipfile.BadZipFile, OSError, ValueError, zlib.error, _TooBig):
        return {}
    targets = {rid: tgt for rid, tgt in _REL.findall(rels)}
    targets.update({rid: tgt for tgt, rid in _REL_ALT.findall(rels)})
    out: dict[str, str] = {}
    for name, rid in _SHEET.findall(wb):
        target = targets.get(rid)
        if target:
            t = target.decode("utf-8", "replace").lstrip("/")
            part = t if t.startswith("xl/") else f"xl/{t}"
            out[part] = name.decode("utf-8", "replace")
    return out


class _TooBig(Exception):
    pass


def _read_capped(zf: zipfile.ZipFile, name: str, cap: int) -> bytes:
    with zf.open(name) as fh:
        data = fh.read(cap + 1)
    if len(data) > cap:
        raise _TooBig(name)
    return data


def _exact_span(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
    """The largest row and column of any cell reference in a sheet part (slow, exact)."""
    max_row = max_col = 0
    tail = b""
    with zf.open(info) as fh:
        while chunk := fh.read(CHUNK):
            window = tail + chunk
            for col, digits in _CELL_REF.findall(window):
                max_row = max(max_row, int(digits))
                max_col = max(max_col, _col_number(col))
            tail = window[-64:]
    return max_row, max_col


def _unpacked(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A member's bytes in chunks of at most CHUNK, CRC-checked by :mod:`zipfile`.

    ``ZipFile.open`` costs more per part than a hand-written inflate (about
    0.5 ms a workbook, measured), but this is the security boundary: the
    standard library's reader, which stops at the size the directory states
    and checks the CRC, is worth more here than the half millisecond.
    """
    with zf.open(info) as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


class _Span:
    """What one sheet part's XML says about its size, gathered chunk by chunk."""

    __slots__ = ("rows", "max_row", "max_col", "errors")

    def __init__(self) -> None:
        self.rows = self.max_row = self.max_col = 0
        self.errors = False

    def feed(self, window: bytes, tail: bytes, chunk: bytes) -> None:
        """Count rows, bound the used range and look for error cells in one chunk."""
        self.errors = self.errors or ERROR_MARK.search(window) is not None
        # From 3 bytes back, so a tag split between two chunks counts once.
        seg = window[len(tail) - 3 :] if tail else chunk
        self.rows += seg.count(b"<row") or len(_ROW.findall(seg))
        scan = window[len(tail) - 40 if tail else 0 :]
        # Rows and cells are in order in the XML, so the biggest row number
        # is among the row tags and the widest column among a few letters:
        # a set of distinct letters, not one max() per cell.
        # Cheap bounds first: rows below 10,000 and columns up to Z need no
        # exact number; only big row numbers and wide columns are collected.
        if b'<row r="' in scan:
            self.max_row = max(self.max_row, 9_999)
            big = _BIG_ROW.findall(scan)
            if big:
                self.max_row = max(self.max_row, max(map(int, big)))
        if b'<c r="' in scan:
            self.max_col = max(self.max_col, 26)
            wide = set(_WIDE_COL.findall(scan))
            if wide:
                self.max_col = max(self.max_col, max(map(_col_number, wide)))
        elif b"<c" in scan or b":c " in scan:
            # Attributes in another order, or a namespace prefix: exact pattern.
            for col, digits in _CELL_REF.findall(scan):
                self.max_row = max(self.max_row, int(digits))
                self.max_col = max(self.max_col, _col_number(col))


def _scan_member(
    path: Path,
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    budget: int,
    sheet: str | None,
    keep: dict[str, bytes] | None = None,
) -> tuple[int, bool]:
    """Stream one XML part: cap real bytes, check CRC, refuse DTDs, measure sheets.

    Returns the budget left and whether a sheet part holds an error cell.
    """
    span = _Span()
    tail = chunk = b""
    chunks = 0
    try:
        for chunk in _unpacked(zf, info):
            chunks += 1
            budget -= len(chunk)
            window = tail + chunk
            _check_chunk(path, info, window, budget)
            if sheet is not None:
                span.feed(window, tail, chunk)
            tail = window[-64:]
    except zipfile.BadZipFile as exc:
        reason = "a part is corrupt (bad CRC)" if "CRC" in str(exc) else str(exc)
        raise _refuse(path, f"is damaged: {reason}; get a fresh copy") from None
    except (OSError, EOFError, ValueError, NotImplementedError, zlib.error) as exc:
        raise _refuse(path, f"is damaged ({info.filename}: {exc}); get a fresh copy") from None
    if sheet is not None:
        _check_span(path, zf, info, sheet, span)
    if keep is not None:
        if chunks <= 1 and len(chunk) == info.file_size:
            keep[info.filename] = chunk
        else:  # a bigger part, or a second one of the same name: the reader reads it
            keep.pop(info.filename, None)
    return budget, span.errors


def _check_chunk(path: Path, info: zipfile.ZipInfo, window: bytes, budget: int) -> None:
    """Refuse a part that unpacks past the budget or declares a DTD."""
    if budget < 0:
        raise _refuse(
            path,
            f"unpacks to more than {MAX_TOTAL_BYTES // 2**20} MB ({info.filename} "
            "lies about its size): refused as a possible zip bomb",
        )
    # The pattern alone: in a part full of "<" it costs half what a test for "<!" does.
    if _DTD.search(window):
        raise _refuse(
            path,
            f"{info.filename} declares a DTD or XML entities, which workbooks never "
            "need (a known attack); refused",
        )


def _check_span(
    path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: str, span: _Span
) -> None:
    """Refuse a sheet with more rows than a spreadsheet holds, or a used range too big to read."""
    max_row, max_col = max(span.max_row, span.rows), span.max_col
    if span.rows > MAX_ROWS:
        raise _refuse(
            path,
            f"sheet {sheet!r} has {span.rows:,} rows, more than any spreadsheet holds "
            f"({MAX_ROWS:,}); it was not saved by a spreadsheet program. Get a fresh copy",
        )
    if max_row * max_col > MAX_CELLS:
        # The bounds above may overestimate: measure exactly before refusing.
        max_row, max_col = _exact_span(zf, info)
    if max_row * max_col > MAX_CELLS:
        raise _refuse(
            path,
            f"sheet {sheet!r} has a cell as far out as row {max_row:,}, column {max_col:,}: "
            f"reading it would mean {max_row * max_col:,} cells. Delete stray cells far "
            "below or right of the table",
        )
