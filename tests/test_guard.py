"""The guard refuses every kind of nasty file with a plain, named message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from backplan_xlsx.errors import WorkbookReadError
from backplan_xlsx.guard import check_file
from tests.corpus import CORPUS, small_workbook


@pytest.mark.parametrize(("make", "word"), CORPUS, ids=[m.__name__ for m, _ in CORPUS])
def test_each_nasty_file_is_refused_by_name(
    tmp_path: Path, make: Callable[[Path], Path], word: str
) -> None:
    path = make(tmp_path)
    with pytest.raises(WorkbookReadError) as info:
        check_file(path)
    message = str(info.value)
    assert message.startswith(f"{path.name}: ")
    assert word.lower() in message.lower(), message
    assert "\n" not in message


def test_a_real_workbook_passes(tmp_path: Path) -> None:
    assert check_file(small_workbook(tmp_path / "ok.xlsx")) == "xlsx"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WorkbookReadError, match=r"^nope\.xlsx: no such file"):
        check_file(tmp_path / "nope.xlsx")


def test_a_wide_but_short_sheet_is_not_mistaken_for_a_far_cell(tmp_path: Path) -> None:
    from tests.corpus import _fake_xlsx

    xml = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="3"><c r="A3"><v>1</v></c><c r="DKJ3"><v>2</v></c></row></sheetData></worksheet>'
    )
    assert check_file(_fake_xlsx(tmp_path / "wide.xlsx", xml)) == "xlsx"


def test_attributes_in_another_order_are_still_measured(tmp_path: Path) -> None:
    from tests.corpus import _fake_xlsx

    xml = (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<x:sheetData><x:row r="1048576"><x:c s="0" r="XFD1048576"><x:v>1</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    with pytest.raises(WorkbookReadError, match="stray cells"):
        check_file(_fake_xlsx(tmp_path / "ns.xlsx", xml))


def test_sheets_without_error_cells_are_named_so_the_reader_need_not_look_again(
    tmp_path: Path,
) -> None:
    from tests.corpus import _fake_xlsx

    workbook = (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="Check-ins" sheetId="1" r:id="rId1"/><sheet name="Goals" sheetId="2" '
        'r:id="rId2"/></sheets></workbook>'
    )
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Target="worksheets/sheet2.xml"/></Relationships>'
    )
    with_error = '<worksheet><sheetData><row r="1"><c r="A1" t="e"><v>#N/A</v></c></row></sheetData></worksheet>'
    clean = '<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>'
    path = _fake_xlsx(
        tmp_path / "two.xlsx",
        with_error,
        {"xl/worksheets/sheet2.xml": clean.encode()},
    )
    import zipfile

    rewritten = tmp_path / "two-named.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(rewritten, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                data = workbook.encode()
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = rels.encode()
            dst.writestr(info.filename, data)
    found: set[str] = set()
    assert check_file(rewritten, no_error_cells=found) == "xlsx"
    assert found == {"Goals"}
