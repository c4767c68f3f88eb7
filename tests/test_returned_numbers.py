"""Returned files with numbers no one should count and error cells: a problem on the cell.

Never a crash of status or collect, never "is empty" for a cell that shows
``#N/A``. The error cells are written into the sheet's XML the way Excel and
LibreOffice store them (``t="e"`` with the error as the cached value), since
openpyxl cannot write a cached error; one test uses a real LibreOffice
recalculation.
"""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from backplan_xlsx import layout
from backplan_xlsx.cli import main
from backplan_xlsx.model import Plan
from backplan_xlsx.reader.errorcells import _sheet_part, error_cells
from tests.workbooks import build, edit, fill

AS_OF = "2027-05-10"


def _filled(plan: Plan, path: Path, value: object = 100.0, second: object = 50.0) -> Path:
    build(plan, path)
    rows = [
        (date(2027, 1, 20), "G1", "Ravi Patel", value),
        (date(2027, 1, 21), "G1", "Ravi Patel", second),
    ]
    return edit(path, lambda wb: fill(wb, rows))


def _set_cell_xml(path: Path, ref: str, xml: str) -> None:
    """Replace one Check-ins cell's XML in place (as another program would have saved it)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin:
        part = _sheet_part(zin, layout.CHECK_INS)
        assert part is not None
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                data = zin.read(info)
                if info.filename == part:
                    text = data.decode()
                    cell = re.compile(rf'<c r="{ref}"(?: [^>]*)?(?:/>|>.*?</c>)', re.S)
                    assert cell.search(text), ref
                    data = cell.sub(xml, text, count=1).encode()
                zout.writestr(info, data)
    tmp.replace(path)


def _status(path: Path, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["status", str(path), "--as-of", AS_OF, *extra])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout, result.stderr


def test_check_ins_that_would_add_up_to_infinity_are_problems_on_their_cells(
    sales_plan: Plan, tmp_path: Path
) -> None:
    path = _filled(sales_plan, tmp_path / "huge.xlsx", 1.7e308, 1.7e308)
    code, out, _ = _status(path, "--format", "json")
    assert code == 0
    data = json.loads(out)
    cells = {p["cell"]: p["message"] for p in data["problems"] if p["sheet"] == layout.CHECK_INS}
    assert set(cells) == {"D2", "D3"}
    assert all("1.7e+308 is too large" in m for m in cells.values())
    g1 = next(g for g in data["goals"] if g["id"] == "G1")
    assert g1["actual"] == 0.0  # the two readings do not count


def test_one_file_with_overflowing_check_ins_does_not_stop_collect(
    sales_plan: Plan, tmp_path: Path
) -> None:
    folder = tmp_path / "returned"
    folder.mkdir()
    _filled(sales_plan, folder / "huge.xlsx", 1.7e308, 1.7e308)
    _filled(sales_plan, folder / "fine.xlsx")
    rollup = tmp_path / "rollup.xlsx"
    result = CliRunner().invoke(
        main,
        [
            "collect",
            str(folder),
            "-o",
            str(rollup),
            "--as-of",
            AS_OF,
            "--history",
            f"sqlite:///{tmp_path / 'h.db'}",
        ],
    )
    assert "Traceback" not in result.output
    assert result.exit_code == 0, result.output
    assert rollup.exists()
    assert "2 of 2 files" in result.stdout


@pytest.mark.parametrize("raw", ["NaN", "INF", "-inf", "1e309"])
def test_a_non_finite_number_in_the_xml_is_a_problem_on_its_cell(
    sales_plan: Plan, tmp_path: Path, raw: str
) -> None:
    path = _filled(sales_plan, tmp_path / "nan.xlsx")
    _set_cell_xml(path, "D2", f'<c r="D2"><v>{raw}</v></c>')
    code, out, _ = _status(path, "--format", "json")
    assert code == 0
    problems = [p for p in json.loads(out)["problems"] if p["cell"] == "D2"]
    assert len(problems) == 1
    assert problems[0]["sheet"] == layout.CHECK_INS
    assert "is empty" not in problems[0]["message"]


@pytest.mark.parametrize(
    ("error", "meaning"),
    [
        ("#N/A", "a lookup found nothing"),
        ("#REF!", "deleted"),
        ("#DIV/0!", "division by zero"),
        ("#VALUE!", "text or a wrong type"),
        ("#NAME?", "does not know"),
    ],
)
def test_an_error_cell_is_named_as_the_error_it_is(
    sales_plan: Plan, tmp_path: Path, error: str, meaning: str
) -> None:
    path = _filled(sales_plan, tmp_path / "err.xlsx")
    _set_cell_xml(path, "D2", f'<c r="D2" s="0" t="e"><f>NA()</f><v>{error}</v></c>')
    result = CliRunner().invoke(main, ["check", str(path)])
    assert "Traceback" not in result.output
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "Check-ins!D2" in x)
    assert f"holds the error {error} (" in line and meaning in line
    assert "is empty" not in result.output


def test_an_error_in_a_text_cell_is_named_too(sales_plan: Plan, tmp_path: Path) -> None:
    path = _filled(sales_plan, tmp_path / "err.xlsx")
    _set_cell_xml(path, "B2", '<c r="B2" t="e"><f>VLOOKUP(1,Z:Z,2,0)</f><v>#N/A</v></c>')
    code, out, _ = _status(path)
    assert code == 0
    assert "Check-ins!B2: holds the error #N/A" in out


def test_error_cells_are_found_in_a_large_sheet(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "big.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(layout.CHECK_INS)
    for r in range(60_000):  # several inflate chunks
        ws.write_number(r, 3, r)
    ws.write_formula(59_000, 3, "=1/0", None, "#DIV/0!")
    ws.write_formula(5, 1, "=NA()", None, "#N/A")
    wb.close()
    assert error_cells(path, layout.CHECK_INS) == {(59_000, 3): "#DIV/0!", (5, 1): "#N/A"}
    assert error_cells(path, "No such sheet") == {}


@pytest.mark.parametrize("convert_to", ["xlsx:Calc MS Excel 2007 XML", "ods"])
def test_an_error_left_by_a_libreoffice_recalculation_is_named(
    sales_plan: Plan, tmp_path: Path, soffice: str, convert_to: str
) -> None:
    from tests.soffice import recalculate

    src = tmp_path / "src"
    src.mkdir()
    path = _filled(sales_plan, src / "na.xlsx")
    edit(path, lambda wb: wb[layout.CHECK_INS].cell(3, 4, "=NA()"))
    (out,) = recalculate([path], tmp_path / "out", convert_to=convert_to, binary=soffice)
    result = CliRunner().invoke(main, ["check", str(out)])
    assert result.exit_code == 1
    assert "Check-ins!D3: holds the error #N/A" in result.output
    assert "is empty" not in result.output
