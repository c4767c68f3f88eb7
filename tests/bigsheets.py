"""Workbooks with very long Check-ins sheets, made fast by rewriting the sheet's XML.

Writing a million check-ins through the writer would take minutes and
gigabytes; a person pasting a year of CRM exports produces the same file.
So a built workbook's data rows are repeated, renumbered, down to the row
wanted, streamed into a copy of the file (the other parts stay as built).
Shared by the tests and ``benchmarks/``.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

_ROW = re.compile(rb"<row [^>]*>.*?</row>|<row [^>]*/>", re.S)
_NUMBER = re.compile(rb'(r="[A-Z]*)[0-9]+"')


def _part_of(zf: zipfile.ZipFile, sheet: str) -> str:
    wb = zf.read("xl/workbook.xml")
    rels = zf.read("xl/_rels/workbook.xml.rels")
    rid = re.search(rb'<sheet name="' + re.escape(sheet.encode()) + rb'"[^>]*r:id="([^"]+)"', wb)
    assert rid is not None, sheet
    target = re.search(rb'Id="' + rid.group(1) + rb'"[^>]*Target="([^"]+)"', rels)
    assert target is not None, sheet
    name = target.group(1).decode().lstrip("/")
    return name if name.startswith("xl/") else f"xl/{name}"


def grow_check_ins(src: Path, dest: Path, rows: int, sheet: str = "Check-ins") -> Path:
    """``src`` with its Check-ins data rows repeated down to sheet row ``rows + 1``.

    ``src`` must hold some check-ins (their rows are the pattern); blank
    prepared rows are dropped, as a program writing only its data would.
    """
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        part = _part_of(zin, sheet)
        xml = zin.read(part)
        head, _, rest = xml.partition(b"<sheetData>")
        body, _, tail = rest.partition(b"</sheetData>")
        found = _ROW.findall(body)
        pattern = [r for r in found[1:] if b"<v>" in r] or found[1:]
        assert pattern, "the workbook holds no check-in rows to repeat"
        pieces = [_NUMBER.split(r) for r in pattern]
        head = re.sub(
            rb'<dimension ref="[^"]*"/>', f'<dimension ref="A1:E{rows + 1}"/>'.encode(), head
        )
        for info in zin.infolist():
            if info.filename != part:
                zout.writestr(info, zin.read(info))
        with zout.open(part, "w", force_zip64=True) as out:
            out.write(head + b"<sheetData>" + found[0])
            batch: list[bytes] = []
            for r in range(2, rows + 2):
                split = pieces[(r - 2) % len(pieces)]
                number = str(r).encode()
                # ``split`` alternates text and ``r="A``: the new number goes after each of the latter
                batch.append(
                    b"".join(
                        chunk + number + b'"' if i % 2 else chunk for i, chunk in enumerate(split)
                    )
                )
                if len(batch) == 10_000:
                    out.write(b"".join(batch))
                    batch.clear()
            out.write(b"".join(batch) + b"</sheetData>" + tail)
    return dest
