"""Legitimately large returned workbooks are read, not refused by a row count."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

from backplan_xlsx.cli import main
from backplan_xlsx.model import CheckIn, Plan, Snapshot
from backplan_xlsx.reader import read_workbook
from backplan_xlsx.writer import write_workbook
from tests.bigsheets import grow_check_ins

AS_OF = date(2027, 6, 30)


def _seed(plan: Plan, path: Path) -> Path:
    owners = [o.name for o in plan.owners]
    ins = tuple(
        CheckIn(
            plan.start + timedelta(days=i % 150), "G1", owners[i % len(owners)], 10.0, row=i + 2
        )
        for i in range(20)
    )
    write_workbook(Snapshot(plan, ins), path, AS_OF)
    return path


def test_a_check_ins_sheet_of_200301_rows_is_read_whole(tmp_path: Path, sales_plan: Plan) -> None:
    """Issue 14: 200,301 rows were refused although Excel holds 1,048,576."""
    big = grow_check_ins(_seed(sales_plan, tmp_path / "seed.xlsx"), tmp_path / "big.xlsx", 200_300)
    snap = read_workbook(big)
    assert len(snap.check_ins) == 200_300
    assert snap.check_ins[-1].row == 200_301
    result = CliRunner().invoke(
        main,
        ["status", str(big), "--as-of", AS_OF.isoformat(), "-f", "json"],
        env={"BACKPLAN_NO_ISOLATION": "1"},
    )
    assert result.exit_code == 0, result.output
    goals = {g["id"]: g for g in json.loads(result.stdout)["goals"]}
    assert goals["G1"]["actual"] == 200_300 * 10.0


def test_streamed_rows_are_the_rows_calamine_lists(tmp_path: Path) -> None:
    """Data away from A1, ragged rows, a row asked for twice and one already passed."""
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    from backplan_xlsx.reader.source import StreamedRows

    path = tmp_path / "offset.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Check-ins")
    for r in range(2, 60, 3):
        ws.write(r, 1 + r % 4, f"v{r}")
    ws.write_number(61, 5, 7.5)
    wb.close()
    book = CalamineWorkbook.from_path(str(path))
    sheet = book.get_sheet_by_name("Check-ins")
    expected = sheet.to_python(skip_empty_area=False)
    rows = StreamedRows(sheet, head=5)
    assert len(rows) == len(expected) == 62
    got = [rows[r] for r in range(len(rows))]
    assert got == expected
    assert rows[40] == expected[40] and rows[40] == expected[40]
    assert rows[7] == expected[7]  # passed already: read again
    assert rows[61] == expected[61]
    book.close()
