"""Names, ids and months typed on the command line mean what the workbook means."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from backplan_xlsx.cli import main
from backplan_xlsx.engine import evaluate
from backplan_xlsx.history import HistoryStore
from backplan_xlsx.lookups import month_arg
from backplan_xlsx.model import CheckIn, Plan, Snapshot
from tests.workbooks import build


def _invoke(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


def _one_error_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    errors = [x for x in lines if x.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.fixture
def workbook(sales_plan: Plan, tmp_path: Path) -> Path:
    return build(sales_plan, tmp_path / "plan.xlsx")


@pytest.mark.parametrize(
    "typed", ["Tomas Herrera", "tomás herrera", "  TOMÁS   HERRERA ", "Toma\u0301s Herrera"]
)
def test_brief_owner_finds_the_owner_as_the_workbook_matches_names(
    workbook: Path, typed: str
) -> None:
    result = _invoke("brief", str(workbook), "--owner", typed, "--as-of", "2027-05-10")
    assert result.exit_code == 0, result.output
    assert "# FY27 new business: Tomás Herrera's part" in result.stdout
    assert result.stdout.count("'s part\n") == 1


def test_brief_owner_that_matches_no_one_lists_the_owners(workbook: Path) -> None:
    line = _one_error_line(_invoke("brief", str(workbook), "--owner", "Tom Herrera"))
    assert "--owner 'Tom Herrera': no such owner in this plan" in line
    assert "Tomás Herrera" in line and "Dana Whitfield" in line


def test_an_accentless_name_that_fits_two_owners_is_not_guessed(tmp_path: Path) -> None:
    spec = tmp_path / "plan.yaml"
    spec.write_text(
        "plan: Two\nstart: 2027-01-01\ngoals:\n  - name: ARR\n    target: 1000\n"
        "    deadline: 2027-06-30\nowners:\n  - name: José Núñez\n    shares: {G1: 0.5}\n"
        "  - name: Jose Nuñez\n    shares: {G1: 0.5}\n",
        encoding="utf-8",
    )
    out = tmp_path / "plan.xlsx"
    assert _invoke("build", str(spec), "-o", str(out)).exit_code == 0
    line = _one_error_line(_invoke("brief", str(out), "--owner", "jose nunez"))
    assert "matches 2 owners" in line and "type the name with its accents" in line
    exact = _invoke("brief", str(out), "--owner", "Jose Nuñez")
    assert exact.exit_code == 0
    assert "Jose Nuñez's part" in exact.stdout and "José" not in exact.stdout.split("\n")[0]


def test_status_by_owner_groups_actions_whatever_the_name_spelling(
    sales_plan: Plan, tmp_path: Path
) -> None:
    from dataclasses import replace

    from backplan_xlsx.reports.common import groups

    action = sales_plan.actions[0]
    owner = next(o for o in sales_plan.owners if o.name == action.owner)
    respelled = replace(action, owner="  " + owner.name.upper().replace("'", "\u2019") + " ")
    plan = replace(sales_plan, actions=(respelled, *sales_plan.actions[1:]))
    report = evaluate(Snapshot(plan), date(2027, 5, 10))
    group = next(g for g in groups(report, "owner") if g.key == owner.id)
    assert action.id in {a.id for a in group.actions}


@pytest.mark.parametrize(("typed", "month"), [("2027-5", "2027-05"), ("2027-05", "2027-05")])
def test_months_are_accepted_with_or_without_the_leading_zero(typed: str, month: str) -> None:
    assert month_arg(typed) == month


@pytest.fixture
def store(sales_plan: Plan, tmp_path: Path) -> str:
    path = tmp_path / "history.sqlite"
    s = HistoryStore(str(path))
    for month, as_of in (("2027-04", date(2027, 4, 30)), ("2027-05", date(2027, 5, 31))):
        snap = Snapshot(
            sales_plan, check_ins=(CheckIn(date(2027, 1, 20), "G1", "Ravi Patel", 1000.0),)
        )
        s.record(month, [evaluate(snap, as_of)])
    s.close()
    return str(path)


def test_history_since_without_a_leading_zero_shows_the_months(store: str) -> None:
    result = _invoke("history", "--history", store, "--since", "2027-5", "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"2027-05"' in result.stdout and '"2027-04"' not in result.stdout


@pytest.mark.parametrize("bad", ["2027-13", "May", "2027-05-01", "27-5"])
def test_history_since_that_is_not_a_month_is_a_usage_error(store: str, bad: str) -> None:
    line = _one_error_line(_invoke("history", "--history", store, "--since", bad))
    assert f"--since {bad!r}: not a month; write YYYY-MM" in line


def test_history_since_after_the_last_month_says_what_the_store_holds(store: str) -> None:
    line = _one_error_line(_invoke("history", "--history", store, "--since", "2027-6"))
    assert "no history since 2027-06; it holds 2027-04 to 2027-05" in line


def test_history_for_an_unknown_plan_lists_the_plans(store: str, sales_plan: Plan) -> None:
    line = _one_error_line(_invoke("history", "--history", store, "--plan", "nope"))
    assert f"{store}: no plan 'nope' in the history; it holds {sales_plan.id}" in line


def test_history_plan_ids_match_ignoring_case(store: str, sales_plan: Plan) -> None:
    result = _invoke("history", "--history", store, "--plan", sales_plan.id.upper())
    assert result.exit_code == 0, result.output
    assert "G1" in result.stdout


def test_history_for_an_unknown_goal_lists_the_goals(store: str, sales_plan: Plan) -> None:
    line = _one_error_line(_invoke("history", "--history", store, "--goal", "G9"))
    assert "no goal 'G9' in the history; it holds G1, G2, G3" in line


def test_an_empty_store_still_says_to_collect_first(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    HistoryStore(str(path)).close()
    result = _invoke("history", "--history", str(path), "--plan", "nope")
    assert result.exit_code == 0
    assert "run `backplan collect` first" in result.stdout


def test_history_changes_take_the_same_month_and_plan_rules(store: str) -> None:
    result = _invoke("history", "--history", store, "--changes", "--month", "2027-5")
    assert result.exit_code == 0, result.output
    line = _one_error_line(_invoke("history", "--history", store, "--changes", "--plan", "nope"))
    assert "no plan 'nope' in the history" in line
    line = _one_error_line(_invoke("history", "--history", store, "--changes", "--month", "5/27"))
    assert "--month '5/27': not a month" in line
    # A month never filed is named with the months there are, not shown as "no history yet".
    line = _one_error_line(
        _invoke("history", "--history", store, "--changes", "--month", "2031-01")
    )
    assert "nothing was filed for 2031-01; it holds 2027-" in line
