"""The built workbook, opened with openpyxl: the contract, the look, the safety rails.

Each test reads a real file written by ``build_workbook``; XlsxWriter warnings
are errors here (a warning means a part silently left out).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from backplan_xlsx import layout, rules
from backplan_xlsx.errors import WorkbookWriteError
from backplan_xlsx.fingerprint import (
    formulas_fingerprint,
    normalize_formula,
    values_fingerprint,
)
from backplan_xlsx.model import Plan
from backplan_xlsx.writer import build, build_workbook
from backplan_xlsx.writer.overwrite import holds_check_ins
from tests.portable import ALLOWED_FUNCTIONS, engine_dependent, functions

pytestmark = pytest.mark.filterwarnings("error")

AS_OF = date(2027, 5, 15)

#: COMPAT.md's functions that Excel 2016, LibreOffice 7.4 and Google Sheets all
#: have, plus ROW and ISTEXT (in all three since their first versions; used by
#: the rules' latest-reading and Done twins).


@pytest.fixture
def built(sales_plan: Plan, tmp_path: Path) -> Path:
    """The sales template built as of mid-May 2027."""
    return build_workbook(sales_plan, tmp_path / "plan.xlsx", AS_OF)


@pytest.fixture
def book(built: Path) -> Any:
    import openpyxl

    return openpyxl.load_workbook(built)


def _headers(ws: Any) -> list[str]:
    return [c.value for c in ws[1] if c.value is not None]


def _col(ws: Any, header: str) -> str:
    for c in ws[1]:
        if c.value == header:
            return str(c.column_letter)
    raise KeyError(header)


def _validations(ws: Any) -> list[Any]:
    return list(ws.data_validations.dataValidation)


def _validation_for(ws: Any, cell: str) -> Any:
    for dv in _validations(ws):
        if cell in dv.sqref:
            return dv
    raise AssertionError(f"no data validation covers {ws.title}!{cell}")


def test_sheets_in_contract_order_with_meta_very_hidden(book: Any) -> None:
    assert book.sheetnames == list(layout.SHEET_ORDER)
    assert book[layout.META].sheet_state == "veryHidden"
    assert all(ws.sheet_state == "visible" for ws in book.worksheets[:-1])
    assert book.active.title == layout.START


def test_headers_exactly_as_layout(book: Any, sales_plan: Plan) -> None:
    for name, spec in layout.DATA_LAYOUTS.items():
        assert _headers(book[name]) == [c.header for c in spec.columns], name
        assert set(spec.required_headers) <= set(_headers(book[name]))
    sum_goals = tuple(g.id for g in sales_plan.goals if g.measure == "sum")
    owners = layout.owners_layout(sum_goals)
    assert _headers(book[layout.OWNERS]) == [c.header for c in owners.columns]
    assert "G3 status" not in _headers(book[layout.OWNERS])  # a "latest" goal does not split


def test_ids_and_rows_from_the_plan(book: Any, sales_plan: Plan) -> None:
    cases = (
        (layout.GOALS, [g.id for g in sales_plan.goals]),
        (layout.MILESTONES, [m.id for m in sales_plan.milestones]),
        (layout.ACTIONS, [a.id for a in sales_plan.actions]),
        (layout.OWNERS, [o.id for o in sales_plan.owners]),
        (layout.ANTI_GOALS, [x.id for x in sales_plan.anti_goals]),
    )
    for sheet, ids in cases:
        ws = book[sheet]
        found = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
        assert found == ids, sheet
    assert [book[layout.GOALS].cell(r, 1).value for r in (2, 3, 4)] == ["G1", "G2", "G3"]


def test_named_cells_and_identity_names(book: Any, sales_plan: Plan) -> None:
    names = book.defined_names
    for name in (rules.AS_OF, rules.ON_TRACK_RATIO, rules.AT_RISK_RATIO):
        ((sheet, ref),) = list(names[name].destinations)
        assert sheet == layout.START
        cell = book[sheet][ref.replace("$", "")]
        assert cell.protection.locked is False, name
    as_of = book[layout.START][next(iter(names[rules.AS_OF].destinations))[1].replace("$", "")]
    assert as_of.value == "=TODAY()"
    assert as_of.number_format == layout.DATE
    assert names[layout.PLAN_ID_NAME].attr_text == f'"{sales_plan.id}"'
    assert names[layout.VERSION_NAME].attr_text == str(sales_plan.version)
    ratio_ref = next(iter(names[rules.ON_TRACK_RATIO].destinations))[1].replace("$", "")
    assert book[layout.START][ratio_ref].value == sales_plan.thresholds.on_track


def test_as_of_cached_value_is_the_build_date(built: Path) -> None:
    import openpyxl

    values = openpyxl.load_workbook(built, data_only=True)
    ((sheet, ref),) = list(values.defined_names[rules.AS_OF].destinations)
    assert values[sheet][ref.replace("$", "")].value == datetime(2027, 5, 15)


def test_custom_properties_hold_identity(book: Any, sales_plan: Plan) -> None:
    props = {p.name: p.value for p in book.custom_doc_props.props}
    assert props[layout.PLAN_ID_PROPERTY] == sales_plan.id
    assert props[layout.VERSION_PROPERTY] == sales_plan.version


def test_check_in_validations(book: Any) -> None:
    ws = book[layout.CHECK_INS]
    spec = layout.CHECK_INS_LAYOUT
    last = layout.CHECK_IN_ROWS + 1
    for key in ("date", "goal", "owner", "value"):
        for row in (2, last):
            dv = _validation_for(ws, f"{spec.letter(key)}{row}")
            assert dv.prompt and dv.error, key
    date_dv = _validation_for(ws, f"{spec.letter('date')}2")
    assert date_dv.type == "date"
    goal_dv = _validation_for(ws, f"{spec.letter('goal')}2")
    assert goal_dv.type == "list"
    assert goal_dv.formula1 == f"Start!$H$2:$H${layout.LIST_LAST_ROW}"
    owner_dv = _validation_for(ws, f"{spec.letter('owner')}2")
    assert owner_dv.type == "list"
    assert owner_dv.formula1 == f"Owners!$B$2:$B${layout.LIST_LAST_ROW}"
    value_dv = _validation_for(ws, f"{spec.letter('value')}2")
    assert value_dv.type == "decimal"
    assert value_dv.errorStyle in ("warning", "information")


def test_goal_dropdown_lists_goal_and_anti_goal_ids(book: Any, sales_plan: Plan) -> None:
    ws = book[layout.START]
    n = len(sales_plan.goals) + len(sales_plan.anti_goals)
    ids = [ws[f"H{r}"].value for r in range(2, 2 + n)]
    assert ids == [g.id for g in sales_plan.goals] + [x.id for x in sales_plan.anti_goals]
    assert ids[:4] == ["G1", "G2", "G3", "G4"] and ids[-1] == "X3"
    assert ws.column_dimensions["H"].hidden
    owners = book[layout.OWNERS]
    assert [owners[f"B{r}"].value for r in range(2, 7)] == [o.name for o in sales_plan.owners]


def test_done_dropdown_and_review_date(book: Any) -> None:
    actions = book[layout.ACTIONS]
    done = _validation_for(actions, f"{layout.ACTIONS_LAYOUT.letter('done')}2")
    assert done.type == "list"
    assert done.formula1 == '"' + ",".join(rules.DONE_CHOICES) + '"'
    anti = book[layout.ANTI_GOALS]
    reviewed = _validation_for(anti, f"{layout.ANTI_GOALS_LAYOUT.letter('last_reviewed')}2")
    assert reviewed.type == "date"


def test_protection_locks_formulas_and_plan_unlocks_inputs(book: Any) -> None:
    for name in layout.SHEET_ORDER:
        assert book[name].protection.sheet, name
        assert not book[name].protection.password, name
    for name, spec in layout.DATA_LAYOUTS.items():
        if name == layout.CHECK_INS:
            continue
        ws = book[name]
        for i, col in enumerate(spec.columns, start=1):
            cell = ws.cell(2, i)
            assert cell.protection.locked is (col.role != "input"), (name, col.header)
    checkins = book[layout.CHECK_INS]
    for i in range(1, 6):
        assert checkins.cell(1, i).protection.locked
        assert not checkins.cell(2, i).protection.locked
        assert not checkins.cell(layout.CHECK_IN_ROWS + 1, i).protection.locked
    assert checkins.protection.insertRows is False  # False means "allowed" in OOXML


def test_check_ins_column_formats_unlock_appended_rows(book: Any) -> None:
    """Rows typed below the prepared ones take the column format: unlocked, dates as dates."""
    ws = book[layout.CHECK_INS]
    for i, col in enumerate(layout.CHECK_INS_LAYOUT.columns, start=1):
        dim = ws.column_dimensions[ws.cell(1, i).column_letter]
        assert dim.protection.locked is False, col.header
    assert ws.column_dimensions["A"].number_format == layout.DATE
    beyond = layout.col_letter(len(layout.CHECK_INS_LAYOUT.columns))
    assert ws.column_dimensions[beyond].protection.locked is True


def test_status_columns_have_colours(book: Any, sales_plan: Plan) -> None:
    sheets = {
        layout.GOALS: layout.GOALS_LAYOUT.letter("status"),
        layout.MILESTONES: layout.MILESTONES_LAYOUT.letter("status"),
        layout.ACTIONS: layout.ACTIONS_LAYOUT.letter("status"),
        layout.ANTI_GOALS: layout.ANTI_GOALS_LAYOUT.letter("status"),
        layout.OWNERS: "F",
        layout.DASHBOARD: "K",
    }
    for name, letter in sheets.items():
        rules_by_range = book[name].conditional_formatting
        covered = [str(r.sqref) for r in rules_by_range if str(r.sqref).startswith(letter)]
        assert covered, name
        words = {
            rule.formula[0].strip('"')
            for r in rules_by_range
            if str(r.sqref).startswith(letter)
            for rule in r.rules
        }
        assert (
            {"Done", "Off track"} <= words
            or {"Done", "Overdue"} <= words
            or {
                "OK",
                "Breached",
            }
            <= words
        ), name


def test_dashboard_has_a_chart_per_goal_fed_by_milestones(book: Any, sales_plan: Plan) -> None:
    charts = book[layout.DASHBOARD]._charts
    assert len(charts) == len(sales_plan.goals)
    refs = [s.val.numRef.f for s in charts[0].series]
    assert all(ref.startswith("Milestones!$") for ref in refs)


def test_dashboard_figures_are_formulas_on_goals(book: Any) -> None:
    ws = book[layout.DASHBOARD]
    assert ws["A5"].value == '=""&Goals!$A$2'
    assert ws["K5"].value == "=Goals!$P$2"


def test_frozen_headers_widths_and_print_setup(book: Any) -> None:
    for name, spec in layout.DATA_LAYOUTS.items():
        ws = book[name]
        assert ws.freeze_panes in ("B2", "A2"), name
        assert ws.page_setup.orientation == "landscape", name
        assert ws.print_title_rows == "$1:$1", name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        first = spec.columns[0]
        assert ws.column_dimensions["A"].width == pytest.approx(first.width, abs=1), name


def test_meta_sheet_records_identity_and_every_row(book: Any, sales_plan: Plan) -> None:
    ws = book[layout.META]
    meta = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, 9)}
    assert meta["plan_id"] == sales_plan.id
    assert meta["version"] == sales_plan.version
    assert meta["schema_version"] == layout.SCHEMA_VERSION
    assert meta["built_as_of"] == AS_OF.isoformat()
    rows = [tuple(ws.cell(r, c).value for c in range(4, 10)) for r in range(2, ws.max_row + 1)]
    rows = [r for r in rows if r[0]]
    expected_ids = (
        len(sales_plan.goals)
        + len(sales_plan.milestones)
        + len(sales_plan.actions)
        + len(sales_plan.owners)
        + len(sales_plan.anti_goals)
    )
    assert len(rows) == expected_ids
    assert all(len(r[3]) == 16 and len(r[4]) == 16 for r in rows)
    # The fingerprints can be recomputed from what the sheets hold.
    goals = book[layout.GOALS]
    spec = layout.GOALS_LAYOUT
    g1 = next(r for r in rows if r[:2] == (layout.GOALS, "G1"))
    plan_cols = [i for i, c in enumerate(spec.columns, 1) if c.role in ("id", "plan")]
    formula_cols = [i for i, c in enumerate(spec.columns, 1) if c.role == "formula"]
    values = [goals.cell(g1[2], i).value for i in plan_cols]
    assert values_fingerprint(values) == g1[3]
    formulas = [getattr(v, "text", v) for v in (goals.cell(g1[2], i).value for i in formula_cols)]
    assert formulas_fingerprint(formulas) == g1[4]
    assert g1[5] == ",".join(c.key for c in spec.columns if c.role == "formula")


def test_fingerprints_see_an_overwritten_formula_and_an_edit() -> None:
    assert formulas_fingerprint(["=A1+1"]) == formulas_fingerprint(["= $A$1 + 1"])
    assert formulas_fingerprint(["=A1+1"]) != formulas_fingerprint(["=A1+2"])
    assert values_fingerprint([1, "x", date(2027, 1, 1)]) == values_fingerprint(
        [1.0, "x", datetime(2027, 1, 1)]
    )
    assert values_fingerprint([1, "x"]) != values_fingerprint([2, "x"])
    assert normalize_formula('=sumifs($D:$D,"a b")') == 'SUMIFS(D:D,"a b")'
    assert normalize_formula("=SUM('Check-ins'!$D$1:$D$1048576)") == "SUM('CHECK-INS'!D:D)"


def test_every_formula_uses_only_portable_functions(book: Any) -> None:
    """Allow-listed functions only, and no construct an engine computes its own way."""
    seen: set[str] = set()
    count = arrays = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                array = type(cell.value).__name__ == "ArrayFormula"
                text = cell.value.text if array else cell.value
                if not (isinstance(text, str) and text.startswith("=")):
                    continue
                count += 1
                arrays += array
                assert "[" not in text and "_xl" not in text, cell.coordinate
                seen |= functions(text)
                where = f"{ws.title}!{cell.coordinate}"
                assert engine_dependent(text, array=array) == [], (where, text)
    assert count > 300 and arrays > 10
    assert seen - ALLOWED_FUNCTIONS == set()
    assert {"SUMIFS", "TODAY", "COUNTIFS", "INDEX", "MATCH"} <= seen
    assert "SUMPRODUCT" not in seen


def test_the_portability_check_can_fail() -> None:
    """Each construct docs/ENGINES.md records as engine-dependent is caught."""
    bad = {
        "=SUMPRODUCT(MAX((A2:A9=1)*B2:B9))": False,
        "=SUM(IF(ISNUMBER(A2:A9),A2:A9,0))": False,
        "=IF((A1=B1)>0,1,0)": False,
        "=MAX(IF(Sheet1!$A:$A=1,1,0))": True,
    }
    for formula, array in bad.items():
        assert engine_dependent(formula, array=array), formula
    good = {
        '=SUMIFS($D:$D,$B:$B,A2,$A:$A,"<="&MIN(AsOf,J2))': False,
        "=SUM(IF(ISNUMBER(A2:A9),A2:A9,0))": True,
        "=IF(((A1=B1)+(A1=C1))>0,1,0)": False,
    }
    for formula, array in good.items():
        assert engine_dependent(formula, array=array) == [], formula
    assert functions("=XLOOKUP(1,A1:A3,B1:B3)") - ALLOWED_FUNCTIONS == {"XLOOKUP"}


def test_same_spec_and_as_of_give_the_same_bytes(sales_plan: Plan, tmp_path: Path) -> None:
    a = build_workbook(sales_plan, tmp_path / "a.xlsx", AS_OF)
    b = build_workbook(sales_plan, tmp_path / "b.xlsx", AS_OF)
    assert a.read_bytes() == b.read_bytes()
    c = build_workbook(sales_plan, tmp_path / "c.xlsx", date(2027, 5, 16))
    assert c.read_bytes() != a.read_bytes()


def test_fresh_workbook_holds_no_check_ins(built: Path) -> None:
    assert holds_check_ins(built) is False


def test_overwriting_a_workbook_without_check_ins_is_fine(sales_plan: Plan, built: Path) -> None:
    result = build(sales_plan, built, AS_OF)
    assert result.replaced.existed and result.replaced.backup is None
    assert "without check-ins" in result.summary


def test_refuses_a_workbook_with_check_ins_then_force_keeps_a_backup(
    sales_plan: Plan, built: Path
) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(built)
    wb[layout.CHECK_INS]["A2"] = date(2027, 2, 1)
    wb[layout.CHECK_INS]["B2"] = "G1"
    wb[layout.CHECK_INS]["D2"] = 40000
    wb.save(built)
    before = built.read_bytes()
    assert holds_check_ins(built) is True
    with pytest.raises(WorkbookWriteError, match="holds check-ins"):
        build(sales_plan, built, AS_OF)
    assert built.read_bytes() == before
    result = build(sales_plan, built, AS_OF, force=True)
    assert result.replaced.backup is not None
    assert result.replaced.backup.read_bytes() == before
    assert holds_check_ins(built) is False


def test_refuses_a_file_it_cannot_read(sales_plan: Plan, tmp_path: Path) -> None:
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"not a workbook")
    with pytest.raises(WorkbookWriteError, match="cannot be read"):
        build(sales_plan, target, AS_OF)
    assert target.read_bytes() == b"not a workbook"


def test_refuses_the_spec_path_and_other_suffixes(
    sales_plan: Plan, sales_spec: Path, tmp_path: Path
) -> None:
    with pytest.raises(WorkbookWriteError, match="plan spec itself"):
        build(sales_plan, sales_spec, AS_OF, spec_path=sales_spec)
    with pytest.raises(WorkbookWriteError, match=r"\.xlsx"):
        build(sales_plan, tmp_path / "plan.xls", AS_OF)
    with pytest.raises(WorkbookWriteError, match="does not exist"):
        build(sales_plan, tmp_path / "missing" / "plan.xlsx", AS_OF)


def test_text_too_long_for_a_cell_names_the_cell(sales_plan: Plan, tmp_path: Path) -> None:
    from dataclasses import replace

    goal = replace(sales_plan.goals[0], why="x" * 40000)
    plan = replace(sales_plan, goals=(goal, *sales_plan.goals[1:]))
    with pytest.raises(WorkbookWriteError, match=r"Goals!Q2: .*32767"):
        build(plan, tmp_path / "plan.xlsx", AS_OF)
    assert not list(tmp_path.glob("*.xlsx"))


def test_text_that_looks_like_a_formula_stays_text(sales_plan: Plan, tmp_path: Path) -> None:
    from dataclasses import replace

    import openpyxl

    goal = replace(sales_plan.goals[0], why='=HYPERLINK("http://x","y")')
    plan = replace(sales_plan, goals=(goal, *sales_plan.goals[1:]))
    path = build_workbook(plan, tmp_path / "plan.xlsx", AS_OF)
    cell = openpyxl.load_workbook(path)[layout.GOALS]["Q2"]
    assert cell.data_type == "s"
