"""Progress of goals, milestones and owners: the plan path, the direction, the status."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from ..model import Milestone, Thresholds
from .words import (
    AS_OF,
    AT_RISK,
    AT_RISK_RATIO,
    BIG,
    DONE,
    MISSED,
    NOT_STARTED,
    OFF_TRACK,
    ON_TRACK,
    ON_TRACK_RATIO,
    SEVERITY,
    ArrayFormula,
    Measure,
)


def direction(baseline: float, target: float) -> int:
    """+1 for a goal that moves up, -1 for one that moves down (target below baseline)."""
    return -1 if target < baseline else 1


def expected(start_value: float, target: float, start: date, due: date, as_of: date) -> float:
    """Where the plan says the actual should be by ``as_of``: a straight line
    from ``start_value`` at ``start`` to ``target`` at ``due``, clamped."""
    elapsed = (as_of - start).days / (due - start).days
    return start_value + (target - start_value) * max(0.0, min(1.0, elapsed))


def expected_formula(start_value: str, target: str, start: str, due: str) -> str:
    """The formula twin of :func:`expected`."""
    return f"{start_value}+({target}-{start_value})*MAX(0,MIN(1,({AS_OF}-{start})/({due}-{start})))"


def path(
    milestones: Sequence[Milestone],
    baseline: float,
    target: float,
    start: date,
    deadline: date,
    as_of: date,
) -> float:
    """``path(as-of)``: where the goal's own milestones say it should be.

    Baseline up to the start, target after the deadline, and in between the
    expected value of the milestone being worked towards (the first due on
    or after the date), so the curve the spec chose is what the goal is
    judged against. A window that starts late (after a re-plan) holds its
    start value until it opens.
    """
    if as_of <= start:
        return baseline
    if as_of > deadline:
        return target
    for m in sorted(milestones, key=lambda m: m.due):
        if m.due >= as_of:
            return expected(m.start_value, m.target, m.start, m.due, as_of)
    return target


class MilestoneRanges:
    """The Milestones columns :func:`path_formula` looks through (bounded)."""

    def __init__(self, sheet: str, goal: str, due: str, expected: str, last: int):
        q = f"'{sheet}'!" if not sheet.isalnum() else f"{sheet}!"
        self.goals = f"{q}${goal}$2:${goal}${last}"
        self.dues = f"{q}${due}$2:${due}${last}"
        self.expected = f"{q}${expected}$2:${expected}${last}"


def path_formula(
    goal: str, baseline: str, target: str, start: str, deadline: str, ms: MilestoneRanges
) -> str:
    """The formula twin of :func:`path`: the Expected cell of the goal's first
    milestone due on or after the as-of date (an array formula)."""
    due = f"MIN(IF({ms.goals}={goal},IF({ms.dues}>={AS_OF},{ms.dues},{BIG}),{BIG}))"
    row = f"MATCH({due},IF({ms.goals}={goal},{ms.dues},-1),0)"
    return ArrayFormula(
        f"IF({AS_OF}<={start},{baseline},IF({AS_OF}>{deadline},{target},"
        f"INDEX({ms.expected},{row})))"
    )


#: Relative slack on every progress comparison: engines add the same
#: check-ins in different orders (LibreOffice and Gnumeric use compensated
#: sums), and a team exactly on its target must read Done in every one.
TOLERANCE = 1e-12


def tolerance(baseline: float, target: float) -> float:
    """The slack for a goal of this size: far below a cent, far above rounding noise."""
    return TOLERANCE * (abs(baseline) + abs(target) + 1)


def tolerance_formula(baseline: str, target: str) -> str:
    """The formula twin of :func:`tolerance`."""
    return f"{TOLERANCE:G}*(ABS({baseline})+ABS({target})+1)"


def progress_status(
    actual_value: float,
    target: float,
    expected_value: float,
    start: date,
    due: date,
    as_of: date,
    thresholds: Thresholds,
    *,
    baseline: float,
    direction: int,
) -> str:
    """Done, Missed, Not started, On track, At risk or Off track, in that order.

    Progress is measured from the baseline in the goal's direction,
    ``p(x) = (x - baseline) * direction``, so a goal that moves down is the
    mirror image of one that moves up, and a negative or zero baseline needs
    no special case.
    """
    got = (actual_value - baseline) * direction + tolerance(baseline, target)
    if got >= (target - baseline) * direction:
        return DONE
    if as_of > due:
        return MISSED
    if as_of < start:
        return NOT_STARTED
    if got >= (expected_value - baseline) * direction * thresholds.on_track:
        return ON_TRACK
    if got >= (expected_value - baseline) * direction * thresholds.at_risk:
        return AT_RISK
    return OFF_TRACK


def progress_status_formula(
    actual_ref: str,
    target: str,
    expected_ref: str,
    start: str,
    due: str,
    *,
    baseline: str,
    direction: int,
) -> str:
    """The formula twin of :func:`progress_status`."""

    def p(x: str) -> str:
        return f"({x}-{baseline})*{direction}"

    got = f"({p(actual_ref)}+{tolerance_formula(baseline, target)})"
    return (
        f'IF({got}>={p(target)},"{DONE}",IF({AS_OF}>{due},"{MISSED}",'
        f'IF({AS_OF}<{start},"{NOT_STARTED}",'
        f'IF({got}>={p(expected_ref)}*{ON_TRACK_RATIO},"{ON_TRACK}",'
        f'IF({got}>={p(expected_ref)}*{AT_RISK_RATIO},"{AT_RISK}","{OFF_TRACK}")))))'
    )


def owner_target(share: float, target: float, baseline: float) -> float:
    """An owner's part of a goal: their share of (target − baseline)."""
    return share * (target - baseline)


def owner_target_formula(share: str, target: str, baseline: str) -> str:
    """The formula twin of :func:`owner_target` (a formula, not a stored number,
    so the product is the same to the last bit and Done flips at the same edge)."""
    return f"{share}*({target}-{baseline})"


def owner_expected(share: float, goal_expected: float, baseline: float) -> float:
    """An owner's expected pace: their share of the goal's expected increment."""
    return share * (goal_expected - baseline)


def owner_expected_formula(share: str, goal_expected: str, baseline: str) -> str:
    """The formula twin of :func:`owner_expected`."""
    return f"{share}*({goal_expected}-{baseline})"


def projected(
    measure: Measure,
    baseline: float,
    actual_value: float,
    target: float,
    expected_value: float,
    start: date,
    deadline: date,
    as_of: date,
) -> float:
    """The goal's value at the deadline if the pace relative to the plan continues.

    ``baseline + (actual - baseline) * (target - baseline) / (expected - baseline)``:
    for a linear curve, the classic run-rate projection; for a back-loaded
    one, a team on its curve projects onto the target. A ``latest`` reading
    is not a flow, so it projects as itself; so does any goal before its
    start, after its deadline, or while the plan expects no progress yet.
    """
    if measure == "latest" or as_of <= start or as_of >= deadline or expected_value == baseline:
        return actual_value
    return baseline + (actual_value - baseline) * (target - baseline) / (expected_value - baseline)


def projected_formula(
    measure: Measure,
    baseline: str,
    actual_ref: str,
    target: str,
    expected_ref: str,
    start: str,
    deadline: str,
) -> str:
    """The formula twin of :func:`projected`."""
    if measure == "latest":
        return actual_ref
    return (
        f"IF(OR({AS_OF}<={start},{AS_OF}>={deadline},{expected_ref}={baseline}),{actual_ref},"
        f"{baseline}+({actual_ref}-{baseline})*({target}-{baseline})/({expected_ref}-{baseline}))"
    )


def rate_needed(target: float, actual_value: float, periods_left: int, direction: int) -> float:
    """What each remaining period must still move, in the goal's direction (0 when reached).

    ``periods_left`` counts the goal's milestones still to come; past the
    last one the whole gap is due now.
    """
    return max(0.0, (target - actual_value) * direction) / max(1, periods_left)


def rate_needed_formula(target: str, actual_ref: str, periods_left: str, direction: int) -> str:
    """The formula twin of :func:`rate_needed`."""
    return f"MAX(0,({target}-{actual_ref})*{direction})/MAX(1,{periods_left})"


def periods_left(dues: Iterable[date], as_of: date) -> int:
    """How many of a goal's milestones fall due after ``as_of``."""
    return sum(1 for d in dues if d > as_of)


def periods_left_formula(goal_col: str, due_col: str, goal: str) -> str:
    """The formula twin of :func:`periods_left`, over the Milestones sheet."""
    return f'COUNTIFS({goal_col},{goal},{due_col},">"&{AS_OF})'


def worst(statuses: Iterable[str]) -> str:
    """The worst of several progress statuses (Not started when there are none)."""
    found = set(statuses)
    for s in SEVERITY:
        if s in found:
            return s
    return NOT_STARTED


def worst_formula(cells: list[str]) -> str:
    """The formula twin of :func:`worst`."""
    if not cells:
        return f'"{NOT_STARTED}"'
    expr = f'"{NOT_STARTED}"'
    for s in reversed(SEVERITY):
        test = ",".join(f'{c}="{s}"' for c in cells)
        expr = f'IF(OR({test}),"{s}",{expr})'
    return expr
