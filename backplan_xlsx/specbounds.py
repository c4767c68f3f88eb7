"""Numbers a spec may hold, and the size of the plan, checked before planning.

YAML happily reads ``.nan``, ``.inf`` and ``1e400``; the type checker takes
them as floats. Left alone they end in a traceback (XlsxWriter refuses NaN,
``math.ceil`` of infinity overflows) or in silent nonsense (an infinite deal
size plans no deals at all). So every numeric field is checked here on the
raw document: finite, within what a spreadsheet keeps exactly, and for the
version, what a history store's integer column holds.

A funnel multiplies: 500 owners on an 8-stage funnel with weekly windows for
ten years makes millions of actions, minutes of planning and gigabytes of
memory before anything could complain. The plan's size is therefore
*counted* first, in arithmetic that does not build the plan (window counts
from dates, stage counts per window, owners with a non-zero part), and a
plan over :data:`~backplan_xlsx.layout.MAX_ACTIONS` actions or
:data:`~backplan_xlsx.layout.MAX_SHEET_ROWS` rows on any sheet is refused
with the figure and what to change.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from . import layout
from .errors import Problem
from .model import Goal, Plan
from .values import MAX_MAGNITUDE
from .yamlsource import Path_, Source

#: A version counts up by one per replan; the history store keeps it in a
#: 32-bit integer column (PostgreSQL ``INTEGER``).
MAX_VERSION = 2_147_483_647
#: Deals, opportunities or leads one funnel stage may ask for in one window.
MAX_FUNNEL_COUNT = 10_000_000
#: The first day a spreadsheet's dates count from (Excel's serial 1).
FIRST_DATE = date(1900, 1, 1)
#: The rows above the data on every data sheet (the header).
HEADER_ROWS = 1
#: The same tolerance the planner uses when it rounds a count up.
_CEIL_SLACK = 1e-9

_AMOUNTS = ("baseline", "target")


def _numeric_fields(data: dict[str, Any]) -> Iterator[tuple[Path_, Any, str]]:
    """Every numeric field of the raw spec: (path, value, kind).

    Kinds: ``amount`` (targets, limits: at most :data:`MAX_MAGNITUDE`),
    ``positive`` (a deal size), ``ratio``, ``weight``, ``whole`` (days) and
    ``version``.
    """
    if "version" in data:
        yield ("version",), data["version"], "version"
    for i, g in _items(data, "goals"):
        for key in _AMOUNTS:
            if key in g:
                yield ("goals", i, key), g[key], "amount"
        curve = g.get("curve")
        if isinstance(curve, list):
            for k, w in enumerate(curve):
                yield ("goals", i, "curve", k), w, "weight"
        funnel = g.get("funnel")
        if isinstance(funnel, dict):
            if "deal_size" in funnel:
                yield ("goals", i, "funnel", "deal_size"), funnel["deal_size"], "positive"
            if "sales_cycle_days" in funnel:
                yield (
                    ("goals", i, "funnel", "sales_cycle_days"),
                    funnel["sales_cycle_days"],
                    "whole",
                )
            for j, s in _items(funnel, "stages"):
                for key, kind in (("conversion", "ratio"), ("days", "whole")):
                    if key in s:
                        yield ("goals", i, "funnel", "stages", j, key), s[key], kind
    for j, o in _items(data, "owners"):
        shares = o.get("shares")
        if isinstance(shares, dict):
            for gid, share in shares.items():
                yield ("owners", j, "shares", str(gid)), share, "ratio"
    for k, m in _items(data, "milestones"):
        if "target" in m:
            yield ("milestones", k, "target"), m["target"], "amount"
    for k, a in _items(data, "anti_goals"):
        if a.get("limit") is not None:
            yield ("anti_goals", k, "limit"), a["limit"], "amount"
        if "review_every_days" in a:
            yield ("anti_goals", k, "review_every_days"), a["review_every_days"], "whole"
    th = data.get("thresholds")
    if isinstance(th, dict):
        for key in ("on_track", "at_risk"):
            if key in th:
                yield ("thresholds", key), th[key], "ratio"


def _items(data: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    seq = data.get(key) if isinstance(data, dict) else None
    if not isinstance(seq, list):
        return []
    return [(i, item) for i, item in enumerate(seq) if isinstance(item, dict)]


def _as_number(value: Any) -> float | int | None:
    """The number a field holds (numeric text too, as the type checker reads it)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _shown(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return f"{value:g}"
    if isinstance(value, int) and abs(value) >= 10**16:
        return f"{value:.3g}"
    return str(value).strip()


def _number_problem(value: Any, kind: str) -> str | None:
    """What is wrong with one numeric field's value, or None."""
    number = _as_number(value)
    if number is None:
        return None  # not a number at all: the type checker says so
    shown = _shown(value)
    if isinstance(number, float) and not math.isfinite(number):
        return f"{shown} is not a finite number; write the number itself (e.g. 2400000)"
    if kind == "version":
        if number > MAX_VERSION:
            return (
                f"{shown} is not a usable version; versions count up from 1 "
                f"(at most {MAX_VERSION:,})"
            )
        return None
    if abs(number) > MAX_MAGNITUDE:
        return (
            f"{shown} is larger than a spreadsheet keeps exactly (at most 1e15); "
            "count in a larger unit (thousands, millions)"
        )
    if kind == "positive" and 0 < number < 1 / MAX_MAGNITUDE:
        return f"{shown} is too small to count deals with; give the average deal size"
    return None


def _date_fields(data: dict[str, Any]) -> Iterator[tuple[Path_, Any]]:
    if "start" in data:
        yield ("start",), data["start"]
    for section, key in (("goals", "deadline"), ("milestones", "due"), ("actions", "due")):
        for i, item in _items(data, section):
            if key in item:
                yield (section, i, key), item[key]


def number_problems(src: Source) -> list[Problem]:
    """Every numeric field that is not finite or is absurd, and every date no
    spreadsheet holds (before 1900 or after 9999), one problem each."""
    data = src.data if isinstance(src.data, dict) else {}
    out = []
    for path, value, kind in _numeric_fields(data):
        message = _number_problem(value, kind)
        if message is not None:
            out.append(src.problem(path, message, "bad-number"))
    for path, value in _date_fields(data):
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value).strip())
        except ValueError:
            continue  # not a date at all: the type checker says so
        if day < FIRST_DATE:
            out.append(
                src.problem(
                    path,
                    f"{day} is before {FIRST_DATE}, the first date a spreadsheet holds",
                    "bad-date",
                )
            )
    return out


# --- the plan's size, counted before it is planned ---------------------------


def _months_back(d: date, months: int, month_end: bool) -> date:
    """The planner's step back (kept identical; a test compares the counts)."""
    y, m = divmod(d.month - 1 - months, 12)
    year, month = d.year + y, m + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if month_end else min(d.day, last))


def count_windows(start: date, deadline: date, cadence: str) -> int:
    """How many due dates :func:`backplan_xlsx.planner.due_dates` lays, without laying them."""
    if deadline <= start:
        return 0
    if cadence == "weekly":
        return -(-(deadline - start).days // 7)
    step = 3 if cadence == "quarterly" else 1
    month_end = deadline.day == calendar.monthrange(deadline.year, deadline.month)[1]
    months = (deadline.year - start.year) * 12 + deadline.month - start.month
    n = max(1, months // step)  # the first step back that reaches the start, found nearby

    def reaches_start(k: int) -> bool:
        if (deadline.year * 12 + deadline.month - 1) - k * step < 12:  # before year 1
            return True
        return _months_back(deadline, k * step, month_end) <= start

    while not reaches_start(n):
        n += 1
    while n > 1 and reaches_start(n - 1):
        n -= 1
    return n


def _funnel_size(
    plan: Plan, index: int, goal: Goal, src: Source, explicit: Sequence[Any]
) -> tuple[int, Problem | None]:
    """The actions a funnel goal makes, or the problem of a stage count out of bounds."""
    from .planner import plan_milestones

    funnel = goal.funnel
    assert funnel is not None
    milestones, found = plan_milestones(plan, index, explicit, 1)
    if found:
        return 0, None  # the planner reports these itself
    from .planner import FairSplit

    shares = [o.share_of(goal.id) for o in plan.owners if o.share_of(goal.id) > 0]
    fair = [FairSplit(shares) for _ in range(len(funnel.stages) + 1)]  # as the planner splits
    total = 0
    for m in milestones:
        count = (m.target - m.start_value) / funnel.deal_size  # a fall plans no deals
        path: Path_ = ("goals", index, "funnel", "deal_size")
        what = "deals"
        stages = [(None, 1.0), *((s, s.conversion) for s in funnel.stages)]
        for j, (stage, conversion) in enumerate(stages):
            if stage is not None:
                count /= conversion
                path, what = ("goals", index, "funnel", "stages", j - 1, "conversion"), stage.name
            if not count > 0:
                break
            if count > MAX_FUNNEL_COUNT:
                return 0, src.problem(
                    path,
                    f"the funnel asks for {count:,.0f} {what!r} in the window ending {m.due} "
                    f"(at most {MAX_FUNNEL_COUNT:,} a window); use a larger deal size or "
                    "higher conversion rates",
                    "funnel-too-large",
                )
            count = math.ceil(count - _CEIL_SLACK)
            total += sum(1 for part in fair[j].split(int(count)) if part > 0)
    return total, None


def size_problems(plan: Plan, src: Source, explicit: Any) -> list[Problem]:
    """The plan's actions and rows counted before planning; over the limits is a problem.

    Args:
        plan: the plan as the spec gives it (no milestones or actions yet).
        src: the parsed spec, for lines.
        explicit: the spec's own milestones and actions (``ExplicitParts``).
    """
    windows = []
    for goal in plan.goals:
        mine = [m for m in explicit.milestones if m.goal == goal.id]
        windows.append(len(mine) or count_windows(plan.start, goal.deadline, goal.cadence))
    fixed = len(plan.goals) + len(plan.owners) + len(plan.anti_goals)
    rows = _too_many_rows(src, plan, windows, fixed, 0)
    if rows:
        return rows
    per_goal = []
    for i, goal in enumerate(plan.goals):
        if goal.funnel is None:
            per_goal.append(0)
            continue
        mine = [m for m in explicit.milestones if m.goal == goal.id]
        made, problem = _funnel_size(plan, i, goal, src, mine)
        if problem is not None:
            return [problem]
        per_goal.append(made)
    actions = sum(per_goal) + len(explicit.actions)
    if actions > layout.MAX_ACTIONS:
        biggest = max(range(len(per_goal)), key=lambda i: per_goal[i])
        detail = ", ".join(f"{g.id}: {n:,}" for g, n in zip(plan.goals, per_goal, strict=True) if n)
        return [
            src.problem(
                ("goals", biggest, "funnel"),
                f"the plan would make {actions:,} actions ({detail}); the limit is "
                f"{layout.MAX_ACTIONS:,}. Put fewer owners on the funnel, use a larger deal "
                "size or a longer cadence",
                "plan-too-large",
            )
        ]
    return _too_many_rows(src, plan, windows, fixed, actions)


def _too_many_rows(
    src: Source, plan: Plan, windows: Sequence[int], fixed: int, actions: int
) -> list[Problem]:
    """A sheet that would pass the rows a workbook holds, named with its figure."""
    milestones = sum(windows)
    sheets = {
        layout.GOALS: len(plan.goals),
        layout.MILESTONES: milestones,
        layout.ACTIONS: actions,
        layout.OWNERS: len(plan.owners),
        layout.ANTI_GOALS: len(plan.anti_goals),
        # One line per built row, the as-built record readers compare against.
        layout.META: fixed + milestones + actions,
    }
    sheet, rows = max(sheets.items(), key=lambda kv: kv[1])
    if rows + HEADER_ROWS <= layout.MAX_SHEET_ROWS:
        return []
    biggest = max(range(len(windows)), key=lambda i: windows[i])
    goal = plan.goals[biggest]
    return [
        src.problem(
            ("goals", biggest, "cadence"),
            f"the {sheet} sheet would need {rows + HEADER_ROWS:,} rows ({milestones:,} "
            f"milestones; {goal.id} alone has {windows[biggest]:,} {goal.cadence} windows); "
            f"a workbook holds {layout.MAX_SHEET_ROWS:,}. Use a longer cadence or a nearer "
            "deadline",
            "plan-too-large",
        )
    ]
