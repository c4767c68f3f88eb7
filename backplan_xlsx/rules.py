"""Status rules: the one source of truth, and the formulas that mirror it.

Each rule is a pure function over dates and numbers, and next to it sits
the function that writes the same rule as a spreadsheet formula, so a change
to a rule and to its formula is one diff. Formulas use only functions that
Excel 2016, LibreOffice and Google Sheets all have, plain A1 references and
the named cells ``AsOf``, ``OnTrackRatio`` and ``AtRiskRatio``.

Arithmetic is written in the same order in both, so the workbook and the
engine agree to the last bit, not merely approximately.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal

from .model import CheckIn, Thresholds

DONE = "Done"
MISSED = "Missed"
NOT_STARTED = "Not started"
ON_TRACK = "On track"
AT_RISK = "At risk"
OFF_TRACK = "Off track"
PROGRESS_STATUSES = (DONE, ON_TRACK, AT_RISK, OFF_TRACK, MISSED, NOT_STARTED)

OPEN = "Open"
OVERDUE = "Overdue"
ACTION_STATUSES = (DONE, OPEN, OVERDUE)

BREACHED = "Breached"
WARNING = "Warning"
REVIEW_OVERDUE = "Review overdue"
NO_DATA = "No data"
OK = "OK"
ANTI_GOAL_STATUSES = (BREACHED, WARNING, REVIEW_OVERDUE, NO_DATA, OK)

#: Worst first: an owner (or a team) takes the worst status of their parts.
SEVERITY = (MISSED, OFF_TRACK, AT_RISK, ON_TRACK, NOT_STARTED, DONE)
#: Words that mark an action done in the Done column (case does not matter).
DONE_WORDS = ("yes", "y", "x", "done")
#: An anti-goal reading within this fraction of its limit is a Warning.
WARNING_MARGIN = 0.1

AS_OF = "AsOf"
ON_TRACK_RATIO = "OnTrackRatio"
AT_RISK_RATIO = "AtRiskRatio"

Measure = Literal["sum", "latest"]


def serial(d: date) -> int:
    """Days since Excel's 1899-12-30 epoch: the number a date cell holds."""
    return (d - date(1899, 12, 30)).days


def date_formula(d: date) -> str:
    """A date as a formula term (never a bare serial, which 1904 files misread)."""
    return f"DATE({d.year},{d.month},{d.day})"


# --- actuals -----------------------------------------------------------------


def actual(
    measure: Measure,
    baseline: float,
    check_ins: Iterable[CheckIn],
    until: date,
    goal_id: str,
    owner: str | None = None,
) -> float:
    """A goal's actual from its check-ins dated on or before ``until``.

    ``sum``: the baseline plus the sum of the check-ins. ``latest``: the value
    of the latest check-in (by date, then by row), or the baseline when there
    is none. Ids and owner names match ignoring case, as SUMIFS does.
    """
    key = goal_id.casefold()
    who = owner.casefold() if owner is not None else None
    rows = [
        c
        for c in check_ins
        if c.goal.casefold() == key
        and c.date <= until
        and (who is None or c.owner.casefold() == who)
    ]
    if measure == "sum":
        total = 0.0
        for c in rows:
            total += c.value
        return baseline + total
    if not rows:
        return baseline
    return max(rows, key=lambda c: (c.date, c.row)).value


def latest_reading(check_ins: Iterable[CheckIn], goal_id: str, until: date) -> float | None:
    """The latest reading of a goal or anti-goal on or before ``until``, if any."""
    key = goal_id.casefold()
    rows = [c for c in check_ins if c.goal.casefold() == key and c.date <= until]
    if not rows:
        return None
    return max(rows, key=lambda c: (c.date, c.row)).value


class CheckInRanges:
    """The Check-ins columns as absolute ranges, for generated formulas."""

    def __init__(self, sheet: str, date: str, goal: str, owner: str, value: str, last: int):
        q = f"'{sheet}'!" if not sheet.isalnum() else f"{sheet}!"
        self.date_col = f"{q}${date}:${date}"
        self.goal_col = f"{q}${goal}:${goal}"
        self.owner_col = f"{q}${owner}:${owner}"
        self.value_col = f"{q}${value}:${value}"
        self.dates = f"{q}${date}$2:${date}${last}"
        self.goals = f"{q}${goal}$2:${goal}${last}"
        self.values = f"{q}${value}$2:${value}${last}"
        self.value_letter = value
        self.sheet_ref = q


def actual_formula(
    measure: Measure, baseline: str, goal: str, until: str, r: CheckInRanges, owner: str = ""
) -> str:
    """The formula twin of :func:`actual`. Arguments are cell references."""
    if measure == "sum":
        who = f",{r.owner_col},{owner}" if owner else ""
        return (
            f'{baseline}+SUMIFS({r.value_col},{r.goal_col},{goal},{r.date_col},"<="&{until}{who})'
        )
    return latest_formula(goal, until, r, fallback=baseline)


def latest_formula(goal: str, until: str, r: CheckInRanges, fallback: str = '""') -> str:
    """The value at the latest date (then the highest row) with a numeric reading.

    ``SUMPRODUCT(MAX(...))`` is the conditional max that Excel 2016 has
    (no MAXIFS there); the second pass finds the last row on that date.
    """
    cond = f"({r.goals}={goal})*ISNUMBER({r.values})"
    last_date = f"SUMPRODUCT(MAX({cond}*({r.dates}<={until})*{r.dates}))"
    last_row = f"SUMPRODUCT(MAX({cond}*({r.dates}={last_date})*ROW({r.dates})))"
    return f"IF({last_date}=0,{fallback},INDEX({r.value_col},{last_row}))"


# --- progress (goals, milestones, owners) ------------------------------------


def expected(start_value: float, target: float, start: date, due: date, as_of: date) -> float:
    """Where the plan says the actual should be by ``as_of``: a straight line
    from ``start_value`` at ``start`` to ``target`` at ``due``, clamped."""
    elapsed = (as_of - start).days / (due - start).days
    return start_value + (target - start_value) * max(0.0, min(1.0, elapsed))


def expected_formula(start_value: str, target: str, start: str, due: str) -> str:
    """The formula twin of :func:`expected`."""
    return f"{start_value}+({target}-{start_value})*MAX(0,MIN(1,({AS_OF}-{start})/({due}-{start})))"


def progress_status(
    actual_value: float,
    target: float,
    expected_value: float,
    start: date,
    due: date,
    as_of: date,
    thresholds: Thresholds,
) -> str:
    """Done, Missed, Not started, On track, At risk or Off track, in that order."""
    if actual_value >= target:
        return DONE
    if as_of > due:
        return MISSED
    if as_of < start:
        return NOT_STARTED
    if actual_value >= expected_value * thresholds.on_track:
        return ON_TRACK
    if actual_value >= expected_value * thresholds.at_risk:
        return AT_RISK
    return OFF_TRACK


def progress_status_formula(
    actual_ref: str, target: str, expected_ref: str, start: str, due: str
) -> str:
    """The formula twin of :func:`progress_status`."""
    return (
        f'IF({actual_ref}>={target},"{DONE}",IF({AS_OF}>{due},"{MISSED}",'
        f'IF({AS_OF}<{start},"{NOT_STARTED}",'
        f'IF({actual_ref}>={expected_ref}*{ON_TRACK_RATIO},"{ON_TRACK}",'
        f'IF({actual_ref}>={expected_ref}*{AT_RISK_RATIO},"{AT_RISK}","{OFF_TRACK}")))))'
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
    measure: Measure, baseline: float, actual_value: float, start: date, deadline: date, as_of: date
) -> float:
    """The goal's value at the deadline if the run-rate so far continues.

    A ``latest`` reading is not a flow, so it projects as itself; so does
    any goal before its start or after its deadline.
    """
    if measure == "latest" or as_of <= start or as_of >= deadline:
        return actual_value
    return baseline + (actual_value - baseline) * (deadline - start).days / (as_of - start).days


def projected_formula(
    measure: Measure, baseline: str, actual_ref: str, start: str, deadline: str
) -> str:
    """The formula twin of :func:`projected`."""
    if measure == "latest":
        return actual_ref
    return (
        f"IF(OR({AS_OF}<={start},{AS_OF}>={deadline}),{actual_ref},"
        f"{baseline}+({actual_ref}-{baseline})*({deadline}-{start})/({AS_OF}-{start}))"
    )


def rate_needed(target: float, actual_value: float, periods_left: int) -> float:
    """What each remaining period must add to reach the target (0 when reached).

    ``periods_left`` counts the goal's milestones still to come; past the
    last one the whole gap is due now.
    """
    return max(0.0, target - actual_value) / max(1, periods_left)


def rate_needed_formula(target: str, actual_ref: str, periods_left: str) -> str:
    """The formula twin of :func:`rate_needed`."""
    return f"MAX(0,{target}-{actual_ref})/MAX(1,{periods_left})"


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


# --- actions -----------------------------------------------------------------


def is_done(mark: object) -> bool:
    """Whether a Done cell marks the action done (yes, y, x or done; any case)."""
    return isinstance(mark, str) and mark.strip().casefold() in DONE_WORDS


def action_status(done: bool, due: date, as_of: date) -> str:
    """Done when marked done, else Overdue past its due date, else Open."""
    if done:
        return DONE
    if as_of > due:
        return OVERDUE
    return OPEN


def action_status_formula(done_ref: str, due: str) -> str:
    """The formula twin of :func:`action_status` (with :func:`is_done`)."""
    words = ",".join(f'TRIM({done_ref})="{w}"' for w in DONE_WORDS)
    return (
        f'IF(AND(ISTEXT({done_ref}),OR({words})),"{DONE}",IF({AS_OF}>{due},"{OVERDUE}","{OPEN}"))'
    )


# --- anti-goals ----------------------------------------------------------------


def anti_goal_status(
    latest: float | None,
    limit: float | None,
    direction: str,
    last_reviewed: date | None,
    review_every_days: int,
    as_of: date,
    start: date,
) -> str:
    """Breached, Warning, Review overdue, No data or OK, in that order.

    Breached when the latest reading crosses the limit in its direction,
    Warning within 10% of it. An anti-goal never reviewed counts from the
    plan start. One without a limit cannot be breached and needs no data.
    """
    if limit is not None and latest is not None:
        margin = abs(limit) * WARNING_MARGIN
        if direction == "min":
            if latest < limit:
                return BREACHED
            if latest <= limit + margin:
                return WARNING
        else:
            if latest > limit:
                return BREACHED
            if latest >= limit - margin:
                return WARNING
    reviewed = last_reviewed if last_reviewed is not None else start
    if (as_of - reviewed).days > review_every_days:
        return REVIEW_OVERDUE
    if limit is not None and latest is None:
        return NO_DATA
    return OK


def anti_goal_status_formula(
    latest: str, limit: str, direction: str, last_reviewed: str, every: str, start: str
) -> str:
    """The formula twin of :func:`anti_goal_status`."""
    has = f"AND(ISNUMBER({limit}),ISNUMBER({latest}))"
    margin = f"ABS({limit})*{WARNING_MARGIN}"
    breach = f'IF({direction}="min",{latest}<{limit},{latest}>{limit})'
    warn = f'IF({direction}="min",{latest}<={limit}+{margin},{latest}>={limit}-{margin})'
    reviewed = f"IF(ISNUMBER({last_reviewed}),{last_reviewed},{start})"
    tail = (
        f'IF({AS_OF}-{reviewed}>{every},"{REVIEW_OVERDUE}",'
        f'IF(AND(ISNUMBER({limit}),NOT(ISNUMBER({latest}))),"{NO_DATA}","{OK}"))'
    )
    return f'IF({has},IF({breach},"{BREACHED}",IF({warn},"{WARNING}",{tail})),{tail})'
