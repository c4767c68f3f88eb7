"""``backplan check``: each kind of bad edit found at its cell, and the exit codes."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import example, given
from hypothesis import strategies as st

from backplan_xlsx import layout
from backplan_xlsx.checks import check_workbook
from backplan_xlsx.cli import FORMATS, main
from backplan_xlsx.errors import Problem
from backplan_xlsx.model import Plan
from backplan_xlsx.spec import load_spec
from tests import workbooks as wbk
from tests.conftest import TEMPLATES

#: Early in the plan: no review is overdue yet, so a clean file has no finding.
EARLY = date(2027, 1, 20)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_spec(TEMPLATES / "sales.yaml")


@pytest.fixture(scope="module")
def built(plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return wbk.build(plan, tmp_path_factory.mktemp("check") / "plan.xlsx", EARLY)


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "copy.xlsx"
    shutil.copyfile(built, dest)
    return dest


def found(path: Path, as_of: date = EARLY) -> list[tuple[str, str, str]]:
    return [(p.code, p.sheet, p.cell) for p in check_workbook(path, as_of)]


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_a_fresh_workbook_is_clean(built: Path) -> None:
    assert check_workbook(built, EARLY) == []
    result = run("check", str(built), "--as-of", EARLY.isoformat())
    assert result.exit_code == 0
    assert result.stdout == f"No problems found in {built}.\n"


def test_help_has_an_example() -> None:
    result = run("check", "--help")
    assert "Example:" in result.stdout
    assert "backplan check plan.xlsx" in result.stdout


def test_a_deleted_action_row_and_an_overwritten_milestone_formula(copy: Path) -> None:
    def change(wb: Any) -> None:
        actions = wb[layout.ACTIONS]
        actions.delete_rows(wbk.row_of(actions, "A17"))
        ms = wb[layout.MILESTONES]
        ms.cell(wbk.row_of(ms, "M4"), wbk.header_col(ms, "Actual"), 123456)

    wbk.edit(copy, change)
    result = run("check", str(copy), "--as-of", EARLY.isoformat())
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Milestones!I5: M4's Actual should be a formula but holds")
    assert lines[1].startswith("Actions!A18: the row of action A17 (built on row 18) was deleted")
    assert lines[-1] == f"2 errors in {copy}."


def test_a_changed_id(copy: Path) -> None:
    wbk.edit(copy, lambda wb: wb[layout.ANTI_GOALS].cell(3, 1, "XX2"))
    problems = check_workbook(copy, EARLY)
    assert [(p.code, p.cell) for p in problems] == [("id-changed", "A3")]
    assert "type X2 back" in problems[0].message


def test_edited_plan_cells_and_rows_added_by_hand(copy: Path) -> None:
    added: list[int] = []

    def change(wb: Any) -> None:
        ms = wb[layout.MILESTONES]
        ms.cell(wbk.row_of(ms, "M2"), wbk.header_col(ms, "Target"), 99999)
        actions = wb[layout.ACTIONS]
        actions.append(["A999", "M3", "G1", "Call the big prospect", "Ravi Patel", EARLY])
        added.append(actions.max_row)

    wbk.edit(copy, change)
    assert found(copy) == [
        ("plan-edited", "Milestones", "A3"),
        ("row-added", "Actions", f"A{added[0]}"),
    ]


def test_values_the_reader_cannot_use(copy: Path) -> None:
    rows: list[tuple[object, object, object, object]] = [
        ("03/04/2027", "G1", "Ravi Patel", 5),
        ("2027-01-10", "G7", "Ravi Patel", "1,000"),
        (date(2027, 1, 10), "G1", "Nobody", 5),
        (date(2026, 1, 10), "G1", "Ravi Patel", 5),
        (date(2027, 2, 10), "G1", "Ravi Patel", 5),
    ]
    wbk.edit(copy, lambda wb: wbk.fill(wb, rows, done={}, reviews={}))
    assert found(copy) == [
        ("ambiguous-date", "Check-ins", "A2"),
        ("date-as-text", "Check-ins", "A3"),
        ("unknown-goal", "Check-ins", "B3"),
        ("number-as-text", "Check-ins", "D3"),
        ("unknown-owner", "Check-ins", "C4"),
        ("date-outside-plan", "Check-ins", "A5"),
        ("future-check-in", "Check-ins", "A6"),
    ]


def test_check_ins_beyond_the_formulas_range(copy: Path) -> None:
    row = layout.CHECK_IN_LAST_ROW + 3
    ins = [(date(2027, 1, 10), "G1", "Ravi Patel", 5)]
    wbk.edit(copy, lambda wb: wbk.fill(wb, ins, first_row=row, done={}, reviews={}))
    assert found(copy) == [("beyond-formulas", "Check-ins", f"A{row}")]


def test_dropdowns_and_protection_lost(copy: Path) -> None:
    def change(wb: Any) -> None:
        wb[layout.CHECK_INS].data_validations.dataValidation = []
        wb[layout.MILESTONES].protection.sheet = False

    wbk.edit(copy, change)
    problems = check_workbook(copy, EARLY)
    assert [(p.code, p.sheet, p.cell, p.severity) for p in problems] == [
        ("protection-lost", "Milestones", "", "warning"),
        ("validation-lost", "Check-ins", "A2", "warning"),
        ("validation-lost", "Check-ins", "B2", "warning"),
        ("validation-lost", "Check-ins", "C2", "warning"),
        ("validation-lost", "Check-ins", "D2", "warning"),
    ]
    assert "lost its dropdown" in problems[2].message


def test_anti_goal_reviews_overdue(copy: Path) -> None:
    wbk.edit(copy, lambda wb: wbk.fill(wb, [], done={}, reviews={"X1": date(2027, 3, 1)}))
    problems = check_workbook(copy, date(2027, 3, 20))
    assert [(p.code, p.cell) for p in problems] == [
        ("review-overdue", "L3"),
        ("review-overdue", "L4"),
    ]
    assert "has not been reviewed since the plan started (2027-01-01)" in problems[0].message
    assert [p.cell for p in check_workbook(copy, date(2027, 4, 5))] == ["L2", "L3", "L4"]


def test_shares_that_no_longer_add_up(copy: Path) -> None:
    def change(wb: Any) -> None:
        ws = wb[layout.OWNERS]
        ws.cell(wbk.row_of(ws, "O2"), wbk.header_col(ws, "G1 share"), 0.15)

    wbk.edit(copy, change)
    problems = check_workbook(copy, EARLY)
    assert [(p.code, p.sheet, p.cell) for p in problems] == [
        ("shares", "Owners", "G1"),
        ("plan-edited", "Owners", "A3"),
    ]
    assert "add up to 90%" in problems[0].message


def test_without_the_record_only_that_is_said(copy: Path) -> None:
    wbk.edit(copy, lambda wb: wb.remove(wb[layout.META]))
    assert found(copy) == [("no-record", "", "")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format(copy: Path, fmt: str) -> None:
    wbk.edit(copy, lambda wb: wb[layout.ANTI_GOALS].cell(3, 1, "XX2"))
    result = run("check", str(copy), "--as-of", EARLY.isoformat(), "-f", fmt)
    assert result.exit_code == 1
    assert "XX2" in result.stdout
    if fmt == "json":
        data = json.loads(result.stdout)
        assert data["errors"] == 1
        assert data["problems"][0]["cell"] == "A3"


def test_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    result = CliRunner().invoke(main, ["check", str(bad)])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: broken.xlsx: ")


def test_problems_are_data() -> None:
    p = Problem("row-deleted", "error", "gone", file="a.xlsx", sheet="Actions", cell="A18")
    assert str(p) == "a.xlsx, Actions!A18: gone"


def test_a_text_date_in_check_ins_is_named_and_left_out(tmp_path: Path, sales_plan: Plan) -> None:
    import openpyxl

    from backplan_xlsx.checks import check_workbook
    from backplan_xlsx.writer import build_workbook

    path = build_workbook(sales_plan, tmp_path / "plan.xlsx", date(2027, 5, 10))
    wb = openpyxl.load_workbook(path)
    ws = wb["Check-ins"]
    ws["A2"], ws["B2"], ws["C2"], ws["D2"] = "2027-02-01", "G3", "Dana Whitfield", 0.25
    wb.save(path)
    found = [p for p in check_workbook(path, date(2027, 5, 10)) if p.cell == "A2"]
    assert found and found[0].code == "date-as-text"
    assert "the workbook's own formulas ignore it" in found[0].message
    assert "status leaves this check-in out" in found[0].message


def test_start_settings_lost_their_checks(copy: Path) -> None:
    """The Start sheet's settings are declared with their checks; check says when one is gone."""
    from backplan_xlsx import layout_meta

    def change(wb: Any) -> None:
        wb[layout.START].data_validations.dataValidation = []

    assert not [p for p in check_workbook(copy, EARLY) if p.code == "validation-lost"]
    wbk.edit(copy, change)
    lost = [p for p in check_workbook(copy, EARLY) if p.code == "validation-lost"]
    assert [p.sheet for p in lost] == [layout.START] * len(layout_meta.START_INPUTS)
    import openpyxl

    names = openpyxl.load_workbook(copy).defined_names
    where = [
        names[s.name].attr_text.split("!")[1].replace("$", "") for s in layout_meta.START_INPUTS
    ]
    assert [p.cell for p in lost] == where
    labels = [s.label for s in layout_meta.START_INPUTS]
    assert [p.message.split(" setting ")[0] for p in lost] == [f"the {lab}" for lab in labels]
    assert "lost its date check" in lost[0].message
    assert "lost its decimal check" in lost[1].message


def test_an_edit_is_named_in_a_copy_read_after_an_unedited_one(built: Path, copy: Path) -> None:
    """collect reads many copies in one worker, which remembers plan rows' fingerprints."""
    from backplan_xlsx.intake import read_one

    def change(wb: Any) -> None:
        ms = wb[layout.MILESTONES]
        ms.cell(wbk.row_of(ms, "M2"), wbk.header_col(ms, "Target"), 99999)

    wbk.edit(copy, change)
    clean, edited = read_one(str(built)), read_one(str(copy))
    assert [p.code for p in clean.problems if p.code == "plan-edited"] == []
    assert [(p.code, p.sheet, p.cell) for p in edited.problems if p.code == "plan-edited"] == [
        ("plan-edited", "Milestones", "A3")
    ]


_CELLS = st.one_of(
    st.sampled_from([1.0, True, 1, "1", "TRUE", 0.0, False, 0, "0", "", None, -0.0]),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.dates(),
    st.datetimes(),
)


@example([1.0], [True])
@example([0.0, "x"], [False, "x"])
@given(st.lists(_CELLS, max_size=6), st.lists(_CELLS, max_size=6))
def test_a_remembered_row_fingerprint_is_that_rows_own(a: list[object], b: list[object]) -> None:
    """Values equal to Python but different to a spreadsheet (1.0 and TRUE) never share one."""
    from backplan_xlsx.fingerprint import values_fingerprint
    from backplan_xlsx.rowchecks import _plan_fingerprint

    assert _plan_fingerprint(*a) == values_fingerprint(a)
    assert _plan_fingerprint(*b) == values_fingerprint(b)


def test_a_thousand_problems_of_a_kind_and_then_one_line(copy: Path) -> None:
    """1,500 readings without an owner: 1,000 listed by cell, then one line for the rest."""
    from backplan_xlsx.reader.cells import MAX_SAME

    rows = [(date(2027, 2, 1), "G1", None, 5) for _ in range(MAX_SAME + 500)]
    wbk.edit(copy, lambda wb: wbk.fill(wb, rows, done={}, reviews={}))
    got = [p for p in check_workbook(copy, EARLY) if p.code == "missing-owner"]
    assert len(got) == MAX_SAME + 1
    assert got[MAX_SAME - 1].cell == f"C{MAX_SAME + 1}"
    assert "and more cells like the ones above" in got[-1].message
