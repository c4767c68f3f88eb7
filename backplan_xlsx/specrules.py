"""Rules across a plan spec's fields: dates in order, shares add up, references exist.

Type checks (msgspec, pydantic) see one field at a time; these see the raw
document whole, so they run beside the type checks rather than after them
and one pass names a bad date *and* shares that add up to 1.3.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from .errors import Problem
from .names import person_key
from .yamlsource import Source

MAX_ANTI_GOALS = 7
MAX_AVOID_CHARS = 120
SHARE_TOLERANCE = 1e-9
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")


def _num(value: Any) -> float | None:
    """A field's number for the cross-field rules; None when not a finite one
    (:mod:`backplan_xlsx.specbounds` reports those)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, int | float) else float(str(value))
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _items(data: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    seq = data.get(key) if isinstance(data, dict) else None
    if not isinstance(seq, list):
        return []
    return [(i, item) for i, item in enumerate(seq) if isinstance(item, dict)]


def cross_checks(src: Source) -> list[Problem]:
    """Rules across fields: dates in order, shares add up, references exist.

    They run on the raw document, beside the type checks rather than after
    them, so one pass reports a bad date *and* shares that add up to 1.3.
    A value of the wrong type is the type checker's finding, skipped here.
    """
    data = src.data if isinstance(src.data, dict) else {}
    goals = _items(data, "goals")
    goal_ids = [str(g.get("id") or f"G{i + 1}") for i, g in goals]
    owners = _items(data, "owners")
    owner_names = {person_key(str(o.get("name", ""))) for _, o in owners}
    return [
        *_goal_checks(src, _day(data.get("start")), goals, goal_ids, owner_names),
        *_owner_checks(src, owners, goals, goal_ids),
        *_reference_checks(src, data, goal_ids, owner_names),
        *_threshold_checks(src, data),
        *_anti_goal_checks(src, data),
    ]


def _goal_checks(
    src: Source,
    start: date | None,
    goals: list[tuple[int, dict[str, Any]]],
    goal_ids: list[str],
    owner_names: set[str],
) -> list[Problem]:
    """Each goal: a usable, unique id, a deadline after the start, a direction, a known owner."""
    out: list[Problem] = []
    seen: dict[str, int] = {}
    for (i, g), gid in zip(goals, goal_ids, strict=True):
        if not _ID.match(gid):
            out.append(src.problem(("goals", i, "id"), f"{gid!r} is not a usable id", "bad-id"))
        if gid in seen:
            out.append(
                src.problem(("goals", i, "id"), f"{gid} is used by goals[{seen[gid]}] too", "dup")
            )
        seen.setdefault(gid, i)
        deadline = _day(g.get("deadline"))
        if deadline and start and deadline <= start:
            out.append(
                src.problem(
                    ("goals", i, "deadline"),
                    f"{deadline} is not after the plan start {start}",
                    "deadline-before-start",
                )
            )
        out.extend(_direction_checks(src, i, g))
        if g.get("owner") and person_key(str(g["owner"])) not in owner_names:
            out.append(
                src.problem(
                    ("goals", i, "owner"), f"{g['owner']!r} is not in owners", "unknown-owner"
                )
            )
    return out


def _owner_checks(
    src: Source,
    owners: list[tuple[int, dict[str, Any]]],
    goals: list[tuple[int, dict[str, Any]]],
    goal_ids: list[str],
) -> list[Problem]:
    """Each owner listed once, shares of known goals, and every goal's shares adding up to 1."""
    out: list[Problem] = []
    names: dict[str, int] = {}
    totals = {gid: 0.0 for gid in goal_ids}
    for j, o in owners:
        key = person_key(str(o.get("name", "")))
        if key and key in names:
            out.append(
                src.problem(
                    ("owners", j, "name"),
                    f"{o.get('name')!r} is listed twice (owners[{names[key]}]); names that "
                    "differ only in case, spaces, accents' form or apostrophes are one person",
                    "duplicate-owner",
                )
            )
        names.setdefault(key, j)
        shares = o.get("shares")
        for gid, share in shares.items() if isinstance(shares, dict) else []:
            if str(gid) not in totals:
                out.append(
                    src.problem(
                        ("owners", j, "shares", str(gid)),
                        f"{gid} is not a goal id ({', '.join(goal_ids)})",
                        "unknown-goal",
                    )
                )
                continue
            number = _num(share)
            # A share that is not a (finite) number is its own finding; no sum then.
            totals[str(gid)] += math.nan if number is None else number
    if not owners:
        return out
    for (i, _), gid in zip(goals, goal_ids, strict=True):
        if not math.isnan(totals[gid]) and abs(totals[gid] - 1.0) > SHARE_TOLERANCE:
            out.append(
                src.problem(
                    ("goals", i),
                    f"owner shares of {gid} add up to {totals[gid]:g}, not 1; fix owners[*].shares",
                    "shares-not-one",
                )
            )
    return out


def _reference_checks(
    src: Source, data: dict[str, Any], goal_ids: list[str], owner_names: set[str]
) -> list[Problem]:
    """Anti-goals, actions and milestones name goals and owners the spec has."""
    out: list[Problem] = []
    refs = (
        ("anti_goals", "goal", "owner"),
        ("actions", "goal", "owner"),
        ("milestones", "goal", None),
    )
    for section, goal_key, owner_key in refs:
        for k, item in _items(data, section):
            ref = item.get(goal_key)
            required = section != "anti_goals"
            if (ref or required) and str(ref) not in goal_ids and ref is not None:
                out.append(
                    src.problem(
                        (section, k, goal_key),
                        f"{ref} is not a goal id ({', '.join(goal_ids)})",
                        "unknown-goal",
                    )
                )
            who = item.get(owner_key) if owner_key else None
            if who and person_key(str(who)) not in owner_names:
                out.append(
                    src.problem(
                        (section, k, owner_key or ""),
                        f"{who!r} is not in owners; add them there or fix the spelling",
                        "unknown-owner",
                    )
                )
    return out


def _threshold_checks(src: Source, data: dict[str, Any]) -> list[Problem]:
    """The at-risk ratio is the lower one."""
    th = data.get("thresholds")
    if not isinstance(th, dict):
        return []
    on, risk = _num(th.get("on_track", 0.95)), _num(th.get("at_risk", 0.80))
    if on is not None and risk is not None and risk > on:
        return [
            src.problem(
                ("thresholds", "at_risk"),
                "is above thresholds.on_track; at-risk must be the lower ratio",
                "bad-thresholds",
            )
        ]
    return []


def _anti_goal_checks(src: Source, data: dict[str, Any]) -> list[Problem]:
    """Few anti-goals, each said briefly (warnings: people must remember them)."""
    out: list[Problem] = []
    anti = _items(data, "anti_goals")
    if len(anti) > MAX_ANTI_GOALS:
        out.append(
            src.problem(
                ("anti_goals",),
                f"{len(anti)} anti-goals; keep {MAX_ANTI_GOALS} or fewer so people remember them",
                "too-many-anti-goals",
                "warning",
            )
        )
    for k, a in anti:
        avoid = str(a.get("avoid") or "")
        if len(avoid) > MAX_AVOID_CHARS:
            out.append(
                src.problem(
                    ("anti_goals", k, "avoid"),
                    f"{len(avoid)} characters; say it in {MAX_AVOID_CHARS} or fewer",
                    "long-anti-goal",
                    "warning",
                )
            )
    return out


def _direction_checks(src: Source, i: int, g: dict[str, Any]) -> list[Problem]:
    """A goal moves up or down; one whose target is its baseline goes nowhere.

    A ``%`` goal is a reading (win rate, churn): measured as a ``sum`` its
    check-ins would add up, which is almost never meant, so it is a warning.
    A funnel turns an increase into deals, so it needs a goal that moves up.
    """
    out: list[Problem] = []
    target, baseline = _num(g.get("target")), _num(g.get("baseline", 0))
    if target is not None and baseline is not None and target == baseline:
        out.append(
            src.problem(
                ("goals", i, "target"),
                f"{target:,.10g} equals the baseline; give a target above it (a goal that "
                "moves up) or below it (one that moves down, such as churn)",
                "target-equals-baseline",
            )
        )
    if (
        target is not None
        and baseline is not None
        and target < baseline
        and g.get("funnel") is not None
    ):
        out.append(
            src.problem(
                ("goals", i, "funnel"),
                "a funnel turns an increase into deals, but this goal moves down; "
                "remove the funnel or raise the target",
                "funnel-on-down-goal",
            )
        )
    if str(g.get("unit", "")).strip() == "%" and g.get("measure") == "sum":
        out.append(
            src.problem(
                ("goals", i, "measure"),
                "a % goal is a reading; measure: sum adds its check-ins up. "
                "Use measure: latest unless each check-in really is an increment",
                "percent-goal-summed",
                "warning",
            )
        )
    return out
