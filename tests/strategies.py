"""Hypothesis strategies for plans, shared by the planner, rules and workbook tests."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from backplan_xlsx.model import (
    AntiGoal,
    Cadence,
    Funnel,
    Goal,
    Measure,
    Owner,
    Plan,
    Stage,
    Thresholds,
)
from backplan_xlsx.planner import plan_backward

START = date(2027, 1, 1)

dates = st.dates(min_value=date(2026, 6, 1), max_value=date(2029, 6, 30))


@st.composite
def shares(draw: st.DrawFn, n: int) -> list[float]:
    """``n`` shares adding up to 1 (whole percentages, so exactly representable sums)."""
    if n == 1:
        return [1.0]
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=n - 1, max_size=n - 1)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    return [p / 100 for p in parts]


@st.composite
def funnels(draw: st.DrawFn) -> Funnel:
    names = draw(st.permutations(["Open {n} opportunities", "Qualify {n} leads", "Book"]))
    stages = tuple(
        Stage(name=name, conversion=draw(st.floats(0.05, 1.0)), days=draw(st.integers(0, 120)))
        for name in names[: draw(st.integers(1, 3))]
    )
    return Funnel(draw(st.floats(100, 100_000)), stages[0].days, stages)


@st.composite
def plans(draw: st.DrawFn, max_goals: int = 3, max_owners: int = 5) -> Plan:
    """A planned plan: goals of every cadence, curve and measure, with owners."""
    start = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 1, 1)))
    n_goals = draw(st.integers(1, max_goals))
    n_owners = draw(st.integers(1, max_owners))
    goals = []
    for i in range(n_goals):
        cadence: Cadence = draw(st.sampled_from(["weekly", "monthly", "quarterly"]))
        span = draw(
            st.integers(8 if cadence == "weekly" else 20, 200 if cadence == "weekly" else 800)
        )
        measure: Measure = draw(st.sampled_from(["sum", "sum", "latest"]))
        baseline = draw(st.sampled_from([0.0, 0.0, -250.0, 95.0, 1e9]) | st.floats(-1000, 1000))
        down = draw(st.booleans())
        target = baseline + draw(st.floats(0.5, 5_000_000)) * (-1 if down else 1)
        goals.append(
            Goal(
                id=f"G{i + 1}",
                name=f"Goal {i + 1}",
                metric="m",
                unit="USD",
                baseline=baseline,
                target=target,
                deadline=start + timedelta(days=span),
                cadence=cadence,
                curve=draw(st.sampled_from(["linear", "front-loaded", "back-loaded"])),
                measure=measure,
                owner="Owner 1",
                funnel=draw(st.none() | funnels()) if measure == "sum" and not down else None,
            )
        )
    per_goal = [draw(shares(n_owners)) for _ in goals]
    owners = tuple(
        Owner(
            id=f"O{j + 1}",
            name=f"Owner {j + 1}",
            team=draw(st.sampled_from(["East", "West"])),
            shares=tuple((g.id, per_goal[i][j]) for i, g in enumerate(goals) if per_goal[i][j] > 0),
        )
        for j in range(n_owners)
    )
    anti = tuple(
        AntiGoal(
            id=f"X{k + 1}",
            avoid=f"Avoid {k + 1}",
            instead=f"Instead {k + 1}",
            owner="Owner 1",
            limit=draw(st.none() | st.floats(-100, 100, allow_nan=False)),
            direction=draw(st.sampled_from(["max", "min"])),
            review_every_days=draw(st.integers(1, 90)),
        )
        for k in range(draw(st.integers(0, 3)))
    )
    return plan_backward(
        Plan(
            id="p",
            title="Generated",
            start=start,
            goals=tuple(goals),
            owners=owners,
            anti_goals=anti,
            thresholds=Thresholds(0.95, 0.8),
        )
    )
