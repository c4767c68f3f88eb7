"""Every formula the workbook holds, row by row, built only from the rules' twins.

Pure functions of the plan and row numbers (no XlsxWriter here), so a reader
can regenerate what a row held as built and tell an overwritten formula from
a re-saved one. References are plain A1, taken from :mod:`backplan_xlsx.layout`
so a column moved there moves here too; the as-of date and thresholds are the
named cells ``AsOf``, ``OnTrackRatio`` and ``AtRiskRatio``.
"""

from __future__ import annotations

from collections.abc import Collection

from .. import layout, rules
from ..layout import ACTION as A
from ..layout import ANTI_GOAL as X
from ..layout import CHECK_IN as C
from ..layout import GOAL as G
from ..layout import MILESTONE as M
from ..layout import OWNER as O
from ..layout import OWNER_PART as P
from ..model import Goal, Owner, Plan
from ..parts import share_formula
from .book import absolute, quote_sheet

#: The Check-ins columns as the formulas see them: whole columns for sums (rows
#: added below still count), bounded ranges where an array is evaluated.
CHECK_INS = rules.CheckInRanges(
    layout.CHECK_INS,
    layout.CHECK_INS_LAYOUT.letter(C.date),
    layout.CHECK_INS_LAYOUT.letter(C.goal),
    layout.CHECK_INS_LAYOUT.letter(C.owner),
    layout.CHECK_INS_LAYOUT.letter(C.value),
    layout.CHECK_IN_LAST_ROW,
)


def _goal(col: layout.Column, goal_row: int) -> str:
    """An absolute reference into the Goals sheet: ``Goals!$G$2``."""
    return absolute(layout.GOALS, layout.GOALS_LAYOUT.letter(col), goal_row)


def _column(sheet: layout.SheetLayout, col: layout.Column) -> str:
    """A whole column on another sheet: ``Milestones!$B:$B``."""
    letter = sheet.letter(col)
    return f"{quote_sheet(sheet.name)}${letter}:${letter}"


def milestone_ranges(plan: Plan) -> rules.MilestoneRanges:
    """The Milestones columns a goal's path is read from, down to the last milestone."""
    return rules.MilestoneRanges(
        layout.MILESTONES,
        layout.MILESTONES_LAYOUT.letter(M.goal),
        layout.MILESTONES_LAYOUT.letter(M.due),
        layout.MILESTONES_LAYOUT.letter(M.expected),
        # One spare row: Gnumeric gives #VALUE! when an array formula's range
        # is a single cell (a plan with one milestone).
        len(plan.milestones) + 2,
    )


def goal_formulas(
    goal: Goal, row: int, ms: rules.MilestoneRanges, share: str | None = None
) -> dict[str, str]:
    """A Goals row: judged against the path its milestones lay out, start to deadline.

    ``share`` (a reference to the owner's Share cell) judges a part's goal on
    the owner's part of the target, as ``status`` judges the part.
    """

    def at(col: layout.Column) -> str:
        return layout.GOALS_LAYOUT.at(col, row)

    way = rules.direction(goal.baseline, goal.target)
    until = f"MIN({rules.AS_OF},{at(G.deadline)})"
    target = at(G.target) if share is None else share_formula(at(G.baseline), at(G.target), share)
    return {
        G.actual.key: rules.actual_formula(
            goal.measure, at(G.baseline), at(G.id), until, CHECK_INS
        ),
        G.expected.key: rules.path_formula(
            at(G.id), at(G.baseline), target, at(G.start), at(G.deadline), ms
        ),
        G.projected.key: rules.projected_formula(
            goal.measure,
            at(G.baseline),
            at(G.actual),
            target,
            at(G.expected),
            at(G.start),
            at(G.deadline),
        ),
        G.rate_needed.key: rules.rate_needed_formula(target, at(G.actual), at(G.periods_left), way),
        G.periods_left.key: rules.periods_left_formula(
            _column(layout.MILESTONES_LAYOUT, M.goal),
            _column(layout.MILESTONES_LAYOUT, M.due),
            at(G.id),
        ),
        G.status.key: rules.progress_status_formula(
            at(G.actual),
            target,
            at(G.expected),
            at(G.start),
            at(G.deadline),
            baseline=at(G.baseline),
            direction=way,
        ),
    }


def milestone_formulas(
    goal: Goal, goal_row: int, row: int, share: str | None = None
) -> dict[str, str]:
    """A Milestones row: the goal's actual until the due date, against this window.

    ``share`` judges a part's milestone on the owner's part of it (see :func:`goal_formulas`).
    """

    def at(col: layout.Column) -> str:
        return layout.MILESTONES_LAYOUT.at(col, row)

    baseline = _goal(G.baseline, goal_row)
    until = f"MIN({rules.AS_OF},{at(M.due)})"
    start_value, target = at(M.start_value), at(M.target)
    if share is not None:
        start_value = share_formula(baseline, start_value, share)
        target = share_formula(baseline, target, share)
    return {
        M.actual.key: rules.actual_formula(goal.measure, baseline, at(M.goal), until, CHECK_INS),
        M.expected.key: rules.expected_formula(start_value, target, at(M.start), at(M.due)),
        M.status.key: rules.progress_status_formula(
            at(M.actual),
            target,
            at(M.expected),
            at(M.start),
            at(M.due),
            baseline=baseline,
            direction=rules.direction(goal.baseline, goal.target),
        ),
    }


def action_formulas(row: int) -> dict[str, str]:
    """An Actions row: Done when marked, else Overdue past due, else Open."""
    done, due = layout.ACTIONS_LAYOUT.at(A.done, row), layout.ACTIONS_LAYOUT.at(A.due, row)
    return {A.status.key: rules.action_status_formula(done, due)}


def owner_formulas(
    plan: Plan,
    owners: layout.SheetLayout,
    owner: Owner,
    row: int,
    goal_rows: dict[str, int],
    on_share: Collection[str] = (),
) -> dict[str, str]:
    """An Owners row: each ``sum`` goal's part judged like the goal, then the worst part.

    In a part, the goals in ``on_share`` already expect the owner's share
    (:func:`goal_formulas`): their part's expected pace is the goal's, not
    a share of it again.
    """

    def at(col: layout.Column | str) -> str:
        return owners.at(col, row)

    out: dict[str, str] = {}
    judged: list[str] = []
    for goal in plan.goals:
        if goal.measure != "sum":
            continue
        gid, grow = goal.id, goal_rows[goal.id]
        until = f"MIN({rules.AS_OF},{_goal(G.deadline, grow)})"
        out[P.target.key(gid)] = rules.owner_target_formula(
            at(P.share.key(gid)), _goal(G.target, grow), _goal(G.baseline, grow)
        )
        out[P.actual.key(gid)] = rules.actual_formula(
            "sum", "0", _goal(G.id, grow), until, CHECK_INS, owner=(at(O.name), owner.name)
        )
        out[P.expected.key(gid)] = rules.owner_expected_formula(
            "1" if gid in on_share else at(P.share.key(gid)),
            _goal(G.expected, grow),
            _goal(G.baseline, grow),
        )
        if owner.share_of(gid) <= 0:
            out[P.status.key(gid)] = '""'  # no share: not judged for them, as the engine does
            continue
        out[P.status.key(gid)] = rules.progress_status_formula(
            at(P.actual.key(gid)),
            at(P.target.key(gid)),
            at(P.expected.key(gid)),
            _goal(G.start, grow),
            _goal(G.deadline, grow),
            baseline="0",
            direction=rules.direction(goal.baseline, goal.target),
        )
        judged.append(at(P.status.key(gid)))
    out[O.status.key] = rules.worst_formula(judged)
    return out


def anti_goal_formulas(plan: Plan, row: int) -> dict[str, str]:
    """An Anti-goals row: the latest reading to date, then the guardrail status."""

    def at(col: layout.Column) -> str:
        return layout.ANTI_GOALS_LAYOUT.at(col, row)

    return {
        X.latest.key: rules.latest_formula(at(X.id), rules.AS_OF, CHECK_INS),
        X.status.key: rules.anti_goal_status_formula(
            at(X.latest),
            at(X.limit),
            at(X.direction),
            at(X.last_reviewed),
            at(X.review_every_days),
            rules.date_formula(plan.start),
        ),
    }
