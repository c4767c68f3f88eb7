"""``backplan import``: CRM exports in the vendors' real layouts into check-ins.

The fixtures in ``tests/data/crm`` are small exports as each CRM writes
them: HubSpot's deals export (UTF-8 with a BOM, ``$40,000.00``), a
Salesforce opportunity report from a German-locale user (Windows-1252,
``;``, ``20.01.2027``, ``1.040.000,50 €``, the report's footer lines) and
Pipedrive's deals export (``Deal - `` columns, lower-case statuses). Each
test imports into a freshly built sales plan in a tmp folder.
"""

from __future__ import annotations

import codecs
import functools
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from backplan_xlsx import layout
from backplan_xlsx.cli import main
from backplan_xlsx.crm import ExportTable, amounts, plan_import
from backplan_xlsx.merge import copy_of, merge_copies
from backplan_xlsx.model import CheckIn, Plan, Snapshot
from backplan_xlsx.reader import read_workbook
from tests import workbooks

DATA = Path(__file__).resolve().parent / "data" / "crm"
AS_OF = workbooks.AS_OF
#: What HubSpot's fixture adds: (date, owner, value, deal name, ref).
HUBSPOT_ADDED = [
    (date(2027, 1, 20), "Ravi Patel", 40000.0, "Northwind – platform", "HubSpot:18811400101"),
    (date(2027, 2, 14), "Mei Chen", 80000.0, "Fabrikam expansion", "HubSpot:18811400103"),
    (date(2027, 3, 3), "Tomás Herrera", 40000.0, "Tailspin Toys", "HubSpot:18811400104"),
    (date(2027, 5, 5), "Aisha Okafor", 120000.0, "Adventure Works", "HubSpot:18811400107"),
]


def run(*args: object) -> Any:
    result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture
def plan_xlsx(tmp_path: Path, sales_plan: Plan) -> Path:
    """A built sales plan with a typed As-of date, Done marks, a note, a review and feedback."""
    path = workbooks.build(sales_plan, tmp_path / "plan.xlsx")

    def type_inputs(wb: Any) -> None:
        workbooks.fill(wb, check_ins=[])
        wb[layout.START][_as_of_cell(wb)] = AS_OF
        actions = wb[layout.ACTIONS]
        notes = workbooks.header_col(actions, "Notes")
        actions.cell(workbooks.row_of(actions, "A2"), notes, "Called the buyer twice")
        anti = wb[layout.ANTI_GOALS]
        feedback = workbooks.header_col(anti, "Feedback")
        anti.cell(workbooks.row_of(anti, "X1"), feedback, "Too many cold leads in March")

    return workbooks.edit(path, type_inputs)


def _as_of_cell(wb: Any) -> str:
    dest = next(iter(wb.defined_names[layout.AS_OF].destinations))
    return str(dest[1]).replace("$", "")


def _deals(path: Path) -> list[tuple[date, str, float, str, str]]:
    return [(c.date, c.owner, c.value, c.comment, c.ref) for c in read_workbook(path).check_ins]


def _copy(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copy(DATA / name, tmp_path / name))


# --- the three vendors ---------------------------------------------------------------


def test_hubspot_export_adds_each_won_deal_on_its_owner(plan_xlsx: Path, tmp_path: Path) -> None:
    export = _copy("hubspot-deals.csv", tmp_path)
    result = run("import", plan_xlsx, export)
    assert result.exit_code == 0, result.output
    assert _deals(plan_xlsx) == HUBSPOT_ADDED
    assert all(c.goal == "G1" for c in read_workbook(plan_xlsx).check_ins)
    err = result.stderr
    assert "HubSpot deals export (UTF-8 with BOM, comma-separated)" in err
    assert "rows where Deal Stage is 'Closed Won'" in err  # the default filter is said
    assert "G1 (New ARR), the first goal measured as a sum" in err
    assert "hubspot-deals.csv line 7: 'Jordan Blake' is not an owner of this plan" in err
    assert "hubspot-deals.csv line 9: no date (Close Date)" in err
    assert "line 10: closed 2026-12-18, before the plan starts (2027-01-01)" in err
    assert "2 rows left out by the filter" in err
    assert "Added 4 check-ins (280,000.00)" in result.stdout
    backups = list(tmp_path.glob("plan.*.bak.xlsx"))
    assert len(backups) == 1 and read_workbook(backups[0]).check_ins == ()


def test_salesforce_german_report_cp1252_semicolons_and_footer(
    plan_xlsx: Path, tmp_path: Path
) -> None:
    export = _copy("salesforce-opportunities.csv", tmp_path)
    result = run("import", plan_xlsx, export)
    assert result.exit_code == 0, result.output
    assert "Salesforce opportunity report (Windows-1252, semicolon-separated)" in result.stderr
    assert "Stage is 'Closed Won'" in result.stderr
    assert "Not imported" not in result.stderr  # the totals and copyright lines are no deals
    assert _deals(plan_xlsx) == [
        (date(2027, 1, 20), "Ravi Patel", 40000.0, "Northwind – platform", _sf("AbCdEAAV")),
        (date(2027, 2, 14), "Mei Chen", 80000.0, "Fabrikam expansion", _sf("AbCdGAAV")),
        (date(2027, 3, 3), "Tomás Herrera", 1040000.5, "Tailspin Toys", _sf("AbCdHAAV")),
        # "R. Patel" is nobody's name, but the owner's e-mail is Ravi's.
        (date(2027, 4, 12), "Ravi Patel", 12500.0, "Blue Yonder upsell", _sf("AbCdIAAV")),
    ]


def _sf(tail: str) -> str:
    return f"Salesforce:0065g00000{tail}"


def test_pipedrive_deals_export(plan_xlsx: Path, tmp_path: Path) -> None:
    result = run("import", plan_xlsx, _copy("pipedrive-deals.csv", tmp_path))
    assert result.exit_code == 0, result.output
    assert "Deal - Status is 'Won'" in result.stderr
    assert [(d, o, v, r) for d, o, v, _n, r in _deals(plan_xlsx)] == [
        (date(2027, 1, 20), "Ravi Patel", 40000.0, "Pipedrive:101"),
        (date(2027, 2, 14), "Mei Chen", 80000.0, "Pipedrive:103"),
        (date(2027, 3, 3), "Tomás Herrera", 40000.0, "Pipedrive:104"),
    ]


def test_salesforce_formatted_xlsx_report_with_a_title_block(
    plan_xlsx: Path, tmp_path: Path
) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Won opportunities this quarter"])
    ws.append(["Report generated 2027-05-01"])
    ws.append([])
    ws.append(["Opportunity Owner", "Opportunity Name", "Stage", "Amount", "Close Date"])
    ws.append(["Mei Chen", "Fabrikam expansion", "Closed Won", 80000, date(2027, 2, 14)])
    ws.append(["Ravi Patel", "Contoso renewal", "Closed Lost", 25000, date(2027, 2, 2)])
    ws.append(["Total", None, None, 105000, None])
    export = tmp_path / "report.xlsx"
    wb.save(export)
    result = run("import", plan_xlsx, export)
    assert result.exit_code == 0, result.output
    assert "No deal id column: deals are told apart by 'Opportunity Name'" in result.stderr
    assert _deals(plan_xlsx) == [
        (date(2027, 2, 14), "Mei Chen", 80000.0, "Fabrikam expansion", _sf_name()),
    ]
    again = run("import", plan_xlsx, export)
    assert "Nothing new to add" in again.stdout


def _sf_name() -> str:
    return "Salesforce:Fabrikam expansion|2027-02-14"


def test_tab_separated_utf16_export_reads_like_the_csv(plan_xlsx: Path, tmp_path: Path) -> None:
    """Excel's "Unicode text": UTF-16 with a BOM, tab-separated."""
    text = (DATA / "hubspot-deals.csv").read_bytes()[3:].decode("utf-8")
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    tsv = "\r\n".join("\t".join(r) for r in rows) + "\r\n"
    export = tmp_path / "deals.txt"
    export.write_bytes(codecs.BOM_UTF16_LE + tsv.encode("utf-16-le"))
    result = run("import", plan_xlsx, export)
    assert result.exit_code == 0, result.output
    assert "(UTF-16, tab-separated)" in result.stderr
    assert _deals(plan_xlsx) == HUBSPOT_ADDED


# --- each deal once ---------------------------------------------------------------


def test_importing_the_same_export_again_adds_nothing(plan_xlsx: Path, tmp_path: Path) -> None:
    export = _copy("hubspot-deals.csv", tmp_path)
    assert run("import", plan_xlsx, export).exit_code == 0
    before = plan_xlsx.read_bytes()
    again = run("import", plan_xlsx, export)
    assert again.exit_code == 0
    assert "4 deals imported before: not added again" in again.stderr
    assert "Nothing new to add" in again.stdout
    assert plan_xlsx.read_bytes() == before
    assert len(list(tmp_path.glob("plan.*.bak.xlsx"))) == 1


def test_an_overlapping_export_adds_only_the_new_deals(plan_xlsx: Path, tmp_path: Path) -> None:
    assert run("import", plan_xlsx, _copy("hubspot-deals.csv", tmp_path)).exit_code == 0
    later = tmp_path / "hubspot-may.csv"
    later.write_text(
        "Record ID,Deal Name,Deal Stage,Close Date,Deal owner,Amount\n"
        '18811400103,Fabrikam expansion,Closed Won,2027-02-14 12:05,Mei Chen,"$80,000.00"\n'
        '18811400104,Tailspin Toys,Closed Won,2027-03-03 09:45,Tomás Herrera,"$45,000.00"\n'
        '18811400110,Margie\'s Travel,Closed Won,2027-05-08 10:00,Dana Whitfield,"$30,000.00"\n',
        encoding="utf-8",
    )
    result = run("import", plan_xlsx, later)
    assert result.exit_code == 0, result.output
    assert "1 deal imported before" in result.stderr
    assert (
        "hubspot-may.csv line 3: deal HubSpot:18811400104 (Tailspin Toys) is 45,000.00 now, "
        "40,000.00 in Check-ins row 4; not added again"
    ) in result.stderr
    deals = _deals(plan_xlsx)
    assert deals[:4] == HUBSPOT_ADDED  # the changed deal is not doubled nor changed
    assert deals[4:] == [
        (date(2027, 5, 8), "Dana Whitfield", 30000.0, "Margie's Travel", "HubSpot:18811400110")
    ]


def test_a_deal_typed_by_hand_before_is_linked_not_doubled(plan_xlsx: Path, tmp_path: Path) -> None:
    workbooks.edit(
        plan_xlsx,
        lambda wb: workbooks.fill(wb, check_ins=[(date(2027, 2, 14), "g1", " mei chen", 80000)]),
    )
    result = run("import", plan_xlsx, _copy("hubspot-deals.csv", tmp_path))
    assert result.exit_code == 0, result.output
    assert (
        "hubspot-deals.csv line 4: deal HubSpot:18811400103 is Check-ins row 2 (same day, owner "
        "and amount); its Ref is filled in, nothing added"
    ) in result.stderr
    assert "Added 3 check-ins (200,000.00) and filled in 1 Ref" in result.stdout
    check_ins = read_workbook(plan_xlsx).check_ins
    assert [(c.row, c.owner, c.ref) for c in check_ins][:2] == [
        (2, "mei chen", "HubSpot:18811400103"),  # as typed, now with its Ref
        (3, "Ravi Patel", "HubSpot:18811400101"),
    ]
    assert "Nothing new to add" in run("import", plan_xlsx, tmp_path / "hubspot-deals.csv").stdout


def test_dry_run_shows_the_rows_and_writes_nothing(plan_xlsx: Path, tmp_path: Path) -> None:
    before = plan_xlsx.read_bytes()
    result = run("import", plan_xlsx, _copy("hubspot-deals.csv", tmp_path), "--dry-run")
    assert result.exit_code == 0
    assert "+ 2027-05-05  G1  Aisha Okafor  120,000.00  Adventure Works" in result.stdout
    assert "would add 4 check-ins; nothing was written" in result.stdout
    assert plan_xlsx.read_bytes() == before
    assert not list(tmp_path.glob("*.bak.xlsx"))


# --- --map and --where -----------------------------------------------------------------


def test_map_and_where_on_any_table(plan_xlsx: Path, tmp_path: Path) -> None:
    export = tmp_path / "bookings.csv"
    export.write_text(
        "Deal #;Won on;Rep;Type;ARR\n"
        "A-1;25/03/2027;ravi@example.com;New;12.000,00\n"
        "A-2;03/04/2027;Mei Chen;Renewal;9.000,00\n"
        "A-3;04/04/2027;Mei Chen;New;7.500,50\n",
        encoding="utf-8",
    )
    result = run(
        "import",
        plan_xlsx,
        export,
        "--map",
        "date=Won on,owner=Rep,value=ARR,ref=Deal #,goal=g2",
        "--where",
        "Type=new",
    )
    assert result.exit_code == 0, result.output
    assert [
        (c.date, c.goal, c.owner, c.value, c.ref) for c in read_workbook(plan_xlsx).check_ins
    ] == [
        (date(2027, 3, 25), "G2", "Ravi Patel", 12000.0, "A-1"),
        (date(2027, 4, 4), "G2", "Mei Chen", 7500.5, "A-3"),
    ]


def test_deal_names_are_inert_in_the_terminal_and_the_workbook(
    plan_xlsx: Path, tmp_path: Path
) -> None:
    export = tmp_path / "deals.csv"
    export.write_text(
        "Record ID,Deal Name,Deal Stage,Close Date,Deal owner,Amount\n"
        '1,"=HYPERLINK(""http://x.test"",""win"")",Closed Won,2027-02-01,Mei Chen,100\n'
        '2,"\x1b[31mred\u202e",Closed Won,2027-02-02,Mei Chen,100\n',
        encoding="utf-8",
    )
    result = run("import", plan_xlsx, export)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output
    import openpyxl

    ws = openpyxl.load_workbook(plan_xlsx)[layout.CHECK_INS]
    assert ws.cell(2, 5).value == '=HYPERLINK("http://x.test","win")'
    assert ws.cell(2, 5).data_type == "s"  # text, never a formula


def test_the_goal_may_come_from_a_column(plan_xlsx: Path, tmp_path: Path) -> None:
    export = tmp_path / "readings.csv"
    export.write_text(
        "Date,Owner,Value,Goal,Ref\n"
        "2027-02-01,Mei Chen,1000,g2,r1\n"
        "2027-02-02,Mei Chen,2000,G1,r2\n"
        "2027-02-03,Mei Chen,3000,G9,r3\n",
        encoding="utf-8",
    )
    result = run("import", plan_xlsx, export, "--map", "goal=Goal")
    assert result.exit_code == 0, result.output
    assert [(c.goal, c.value) for c in read_workbook(plan_xlsx).check_ins] == [
        ("G2", 1000.0),
        ("G1", 2000.0),
    ]
    assert "readings.csv line 4: 'G9' is not a goal or anti-goal of this plan" in result.stderr


def test_a_recognised_export_filtered_otherwise(plan_xlsx: Path, tmp_path: Path) -> None:
    export = _copy("hubspot-deals.csv", tmp_path)
    result = run("import", plan_xlsx, export, "--where", "Deal Stage!=Closed Won|Closed Lost")
    assert result.exit_code == 0, result.output
    assert [d[3] for d in _deals(plan_xlsx)] == ["Wide World Importers"]  # the open deal
    assert "Only won deals count" not in result.stderr


def test_a_where_on_another_column_keeps_the_won_stage(plan_xlsx: Path, tmp_path: Path) -> None:
    """--where "Deal Type=newbusiness" narrows the won deals; an open deal never counts as won."""
    export = _copy("hubspot-deals.csv", tmp_path)
    result = run("import", plan_xlsx, export, "--where", "Deal Type=newbusiness")
    assert result.exit_code == 0, result.output
    names = [d[3] for d in _deals(plan_xlsx)]
    assert "Wide World Importers" not in names  # Contract Sent: newbusiness, but not won
    assert "Northwind – platform" in names and "Contoso renewal" not in names
    assert "Only won deals count: rows where Deal Stage" in result.stderr
    assert "and the --where filters" in result.stderr


def test_ambiguous_dates_follow_day_first(plan_xlsx: Path, tmp_path: Path) -> None:
    export = tmp_path / "deals.csv"
    export.write_text("Date,Owner,Amount,Ref\n03/04/2027,Mei Chen,100,r1\n", encoding="utf-8")
    said = run("import", plan_xlsx, export, "--dry-run")
    assert "read as month/day/year; use --day-first" in said.stderr
    assert run("import", plan_xlsx, export, "--day-first").exit_code == 0
    assert _deals(plan_xlsx)[0][0] == date(2027, 4, 3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--map", "value=Amout"), "no column 'Amout' (did you mean 'Amount'?)"),
        (("--map", "goal=G3"), "G3 (Win rate) is measured by its latest reading"),
        (("--map", "colour=red"), "FIELD one of date, owner, value"),
        (("--where", "Stage"), "write COLUMN=VALUE"),
    ],
)
def test_bad_options_are_messages_and_write_nothing(
    plan_xlsx: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    before = plan_xlsx.read_bytes()
    result = run("import", plan_xlsx, _copy("hubspot-deals.csv", tmp_path), *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert plan_xlsx.read_bytes() == before


def test_an_export_without_the_needed_columns_names_them(plan_xlsx: Path, tmp_path: Path) -> None:
    export = tmp_path / "contacts.csv"
    export.write_text("First Name,Last Name,Phone\nAda,Lovelace,555-0100\n")
    result = run("import", plan_xlsx, export)
    assert result.exit_code == 2
    assert "contacts.csv: no header row with the deals' column names" in result.stderr
    mapped = run("import", plan_xlsx, export, "--map", "date=First Name,value=Phone")
    assert mapped.exit_code == 2
    assert "no column for the deal's owner" in mapped.stderr


def test_an_old_xls_and_a_binary_file_are_refused(plan_xlsx: Path, tmp_path: Path) -> None:
    xls = tmp_path / "deals.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    assert "old Excel 97-2003 file" in run("import", plan_xlsx, xls).stderr
    blob = tmp_path / "deals.csv"
    blob.write_bytes(b"\x81\x8d\x8f\x90\x9d" * 10)
    result = run("import", plan_xlsx, blob)
    assert result.exit_code == 2
    assert "neither UTF-8 nor Windows-1252" in result.stderr


# --- nothing else touched; status and LibreOffice agree ------------------------------


def _typed_by_hand(sales_plan: Plan, path: Path) -> Path:
    """The same plan and inputs, with the HubSpot deals typed as rows by a person."""
    rows = [(d, "G1", owner, value) for d, owner, value, _name, _ref in HUBSPOT_ADDED]
    built = workbooks.build(sales_plan, path)

    def type_in(wb: Any) -> None:
        workbooks.fill(wb, check_ins=rows)
        wb[layout.START][_as_of_cell(wb)] = AS_OF

    return workbooks.edit(built, type_in)


def test_status_after_import_equals_the_same_rows_typed_by_hand(
    plan_xlsx: Path, tmp_path: Path, sales_plan: Plan
) -> None:
    before = read_workbook(plan_xlsx)
    assert run("import", plan_xlsx, _copy("hubspot-deals.csv", tmp_path)).exit_code == 0
    after = read_workbook(plan_xlsx)
    # Every other input came through: Done marks, Notes, Feedback, Last reviewed, As-of.
    assert (after.done, after.notes, after.feedback, after.reviews, after.as_of) == (
        before.done,
        before.notes,
        before.feedback,
        before.reviews,
        before.as_of,
    )
    assert after.feedback == {"X1": "Too many cold leads in March"} and after.as_of == AS_OF
    assert after.notes == {"A2": "Called the buyer twice"}
    (tmp_path / "by-hand").mkdir()
    by_hand = _typed_by_hand(sales_plan, tmp_path / "by-hand" / "plan.xlsx")
    imported = json.loads(run("status", plan_xlsx, "--format", "json").stdout)
    typed = json.loads(run("status", by_hand, "--format", "json").stdout)
    for key in ("goals", "milestones", "actions", "owners", "anti_goals"):
        assert imported[key] == typed[key], key
    assert imported["goals"][0]["actual"] == 280000.0


@pytest.mark.soffice
def test_libreoffice_recalculates_the_imported_workbook_to_the_same_statuses(
    plan_xlsx: Path, tmp_path: Path, soffice: str
) -> None:
    from backplan_xlsx.engine import evaluate
    from tests.soffice import recalculate
    from tests.test_recalc import disagreements

    assert run("import", plan_xlsx, _copy("hubspot-deals.csv", tmp_path)).exit_code == 0
    (recalculated,) = recalculate([plan_xlsx], tmp_path / "lo", binary=soffice)
    report = evaluate(read_workbook(plan_xlsx), AS_OF)
    assert report.goals[0].actual == 280000.0  # the imported rows count
    assert disagreements(recalculated, report) == []
    assert _deals(recalculated) == HUBSPOT_ADDED  # Ref survives a LibreOffice re-save


def test_gnumeric_recalculates_the_imported_workbook_to_the_same_statuses(
    plan_xlsx: Path, tmp_path: Path, gnumeric: str
) -> None:
    from backplan_xlsx.engine import evaluate
    from tests.gnumeric import recalculate_gnumeric
    from tests.test_recalc import disagreements

    assert run("import", plan_xlsx, _copy("hubspot-deals.csv", tmp_path)).exit_code == 0
    (recalculated,) = recalculate_gnumeric([plan_xlsx], tmp_path / "gnumeric", binary=gnumeric)
    report = evaluate(read_workbook(plan_xlsx), AS_OF)
    assert disagreements(recalculated, report) == []


# --- a split part ------------------------------------------------------------------


def test_a_part_imports_only_its_owners_rows(plan_xlsx: Path, tmp_path: Path) -> None:
    assert run("split", plan_xlsx, "-o", tmp_path / "parts").exit_code == 0
    parts = sorted((tmp_path / "parts").glob("*.xlsx"))
    part = next(p for p in parts if read_workbook(p).plan.part == "Mei Chen")
    result = run("import", part, _copy("hubspot-deals.csv", tmp_path))
    assert result.exit_code == 0, result.output
    assert [(d, o, v) for d, o, v, _n, _r in _deals(part)] == [
        (date(2027, 2, 14), "Mei Chen", 80000.0)
    ]
    assert (
        "6 rows of other people, not imported into Mei Chen's part: AISHA OKAFOR (1), "
        "Dana Whitfield (1), Jordan Blake (1), Ravi Patel (2), Tomas Herrera (1)"
    ) in result.stderr
    merged = run("merge", plan_xlsx, part, "-o", tmp_path / "merged.xlsx")
    assert merged.exit_code == 0, merged.output
    assert [c.ref for c in read_workbook(tmp_path / "merged.xlsx").check_ins] == [
        "HubSpot:18811400103"
    ]


# --- the Ref column in the contract ---------------------------------------------------


def test_ref_is_a_declared_input_column_and_merge_keeps_two_deals_apart(
    tmp_path: Path, sales_plan: Plan
) -> None:
    ref = layout.CHECK_INS_LAYOUT.columns[layout.CHECK_INS_LAYOUT.index("ref")]
    assert (ref.header, ref.role) == ("Ref", "input")
    twins = (
        CheckIn(date(2027, 2, 1), "G1", "Mei Chen", 40000.0, "Renewal", ref="HubSpot:1"),
        CheckIn(date(2027, 2, 1), "G1", "Mei Chen", 40000.0, "Renewal", ref="HubSpot:2"),
    )
    a = tmp_path / "a.xlsx"
    from backplan_xlsx.writer import build

    build(sales_plan, a, AS_OF, snapshot=Snapshot(sales_plan, twins))
    read = read_workbook(a)
    assert [c.ref for c in read.check_ins] == ["HubSpot:1", "HubSpot:2"]
    merged, _conflicts = merge_copies([copy_of(a, read), copy_of(a, read)])
    assert [c.ref for c in merged.check_ins] == ["HubSpot:1", "HubSpot:2"]


# --- amounts and dates, as rules --------------------------------------------------------

CURRENCIES = ("", "$", "€ ", "USD ", "", " EUR", " €", " kr")


@settings(deadline=None)  # a loaded machine must not fail a rule test on time
@given(
    cents=st.integers(0, 10**13),
    european=st.booleans(),
    symbol=st.sampled_from(CURRENCIES),
    grouped=st.booleans(),
)
def test_an_amount_reads_back_in_either_convention(
    cents: int, european: bool, symbol: str, grouped: bool
) -> None:
    text = f"{cents / 100:,.2f}" if grouped else f"{cents / 100:.2f}"
    if european:
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    shown = f"{symbol}{text}" if not symbol.startswith(" ") else f"{text}{symbol}"
    mark = amounts.decimal_mark([shown], "," if european else ".")
    assert amounts.parse_amount(shown, mark) == pytest.approx(cents / 100, abs=1e-6)


@settings(deadline=None)
@given(
    days=st.lists(st.dates(date(2020, 1, 1), date(2035, 12, 31)), min_size=1, max_size=20),
    day_first=st.booleans(),
)
def test_a_date_column_reads_in_its_own_order(days: list[date], day_first: bool) -> None:
    fmt = "%d/%m/%Y" if day_first else "%m/%d/%Y"
    column = [d.strftime(fmt) for d in days]
    order, told = amounts.date_order(column, "mdy")
    if told:
        assert order == ("dmy" if day_first else "mdy")
    if told or not day_first:
        assert [amounts.parse_date(v, order) for v in column] == days


def test_a_wrong_grouping_is_not_read_as_an_amount() -> None:
    assert amounts.parse_amount("12.5", ",") is None  # not 125
    assert amounts.parse_amount("1,2345", ".") is None
    assert amounts.parse_amount("40 - 50", ".") is None
    assert amounts.parse_amount("(1,200.00)", ".") == -1200.0
    assert amounts.parse_amount(float("nan"), ".") is None  # an xlsx error or NaN cell
    assert amounts.parse_amount("9" * 20, ".") is None  # beyond what a Value cell accepts


# --- each deal once, as a rule ---------------------------------------------------------

SALES = Path(__file__).resolve().parent.parent / "templates" / "sales.yaml"
OWNERS = ("Dana Whitfield", "Ravi Patel", "Mei Chen", "Tomás Herrera", "Aisha Okafor")
deals_st = st.lists(
    st.tuples(
        st.integers(1, 60),  # deal id
        st.dates(date(2027, 1, 1), date(2027, 12, 31)),
        st.sampled_from(OWNERS),
        st.integers(1, 10**7),  # cents
    ),
    max_size=25,
    unique_by=lambda d: d[0],
)


def _hubspot(rows: list[tuple[int, date, str, int]]) -> ExportTable:
    headers = ("Record ID", "Deal Name", "Deal Stage", "Close Date", "Deal owner", "Amount")
    lines = tuple(
        (i + 2, (str(n), f"Deal {n}", "Closed Won", f"{d} 10:00", o, f"${c / 100:,.2f}"))
        for i, (n, d, o, c) in enumerate(rows)
    )
    return ExportTable("deals.csv", headers, lines, "UTF-8, comma-separated", ",")


@functools.cache
def _sales_plan() -> Plan:
    from backplan_xlsx.spec import load_spec

    return load_spec(SALES)


@settings(deadline=None)  # no timed assertions: the first example loads the spec
@given(first=deals_st, later=deals_st)
def test_reimports_add_each_deal_once(
    first: list[tuple[int, date, str, int]], later: list[tuple[int, date, str, int]]
) -> None:
    snap = Snapshot(_sales_plan())
    once = plan_import(snap, _hubspot(first))
    assert [c.ref for c in once.added] == [f"HubSpot:{n}" for n, *_ in first]
    again = plan_import(once.snapshot, _hubspot(first))
    assert again.added == () and again.already == len(first)
    known = {n: c for n, *_, c in first}
    overlap = plan_import(once.snapshot, _hubspot(later))
    assert [c.ref for c in overlap.added] == [f"HubSpot:{n}" for n, *_ in later if n not in known]
    assert {d.ref for d in overlap.changed} == {
        f"HubSpot:{n}" for n, *_, c in later if n in known and known[n] != c
    }
