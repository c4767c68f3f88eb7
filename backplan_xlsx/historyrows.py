"""History rows: one plan item's state in one month, and how a status report becomes rows.

Pure data (no database): ``collect`` builds rows, the store keeps them, and
the roll-up, ``history`` and the change view read them back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .engine import StatusReport

if TYPE_CHECKING:
    from .returns import ReturnRow


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One item's state in one month."""

    month: str
    plan_id: str
    plan_version: int
    kind: str
    item_id: str
    name: str
    status: str
    actual: float | None
    expected: float | None
    target: float | None
    #: The goal the figures are of (a goal's own id; an owner's part's goal).
    goal_id: str = ""
    baseline: float | None = None
    #: Progress ÷ path progress in the goal's direction (see :func:`attainment`).
    attainment: float | None = None


def attainment(actual: float | None, expected: float | None, baseline: float) -> float | None:
    """How far along the plan path an item is: p(actual) ÷ p(expected), p(x) = (x − baseline) × dir.

    The direction cancels out, so a goal that moves down is 1.0 on its path
    too. None when the path has not moved yet (expected at the baseline):
    nothing is due, so no share of it can be reached.
    """
    if actual is None or expected is None or expected == baseline:
        return None
    return (actual - baseline) / (expected - baseline)


def report_rows(month: str, rep: StatusReport) -> Iterable[HistoryRow]:
    """The history rows of one plan's report: goals, milestones, owners, anti-goals, actions.

    Attainment comes from the engine's own figures (actual, expected =
    path(as-of), baseline), so it follows the status rules wherever they go.
    """
    v, p = rep.version, rep.plan_id
    base = {g.id: g.baseline for g in rep.goals}
    for g in rep.goals:
        yield HistoryRow(
            month, p, v, "goal", g.id, g.name, g.status, g.actual, g.expected, g.target,
            g.id, g.baseline, attainment(g.actual, g.expected, g.baseline),
        )  # fmt: skip
    for m in rep.milestones:
        b = base.get(m.goal)
        yield HistoryRow(
            month, p, v, "milestone", m.id, m.name, m.status, m.actual, m.expected, m.target,
            m.goal, b, None if b is None else attainment(m.actual, m.expected, b),
        )  # fmt: skip
    for o in rep.owners:
        # Parts are per goal: adding ARR to pipeline would mean nothing. An
        # owner's row carries their figures when they have one part, and the
        # weakest part's attainment (their status is the worst part's too).
        judged = [
            (part, attainment(part.actual, part.expected, 0.0))
            for part in o.parts
            if part.share > 0
        ]
        known = [(a, part) for part, a in judged if a is not None]
        weakest = min(known, key=lambda ap: ap[0]) if known else None
        one = judged[0][0] if len(judged) == 1 else None
        yield HistoryRow(
            month, p, v, "owner", o.id, o.name, o.status,
            one.actual if one else None, one.expected if one else None,
            one.target if one else None,
            one.goal if one else (weakest[1].goal if weakest else ""),
            0.0 if one else None, weakest[0] if weakest else None,
        )  # fmt: skip
        for part in o.parts:
            yield HistoryRow(
                month, p, v, "owner_part", f"{o.id}/{part.goal}", o.name, part.status,
                part.actual, part.expected, part.target,
                part.goal, 0.0, attainment(part.actual, part.expected, 0.0),
            )  # fmt: skip
    for x in rep.anti_goals:
        yield HistoryRow(month, p, v, "anti_goal", x.id, x.avoid, x.status, x.latest, None, x.limit)
    for a in rep.actions:
        yield HistoryRow(month, p, v, "action", a.id, a.action, a.status, None, None, None)


def return_row(month: str, r: ReturnRow, reports: Sequence[StatusReport]) -> HistoryRow:
    """A Returns row as a history row (kind ``return``, keyed by the owner's name)."""
    from .names import person_key

    version = next((rep.version for rep in reports if rep.plan_id == r.plan), 0)
    return HistoryRow(
        month,
        r.plan,
        version,
        "return",
        person_key(r.owner)[:64],
        r.owner,
        r.state,
        None,
        None,
        None,
    )


def status_counts(rows: Iterable[HistoryRow]) -> dict[str, dict[str, int]]:
    """Month → status → how many items had it (for the trend chart)."""
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        bucket = out.setdefault(r.month, {})
        bucket[r.status] = bucket.get(r.status, 0) + 1
    return out
