"""Statuses that follow the plan, walked through the commands as a manager would.

Each test builds the sales template, types into the workbook with openpyxl
the way people do (a checkbox's TRUE, a tick, "done.", a curly apostrophe),
and reads it back through ``backplan status``, ``check`` and ``brief``.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from backplan_xlsx import layout
from backplan_xlsx.cli import main
from backplan_xlsx.model import Plan
from tests import workbooks as wbk


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def status_json(path: Path, as_of: str) -> dict[str, Any]:
    result = run("status", str(path), "--as-of", as_of, "-f", "json")
    assert result.exit_code in (0, 1), result.output
    return dict(json.loads(result.stdout))


@pytest.fixture
def built(sales_spec: Path, tmp_path: Path) -> Path:
    out = tmp_path / "plan.xlsx"
    result = run("build", str(sales_spec), "-o", str(out), "--as-of", "2027-01-02")
    assert result.exit_code == 0, result.output
    return out


def test_a_back_loaded_goal_whose_milestones_are_met_is_on_track(
    built: Path, sales_plan: Plan
) -> None:
    """Every milestone to date Done: the goal is not Off track, in status and in the brief."""
    ms = sales_plan.milestones_of("G1")[:6]
    rows = [(m.due, "G1", "Ravi Patel", m.target - m.start_value) for m in ms]
    wbk.edit(built, lambda wb: wbk.fill(wb, rows, done={}, reviews={}))
    data = status_json(built, "2027-07-01")
    milestones = {m["id"]: m["status"] for m in data["milestones"]}
    assert all(milestones[m.id] == "Done" for m in ms)
    g1 = next(g for g in data["goals"] if g["id"] == "G1")
    assert g1["status"] == "On track"
    # The pace relative to a back-loaded plan carries to about the target.
    assert g1["projected"] == pytest.approx(sales_plan.goal("G1").target, rel=0.05)
    page = run("brief", str(built), "--as-of", "2027-07-01", "--owner", "Dana Whitfield")
    assert page.exit_code == 0, page.output
    assert "New ARR" in page.stdout and "The team: On track" in page.stdout


def test_no_action_is_overdue_on_the_second_day_and_catch_up_shows(built: Path) -> None:
    data = status_json(built, "2027-01-02")
    assert [a["id"] for a in data["actions"] if a["status"] == "Overdue"] == []
    import openpyxl

    ws = openpyxl.load_workbook(built)[layout.ACTIONS]
    col = wbk.header_col(ws, "Action")
    texts = [ws.cell(r, col).value for r in range(2, ws.max_row + 1)]
    assert any(str(t).startswith("Catch-up: ") for t in texts)
    page = run("brief", str(built), "--as-of", "2027-01-02", "--owner", "Ravi Patel")
    assert "Catch-up: Open" in page.stdout


def test_done_marks_people_type(built: Path) -> None:
    marks: dict[str, Any] = {
        "A1": True,
        "A2": "\u2713",
        "A3": "done.",
        "A4": date(2027, 1, 5),
        "A5": 1,
        "A6": " X ",
        "A7": "nope",
        "A8": "No",
    }
    wbk.edit(built, lambda wb: wbk.fill(wb, [], done=marks, reviews={}))
    data = status_json(built, "2027-01-10")
    done = {a["id"]: a["status"] for a in data["actions"]}
    assert [done[f"A{i}"] for i in range(1, 7)] == ["Done"] * 6
    assert done["A7"] == done["A8"] == "Open"
    check = run("check", str(built), "-f", "json")
    found = [p for p in json.loads(check.stdout)["problems"] if p["code"] == "not-a-done-mark"]
    # "No" is not a done mark either: check names every one (the brief, issue f-rows).
    assert [(p["sheet"], p["message"][:3]) for p in found] == [
        ("Actions", "A7'"),
        ("Actions", "A8'"),
    ]
    assert found[0]["cell"].startswith(layout.ACTIONS_LAYOUT.letter("done"))


def test_names_typed_another_way_count_for_the_owner(sales_spec: Path, tmp_path: Path) -> None:
    spec = sales_spec.read_text().replace("Ravi Patel", "Zo\u00eb O\u2019Brien")
    sales_spec.write_text(spec)
    out = tmp_path / "zoe.xlsx"
    assert run("build", str(sales_spec), "-o", str(out)).exit_code == 0
    rows = [
        (date(2027, 1, 10), "G1", "Zo\u00eb O'Brien", 1000.0),
        (date(2027, 1, 11), "G1", " zoe\u0308 o\u2019brien ", 500.0),
    ]
    wbk.edit(out, lambda wb: wbk.fill(wb, rows, done={}, reviews={}))
    data = status_json(out, "2027-01-31")
    zoe = next(o for o in data["owners"] if o["name"] == "Zo\u00eb O\u2019Brien")
    part = next(p for p in zoe["parts"] if p["goal"] == "G1")
    assert part["actual"] == 1500
    check = json.loads(run("check", str(out), "-f", "json").stdout)
    assert not [p for p in check["problems"] if p["code"] == "unknown-owner"]


def test_a_goal_that_moves_down_reads_like_the_others(built: Path) -> None:
    """G4 sales cycle 95 -> 70 days: a reading of 85 by mid-May is ahead of its path."""
    wbk.edit(
        built,
        lambda wb: wbk.fill(wb, [(date(2027, 5, 1), "G4", "Mei Chen", 85.0)], done={}, reviews={}),
    )
    data = status_json(built, "2027-05-15")
    g4 = next(g for g in data["goals"] if g["id"] == "G4")
    assert g4["target"] < g4["expected"] < 95
    assert g4["status"] == "On track" and g4["actual"] == 85
    table = run("status", str(built), "--as-of", "2027-05-15")
    assert "G4 Sales cycle: On track" in table.stdout
    assert "days less per quarter" in table.stdout
    late = status_json(built, "2028-01-15")
    g4 = next(g for g in late["goals"] if g["id"] == "G4")
    assert g4["status"] == "Missed"
    text = run("status", str(built), "--as-of", "2028-01-15").stdout
    assert "deadline passed, 15 days short of the target" in text
    assert "0 quarters left" not in text


def test_a_done_date_stays_a_date_through_a_rewrite(built: Path, tmp_path: Path) -> None:
    """The day an action was done, typed in Done, comes back as that date, not a serial."""
    import openpyxl

    wbk.edit(built, lambda wb: wbk.fill(wb, [], done={"A3": date(2027, 1, 28)}, reviews={}))
    out = tmp_path / "merged.xlsx"
    assert run("merge", str(built), "-o", str(out)).exit_code == 0
    ws = openpyxl.load_workbook(out)[layout.ACTIONS]
    cell = ws.cell(wbk.row_of(ws, "A3"), wbk.header_col(ws, "Done"))
    assert cell.is_date and cell.value.date() == date(2027, 1, 28)
    assert status_json(out, "2027-02-01")["actions"][2]["status"] == "Done"
