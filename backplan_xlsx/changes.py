"""What changed since last month, per goal and per owner's part: the Changes view.

Built from history rows (:class:`~backplan_xlsx.history.HistoryRow`), so the
roll-up and ``history --changes`` say the same thing: this month's actual,
target to date (the plan path as of the import: the engine's ``expected``),
attainment, and last month's attainment and status beside them. A goal or
owner whose status got worse is listed first, because that is where an ops
lead's morning starts; then the largest falls in attainment.

Not started counts as well as On track here: a goal that starts is not
getting worse.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from . import rules
from .history import HistoryRow

if TYPE_CHECKING:
    from .returns import ReturnRow

#: How bad a status is (higher is worse), for "got worse".
BADNESS = {
    rules.DONE: 0,
    rules.ON_TRACK: 1,
    rules.NOT_STARTED: 1,
    rules.AT_RISK: 2,
    rules.OFF_TRACK: 3,
    rules.MISSED: 4,
}
#: The kinds compared: goals, and owners per goal (their figures are per goal).
KINDS = ("goal", "owner_part")


@dataclass(frozen=True, slots=True)
class Change:
    """A goal, or an owner's part of one, this month against the previous month in the store."""

    plan: str
    kind: str
    id: str
    name: str
    goal: str
    month: str
    previous_month: str
    actual: float | None
    target_to_date: float | None
    target: float | None
    attainment: float | None
    previous_attainment: float | None
    previous_actual: float | None
    status_then: str
    status_now: str
    #: For an owner's part: what came back from them this month (Returned, Untouched, Missing).
    returns: str = ""

    @property
    def change(self) -> float | None:
        """Attainment now minus attainment then (None when either is unknown)."""
        if self.attainment is None or self.previous_attainment is None:
            return None
        return self.attainment - self.previous_attainment

    @property
    def actual_change(self) -> float | None:
        """Actual now minus actual then."""
        if self.actual is None or self.previous_actual is None:
            return None
        return self.actual - self.previous_actual

    @property
    def worsened(self) -> bool:
        """Whether the status is worse than last month's."""
        if not self.status_then:
            return False
        return BADNESS.get(self.status_now, 0) > BADNESS.get(self.status_then, 0)

    @property
    def who(self) -> str:
        """``owner`` for an owner's part, ``goal`` for a goal (what people call them)."""
        return "owner" if self.kind == "owner_part" else self.kind


def compare(
    now: Iterable[HistoryRow], before: Iterable[HistoryRow], previous_month: str = ""
) -> list[Change]:
    """This month's goals and owners' parts against the previous month's, worsened first.

    Args:
        now: the rows of the month reported on (other kinds are ignored).
        before: the rows of the previous month in the store (may be empty).
        previous_month: its name, shown beside the figures.
    """
    then = {(r.plan_id, r.kind, r.item_id): r for r in before if r.kind in KINDS}
    out = []
    for r in now:
        if r.kind not in KINDS:
            continue
        if r.kind == "owner_part" and not r.target:
            continue  # no share of this goal: nothing to attain
        old = then.get((r.plan_id, r.kind, r.item_id))
        out.append(
            Change(
                plan=r.plan_id,
                kind=r.kind,
                id=r.item_id,
                name=r.name,
                goal=r.goal_id or r.item_id.partition("/")[2] or r.item_id,
                month=r.month,
                previous_month=previous_month if old else "",
                actual=r.actual,
                target_to_date=r.expected,
                target=r.target,
                attainment=r.attainment,
                previous_attainment=old.attainment if old else None,
                previous_actual=old.actual if old else None,
                status_then=old.status if old else "",
                status_now=r.status,
            )
        )
    return sorted(out, key=_order)


def _order(c: Change) -> tuple[object, ...]:
    fall = c.change if c.change is not None else 0.0
    return (not c.worsened, fall, c.plan, c.kind, c.id)


def month_changes(rows: Sequence[HistoryRow], month: str | None = None) -> list[Change]:
    """Changes of ``month`` (default: the latest in ``rows``) against the month before it."""
    months = sorted({r.month for r in rows})
    if not months:
        return []
    month = month or months[-1]
    earlier = [m for m in months if m < month]
    previous = earlier[-1] if earlier else ""
    return compare(
        (r for r in rows if r.month == month),
        (r for r in rows if r.month == previous),
        previous,
    )


def with_returns(changes: Sequence[Change], returns: Sequence[ReturnRow]) -> list[Change]:
    """Each owner's part marked with what came back from them this month.

    An owner who sent nothing keeps their row (with the figures carried from
    the month before) and says so: ``Missing``.
    """
    from .names import person_key

    state = {(r.plan, person_key(r.owner)): r.state for r in returns}
    return [
        replace(c, returns=state.get((c.plan, person_key(c.name)), ""))
        if c.kind == "owner_part"
        else c
        for c in changes
    ]
