"""Every formula the workbook holds, row by row, built only from the rules' twins.

Pure functions of the plan and row numbers (no XlsxWriter here), so a reader
can regenerate what a row held as built and tell an overwritten formula from
a re-saved one. References are plain A1, taken from :mod:`backplan_xlsx.layout`
so a column moved there moves here too; the as-of date and thresholds are the
named cells ``AsOf``, ``OnTrackRatio`` and ``AtRiskRatio``.
"""

from __future__ import annotations

from .. import layout, rules
from ..model import Goal, Owner, Plan
from .book import absolute, quote_sheet

G = layout.GOALS_LAYOUT
M = layout.MILESTONES_LAYOUT
A = layout.ACTIONS_LAYOUT
X = layout.ANTI_GOALS_LAYOUT
C = layout.CHECK_INS_LAYOUT

#: The Check-ins columns as the formulas see them: whole columns for sums (rows
#: added below still count), bounded ranges where an array is evaluated.
CHECK_INS = rules.CheckInRanges(
    layout.CHECK_INS,
    C.letter("date"),
    C.letter("goal"),
    C.letter("owner"),
    C.letter("value"),
    layout.CHECK_IN_LAST_ROW,
)


def letters(sheet: layout.SheetLayout) -> dict[str, str]:
    """Column letters by key, looked up once (formulas are made for every row)."""
    return {c.key: layout.col_letter(i) for i, c in enumerate(sheet.columns)}


#: The fixed layouts' letters (the Owners layout depends on the plan: see owner_formulas).
_LETTERS = {spec.name: letters(spec) for spec in (G, M, A, X, C)}


def _at(sheet: layout.SheetLayout, key: str, row: int) -> str:
    """A relative reference on the same sheet (a fixed layout): ``K2``."""
    return f"{_LETTERS[sheet.name][key]}{row}"


def _goal(key: str, goal_row: int) -> str:
    """An absolute reference into the Goals sheet: ``Goals!$G$2``."""
    return absolute(layout.GOALS, _LETTERS[layout.GOALS][key], goal_row)


def _column(sheet: layout.SheetLayout, key: str) -> str:
    """A whole column on another sheet: ``Milestones!$B:$B``."""
    letter = sheet.letter(key)
    return f"{quote_sheet(sheet.name)}${letter}:${letter}"


def milestone_ranges(plan: Plan) -> rules.MilestoneRanges:
    """The Milestones columns a goal's path is read from, down to the last milestone."""
    return rules.MilestoneRanges(
        layout.MILESTONES,
        M.letter("goal"),
        M.letter("due"),
        M.letter("expected"),
        # One spare row: Gnumeric gives #VALUE! when an array formula's range
        # is a single cell (a plan with one milestone).
        len(plan.milestones) + 2,
    )


def goal_formulas(goal: Goal, row: int, ms: rules.MilestoneRanges) -> dict[str, str]:
    """A Goals row: judged against the path its milestones lay out, start to deadline."""

    def at(key: str) -> str:
        return _at(G, key, row)

    way = rules.direction(goal.baseline, goal.target)
    until = f"MIN({rules.AS_OF},{at('deadline')})"
    return {
        "actual": rules.actual_formula(goal.measure, at("baseline"), at("id"), until, CHECK_INS),
        "expected": rules.path_formula(
            at("id"), at("baseline"), at("target"), at("start"), at("deadline"), ms
        ),
        "projected": rules.projected_formula(
            goal.measure,
            at("baseline"),
            at("actual"),
            at("target"),
            at("expected"),
            at("start"),
            at("deadline"),
        ),
        "rate_needed": rules.rate_needed_formula(
            at("target"), at("actual"), at("periods_left"), way
        ),
        "periods_left": rules.periods_left_formula(_column(M, "goal"), _column(M, "due"), at("id")),
        "status": rules.progress_status_formula(
            at("actual"),
            at("target"),
            at("expected"),
            at("start"),
            at("deadline"),
            baseline=at("baseline"),
            direction=way,
        ),
    }


def milestone_formulas(goal: Goal, goal_row: int, row: int) -> dict[str, str]:
    """A Milestones row: the goal's actual until the due date, against this window."""

    def at(key: str) -> str:
        return _at(M, key, row)

    baseline = _goal("baseline", goal_row)
    until = f"MIN({rules.AS_OF},{at('due')})"
    return {
        "actual": rules.actual_formula(goal.measure, baseline, at("goal"), until, CHECK_INS),
        "expected": rules.expected_formula(at("start_value"), at("target"), at("start"), at("due")),
        "status": rules.progress_status_formula(
            at("actual"),
            at("target"),
            at("expected"),
            at("start"),
            at("due"),
            baseline=baseline,
            direction=rules.direction(goal.baseline, goal.target),
        ),
    }


def action_formulas(row: int) -> dict[str, str]:
    """An Actions row: Done when marked, else Overdue past due, else Open."""
    return {"status": rules.action_status_formula(_at(A, "done", row), _at(A, "due", row))}


def owner_formulas(
    plan: Plan, owners: layout.SheetLayout, owner: Owner, row: int, goal_rows: dict[str, int]
) -> dict[str, str]:
    """An Owners row: each ``sum`` goal's part judged like the goal, then the worst part."""

    cols = letters(owners)

    def at(key: str) -> str:
        return f"{cols[key]}{row}"

    out: dict[str, str] = {}
    judged: list[str] = []
    for goal in plan.goals:
        if goal.measure != "sum":
            continue
        gid, grow = goal.id, goal_rows[goal.id]
        until = f"MIN({rules.AS_OF},{_goal('deadline', grow)})"
        out[f"{gid}:target"] = rules.owner_target_formula(
            at(f"{gid}:share"), _goal("target", grow), _goal("baseline", grow)
        )
        out[f"{gid}:actual"] = rules.actual_formula(
            "sum", "0", _goal("id", grow), until, CHECK_INS, owner=(at("name"), owner.name)
        )
        out[f"{gid}:expected"] = rules.owner_expected_formula(
            at(f"{gid}:share"), _goal("expected", grow), _goal("baseline", grow)
        )
        out[f"{gid}:status"] = rules.progress_status_formula(
            at(f"{gid}:actual"),
            at(f"{gid}:target"),
            at(f"{gid}:expected"),
            _goal("start", grow),
            _goal("deadline", grow),
            baseline="0",
            direction=rules.direction(goal.baseline, goal.target),
        )
        if owner.share_of(gid) > 0:
            judged.append(at(f"{gid}:status"))
    out["status"] = rules.worst_formula(judged)
    return out


def anti_goal_formulas(plan: Plan, row: int) -> dict[str, str]:
    """An Anti-goals row: the latest reading to date, then the guardrail status."""

    def at(key: str) -> str:
        return _at(X, key, row)

    return {
        "latest": rules.latest_formula(at("id"), rules.AS_OF, CHECK_INS),
        "status": rules.anti_goal_status_formula(
            at("latest"),
            at("limit"),
            at("direction"),
            at("last_reviewed"),
            at("review_every_days"),
            rules.date_formula(plan.start),
        ),
    }
