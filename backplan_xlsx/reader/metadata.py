"""What calamine does not expose, read from the workbook's own small parts.

Defined names (where ``AsOf``, the ratios and the plan's identity live), the
1904 date flag, custom document properties, and whether the ``AsOf`` cell
still holds a formula (calamine returns only the cached value of
``=TODAY()``, the day the file was last saved, not a date anyone typed).
Parts the guard already unpacked are taken from it rather than unpacked
twice. Parsed with small patterns, not an XML parser: the guard has refused
DTDs and entities, and these parts are a few kilobytes.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .source import MAX_PART_BYTES, NamedCell, Source, col_index, parse_ref


def read_metadata(src: Source, kept: dict[str, bytes]) -> None:
    """Fill in ``src``'s names, constants, properties and 1904 flag from the file's parts.

    Args:
        src: the opened workbook.
        kept: parts the guard unpacked already (name → bytes).
    """
    with _Parts(src.path, kept) as zf:
        if src.kind == "xlsx":
            _xlsx_metadata(src, zf)
        else:
            _ods_metadata(src, zf)


class _Parts:
    """The file's parts by name: those the guard kept, else read from the zip.

    The zip is opened only when a part was not kept (bigger than the guard
    keeps, or a file opened without the guard).
    """

    def __init__(self, path: Path, kept: dict[str, bytes]) -> None:
        self.path = path
        self.kept = kept
        self._zip: zipfile.ZipFile | None = None

    def __enter__(self) -> _Parts:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._zip is not None:
            self._zip.close()

    def _opened(self) -> zipfile.ZipFile:
        if self._zip is None:
            self._zip = zipfile.ZipFile(self.path)
        return self._zip

    def part(self, name: str) -> bytes | None:
        """A part read whole, or None when missing or bigger than MAX_PART_BYTES."""
        found = self.kept.get(name)
        if found is not None:  # the guard keeps parts of up to 1 MB, below the limit
            return found
        zf = self._opened()
        try:
            info = zf.getinfo(name)
        except KeyError:
            return None
        if info.file_size > MAX_PART_BYTES:
            return None
        return zf.read(info)

    def head(self, name: str, size: int) -> bytes:
        """The first ``size`` bytes of a part (KeyError when missing)."""
        found = self.kept.get(name)
        if found is not None:
            return found[:size]
        with self._opened().open(name) as fh:
            return fh.read(size)


# --- xlsx parts ----------------------------------------------------------------

_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*"([^"]*)"')
_DEFINED = re.compile(rb"<(?:\w+:)?definedName\b([^>]*)>([^<]*)</(?:\w+:)?definedName>")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*?)/?>")
_REL = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*?)/?>")
_WORKBOOK_PR = re.compile(rb"<(?:\w+:)?workbookPr\b([^>]*?)/?>")
_PROPERTY = re.compile(rb"<(?:\w+:)?property\b([^>]*)>(.*?)</(?:\w+:)?property>", re.S)
_INNER_TEXT = re.compile(rb">([^<]*)<")


_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&"))


def _unescape(text: str) -> str:
    """XML's five entities (``html`` would cost an import for the same result here)."""
    if "&" not in text:
        return text
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text


def _attrs(raw: bytes) -> dict[str, str]:
    out = {}
    for k, v in _ATTR.findall(raw):
        key = k.decode("utf-8", "replace").split(":")[-1]
        out[key] = _unescape(v.decode("utf-8", "replace"))
    return out


def _xlsx_metadata(src: Source, zf: _Parts) -> None:
    wb = zf.part("xl/workbook.xml") or b""
    pr = _WORKBOOK_PR.search(wb)
    if pr:
        flag = _attrs(pr.group(1)).get("date1904", "").lower()
        src.date1904 = flag in ("1", "true")
    for raw_attrs, raw_text in _DEFINED.findall(wb):
        attrs = _attrs(raw_attrs)
        name = attrs.get("name", "")
        if not name or "localSheetId" in attrs:
            continue
        text = _unescape(raw_text.decode("utf-8", "replace")).strip().removeprefix("=")
        cell = parse_ref(text)
        if cell is not None:
            src.names[name] = cell
        elif text.startswith('"') and text.endswith('"') and len(text) >= 2:
            src.constants[name] = text[1:-1].replace('""', '"')
        elif text:
            src.constants[name] = text
    custom = zf.part("docProps/custom.xml") or b""
    for raw_attrs, body in _PROPERTY.findall(custom):
        name = _attrs(raw_attrs).get("name", "")
        m = _INNER_TEXT.search(body)
        if name and m:
            src.properties[name] = _unescape(m.group(1).decode("utf-8", "replace")).strip()
    as_of = src.names.get("AsOf")
    if as_of is not None:
        part = _sheet_part(zf, wb, as_of.sheet)
        if part is not None:
            src.names["AsOf"] = NamedCell(
                as_of.sheet, as_of.row, as_of.col, _xlsx_has_formula(part, as_of.ref)
            )


def _sheet_part(zf: _Parts, workbook: bytes, sheet: str) -> bytes | None:
    rels = zf.part("xl/_rels/workbook.xml.rels") or b""
    targets = {}
    for raw in _REL.findall(rels):
        a = _attrs(raw)
        if "Id" in a and "Target" in a:
            targets[a["Id"]] = a["Target"]
    for raw in _SHEET.findall(workbook):
        a = _attrs(raw)
        if a.get("name") == sheet and a.get("id") in targets:
            target = targets[a["id"]].lstrip("/")
            return zf.part(target if target.startswith("xl/") else f"xl/{target}")
    return None


def _xlsx_has_formula(part: bytes, ref: str) -> bool | None:
    cell = re.search(
        rb'<(?:\w+:)?c\b[^>]*?\br="' + ref.encode() + rb'"[^>]*?(/>|>(.*?)</(?:\w+:)?c>)',
        part,
        re.S,
    )
    if cell is None:
        return False
    body = cell.group(2) or b""
    return re.search(rb"<(?:\w+:)?f\b", body) is not None


# --- ods parts -----------------------------------------------------------------

_NAMED_RANGE = re.compile(rb"<table:named-range\b([^>]*?)/?>")
_USER_DEFINED = re.compile(rb"<meta:user-defined\b([^>]*)>([^<]*)</meta:user-defined>")
_ODS_REF = re.compile(r"^\$?(?:'((?:[^']|'')+)'|([^.']+))\.\$?([A-Z]{1,3})\$?([0-9]{1,7})$")
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def _ods_metadata(src: Source, zf: _Parts) -> None:
    meta = zf.part("meta.xml") or b""
    for raw_attrs, text in _USER_DEFINED.findall(meta):
        name = _attrs(raw_attrs).get("name", "")
        if name:
            src.properties[name] = _unescape(text.decode("utf-8", "replace")).strip()
    content = zf.head("content.xml", 64 * 1024 * 1024)
    for raw in _NAMED_RANGE.findall(content):
        a = _attrs(raw)
        name, address = a.get("name", ""), a.get("cell-range-address", "")
        m = _ODS_REF.match(address)
        if name and m:
            sheet = (m.group(1) or m.group(2)).replace("''", "'")
            src.names[name] = NamedCell(sheet, int(m.group(4)) - 1, col_index(m.group(3)))
    as_of = src.names.get("AsOf")
    if as_of is not None:
        src.names["AsOf"] = NamedCell(
            as_of.sheet, as_of.row, as_of.col, _ods_has_formula(content, as_of)
        )


def _ods_has_formula(content: bytes, cell: NamedCell) -> bool | None:
    """Walk the named cell's table until its row, honouring repeated rows and cells."""
    import io
    from xml.etree.ElementTree import iterparse

    in_table = False
    row = -1
    for event, el in iterparse(io.BytesIO(content), events=("start", "end")):
        tag = el.tag
        if event == "start" and tag == f"{_TABLE}table":
            in_table = el.get(f"{_TABLE}name") == cell.sheet
            row = -1
        elif not in_table:
            if event == "end" and tag == f"{_TABLE}table-row":
                el.clear()
            continue
        elif event == "end" and tag == f"{_TABLE}table":
            return None
        elif event == "end" and tag == f"{_TABLE}table-row":
            repeat = int(el.get(f"{_TABLE}number-rows-repeated", "1"))
            if row + 1 <= cell.row <= row + repeat:
                col = 0
                for c in el:
                    if not c.tag.endswith("table-cell"):
                        continue
                    span = int(c.get(f"{_TABLE}number-columns-repeated", "1"))
                    if col <= cell.col < col + span:
                        return c.get(f"{_TABLE}formula") is not None
                    col += span
                return False
            row += repeat
            el.clear()
    return None
