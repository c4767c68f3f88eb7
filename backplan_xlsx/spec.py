"""The plan spec: YAML in, a checked :class:`~backplan_xlsx.model.Plan` out.

Validation uses pydantic v2 because it reports *every* field problem at once
with its path. Its ~0.1 s of import and model build is paid only when a
spec needs it: a spec that is plainly right passes msgspec's equivalent
check (:mod:`backplan_xlsx.specfast`, about a millisecond) and never
loads pydantic. Cross-field rules (shares add
up to 1, references exist) are checked here too, so a user sees one line per
problem: ``plan.yaml:14: goals[0].deadline: 2027-13-01 is not a date``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from .errors import Problem, SpecError
from .model import AntiGoal, Funnel, Goal, Owner, Plan, Stage, Thresholds
from .names import person_key
from .yamlsource import Source, parse_yaml, read_yaml

MAX_ANTI_GOALS = 7
MAX_AVOID_CHARS = 120
SHARE_TOLERANCE = 1e-9
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")


def read_spec(path: str | Path) -> tuple[Plan, list[Problem]]:
    """Like :func:`load_spec`, also returning the warnings (too many anti-goals...)."""
    return plan_from_source(read_yaml(Path(path)))


def load_spec(path: str | Path) -> Plan:
    """Read, validate and convert a plan spec; milestones are planned later.

    Returns the plan with no milestones or actions beyond those the spec
    gives explicitly (see :func:`backplan_xlsx.planner.plan_backward`).

    Raises:
        SpecError: with one :class:`Problem` per finding, each naming the file,
            line and field path.
    """
    return plan_from_source(read_yaml(Path(path)))[0]


def load_spec_text(text: str, name: str = "plan.yaml") -> Plan:
    """Like :func:`load_spec`, from text (for tests and templates)."""
    return plan_from_source(parse_yaml(text, name))[0]


def plan_from_source(src: Source) -> tuple[Plan, list[Problem]]:
    """Validate a parsed spec and build the :class:`Plan` (see :func:`load_spec`)."""
    from . import specfast
    from .specbounds import number_problems, size_problems

    problems = list(src.problems)
    numbers = number_problems(src)
    spec: Any = specfast.validate(src.data)
    if spec is None:  # wrong, or unusual: pydantic decides and names every problem
        from pydantic import ValidationError

        from . import specmodel

        try:
            spec = specmodel.PlanSpec.model_validate(src.data)
        except ValidationError as exc:
            # A number that is not finite is one problem: ours, not also a range error.
            said = {p.field for p in numbers}
            problems.extend(p for p in _pydantic_problems(src, exc) if p.field not in said)
    problems.extend(numbers)
    problems.extend(_cross_checks(src))
    problems.sort(key=lambda p: (p.line or 0, p.field))
    errors = [p for p in problems if p.severity == "error"]
    if errors or spec is None:
        raise SpecError(f"{src.file}: {len(errors)} problem(s)", tuple(problems))
    plan = _to_plan(spec)
    too_large = size_problems(plan, src, spec.explicit_parts())
    if too_large:
        raise SpecError(f"{src.file}: the plan is too large", tuple(too_large))
    from .planner import plan_backward

    try:
        planned = plan_backward(plan, explicit=spec.explicit_parts())
    except SpecError as exc:
        raise SpecError(exc.message, _locate(src, exc.problems)) from None
    return planned, [p for p in problems if p.severity == "warning"]


def _locate(src: Source, problems: tuple[Problem, ...]) -> tuple[Problem, ...]:
    """Give planner findings (which know field paths, not lines) their file and line."""
    out = []
    for p in problems:
        path = _parse_path(p.field)
        out.append(
            Problem(p.code, p.severity, p.message, src.file, line=src.line_of(path), field=p.field)
        )
    return tuple(out)


def _parse_path(text: str) -> tuple[str | int, ...]:
    out: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", text):
        out.append(int(index) if index else name)
    return tuple(out)


_MESSAGES = {
    "missing": "missing",
    "extra_forbidden": "unknown field; check its spelling",
    "date_from_datetime_parsing": "{input} is not a date; write it as YYYY-MM-DD",
    "date_parsing": "{input} is not a date; write it as YYYY-MM-DD",
    "date_type": "{input} is not a date; write it as YYYY-MM-DD",
    "date_from_datetime_inexact": "{input} is not a date; write it as YYYY-MM-DD",
    "float_parsing": "{input!r} is not a number",
    "float_type": "{input!r} is not a number",
    "int_parsing": "{input!r} is not a whole number",
    "int_type": "{input!r} is not a whole number",
    "int_from_float": "{input!r} is not a whole number",
    "string_type": "{input!r} is not text",
    "list_type": "should be a list (lines starting with '- ')",
    "dict_type": "should be a mapping of fields",
    "model_type": "should be a mapping of fields",
    "bool_parsing": "{input!r} is not yes/no",
}


def _pydantic_problems(src: Source, exc: Any) -> list[Problem]:
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = tuple(part for part in err["loc"] if not _is_union_tag(part))
        kind = err["type"]
        template = _MESSAGES.get(kind)
        if template is not None:
            message = template.format(input=err.get("input"))
        else:
            message = str(err["msg"])
            if message.startswith("Value error, "):
                message = message[len("Value error, ") :]
        if kind == "literal_error":
            expected = str(err.get("ctx", {}).get("expected", "")).replace("'", "")
            message = f"{err.get('input')!r} is not one of: {expected.replace(' or ', ', ')}"
        if kind == "missing" and loc:
            message = f"missing — {specmodel_hint(loc)}" if specmodel_hint(loc) else "missing"
        out.append(src.problem(loc, message, code=kind.replace("_", "-")))
    return out


def _is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and (
        part.startswith(("literal[", "list[", "function-", "tuple[")) or part in {"str", "float"}
    )


_HINTS = {
    "instead": "say what the team does instead",
    "avoid": "say what the team deliberately avoids",
    "target": "give the number the goal must reach",
    "deadline": "give the date the goal is due, as YYYY-MM-DD",
    "start": "give the date the plan starts, as YYYY-MM-DD",
    "plan": "give the plan a title",
    "goals": "list at least one goal",
    "owners": "list at least one owner",
    "name": "give it a name",
}


def specmodel_hint(loc: tuple[Any, ...]) -> str:
    """What to do about a missing field, by its name."""
    return _HINTS.get(str(loc[-1]), "")


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


def _cross_checks(src: Source) -> list[Problem]:
    """Rules across fields: dates in order, shares add up, references exist.

    They run on the raw document, beside the type checks rather than after
    them, so one pass reports a bad date *and* shares that add up to 1.3.
    A value of the wrong type is the type checker's finding, skipped here.
    """
    data = src.data if isinstance(src.data, dict) else {}
    out: list[Problem] = []
    start = _day(data.get("start"))
    goals = _items(data, "goals")
    goal_ids = [str(g.get("id") or f"G{i + 1}") for i, g in goals]
    owners = _items(data, "owners")
    owner_names = {person_key(str(o.get("name", ""))) for _, o in owners}
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
    if owners:
        for (i, _), gid in zip(goals, goal_ids, strict=True):
            if not math.isnan(totals[gid]) and abs(totals[gid] - 1.0) > SHARE_TOLERANCE:
                out.append(
                    src.problem(
                        ("goals", i),
                        f"owner shares of {gid} add up to {totals[gid]:g}, not 1; "
                        "fix owners[*].shares",
                        "shares-not-one",
                    )
                )
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
    th = data.get("thresholds")
    if isinstance(th, dict):
        on, risk = _num(th.get("on_track", 0.95)), _num(th.get("at_risk", 0.80))
        if on is not None and risk is not None and risk > on:
            out.append(
                src.problem(
                    ("thresholds", "at_risk"),
                    "is above thresholds.on_track; at-risk must be the lower ratio",
                    "bad-thresholds",
                )
            )
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
                f"{target:g} equals the baseline; give a target above it (a goal that "
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


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return slug[:48] or "plan"


def _to_plan(spec: Any) -> Plan:
    goal_ids = spec.goal_ids()
    goals = []
    for gid, g in zip(goal_ids, spec.goals, strict=True):
        funnel = None
        if g.funnel is not None:
            f = g.funnel
            stages = tuple(
                Stage(s.name, s.conversion, s.days if s.days is not None else f.sales_cycle_days)
                if i == 0
                else Stage(s.name, s.conversion, s.days if s.days is not None else 0)
                for i, s in enumerate(f.stages)
            )
            funnel = Funnel(f.deal_size, f.sales_cycle_days, stages, f.close_action)
        owner = g.owner or _largest_share_owner(spec, gid)
        curve = tuple(g.curve) if isinstance(g.curve, list) else g.curve
        goals.append(
            Goal(
                id=gid,
                name=g.name,
                metric=g.metric or g.name,
                unit=g.unit,
                baseline=g.baseline,
                target=g.target,
                deadline=g.deadline,
                cadence=g.cadence,
                curve=curve,
                measure=g.measure or ("latest" if g.unit.strip() == "%" else "sum"),
                why=g.why,
                owner=owner,
                funnel=funnel,
            )
        )
    owners = tuple(
        Owner(
            id=f"O{j + 1}",
            name=unicodedata.normalize("NFC", o.name),
            role=o.role,
            email=o.email,
            team=o.team,
            shares=tuple((gid, o.shares[gid]) for gid in goal_ids if gid in o.shares),
        )
        for j, o in enumerate(spec.owners)
    )
    anti = tuple(
        AntiGoal(
            id=f"X{k + 1}",
            avoid=a.avoid,
            instead=a.instead,
            rationale=a.rationale,
            goal=a.goal,
            owner=a.owner,
            metric=a.metric,
            limit=a.limit,
            direction=a.direction,
            review_every_days=a.review_every_days,
        )
        for k, a in enumerate(spec.anti_goals)
    )
    return Plan(
        id=spec.id or _slug(spec.plan),
        title=spec.plan,
        start=spec.start,
        goals=tuple(goals),
        owners=owners,
        anti_goals=anti,
        thresholds=Thresholds(spec.thresholds.on_track, spec.thresholds.at_risk),
        version=spec.version,
        description=spec.description,
    )


def _largest_share_owner(spec: Any, gid: str) -> str:
    """The goal's accountable owner when the spec names none: the largest share.

    Shares within a percentage point of the largest count as equal, so
    thirds written 0.33, 0.33 and 0.34 (a rounding residue) are a tie, and a
    tie goes to the owner listed first: the spec's order, not arithmetic,
    decides.
    """
    shares = [(o.name, o.shares.get(gid, 0.0)) for o in spec.owners]
    top = max((share for _, share in shares), default=0.0)
    for name, share in shares:
        if share >= top - 0.01 - 1e-9:
            return unicodedata.normalize("NFC", name)
    return ""


def today() -> date:
    """Today's date (one place, so tests and ``--as-of`` agree on what it means)."""
    return date.today()
