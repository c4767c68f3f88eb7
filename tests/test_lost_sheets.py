"""A renamed or deleted data sheet never loses its rows silently (issue 13's contract).

A sheet the build record lists rows for is found by its header row when it
was renamed (read, with a warning), and is otherwise an error: status exits
2, every rewriting command refuses the file, collect skips it, check lists it.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from backplan_xlsx import layout, layout_meta
from backplan_xlsx.reader import read_workbook
from tests.workbooks import built_by_cli, header_col, row_of, run

AS_OF = "2027-05-10"
CRM = Path(__file__).resolve().parent / "data" / "crm"
#: Every sheet the build record lists rows for, as the layout declares them.
SHEETS = list(layout_meta.RECORDED_ROWS)


@pytest.fixture
def built(tmp_path: Path, sales_spec: Path) -> Path:
    out = built_by_cli(sales_spec, tmp_path / "plan.xlsx", AS_OF)
    wb = openpyxl.load_workbook(out)
    ws = wb[layout.ANTI_GOALS]
    ws.cell(row_of(ws, "X2"), header_col(ws, "Feedback")).value = "too strict"
    ws.cell(row_of(ws, "X2"), header_col(ws, "Last reviewed")).value = date(2027, 4, 1)
    ws = wb[layout.CHECK_INS]
    for j, v in enumerate((date(2027, 2, 1), "X2", "Ravi Patel", 3)):
        ws.cell(2, 1 + j).value = v
    wb.save(out)
    return out


def _ids(path: Path, sheet: str) -> list[str]:
    plan = read_workbook(path).plan
    return [row.id for row in getattr(plan, layout_meta.RECORDED_ROWS[sheet])]


@pytest.mark.parametrize("sheet", SHEETS)
def test_a_renamed_sheet_is_read_by_its_headers_and_kept(
    built: Path, tmp_path: Path, sheet: str
) -> None:
    ids = _ids(built, sheet)
    assert ids
    wb = openpyxl.load_workbook(built)
    renamed = sheet.replace("-", " ") + " (mine)"
    wb[sheet].title = renamed
    wb.save(built)
    status = run("status", built, "--as-of", AS_OF, "--format", "json")
    assert status.exit_code == 0, status.output
    problems = json.loads(status.stdout)["problems"]
    assert any(
        p["sheet"] == renamed and f"the {sheet} sheet is named '{renamed}'" in p["message"]
        for p in problems
    )
    merged, v2 = tmp_path / "m.xlsx", tmp_path / "v2.xlsx"
    assert run("merge", built, "-o", merged, "--as-of", AS_OF).exit_code == 0
    assert _ids(merged, sheet) == ids
    result = run("replan", built, "-o", v2, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert sorted(_ids(v2, sheet)) == sorted(ids) or sheet in (layout.MILESTONES, layout.ACTIONS)
    again = read_workbook(v2)
    assert again.feedback == {"X2": "too strict"} and again.reviews == {"X2": date(2027, 4, 1)}


def test_renamed_anti_goals_keep_their_statuses(built: Path) -> None:
    before = json.loads(run("status", built, "--as-of", AS_OF, "--format", "json").stdout)
    wb = openpyxl.load_workbook(built)
    wb[layout.ANTI_GOALS].title = "Anti goals"
    wb.save(built)
    after = json.loads(run("status", built, "--as-of", AS_OF, "--format", "json").stdout)
    assert after["anti_goals"] == before["anti_goals"] and after["anti_goals"]
    checked = run("check", built, "--as-of", AS_OF)
    assert "the Anti-goals sheet is named 'Anti goals'; it is read" in checked.stdout
    assert "is not a goal or anti-goal" not in checked.stdout


@pytest.mark.parametrize("sheet", SHEETS)
def test_a_sheet_gone_stops_every_rewrite(built: Path, tmp_path: Path, sheet: str) -> None:
    wb = openpyxl.load_workbook(built)
    ws = wb[sheet]
    ws.title = "Old stuff"
    ws.cell(1, header_col(ws, "ID")).value = "Ref"  # no longer tells what it was
    wb.save(built)
    before = built.read_bytes()
    status = run("status", built, "--as-of", AS_OF)
    assert status.exit_code == 2 and sheet in status.stderr and "Traceback" not in status.output
    for args in (
        ("replan", built, "-o", tmp_path / "v2.xlsx"),
        ("merge", built, "-o", tmp_path / "m.xlsx"),
        ("split", built, "-o", tmp_path / "parts"),
        ("build", tmp_path / "plan.yaml", "-o", built, "--keep", built),
    ):
        result = run(*args, "--as-of", AS_OF)
        assert result.exit_code == 2 and sheet in result.stderr, (args[0], result.output)
    export = tmp_path / "deals.csv"
    shutil.copyfile(CRM / "hubspot-deals.csv", export)
    imported = run("import", built, export)
    assert imported.exit_code == 2 and sheet in imported.stderr
    assert built.read_bytes() == before
    assert not (tmp_path / "v2.xlsx").exists() and not (tmp_path / "m.xlsx").exists()
    assert not list(tmp_path.glob("*.bak.xlsx")) and not (tmp_path / "parts").exists()
    checked = run("check", built, "--as-of", AS_OF)
    if sheet == layout.GOALS:  # no goal, no plan: the file itself is unreadable
        assert checked.exit_code == 2 and 'has no "Goals" sheet' in checked.stderr
    else:
        assert checked.exit_code == 1 and f'has no "{sheet}" sheet' in checked.stdout
    good = tmp_path / "good.xlsx"
    assert run("build", tmp_path / "plan.yaml", "-o", good, "--as-of", AS_OF).exit_code == 0
    rollup = tmp_path / "out" / "rollup.xlsx"
    rollup.parent.mkdir()
    collected = run("collect", built, good, "-o", rollup, "--as-of", AS_OF)
    assert "Skipped: plan.xlsx" in collected.stderr and sheet in collected.stderr
