"""Re-planning from actuals: properties over generated plans, dates and actuals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from backplan_xlsx import rules
from backplan_xlsx.model import CheckIn, Plan
from backplan_xlsx.replan import ReplanError, replan
from tests.strategies import plans


@st.composite
def situations(draw: st.DrawFn) -> tuple[Plan, list[CheckIn], date, dict[str, str]]:
    plan = draw(plans(max_goals=2, max_owners=3))
    last = max(g.deadline for g in plan.goals)
    as_of = plan.start + timedelta(days=draw(st.integers(0, (last - plan.start).days - 1)))
    check_ins: list[CheckIn] = []
    for g in plan.goals:
        span = g.target - g.baseline  # negative for a goal that moves down
        for _ in range(draw(st.integers(0, 4))):
            day = plan.start + timedelta(days=draw(st.integers(0, (as_of - plan.start).days)))
            value = (
                draw(st.floats(0, abs(span) / 3)) * (1 if span > 0 else -1)
                if g.measure == "sum"
                else g.baseline + draw(st.floats(0, 0.9)) * span
            )
            check_ins.append(CheckIn(day, g.id, plan.owners[0].name, value, row=len(check_ins) + 2))
    done = {a.id: "yes" for a in plan.actions if draw(st.booleans())}
    return plan, check_ins, as_of, done


@settings(max_examples=60, deadline=None)
@given(situations())
def test_replan_keeps_the_past_and_ends_on_the_target(
    situation: tuple[Plan, list[CheckIn], date, dict[str, str]],
) -> None:
    plan, check_ins, as_of, done = situation
    assume(all(g.deadline > as_of for g in plan.goals))
    assume(
        all(
            (rules.actual(g.measure, g.baseline, check_ins, as_of, g.id) - g.target)
            * rules.direction(g.baseline, g.target)
            < 0
            for g in plan.goals
        )
    )
    new, changes = replan(plan, check_ins, as_of, done=done)
    assert new.version == plan.version + 1
    assert len({m.id for m in new.milestones}) == len(new.milestones)
    assert len({a.id for a in new.actions}) == len(new.actions)
    ms = {m.id: m for m in new.milestones}
    for m in plan.milestones:
        if m.due <= as_of and m.due < plan.goal(m.goal).deadline:
            assert ms[m.id] == m  # already due: untouched
    for g in new.goals:
        mine = new.milestones_of(g.id)
        assert mine[-1].due == g.deadline and mine[-1].target == g.target
        remaining = [m for m in mine if m.due > as_of]
        actual = rules.actual(g.measure, g.baseline, check_ins, as_of, g.id)
        assert remaining[0].start == as_of and remaining[0].start_value == actual
        way = rules.direction(g.baseline, g.target)
        for m1, m2 in zip(remaining, remaining[1:], strict=False):
            assert m1.due < m2.due and (m2.target - m1.target) * way >= 0
            assert (m2.start, m2.start_value) == (m1.due, m1.target)
    for a in new.actions:
        assert a.milestone in ms
    kept_done = {a.id for a in plan.actions if a.id in done}
    assert kept_done <= {a.id for a in new.actions}
    for a in new.actions:
        if a.id not in {x.id for x in plan.actions}:
            assert a.due >= as_of  # new actions are never born overdue


def test_new_target_and_deadline_are_reported(sales_plan: Plan) -> None:
    check_ins = [CheckIn(date(2027, 2, 1), "G1", "Ravi Patel", 50_000)]
    new, changes = replan(
        sales_plan,
        check_ins,
        date(2027, 4, 15),
        targets={"G1": 2_600_000},
        deadlines={"G2": date(2028, 3, 31)},
    )
    lines = [str(c) for c in changes]
    assert "G1: target 2,400,000 → 2,600,000" in lines
    assert "G2: deadline 2027-12-31 → 2028-03-31" in lines
    assert any(line.startswith("M12: target 2,400,000 → 2,600,000") for line in lines)
    assert new.goal("G2").deadline == date(2028, 3, 31)
    assert new.milestones_of("G2")[-1].due == date(2028, 3, 31)


def test_goal_reached_or_deadline_passed_is_a_message(sales_plan: Plan) -> None:
    reached = [CheckIn(date(2027, 2, 1), "G1", "Ravi Patel", 3_000_000)]
    # One goal reached: it is kept as planned, the others are re-planned.
    new, changes = replan(sales_plan, reached, date(2027, 4, 15))
    said = [str(c) for c in changes]
    assert any(
        line.startswith("G1: kept as planned") and "already reached its target" in line
        for line in said
    ), said
    assert new.milestones_of("G1") == sales_plan.milestones_of("G1")
    assert {a.id for a in new.actions if a.goal == "G1"} == {
        a.id for a in sales_plan.actions if a.goal == "G1"
    }
    assert new.milestones_of("G2") != sales_plan.milestones_of("G2")
    # Asked for a target it has already passed: that is refused.
    with pytest.raises(ReplanError, match="already reached its target"):
        replan(sales_plan, reached, date(2027, 4, 15), targets={"G1": 2_900_000})
    # Every goal past its deadline: nothing to re-plan.
    with pytest.raises(ReplanError, match="deadline 2027-12-31 is not after 2028-01-15"):
        replan(sales_plan, [], date(2028, 1, 15))
    with pytest.raises(ReplanError, match="G9 is not a goal"):
        replan(sales_plan, [], date(2027, 4, 15), targets={"G9": 5})


def test_a_replan_before_the_start_is_a_message(sales_plan: Plan) -> None:
    """Nothing has happened before the start: no milestones due before it, no new version."""
    with pytest.raises(ReplanError, match="before the plan starts"):
        replan(sales_plan, [], date(2026, 12, 2))
