"""Whole plans through the engine: the statuses follow the plan path, up or down.

Properties over generated plans (every cadence, curve and measure; goals that
move up and down; zero, negative and large baselines) and generated check-ins:

- a goal whose milestones to date are all Done or On track is never At risk
  or Off track (it is judged against its own path, not a straight line);
- a goal that moves down is the mirror image of one that moves up:
  reflecting the baseline, every target and every reading about the
  baseline gives the same statuses.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from backplan_xlsx import engine, rules
from backplan_xlsx.model import CheckIn, Plan, Snapshot
from backplan_xlsx.planner import plan_backward
from tests.strategies import plans


@st.composite
def plans_with_check_ins(draw: st.DrawFn) -> tuple[Plan, tuple[CheckIn, ...], date]:
    plan = draw(plans(max_goals=2, max_owners=3))
    last = max(g.deadline for g in plan.goals)
    days = (last - plan.start).days
    dues = [m.due for m in plan.milestones]
    when = st.sampled_from(dues) | st.builds(
        lambda k: plan.start + timedelta(days=k), st.integers(-10, days + 10)
    )
    check_ins = []
    for k in range(draw(st.integers(0, 12))):
        g = draw(st.sampled_from(plan.goals))
        span = g.target - g.baseline
        # Whole multiples of 1/8 of the increment: exact in binary, often right on a target.
        step = span * draw(st.integers(-2, 10)) / 8
        value = step if g.measure == "sum" else g.baseline + step
        who = draw(st.sampled_from(plan.owners)).name
        check_ins.append(CheckIn(draw(when), g.id, who, value, row=k + 2))
    as_of = plan.start + timedelta(days=draw(st.integers(-5, days + 5)))
    return plan, tuple(check_ins), as_of


@settings(max_examples=150, deadline=None)
@given(plans_with_check_ins())
def test_a_goal_on_its_path_is_never_at_risk_or_off_track(
    case: tuple[Plan, tuple[CheckIn, ...], date],
) -> None:
    plan, check_ins, as_of = case
    report = engine.evaluate(Snapshot(plan, check_ins), as_of)
    for g in report.goals:
        begun = [m for m in report.milestones if m.goal == g.id and m.start <= as_of]
        if begun and all(m.status in (rules.DONE, rules.ON_TRACK) for m in begun):
            assert g.status not in (rules.AT_RISK, rules.OFF_TRACK), (g, begun)


def _mirror(plan: Plan, check_ins: tuple[CheckIn, ...]) -> tuple[Plan, tuple[CheckIn, ...]]:
    """Every goal reflected about its baseline: targets and readings on the other side."""
    goals = {g.id: g for g in plan.goals}

    def flip(gid: str, x: float) -> float:
        b = goals[gid].baseline
        return 2 * b - x

    mirrored = replace(
        plan,
        goals=tuple(replace(g, target=flip(g.id, g.target), funnel=None) for g in plan.goals),
        milestones=tuple(
            replace(m, start_value=flip(m.goal, m.start_value), target=flip(m.goal, m.target))
            for m in plan.milestones
        ),
    )
    readings = tuple(
        replace(c, value=-c.value if goals[c.goal].measure == "sum" else flip(c.goal, c.value))
        if c.goal in goals
        else c
        for c in check_ins
    )
    return mirrored, readings


@settings(max_examples=150, deadline=None)
@given(plans_with_check_ins())
def test_goals_that_move_down_mirror_goals_that_move_up(
    case: tuple[Plan, tuple[CheckIn, ...], date],
) -> None:
    plan, check_ins, as_of = case

    # Whole-number baselines and targets, so reflecting them is exact.
    def whole(baseline: float, target: float) -> tuple[float, float]:
        b, t = float(round(baseline)), float(round(target))
        return b, (t if t != b else b + (1 if target > baseline else -1))

    plan = replace(
        plan,
        goals=tuple(
            replace(
                g, baseline=whole(g.baseline, g.target)[0], target=whole(g.baseline, g.target)[1]
            )
            for g in plan.goals
        ),
    )
    plan = plan_backward(replace(plan, milestones=(), actions=()))
    check_ins = tuple(replace(c, value=float(round(c.value))) for c in check_ins)
    report = engine.evaluate(Snapshot(plan, check_ins), as_of)
    m_plan, m_check_ins = _mirror(plan, check_ins)
    mirror = engine.evaluate(Snapshot(m_plan, m_check_ins), as_of)
    assert [g.status for g in mirror.goals] == [g.status for g in report.goals]
    assert [m.status for m in mirror.milestones] == [m.status for m in report.milestones]
    assert [o.status for o in mirror.owners] == [o.status for o in report.owners]
    for a, b in zip(report.goals, mirror.goals, strict=True):
        assert a.rate_needed == b.rate_needed
        assert a.direction == -b.direction
