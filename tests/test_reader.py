"""Reading built workbooks back after openpyxl edits: every status equals the engine's."""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from backplan_xlsx import layout
from backplan_xlsx.errors import Problem, WorkbookReadError
from backplan_xlsx.model import CheckIn, Plan, Snapshot
from backplan_xlsx.reader import read_workbook
from backplan_xlsx.spec import load_spec
from tests import workbooks as wbk
from tests.conftest import TEMPLATES

AS_OFS = (date(2026, 12, 1), date(2027, 3, 10), wbk.AS_OF, date(2027, 12, 31), date(2028, 2, 1))


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_spec(TEMPLATES / "sales.yaml")


@pytest.fixture(scope="module")
def built(plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return wbk.build(plan, tmp_path_factory.mktemp("built") / "plan.xlsx")


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "copy.xlsx"
    shutil.copyfile(built, dest)
    return dest


def codes(problems: tuple[Problem, ...]) -> list[tuple[str, str, str]]:
    return [(p.code, p.sheet, p.cell) for p in problems]


# --- the plan comes back ---------------------------------------------------------


def test_a_built_workbook_reads_back_as_its_plan(plan: Plan, built: Path) -> None:
    snap = read_workbook(built)
    assert snap.problems == ()
    got = snap.plan
    assert (got.id, got.title, got.version, got.start) == (
        plan.id,
        plan.title,
        plan.version,
        plan.start,
    )
    assert got.thresholds == plan.thresholds
    assert got.milestones == plan.milestones
    # The funnel's count and stage name are planning inputs the sheet does not hold.
    assert got.actions == tuple(replace(a, count=None, stage="") for a in plan.actions)
    assert got.anti_goals == plan.anti_goals
    for g, want in zip(got.goals, plan.goals, strict=True):
        fields = ("id", "name", "metric", "unit", "baseline", "target", "deadline")
        assert [getattr(g, f) for f in fields] == [getattr(want, f) for f in fields]
        assert (g.measure, g.cadence, g.owner, g.why) == (
            want.measure,
            want.cadence,
            want.owner,
            want.why,
        )
    sum_goals = {g.id for g in plan.goals if g.measure == "sum"}
    for o, owner in zip(got.owners, plan.owners, strict=True):
        assert (o.id, o.name, o.role, o.team, o.email) == (
            owner.id,
            owner.name,
            owner.role,
            owner.team,
            owner.email,
        )
        assert o.shares == tuple((gid, s) for gid, s in owner.shares if gid in sum_goals)
    assert snap.as_of is None  # AsOf still holds =TODAY()
    assert snap.file == str(built)


@pytest.mark.parametrize("as_of", AS_OFS)
def test_statuses_of_a_built_workbook_equal_the_engine(
    plan: Plan, built: Path, as_of: date
) -> None:
    assert wbk.engine_statuses(read_workbook(built), as_of) == wbk.engine_statuses(
        Snapshot(plan), as_of
    )


@pytest.mark.parametrize("as_of", AS_OFS)
def test_a_workbook_filled_in_with_openpyxl(plan: Plan, copy: Path, as_of: date) -> None:
    wbk.edit(copy, wbk.fill)
    snap = read_workbook(copy)
    assert snap.problems == ()
    want = wbk.expected_snapshot(plan)
    assert snap.check_ins == want.check_ins
    assert snap.done == want.done
    assert snap.reviews == want.reviews
    assert wbk.engine_statuses(snap, as_of) == wbk.engine_statuses(want, as_of)


def test_rows_appended_below_the_prepared_ones_count(plan: Plan, copy: Path) -> None:
    far = layout.CHECK_IN_ROWS + 40

    def change(wb: Any) -> None:
        wbk.fill(wb, wbk.CHECK_INS[:4], first_row=far)  # appended far below
        wbk.fill(wb, wbk.CHECK_INS[4:], first_row=5, done={}, reviews={})  # rows 2-4 blank

    wbk.edit(copy, change)
    snap = read_workbook(copy)
    assert snap.problems == ()
    rows = sorted(c.row for c in snap.check_ins)
    assert rows == [*range(5, 11), *range(far, far + 4)]
    want = Snapshot(
        plan,
        tuple(CheckIn(d, g, o, v) for d, g, o, v in wbk.CHECK_INS),
        done=dict(wbk.DONE),
        reviews=dict(wbk.REVIEWS),
    )
    assert wbk.engine_statuses(snap) == wbk.engine_statuses(want)


def test_rows_beyond_the_formulas_range_count_with_a_warning(plan: Plan, copy: Path) -> None:
    row = layout.CHECK_IN_LAST_ROW + 1
    wbk.edit(copy, lambda wb: wbk.fill(wb, wbk.CHECK_INS[:1], first_row=row))
    snap = read_workbook(copy)
    assert [c.row for c in snap.check_ins] == [row]
    assert codes(snap.problems) == [("beyond-formulas", "Check-ins", f"A{row}")]


def test_numbers_and_dates_typed_as_text(plan: Plan, copy: Path) -> None:
    typed: list[tuple[object, object, object, object]] = [
        ("2027-01-20", "G1", "Ravi Patel", "40,000"),
        ("14 Feb 2027", "g1", "Mei Chen", "$80,000"),
        ("March 3, 2027", "G1 ", " Tomás Herrera", " 40000 "),
        (date(2027, 3, 31), "G3", "Dana Whitfield", "23%"),
    ]
    wbk.edit(copy, lambda wb: wbk.fill(wb, typed, done={}, reviews={}))
    snap = read_workbook(copy)
    assert [(c.date, c.goal, c.owner, c.value) for c in snap.check_ins] == [
        (date(2027, 1, 20), "G1", "Ravi Patel", 40000.0),
        (date(2027, 2, 14), "g1", "Mei Chen", 80000.0),
        (date(2027, 3, 3), "G1", "Tomás Herrera", 40000.0),
        (date(2027, 3, 31), "G3", "Dana Whitfield", 0.23),
    ]
    assert {p.severity for p in snap.problems} == {"warning"}
    assert codes(snap.problems) == [
        ("date-as-text", "Check-ins", "A2"),
        ("number-as-text", "Check-ins", "D2"),
        ("date-as-text", "Check-ins", "A3"),
        ("number-as-text", "Check-ins", "D3"),
        ("date-as-text", "Check-ins", "A4"),
        ("number-as-text", "Check-ins", "D4"),
        ("goal-with-spaces", "Check-ins", "B4"),  # "G1 ": no SUMIFS matches it either
        ("number-as-text", "Check-ins", "D5"),
    ]
    assert "the workbook's own formulas ignore it" in snap.problems[1].message


def test_unreadable_values_are_named_by_cell_and_left_out(plan: Plan, copy: Path) -> None:
    typed: list[tuple[object, object, object, object]] = [
        ("next tue", "G1", "Ravi Patel", 1000),
        ("03/04/2027", "G1", "Ravi Patel", 1000),
        (date(2027, 2, 1), "G1", "Ravi Patel", "1.2k"),
        (date(2027, 2, 1), "G1", "Ravi Patel", "€1.200,50"),
        (date(2027, 2, 1), None, "Ravi Patel", 5),
        (date(2027, 2, 1), "G1", "Ravi Patel", None),
        (date(2027, 2, 2), "G1", "Ravi Patel", 500),
    ]
    wbk.edit(copy, lambda wb: wbk.fill(wb, typed, done={}, reviews={}))
    snap = read_workbook(copy)
    assert [(c.row, c.value) for c in snap.check_ins] == [(8, 500.0)]
    assert codes(snap.problems) == [
        ("bad-date", "Check-ins", "A2"),
        ("ambiguous-date", "Check-ins", "A3"),
        ("bad-number", "Check-ins", "D4"),
        ("ambiguous-number", "Check-ins", "D5"),
        ("missing-value", "Check-ins", "B6"),
        ("missing-value", "Check-ins", "D7"),
    ]
    assert all(p.severity == "error" and p.file == "copy.xlsx" for p in snap.problems)
    assert "2027-04-03 or 2027-03-04" in snap.problems[1].message
    assert str(snap.problems[0]).startswith('copy.xlsx, Check-ins!A2: "next tue" is not a date')


def test_unknown_goals_and_owners_are_warnings(plan: Plan, copy: Path) -> None:
    typed: list[tuple[object, object, object, object]] = [
        (date(2027, 2, 1), "G9", "Ravi Patel", 10),
        (date(2027, 2, 1), "G1", "Someone Else", 10),
        (date(2027, 2, 1), "G1", None, 10),
        (date(2026, 6, 1), "G1", "Ravi Patel", 10),
    ]
    wbk.edit(copy, lambda wb: wbk.fill(wb, typed, done={}, reviews={}))
    snap = read_workbook(copy)
    assert len(snap.check_ins) == 4  # kept: nothing typed is dropped
    assert codes(snap.problems) == [
        ("unknown-goal", "Check-ins", "B2"),
        ("unknown-owner", "Check-ins", "C3"),
        ("missing-owner", "Check-ins", "C4"),
        ("date-outside-plan", "Check-ins", "A5"),
    ]
    assert {p.severity for p in snap.problems} == {"warning"}


def test_inserted_and_reordered_columns(plan: Plan, copy: Path) -> None:
    def change(wb: Any) -> None:
        wbk.fill(wb)
        for name in (layout.GOALS, layout.MILESTONES, layout.ACTIONS, layout.CHECK_INS):
            ws = wb[name]
            ws.insert_cols(2)
            ws.cell(1, 2, "My notes")
            ws.cell(2, 2, "typed by a person")
        ins = wb[layout.CHECK_INS]  # Value before Date, header retyped in capitals
        ins.move_range("E1:E400", cols=5)
        ins.move_range("B1:B400", cols=3)
        ins.move_range("J1:J400", cols=-8)
        ins.cell(1, 2).value = "  VALUE "
        ms = wb[layout.MILESTONES]
        ms.move_range("A1:A30", cols=14)
        ms.delete_cols(1)

    wbk.edit(copy, change)
    snap = read_workbook(copy)
    assert snap.problems == ()
    want = wbk.expected_snapshot(plan)
    assert [(c.date, c.goal, c.value) for c in snap.check_ins] == [
        (c.date, c.goal, c.value) for c in want.check_ins
    ]
    for as_of in AS_OFS:
        assert wbk.engine_statuses(snap, as_of) == wbk.engine_statuses(want, as_of)


def test_a_header_row_pushed_down_by_inserted_rows(plan: Plan, copy: Path) -> None:
    def change(wb: Any) -> None:
        wbk.fill(wb)
        wb[layout.CHECK_INS].insert_rows(1, 2)
        wb[layout.CHECK_INS].cell(1, 1, "Our check-ins for 2027")

    wbk.edit(copy, change)
    snap = read_workbook(copy)
    assert [c.row for c in snap.check_ins] == [r + 2 for r in range(2, 2 + len(wbk.CHECK_INS))]
    assert wbk.engine_statuses(snap) == wbk.engine_statuses(wbk.expected_snapshot(plan))


def test_a_renamed_required_column_is_a_problem_naming_the_header(copy: Path) -> None:
    def change(wb: Any) -> None:
        ws = wb[layout.MILESTONES]
        ws.cell(1, wbk.header_col(ws, "Target"), "Goal value")
        ws = wb[layout.GOALS]
        ws.cell(1, wbk.header_col(ws, "Status"), "State")

    wbk.edit(copy, change)
    snap = read_workbook(copy)
    assert snap.plan.milestones == ()
    missing = [p for p in snap.problems if p.code == "missing-column"]
    assert [(p.sheet, p.severity) for p in missing] == [
        ("Goals", "warning"),
        ("Milestones", "error"),
    ]
    assert 'has no "Target" column' in missing[1].message
    assert 'rename the column back to "Target"' in missing[1].message


def test_a_missing_goals_sheet_cannot_be_read(copy: Path) -> None:
    wbk.edit(copy, lambda wb: wb.remove(wb[layout.GOALS]))
    with pytest.raises(WorkbookReadError) as exc:
        read_workbook(copy)
    assert exc.value.message.startswith("copy.xlsx: no goal could be read")
    assert [(p.code, p.sheet) for p in exc.value.problems] == [("missing-sheet", "Goals")]


def test_a_renamed_sheet_is_found_ignoring_case(plan: Plan, copy: Path) -> None:
    def change(wb: Any) -> None:
        wbk.fill(wb)
        wb[layout.CHECK_INS].title = "CHECK-INS "  # case and a stray space

    wbk.edit(copy, change)
    snap = read_workbook(copy)
    assert len(snap.check_ins) == len(wbk.CHECK_INS)


def test_as_of_typed_into_the_start_sheet(copy: Path) -> None:
    wbk.edit(copy, lambda wb: wb.defined_names["AsOf"].destinations)  # untouched: a formula
    assert read_workbook(copy).as_of is None

    def typed(wb: Any) -> None:
        sheet, ref = next(wb.defined_names["AsOf"].destinations)
        wb[sheet][ref.replace("$", "")] = date(2027, 6, 30)

    wbk.edit(copy, typed)
    assert read_workbook(copy).as_of == date(2027, 6, 30)


def test_as_of_typed_as_text_is_read_with_a_warning(copy: Path) -> None:
    def typed(wb: Any) -> None:
        sheet, ref = next(wb.defined_names["AsOf"].destinations)
        wb[sheet][ref.replace("$", "")] = "30 June 2027"

    wbk.edit(copy, typed)
    snap = read_workbook(copy)
    assert snap.as_of == date(2027, 6, 30)
    assert codes(snap.problems) == [("date-as-text", "Start", "B7")]
    # Text AsOf sorts after every date in the formulas: the sheets are wrong, and it says so.
    assert "the statuses the sheets show are wrong until it is typed again as a date" in (
        snap.problems[0].message
    )


def test_an_unreadable_as_of_is_an_error_and_today_is_used(copy: Path) -> None:
    def typed(wb: Any) -> None:
        sheet, ref = next(wb.defined_names["AsOf"].destinations)
        wb[sheet][ref.replace("$", "")] = "end of June"

    wbk.edit(copy, typed)
    snap = read_workbook(copy)
    assert snap.as_of is None
    assert codes(snap.problems) == [("bad-date", "Start", "B7")]


def test_thresholds_typed_into_the_start_sheet(copy: Path) -> None:
    def change(wb: Any) -> None:
        for name, value in (("OnTrackRatio", "90%"), ("AtRiskRatio", 0.7)):
            sheet, ref = next(wb.defined_names[name].destinations)
            wb[sheet][ref.replace("$", "")] = value

    wbk.edit(copy, change)
    snap = read_workbook(copy)
    assert (snap.plan.thresholds.on_track, snap.plan.thresholds.at_risk) == (0.9, 0.7)
    assert [p.code for p in snap.problems] == ["number-as-text"]


def test_a_ratio_out_of_range_falls_back_to_the_default(copy: Path) -> None:
    def change(wb: Any) -> None:
        sheet, ref = next(wb.defined_names["OnTrackRatio"].destinations)
        wb[sheet][ref.replace("$", "")] = 95

    wbk.edit(copy, change)
    snap = read_workbook(copy)
    assert snap.plan.thresholds.on_track == 0.95
    assert [(p.code, p.severity, p.sheet) for p in snap.problems] == [
        ("bad-ratio", "error", "Start")
    ]


def test_without_the_backplan_sheet_the_visible_sheets_still_read(plan: Plan, copy: Path) -> None:
    def change(wb: Any) -> None:
        wbk.fill(wb)
        wb.remove(wb[layout.META])

    wbk.edit(copy, change)
    snap = read_workbook(copy)
    assert [p.code for p in snap.problems] == ["no-record"]
    assert snap.plan.id == plan.id  # from the defined names
    assert snap.plan.start == plan.start  # from the Goals sheet's Start column
    assert wbk.engine_statuses(snap) == wbk.engine_statuses(wbk.expected_snapshot(plan))


def test_a_copy_without_any_identity_is_named_after_its_file(
    plan: Plan, copy: Path, tmp_path: Path
) -> None:
    import openpyxl

    src = openpyxl.load_workbook(copy)
    bare = openpyxl.Workbook()
    bare.remove(bare.active)
    for name in (layout.GOALS, layout.MILESTONES, layout.ACTIONS, layout.OWNERS):
        ws = bare.create_sheet(name)
        for row in src[name].iter_rows(values_only=True):
            ws.append(row)
    bare.create_sheet(layout.CHECK_INS).append(["Date", "Goal", "Owner", "Value", "Comment"])
    target = tmp_path / "pasted.xlsx"
    bare.save(target)
    snap = read_workbook(target)
    assert snap.plan.id == "pasted"
    assert [p.code for p in snap.problems] == [
        "no-record",
        "no-identity",
        "missing-named-cell",
        "missing-named-cell",
        "missing-named-cell",
    ]
    assert snap.plan.milestones == plan.milestones


def test_a_hidden_instead_of_very_hidden_record_is_accepted(plan: Plan, copy: Path) -> None:
    def change(wb: Any) -> None:
        wb[layout.META].sheet_state = "hidden"

    wbk.edit(copy, change)
    snap = read_workbook(copy)
    assert snap.problems == ()
    assert snap.plan.id == plan.id


def test_duplicate_and_missing_ids(copy: Path) -> None:
    def change(wb: Any) -> None:
        ws = wb[layout.ACTIONS]
        ws.cell(wbk.row_of(ws, "A5"), 1, "A4")
        ws.cell(wbk.row_of(ws, "A6"), 1).value = None

    wbk.edit(copy, change)
    snap = read_workbook(copy)
    assert codes(snap.problems) == [
        ("duplicate-id", "Actions", "A6"),
        ("missing-id", "Actions", "A7"),
    ]
    assert "A5" not in {a.id for a in snap.plan.actions}


def test_dates_in_a_1904_workbook(plan: Plan, copy: Path) -> None:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    def change(wb: Any) -> None:
        wb.epoch = CALENDAR_MAC_1904
        wbk.fill(wb, wbk.CHECK_INS[:2], done={}, reviews={})
        # A date typed into a General cell is a bare serial: 1904-based here.
        cell = wb[layout.CHECK_INS].cell(3, 1)
        cell.value = (date(2027, 2, 14) - date(1904, 1, 1)).days
        cell.number_format = "General"

    wbk.edit(copy, change)
    snap = read_workbook(copy)
    assert [c.date for c in snap.check_ins] == [date(2027, 1, 20), date(2027, 2, 14)]
    assert snap.plan.milestones == plan.milestones


# --- files that are not workbooks --------------------------------------------------


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WorkbookReadError, match=r"^nope\.xlsx: no such file"):
        read_workbook(tmp_path / "nope.xlsx")


def test_a_text_file_named_xlsx(tmp_path: Path) -> None:
    bad = tmp_path / "notes.xlsx"
    bad.write_text("just some notes\n")
    with pytest.raises(WorkbookReadError, match=r"^notes\.xlsx: "):
        read_workbook(bad)


def test_a_damaged_sheet_is_one_error_naming_the_file(built: Path, tmp_path: Path) -> None:
    bad = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(built) as src, zipfile.ZipFile(bad, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet3.xml":  # Goals
                data = data[: len(data) // 2]
            out.writestr(info, data)
    with pytest.raises(WorkbookReadError, match=r"^damaged\.xlsx: "):
        read_workbook(bad)
