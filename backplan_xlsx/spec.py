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

import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from .errors import Problem, SpecError
from .model import AntiGoal, Funnel, Goal, Owner, Plan, Stage, Thresholds
from .specrules import MAX_ANTI_GOALS as MAX_ANTI_GOALS  # re-exported: checks uses it
from .specrules import MAX_AVOID_CHARS as MAX_AVOID_CHARS
from .specrules import cross_checks
from .yamlsource import Source, parse_yaml, read_yaml


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
    problems.extend(cross_checks(src))
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


#: Pydantic's bound errors ("Input should be greater than 0"), said as a person would.
_BOUNDS = {
    "greater_than": ("more than", "gt"),
    "greater_than_equal": ("at least", "ge"),
    "less_than": ("less than", "lt"),
    "less_than_equal": ("at most", "le"),
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
        bound = _BOUNDS.get(kind)
        if bound is not None:
            word, key = bound
            limit = err.get("ctx", {}).get(key)
            shown = f"{limit:,.10g}" if isinstance(limit, int | float) else str(limit)
            message = f"{err.get('input')!r} must be {word} {shown}"
        if kind == "too_short":
            least = err.get("ctx", {}).get("min_length", 1)
            message = f"needs at least {least} item{'s' if least != 1 else ''}"
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


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return slug[:48] or "plan"


def _to_plan(spec: Any) -> Plan:
    """The checked spec as the domain model (ids given, defaults filled in)."""
    goal_ids = spec.goal_ids()
    goals = tuple(_to_goal(spec, gid, g) for gid, g in zip(goal_ids, spec.goals, strict=True))
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
        goals=goals,
        owners=owners,
        anti_goals=anti,
        thresholds=Thresholds(spec.thresholds.on_track, spec.thresholds.at_risk),
        version=spec.version,
        description=spec.description,
    )


def _to_funnel(f: Any) -> Funnel:
    """A goal's funnel; the first stage's days default to the sales cycle, the others to 0."""
    stages = tuple(
        Stage(s.name, s.conversion, s.days if s.days is not None else f.sales_cycle_days)
        if i == 0
        else Stage(s.name, s.conversion, s.days if s.days is not None else 0)
        for i, s in enumerate(f.stages)
    )
    return Funnel(f.deal_size, f.sales_cycle_days, stages, f.close_action)


def _to_goal(spec: Any, gid: str, g: Any) -> Goal:
    """One goal: its owner (the largest share when none is named) and its measure's default."""
    return Goal(
        id=gid,
        name=g.name,
        metric=g.metric or g.name,
        unit=g.unit,
        baseline=g.baseline,
        target=g.target,
        deadline=g.deadline,
        cadence=g.cadence,
        curve=tuple(g.curve) if isinstance(g.curve, list) else g.curve,
        measure=g.measure or ("latest" if g.unit.strip() == "%" else "sum"),
        why=g.why,
        owner=g.owner or _largest_share_owner(spec, gid),
        funnel=_to_funnel(g.funnel) if g.funnel is not None else None,
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
