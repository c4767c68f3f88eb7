"""Backward planning: property tests over generated plans, and worked examples."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from backplan_xlsx.model import Plan
from backplan_xlsx.planner import FairSplit, curve_fractions, due_dates
from tests.strategies import plans


@settings(max_examples=60, deadline=None)
@given(plans())
def test_targets_are_monotone_and_end_on_the_target_at_the_deadline(plan: Plan) -> None:
    for goal in plan.goals:
        ms = plan.milestones_of(goal.id)
        assert ms, goal
        assert ms[-1].due == goal.deadline
        assert ms[-1].target == goal.target
        assert ms[0].start == plan.start and ms[0].start_value == goal.baseline
        way = 1 if goal.target > goal.baseline else -1
        previous_due, previous_target = plan.start, goal.baseline
        for m in ms:
            assert m.due > previous_due
            # Cumulative in the goal's direction: a goal that moves down steps down.
            assert (m.target - previous_target) * way >= 0
            assert (m.start, m.start_value) == (previous_due, previous_target)
            previous_due, previous_target = m.due, m.target


@settings(max_examples=60, deadline=None)
@given(plans())
def test_actions_fall_due_by_their_milestone_and_inside_the_plan(plan: Plan) -> None:
    due = {m.id: m.due for m in plan.milestones}
    for a in plan.actions:
        assert plan.start <= a.due <= due[a.milestone]
        assert a.count is None or a.count > 0


@settings(max_examples=60, deadline=None)
@given(plans())
def test_funnel_splits_add_up_exactly_and_follow_the_brief(plan: Plan) -> None:
    owners = {o.name: o for o in plan.owners}
    for goal in plan.goals:
        if goal.funnel is None:
            assert not [a for a in plan.actions if a.goal == goal.id]
            continue
        per_step: dict[tuple[str, str], int] = defaultdict(int)
        for a in plan.actions:
            if a.goal == goal.id:
                assert owners[a.owner].share_of(goal.id) > 0
                per_step[(a.milestone, a.stage)] += a.count or 0
        for m in plan.milestones_of(goal.id):
            increment = m.target - m.start_value
            if increment <= 0:
                continue
            deals = math.ceil(increment / goal.funnel.deal_size - 1e-9)
            assert per_step[(m.id, "Close deals")] == deals
            count = deals
            for stage in goal.funnel.stages:
                count = math.ceil(count / stage.conversion - 1e-9)
                label = " ".join(stage.name.replace("{n}", "").split())
                assert per_step[(m.id, label)] == count


@settings(max_examples=200)
@given(
    st.lists(st.integers(0, 2_000), min_size=1, max_size=24),
    st.lists(st.floats(0.001, 1), min_size=1, max_size=12),
)
def test_fair_split_adds_up_each_window_and_follows_the_shares_over_the_plan(
    counts: list[int], weights: list[float]
) -> None:
    fair = FairSplit(weights)
    total = sum(weights)
    given = [0] * len(weights)
    so_far = 0
    for count in counts:
        parts = fair.split(count)
        assert sum(parts) == count and all(p >= 0 for p in parts)
        so_far += count
        given = [g + p for g, p in zip(given, parts, strict=True)]
        for g, w in zip(given, weights, strict=True):
            assert abs(g - so_far * w / total) < 2 + 1e-9


def test_small_counts_reach_small_shares_over_the_year() -> None:
    """3 deals a month among 30/20/20/10/10/10%: the 10% owners get deals too."""
    fair = FairSplit([0.3, 0.2, 0.2, 0.1, 0.1, 0.1])
    year = [fair.split(3) for _ in range(12)]
    assert all(sum(month) == 3 for month in year)
    totals = [sum(month[i] for month in year) for i in range(6)]
    quotas = [36 * s for s in (0.3, 0.2, 0.2, 0.1, 0.1, 0.1)]
    assert all(abs(t - q) < 1 for t, q in zip(totals, quotas, strict=True)), totals


@given(plans(max_goals=2))
@settings(max_examples=20, deadline=None)
def test_same_plan_gives_same_ids(plan: Plan) -> None:
    from dataclasses import replace

    from backplan_xlsx.planner import plan_backward

    again = plan_backward(replace(plan, milestones=(), actions=()))
    assert again == plan
    assert [m.id for m in plan.milestones] == [f"M{i}" for i in range(1, len(plan.milestones) + 1)]
    assert [a.id for a in plan.actions] == [f"A{i}" for i in range(1, len(plan.actions) + 1)]


def test_due_dates_run_backward_from_the_deadline_and_keep_month_ends() -> None:
    dues = due_dates(date(2027, 1, 15), date(2027, 6, 30), "monthly")
    assert dues == [date(2027, d // 100, d % 100) for d in (131, 228, 331, 430, 531, 630)]
    # The first window is the short one.
    weekly = due_dates(date(2027, 1, 1), date(2027, 1, 20), "weekly")
    assert weekly == [date(2027, 1, 6), date(2027, 1, 13), date(2027, 1, 20)]
    assert due_dates(date(2027, 1, 1), date(2027, 12, 31), "quarterly") == [
        date(2027, 3, 31),
        date(2027, 6, 30),
        date(2027, 9, 30),
        date(2027, 12, 31),
    ]


def test_curves_shape_the_path() -> None:
    start = date(2027, 1, 1)
    dues = due_dates(start, date(2027, 12, 31), "quarterly")
    linear = curve_fractions("linear", start, dues)
    front = curve_fractions("front-loaded", start, dues)
    back = curve_fractions("back-loaded", start, dues)
    assert linear[-1] == front[-1] == back[-1] == 1.0
    for lo, mid, hi in zip(back[:-1], linear[:-1], front[:-1], strict=True):
        assert lo < mid < hi
    assert curve_fractions([1, 1, 2], start, dues[:3]) == [0.25, 0.5, 1.0]


def test_sales_funnel_works_backward(sales_plan: Plan) -> None:
    g1 = sales_plan.goal("G1")
    assert g1.funnel is not None
    march = next(m for m in sales_plan.milestones_of("G1") if m.due == date(2027, 3, 31))
    acts = [a for a in sales_plan.actions if a.milestone == march.id]
    deals = sum(a.count or 0 for a in acts if a.stage == "Close deals")
    opps = sum(a.count or 0 for a in acts if a.stage == "Open opportunities")
    leads = sum(a.count or 0 for a in acts if a.stage == "Qualify leads")
    increment = march.target - march.start_value
    assert deals == -(-increment // 40000)
    assert opps == -(-deals // 0.25)
    assert leads == -(-opps // 0.4)
    close_due = {a.due for a in acts if a.stage == "Close deals"}
    open_due = {a.due for a in acts if a.stage == "Open opportunities"}
    assert close_due == {march.due}
    # 90 days before 31 March is before the start: a catch-up action, due halfway
    # between the start and the milestone, so it is not Overdue the day it is planned.
    assert open_due == {date(2027, 1, 1) + (march.due - date(2027, 1, 1)) // 2}
    late = [a for a in acts if a.stage == "Open opportunities"]
    assert late and all(a.action.startswith("Catch-up: ") for a in late)
    assert not any(a.action.startswith("Catch-up") for a in acts if a.stage == "Close deals")


@settings(max_examples=60, deadline=None)
@given(plans())
def test_no_action_is_overdue_the_day_it_is_planned(plan: Plan) -> None:
    """Funnel actions whose ideal date falls before the start are catch-up, never late."""
    from backplan_xlsx import engine
    from backplan_xlsx.model import Snapshot

    report = engine.evaluate(Snapshot(plan), plan.start)
    assert all(a.status != "Overdue" for a in report.actions)
    for a in plan.actions:
        m = next(m for m in plan.milestones if m.id == a.milestone)
        if a.action.startswith("Catch-up: "):
            assert a.due == plan.start + (m.due - plan.start) // 2
