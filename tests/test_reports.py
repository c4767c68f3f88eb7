"""Rendering a status report and a list of problems in every format."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from datetime import date

import pytest

from backplan_xlsx import rules
from backplan_xlsx.engine import StatusReport, evaluate
from backplan_xlsx.errors import Problem
from backplan_xlsx.model import CheckIn, Plan, Snapshot
from backplan_xlsx.reports import FORMATS, fail_reasons, render_problems, render_status
from backplan_xlsx.reports.data import FORMULA_TRIGGERS

AS_OF = date(2027, 3, 10)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
PROBLEMS = (
    Problem(
        "bad-date",
        "error",
        '"next tue" is not a date; type it as YYYY-MM-DD, e.g. 2027-03-31',
        file="plan.xlsx",
        sheet="Check-ins",
        cell="A17",
    ),
    Problem(
        "review-overdue",
        "warning",
        "X3 was last reviewed 60 days ago; review it and type today's date",
        file="plan.xlsx",
        sheet="Anti-goals",
        cell="L4",
    ),
)


def _check_ins() -> tuple[CheckIn, ...]:
    return (
        CheckIn(date(2027, 2, 1), "G1", "Ravi Patel", 40000, row=2),
        CheckIn(date(2027, 3, 1), "G1", "Mei Chen", 80000, row=3),
        CheckIn(date(2027, 3, 1), "G3", "Dana Whitfield", 0.24, row=4),
        CheckIn(date(2027, 3, 1), "X1", "Aisha Okafor", 0.35, row=5),
    )


@pytest.fixture
def report(sales_plan: Plan) -> StatusReport:
    snap = Snapshot(sales_plan, _check_ins(), done={"A1": "yes"}, file="plan.xlsx")
    return evaluate(snap, AS_OF)


def _renamed_goal(sales_plan: Plan, name: str) -> StatusReport:
    goals = (dataclasses.replace(sales_plan.goals[0], name=name), *sales_plan.goals[1:])
    plan = dataclasses.replace(sales_plan, goals=goals)
    return evaluate(Snapshot(plan, _check_ins(), file="plan.xlsx"), AS_OF)


# --- JSON ----------------------------------------------------------------------


def test_json_has_the_briefs_shape(report: StatusReport) -> None:
    data = json.loads(render_status(report, "json", problems=PROBLEMS))
    assert data["plan"] == {
        "id": "fy27-new-business",
        "title": "FY27 new business",
        "version": 1,
        "file": "plan.xlsx",
    }
    assert data["as_of"] == "2027-03-10"
    for kind, items in (
        ("goals", report.goals),
        ("milestones", report.milestones),
        ("actions", report.actions),
        ("owners", report.owners),
        ("anti_goals", report.anti_goals),
    ):
        assert [(i["id"], i["status"]) for i in data[kind]] == [(i.id, i.status) for i in items]
    g1 = data["goals"][0]
    assert g1["actual"] == 120000.0
    assert isinstance(g1["expected"], float)
    assert g1["deadline"] == "2027-12-31"
    assert {"actual", "expected", "target", "projected", "rate_needed"} <= set(g1)
    assert data["milestones"][0]["due"] == "2027-01-31"
    assert data["actions"][0]["done"] is True
    assert data["owners"][0]["parts"][0]["goal"] == "G1"
    assert data["anti_goals"][0]["status"] == rules.BREACHED
    assert data["anti_goals"][0]["latest"] == 0.35
    assert data["problems"][0] == {
        "code": "bad-date",
        "severity": "error",
        "file": "plan.xlsx",
        "sheet": "Check-ins",
        "cell": "A17",
        "message": PROBLEMS[0].message,
    }


def test_json_by_owner_lists_each_owners_items(report: StatusReport) -> None:
    data = json.loads(render_status(report, "json", by="owner"))
    assert data["by"] == "owner"
    ravi = next(g for g in data["groups"] if g["title"] == "Ravi Patel")
    assert ravi["owners"] == ["O2"]
    expected = [a.id for a in report.actions if a.owner == "Ravi Patel"]
    assert ravi["actions"] == expected
    assert "A1" not in ravi["actions"]  # Dana's


def test_json_by_goal_lists_each_goals_milestones(report: StatusReport) -> None:
    data = json.loads(render_status(report, "json", by="goal"))
    g2 = next(g for g in data["groups"] if g["id"] == "G2")
    assert g2["milestones"] == [m.id for m in report.milestones if m.goal == "G2"]
    assert all(a.goal == "G2" for a in report.actions if a.id in g2["actions"])


# --- CSV -----------------------------------------------------------------------


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_is_one_row_per_item(report: StatusReport) -> None:
    rows = _csv(render_status(report, "csv", problems=PROBLEMS))
    kinds = [r["kind"] for r in rows]
    parts = sum(len(o.parts) for o in report.owners)
    assert kinds.count("goal") == len(report.goals)
    assert kinds.count("milestone") == len(report.milestones)
    assert kinds.count("action") == len(report.actions)
    assert kinds.count("owner") == len(report.owners)
    assert kinds.count("owner_part") == parts
    assert kinds.count("anti_goal") == len(report.anti_goals)
    assert kinds.count("problem") == 2
    g1 = rows[0]
    # 120,000 by 10 March is ahead of the back-loaded plan path: On track.
    assert (g1["id"], g1["status"], float(g1["actual"])) == ("G1", "On track", 120000.0)
    problem = rows[-1]
    assert (problem["sheet"], problem["cell"], problem["code"]) == (
        "Anti-goals",
        "L4",
        "review-overdue",
    )


def test_csv_by_owner_fills_the_group_column(report: StatusReport) -> None:
    rows = _csv(render_status(report, "csv", by="owner"))
    a1 = next(r for r in rows if r["kind"] == "action" and r["id"] == "A1")
    assert a1["group"] == "O1"
    assert rows[0]["group"] == "O1"  # grouped rows come first, in owner order


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_csv_neutralises_text_a_spreadsheet_would_run(sales_plan: Plan, trigger: str) -> None:
    name = f'{trigger}HYPERLINK("http://evil","x")'
    rows = _csv(render_status(_renamed_goal(sales_plan, name), "csv"))
    assert rows[0]["name"] == "'" + name


def test_csv_covers_each_trigger_character() -> None:
    assert set(FORMULA_TRIGGERS) >= {"=", "+", "-", "@", "\t", "\r"}


def test_csv_leaves_negative_numbers_alone(sales_plan: Plan) -> None:
    ins = (CheckIn(date(2027, 2, 1), "G1", "Ravi Patel", -500.0, row=2),)
    report = evaluate(Snapshot(sales_plan, ins), AS_OF)
    rows = _csv(render_status(report, "csv"))
    assert rows[0]["actual"] == "-500.0"


def test_csv_neutralises_problem_messages() -> None:
    p = Problem("bad-number", "error", "=1+1 is not a number", sheet="Check-ins", cell="D3")
    rows = _csv(render_problems([p], "csv", file="plan.xlsx"))
    assert rows == [
        {
            "file": "plan.xlsx",
            "sheet": "Check-ins",
            "cell": "D3",
            "severity": "error",
            "code": "bad-number",
            "message": "'=1+1 is not a number",
        }
    ]


# --- HTML ----------------------------------------------------------------------

XSS = "<img src=x onerror=alert(1)>"


def test_html_escapes_everything_a_workbook_can_hold(sales_plan: Plan) -> None:
    page = render_status(_renamed_goal(sales_plan, XSS), "html", problems=PROBLEMS, by="goal")
    assert XSS not in page
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script" not in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")


def test_html_problem_text_is_escaped() -> None:
    p = Problem("bad-number", "error", "<b>bold</b> is not a number", sheet="<i>", cell="A1")
    page = render_problems([p], "html", file="<x>.xlsx")
    assert "<b>" not in page and "<i>" not in page and "<x>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_html_is_one_page_with_a_chart_and_the_long_view(report: StatusReport) -> None:
    page = render_status(report, "html", problems=PROBLEMS)
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 1
    assert "<link" not in page and "src=" not in page
    g1 = report.goals[0]
    assert "Target versus actual per goal" in page
    assert f"projected {g1.projected:,.0f} USD by 2027-12-31" in page
    assert f"needs {g1.rate_needed:,.0f} USD more per month" in page
    assert 'class="badge good">On track<' in page
    assert 'class="badge bad">Off track<' in page  # G2, with no pipeline yet
    assert "Check-ins!A17" in page


def test_html_status_words_in_user_text_do_not_become_markup(sales_plan: Plan) -> None:
    page = render_status(_renamed_goal(sales_plan, "\ue000<b>\ue001"), "html")
    assert "<b>" not in page


# --- table and Markdown ----------------------------------------------------------


def test_table_colours_only_for_a_terminal(report: StatusReport) -> None:
    plain = render_status(report, "table", problems=PROBLEMS)
    coloured = render_status(report, "table", problems=PROBLEMS, color=True)
    assert not ANSI.search(plain)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured).split() == plain.split()


def test_table_shows_each_goal_with_its_long_view(report: StatusReport) -> None:
    text = render_status(report, "table", problems=PROBLEMS)
    g1 = report.goals[0]
    # Ahead of its back-loaded path, G1 projects above the target at the pace so far.
    assert g1.status == "On track" and g1.projected > g1.target
    assert f"G1 New ARR: On track; projected {g1.projected:,.0f} USD by 2027-12-31" in text
    assert "needs 228,000 USD more per month (10 months left)" in text
    assert "G4 Sales cycle: Off track" in text and "days less per quarter" in text
    assert "G3 Win rate: On track" in text
    assert "24.0%" in text  # a % goal reads as a percentage
    assert 'Check-ins!A17: "next tue" is not a date' in text
    assert "Anti-goals!L4: warning: X3 was last reviewed" in text


def test_table_lists_actions_needing_attention_and_counts_the_rest(
    report: StatusReport,
) -> None:
    text = render_status(report, "table")
    overdue = [a for a in report.actions if a.status == rules.OVERDUE]
    assert overdue
    for a in overdue:
        assert re.search(rf"^{a.id}\s", text, re.M)
    done = sum(1 for a in report.actions if a.status == rules.DONE)
    assert f"Not shown: {done} done," in text


def test_table_columns_line_up_with_colour_and_wide_text() -> None:
    from backplan_xlsx.reports.text import columns

    text = columns(
        ("ID", "Name", "Status"),
        [("G1", "Tomás", "\x1b[32mOn track\x1b[0m"), ("G22", "営業", "x\ny")],
    )
    assert ANSI.sub("", text).splitlines() == [
        "ID   Name   Status",
        "---  -----  --------",
        "G1   Tomás  On track",
        "G22  営業   x",
        "            y",
    ]


def test_table_by_owner_has_a_section_per_owner(report: StatusReport) -> None:
    text = render_status(report, "table", by="owner")
    for o in report.owners:
        assert f"== {o.name}: {o.status} ==" in text


def test_markdown_escapes_pipes_and_html(sales_plan: Plan) -> None:
    text = render_status(_renamed_goal(sales_plan, "a|b <i>"), "markdown")
    assert "a\\|b &lt;i&gt;" in text
    assert "<i>" not in text
    assert "| G1   | a\\|b" in text


def test_markdown_by_goal_has_headings(report: StatusReport) -> None:
    text = render_status(report, "markdown", by="goal")
    assert "## G1 New ARR: On track" in text
    assert "## G2 Qualified pipeline: Off track" in text
    assert "### Milestones" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_every_grouping(report: StatusReport, fmt: str) -> None:
    for by in (None, "owner", "goal"):
        out = render_status(report, fmt, problems=PROBLEMS, by=by)  # type: ignore[arg-type]
        assert "G1" in out
        assert out.endswith("\n")


def test_unknown_format_is_refused(report: StatusReport) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        render_status(report, "pdf")  # type: ignore[arg-type]


# --- problems --------------------------------------------------------------------


def test_problems_table_is_one_line_each_with_a_count() -> None:
    text = render_problems(PROBLEMS, "table", file="plan.xlsx")
    assert text.splitlines() == [
        'Check-ins!A17: "next tue" is not a date; type it as YYYY-MM-DD, e.g. 2027-03-31',
        "Anti-goals!L4: warning: X3 was last reviewed 60 days ago; review it and type today's date",
        "1 error, 1 warning in plan.xlsx.",
    ]


def test_no_problems_says_so() -> None:
    assert render_problems([], "table", file="plan.xlsx") == "No problems found in plan.xlsx.\n"
    assert json.loads(render_problems([], "json", file="plan.xlsx"))["problems"] == []


def test_problems_json_counts_errors_and_warnings() -> None:
    data = json.loads(render_problems(PROBLEMS, "json", file="plan.xlsx"))
    assert (data["file"], data["errors"], data["warnings"]) == ("plan.xlsx", 1, 1)
    assert data["problems"][1]["cell"] == "L4"


def test_problems_markdown_is_a_table() -> None:
    text = render_problems(PROBLEMS, "markdown", file="plan.xlsx")
    assert "| Check-ins!A17 | error" in text


# --- --fail-on -------------------------------------------------------------------


def test_fail_on_off_track_names_the_items(report: StatusReport) -> None:
    reasons = fail_reasons(report, "off-track")
    assert "G2 Qualified pipeline: Off track" in reasons
    assert not any(r.startswith("G1 ") for r in reasons)  # on its plan path
    # M1 was Missed in January: history, not a reason to fail every later run.
    assert not any(r.startswith("M1 ") for r in reasons)
    assert "M13 Qualified pipeline by 2027-03-31: Off track" in reasons


def test_fail_on_passes_when_all_is_well(sales_plan: Plan) -> None:
    before = evaluate(Snapshot(sales_plan), date(2026, 12, 1))
    assert fail_reasons(before, "off-track") == []
    assert fail_reasons(before, "breach") == []


def test_fail_on_breach_names_the_anti_goal(report: StatusReport) -> None:
    assert fail_reasons(report, "breach") == [
        "X1 Hours spent on leads that do not fit our customer profile: Breached"
    ]
