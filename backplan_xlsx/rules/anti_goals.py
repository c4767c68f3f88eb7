"""Anti-goals: a guardrail's latest reading against its limit, and its review cadence."""

from __future__ import annotations

from datetime import date

from .progress import TOLERANCE
from .words import AS_OF, BREACHED, NO_DATA, OK, REVIEW_OVERDUE, WARNING, WARNING_MARGIN


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
    Both edges carry the same slack as the goals' comparisons, so a reading
    exactly on an edge reads the same in every spreadsheet engine.
    """
    if limit is not None and latest is not None:
        margin = abs(limit) * WARNING_MARGIN
        slack = TOLERANCE * (abs(limit) + 1)
        if direction == "min":
            if latest < limit - slack:
                return BREACHED
            if latest <= limit + margin + slack:
                return WARNING
        else:
            if latest > limit + slack:
                return BREACHED
            if latest >= limit - margin - slack:
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
    slack = f"{TOLERANCE:G}*(ABS({limit})+1)"
    breach = f'IF({direction}="min",{latest}<{limit}-{slack},{latest}>{limit}+{slack})'
    warn = (
        f'IF({direction}="min",{latest}<={limit}+{margin}+{slack},'
        f"{latest}>={limit}-{margin}-{slack})"
    )
    reviewed = f"IF(ISNUMBER({last_reviewed}),{last_reviewed},{start})"
    tail = (
        f'IF({AS_OF}-{reviewed}>{every},"{REVIEW_OVERDUE}",'
        f'IF(AND(ISNUMBER({limit}),NOT(ISNUMBER({latest}))),"{NO_DATA}","{OK}"))'
    )
    return f'IF({has},IF({breach},"{BREACHED}",IF({warn},"{WARNING}",{tail})),{tail})'
