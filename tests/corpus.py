"""Nasty files, made at test time (no binary blobs in the repository).

Each maker writes one file into a folder and returns its path; ``CORPUS``
lists them with a word the refusal message must contain.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import xlsxwriter

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Check-ins" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def small_workbook(path: Path) -> Path:
    """A real, tiny workbook (the base for several corruptions)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Check-ins")
    ws.write_row(0, 0, ["Date", "Goal", "Owner", "Value", "Comment"])
    for r in range(1, 50):
        ws.write_row(r, 0, ["2027-01-05", "G1", "Ann", r * 10, "x" * 20])
    wb.close()
    return path


def _fake_xlsx(path: Path, sheet_xml: bytes | str, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", RELS)
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def zip_bomb(folder: Path) -> Path:
    """64 MB of one repeated byte, squeezed into ~64 KB."""
    return _fake_xlsx(folder / "bomb.xlsx", b"<worksheet>" + b" " * (64 * 2**20) + b"</worksheet>")


def lying_zip(folder: Path) -> Path:
    """A member whose headers claim 100 bytes but which unpacks to 8 MB."""
    path = _fake_xlsx(folder / "lying.xlsx", b"<worksheet>" + b" " * (8 * 2**20) + b"</worksheet>")
    data = bytearray(path.read_bytes())
    real = (8 * 2**20 + len(b"<worksheet></worksheet>")).to_bytes(4, "little")
    fake = (100).to_bytes(4, "little")
    start = 0
    while (i := data.find(real, start)) != -1:
        data[i : i + 4] = fake
        start = i + 4
    path.write_bytes(bytes(data))
    return path


def entity_bomb(folder: Path) -> Path:
    """A "billion laughs" sheet."""
    lol = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">'
            for i in range(1, 9)
        )
        + ']><worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol8;</t></is></c>'
        "</row></sheetData></worksheet>"
    )
    return _fake_xlsx(folder / "laughs.xlsx", lol)


def external_entity(folder: Path) -> Path:
    """An XXE attempt reading /etc/passwd."""
    xml = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c>'
        "</row></sheetData></worksheet>"
    )
    return _fake_xlsx(folder / "xxe.xlsx", xml)


def encrypted(folder: Path) -> Path:
    """A real workbook encrypted with a password (msoffcrypto-tool)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = small_workbook(folder / "plain-for-encryption.xlsx")
    out = folder / "encrypted.xlsx"
    with open(plain, "rb") as src, open(out, "wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)
    plain.unlink()
    return out


def legacy_xls(folder: Path) -> Path:
    """An OLE compound file without encryption streams: what a .xls is."""
    path = folder / "legacy.xlsx"
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff"
    path.write_bytes(header + "Workbook".encode("utf-16-le") + b"\x00" * 4000)
    return path


def csv_renamed(folder: Path) -> Path:
    path = folder / "export.xlsx"
    path.write_text("Date,Goal,Owner,Value\n2027-01-05,G1,Ann,100\n")
    return path


def html_renamed(folder: Path) -> Path:
    path = folder / "page.xlsx"
    path.write_text("<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table></body></html>")
    return path


def pdf_renamed(folder: Path) -> Path:
    path = folder / "report.xlsx"
    path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    return path


def truncated(folder: Path) -> Path:
    base = small_workbook(folder / "whole.xlsx")
    data = base.read_bytes()
    base.unlink()
    path = folder / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def corrupt_crc(folder: Path) -> Path:
    """A workbook with one byte of a sheet's compressed data flipped."""
    base = small_workbook(folder / "crc-base.xlsx")
    raw = bytearray(base.read_bytes())
    base.unlink()
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    offset = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 20
    raw[offset] ^= 0xFF
    path = folder / "crc.xlsx"
    path.write_bytes(bytes(raw))
    return path


def macro_enabled(folder: Path) -> Path:
    return _fake_xlsx(folder / "macros.xlsx", "<worksheet/>", {"xl/vbaProject.bin": b"\x00" * 64})


def binary_workbook(folder: Path) -> Path:
    path = folder / "binary.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("xl/workbook.bin", b"\x83\x01\x00")
    return path


def word_document(folder: Path) -> Path:
    path = folder / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("word/document.xml", "<document/>")
    return path


def far_cell(folder: Path) -> Path:
    """One cell at XFD1048576: 17 billion cells to a naive reader."""
    xml = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<dimension ref="A1:XFD1048576"/><sheetData>'
        '<row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
        "</sheetData></worksheet>"
    )
    return _fake_xlsx(folder / "far.xlsx", xml)


def huge_sheet(folder: Path) -> Path:
    """More rows than Excel holds (made as raw XML: fast)."""
    rows = "".join(f'<row r="{r}"/>' for r in range(1, 1_048_578))
    xml = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + rows
        + "</sheetData></worksheet>"
    )
    return _fake_xlsx(folder / "huge.xlsx", xml)


def empty_file(folder: Path) -> Path:
    path = folder / "empty.xlsx"
    path.write_bytes(b"")
    return path


def fifo(folder: Path) -> Path:
    path = folder / "pipe.xlsx"
    os.mkfifo(path)
    return path


def directory(folder: Path) -> Path:
    path = folder / "folder.xlsx"
    path.mkdir()
    return path


def not_a_zip(folder: Path) -> Path:
    path = folder / "noise.xlsx"
    path.write_bytes(bytes(range(256)) * 8)
    return path


#: maker, and a word the refusal must contain
CORPUS: list[tuple[Callable[[Path], Path], str]] = [
    (zip_bomb, "zip bomb"),
    (lying_zip, "damaged"),
    (entity_bomb, "DTD"),
    (external_entity, "DTD"),
    (encrypted, "password"),
    (legacy_xls, ".xls"),
    (csv_renamed, "CSV"),
    (html_renamed, "HTML"),
    (pdf_renamed, "PDF"),
    (truncated, "damaged"),
    (corrupt_crc, "damaged"),
    (macro_enabled, "macros"),
    (binary_workbook, ".xlsb"),
    (word_document, "Word"),
    (far_cell, "stray cells"),
    (huge_sheet, "rows"),
    (empty_file, "empty"),
    (fifo, "not a regular file"),
    (directory, "folder"),
    (not_a_zip, "not a workbook"),
]
