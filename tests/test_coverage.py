"""Pipeline coverage: open pipeline against 1 ÷ win rate, not a fixed 3x."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from backplan_xlsx.collect import collect
from backplan_xlsx.coverage import plan_coverage
from backplan_xlsx.engine import evaluate
from backplan_xlsx.model import CheckIn, Plan, Snapshot
from backplan_xlsx.reader import read_workbook
from tests.workbooks import build, edit, fill

AS_OF = date(2027, 4, 30)
TYPED = [
    (date(2027, 2, 1), "G1", "Ravi Patel", 200_000.0),
    (date(2027, 3, 1), "G2", "Mei Chen", 1_500_000.0),
    (date(2027, 4, 1), "G3", "Dana Whitfield", 0.20),
]


def _snap(plan: Plan, typed: list[tuple[date, str, str, float]]) -> Snapshot:
    return Snapshot(plan, check_ins=tuple(CheckIn(d, g, o, v) for d, g, o, v in typed))


def test_the_teams_win_rate_sets_the_multiple(sales_plan: Plan) -> None:
    [c] = plan_coverage(sales_plan, evaluate(_snap(sales_plan, TYPED), AS_OF))
    assert (c.goal, c.pipeline_goal, c.win_rate_from) == ("G1", "G2", "G3 reading")
    assert c.left_to_close == pytest.approx(2_200_000)
    assert c.required_coverage == pytest.approx(5.0)  # 1 / 0.20, not 3
    assert c.pipeline_needed == pytest.approx(11_000_000)
    assert c.open_pipeline == pytest.approx(1_300_000)  # created minus won
    assert c.coverage == pytest.approx(1.3 / 2.2)
    assert not c.covered


def test_without_a_reading_the_funnels_planned_win_rate_is_used(sales_plan: Plan) -> None:
    goals = tuple(g for g in sales_plan.goals if g.id != "G3")
    plan = replace(sales_plan, goals=goals, milestones=(), actions=(), anti_goals=())
    [c] = plan_coverage(plan, evaluate(_snap(plan, TYPED[:2]), AS_OF))
    assert (c.win_rate, c.win_rate_from, c.required_coverage) == (0.25, "G1 funnel", 4.0)
    assert c.pipeline_needed == pytest.approx(2_200_000 * 4)


def test_a_plan_without_a_pipeline_goal_has_no_coverage(sales_plan: Plan) -> None:
    plan = replace(
        sales_plan,
        goals=tuple(g for g in sales_plan.goals if g.id != "G2"),
        milestones=(),
        actions=(),
        anti_goals=(),
    )
    assert plan_coverage(plan, evaluate(_snap(plan, TYPED[:1]), AS_OF)) == []


def test_the_rollup_shows_coverage_for_a_returned_workbook(
    sales_plan: Plan, tmp_path: Path
) -> None:
    import openpyxl

    folder = tmp_path / "in"
    folder.mkdir()
    copy = build(sales_plan, folder / "team.xlsx", date(2027, 1, 5))
    edit(copy, lambda wb: fill(wb, TYPED, done={}, reviews={}))
    # Read back, the funnel is kept (``_backplan``'s goal settings): G1 is the funnel goal.
    assert read_workbook(copy).plan.goal("G1").funnel == sales_plan.goal("G1").funnel
    collect([folder], tmp_path / "rollup.xlsx", history=None, as_of=AS_OF)
    wb = openpyxl.load_workbook(tmp_path / "rollup.xlsx", read_only=True, data_only=True)
    rows = list(wb["Coverage"].iter_rows(values_only=True))
    wb.close()
    got = dict(zip(rows[0], rows[1], strict=True))
    assert (got["Goal"], got["Pipeline goal"], got["Covered"]) == ("G1", "G2", "no")
    assert got["Required coverage"] == pytest.approx(5.0)
    assert got["Pipeline needed"] == pytest.approx(11_000_000)
