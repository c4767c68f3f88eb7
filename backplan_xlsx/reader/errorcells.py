"""Error cells (``#N/A``, ``#REF!``, ``#DIV/0!`` ...) found where calamine sees blanks.

python-calamine returns an error cell as ``""``, the same as an empty one
(python-calamine issue #105, open for 0.9), so a Value of ``#N/A`` would
read as "is empty; type the value". A person looking at the cell sees the
error, and the fix differs (repair the formula, not type a number), so the
message must name it. The sheet's XML says so: an error cell is
``<c r="D5" t="e"><f>…</f><v>#N/A</v></c>``.

The scan streams the sheet part and is lazy: it runs only when a reader
asks about a blank cell, once per sheet, and skips every chunk that holds
no ``t="e"`` at all (nearly all of them), so a clean million-row sheet
costs one inflate, not one parse. An ODS file marks them
``calcext:value-type="error"`` in ``content.xml``, where a cell's place is
counted through repeated rows and columns; that part is parsed only when
it holds such a mark.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ..guard import ERROR_MARK

if TYPE_CHECKING:
    from xml.etree import ElementTree as ET

_CHUNK = 1 << 20
#: What the metadata parts may weigh before they are not worth reading.
_SMALL_PART = 8 * 1024 * 1024
_ERROR_CELL = re.compile(
    rb"<(?:\w+:)?c\b([^>]*?\bt\s*=\s*[\"']e[\"'][^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S
)
_REF = re.compile(rb"\br\s*=\s*[\"']\$?([A-Z]{1,3})\$?([0-9]{1,7})[\"']")
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*>([^<]*)</(?:\w+:)?v>")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*?)/?>")
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*?)/?>")
_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*"([^"]*)"')
_ODS_MARK = b'value-type="error"'


def _attrs(raw: bytes) -> dict[str, str]:
    out = {}
    for k, v in _ATTR.findall(raw):
        text = v.decode("utf-8", "replace")
        for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&amp;", "&")):
            text = text.replace(entity, char)
        out[k.decode("utf-8", "replace").split(":")[-1]] = text
    return out


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _small(zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return b""
    return zf.read(info) if info.file_size <= _SMALL_PART else b""


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding ``sheet``, from the workbook part and its relationships."""
    targets = {}
    for raw in _REL.findall(_small(zf, "xl/_rels/workbook.xml.rels")):
        a = _attrs(raw)
        if "Id" in a and "Target" in a:
            targets[a["Id"]] = a["Target"]
    for raw in _SHEET.findall(_small(zf, "xl/workbook.xml")):
        a = _attrs(raw)
        if a.get("name") == sheet and a.get("id") in targets:
            target = targets[a["id"]]
            if target.startswith("/"):
                return target.lstrip("/")
            return str(PurePosixPath("xl") / target)
    return None


def _scan(region: bytes, out: dict[tuple[int, int], str]) -> None:
    if ERROR_MARK.search(region) is None:  # nearly every chunk: one pass, no parse
        return
    for m in _ERROR_CELL.finditer(region):
        ref = _REF.search(m.group(1))
        if ref is None:
            continue
        value = _VALUE.search(m.group(2) or b"")
        text = value.group(1).decode("utf-8", "replace").strip() if value else ""
        out[(int(ref.group(2)) - 1, _col(ref.group(1)))] = text or "#VALUE!"


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _repeat(elem: ET.Element, attr: str) -> int:
    for key, value in elem.attrib.items():
        if _local(key) == attr:
            return int(value) if value.isdigit() else 1
    return 1


def _ods_has_errors(zf: zipfile.ZipFile) -> bool:
    with zf.open("content.xml") as fh:
        carry = b""
        while data := fh.read(_CHUNK):
            if _ODS_MARK in carry + data:
                return True
            carry = data[-64:]
    return False


def _ods_error_cells(zf: zipfile.ZipFile, sheet: str) -> dict[tuple[int, int], str]:
    """Error cells of one ODS table, placed through repeated rows and columns."""
    from xml.etree import ElementTree as ET  # only ODS files need a parser here

    out: dict[tuple[int, int], str] = {}
    if not _ods_has_errors(zf):
        return out
    try:
        with zf.open("content.xml") as fh:
            _walk_ods(ET.iterparse(fh, events=("start", "end")), sheet, out)
    except ET.ParseError:
        return {}  # the guard read this file already: only the detail is lost
    return out


def _walk_ods(
    events: Iterator[tuple[str, ET.Element]], sheet: str, out: dict[tuple[int, int], str]
) -> None:
    """Note in ``out`` each error cell of the table named ``sheet``, from parse events."""
    row = col = -1
    inside = False
    error_at: tuple[int, int] | None = None
    text: list[str] = []
    for event, elem in events:
        tag = _local(elem.tag)
        if tag == "table" and event == "start":
            names = [v for k, v in elem.attrib.items() if _local(k) == "name"]
            inside, row = (names[:1] == [sheet]), -1
        elif not inside:
            if tag == "table-row" and event == "end":
                elem.clear()
            continue
        elif tag == "table-row":
            if event == "start":
                row, col = row + 1, -1
            else:
                row += _repeat(elem, "number-rows-repeated") - 1
                elem.clear()
        elif tag in ("table-cell", "covered-table-cell"):
            if event == "start":
                col += 1
                kinds = [v for k, v in elem.attrib.items() if _local(k) == "value-type"]
                error_at = (row, col) if "error" in kinds else None
                text = []
            else:
                if error_at is not None:
                    out[error_at] = "".join(text).strip() or "#VALUE!"
                    error_at = None
                col += _repeat(elem, "number-columns-repeated") - 1
        elif tag == "p" and event == "end" and error_at is not None:
            text.append("".join(elem.itertext()))
        elif tag == "table" and event == "end":
            inside = False


def error_cells(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """Every error cell of a sheet: 0-based (row, column) → ``#N/A`` ...

    Empty when the file is not a workbook zip or the sheet cannot be found:
    the caller then says "is empty", as before.
    """
    out: dict[tuple[int, int], str] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            if "content.xml" in zf.namelist() and "xl/workbook.xml" not in zf.namelist():
                return _ods_error_cells(zf, sheet)
            part = _sheet_part(zf, sheet)
            if part is None:
                return out
            with zf.open(part) as fh:
                carry = b""
                while True:
                    data = fh.read(_CHUNK)
                    buf = carry + data
                    if not data:
                        _scan(buf, out)
                        break
                    cut = buf.rfind(b"</row>")
                    cut = cut + len(b"</row>") if cut >= 0 else 0
                    _scan(buf[:cut], out)
                    carry = buf[cut:]
    except (
        OSError,
        zipfile.BadZipFile,
        zlib.error,
        KeyError,
        EOFError,
        RuntimeError,
    ):
        # The guard read this file already; a failure here only loses the detail.
        return {}
    return out
