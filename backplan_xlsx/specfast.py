"""The spec's shape checked fast (msgspec), for the spec that is right first time.

Most specs are valid, and for those pydantic's import and model build
(about 0.1 s, measured with ``-X importtime``) were half of ``build``'s
time. msgspec checks the same shape in about a millisecond, import
included, but stops at the first problem, and a user must see *every*
problem at once (:mod:`backplan_xlsx.specmodel`). So this check only ever
*accepts*: when it refuses, or when a spec leans on pydantic's lenient
conversions (text with spaces around it, ``"5"`` for a number, a
datetime for a date), :func:`validate` returns None and the pydantic
models decide and report, exactly as before. Its models are as strict as
those or stricter, field for field, with the same names and defaults;
``tests/test_specfast.py`` holds the two side by side.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, field

from .planner import ExplicitAction, ExplicitMilestone, ExplicitParts

Text = Annotated[str, Meta(min_length=1, max_length=2000)]
Ratio = Annotated[float, Meta(gt=0, le=1)]
Days = Annotated[int, Meta(ge=0, le=3650)]


class _Strict(msgspec.Struct, forbid_unknown_fields=True):
    """Unknown fields refused (a typo such as ``dealine`` must not pass), like pydantic's."""


class StageSpec(_Strict, kw_only=True):
    name: Text
    conversion: Ratio
    days: Days | None = None


class FunnelSpec(_Strict, kw_only=True):
    deal_size: Annotated[float, Meta(gt=0)]
    sales_cycle_days: Days = 90
    stages: Annotated[list[StageSpec], Meta(min_length=1, max_length=8)]
    close_action: str = "Close {n} deals"


class GoalSpec(_Strict, kw_only=True):
    id: str | None = None
    name: Text
    metric: str = ""
    unit: str = ""
    baseline: float = 0.0
    target: float
    deadline: date
    cadence: Literal["weekly", "monthly", "quarterly"] = "monthly"
    curve: Literal["linear", "front-loaded", "back-loaded"] | list[Annotated[float, Meta(ge=0)]] = (
        "linear"
    )
    #: None: ``latest`` for a ``%`` goal (a reading), else ``sum``.
    measure: Literal["sum", "latest"] | None = None
    why: str = ""
    owner: str = ""
    funnel: FunnelSpec | None = None


class OwnerSpec(_Strict, kw_only=True):
    name: Text
    role: str = ""
    email: str = ""
    team: str = ""
    shares: dict[str, Annotated[float, Meta(ge=0, le=1)]] = field(default_factory=dict)


class MilestoneSpec(_Strict, kw_only=True):
    goal: str
    due: date
    target: float
    name: str = ""


class ActionSpec(_Strict, kw_only=True):
    goal: str
    action: Text
    owner: str
    due: date


class AntiGoalSpec(_Strict, kw_only=True):
    avoid: Text
    instead: Text
    rationale: str = ""
    goal: str = ""
    owner: str = ""
    metric: str = ""
    limit: float | None = None
    direction: Literal["max", "min"] = "max"
    review_every_days: Annotated[int, Meta(ge=1, le=3650)] = 30


class ThresholdsSpec(_Strict, kw_only=True):
    on_track: Ratio = 0.95
    at_risk: Ratio = 0.80


class PlanSpec(_Strict, kw_only=True):
    plan: Text
    id: str = ""
    version: Annotated[int, Meta(ge=1)] = 1
    description: str = ""
    start: date
    goals: Annotated[list[GoalSpec], Meta(min_length=1, max_length=50)]
    owners: Annotated[list[OwnerSpec], Meta(min_length=1, max_length=500)]
    milestones: list[MilestoneSpec] = field(default_factory=list)
    actions: list[ActionSpec] = field(default_factory=list)
    anti_goals: list[AntiGoalSpec] = field(default_factory=list)
    thresholds: ThresholdsSpec = field(default_factory=ThresholdsSpec)

    def goal_ids(self) -> list[str]:
        """Each goal's id: its own, or G1, G2... by position."""
        return [g.id or f"G{i + 1}" for i, g in enumerate(self.goals)]

    def owner_names(self) -> set[str]:
        """Every owner's name."""
        return {o.name for o in self.owners}

    def explicit_parts(self) -> ExplicitParts:
        """Milestones and actions the spec gives by hand, with their positions."""
        return ExplicitParts(
            milestones=tuple(
                ExplicitMilestone(i, m.goal, m.due, m.target, m.name)
                for i, m in enumerate(self.milestones)
            ),
            actions=tuple(
                ExplicitAction(i, a.goal, a.action, a.owner, a.due)
                for i, a in enumerate(self.actions)
            ),
        )


def validate(data: Any) -> PlanSpec | None:
    """The spec's models when it is plainly right; None when pydantic must decide.

    None means "not sure", never "wrong": a refusal here, a key with spaces
    around it, text that is only spaces, a number that is not finite, or
    explicit curve weights that add up to nothing all go to
    :mod:`backplan_xlsx.specmodel`, which either accepts the spec the same
    way or reports every problem in it. Text is stripped as pydantic's
    ``str_strip_whitespace`` strips it.
    """
    if not _plain(data):
        return None
    try:
        spec = msgspec.convert(data, PlanSpec)
    except msgspec.ValidationError:
        return None
    if not _strip(spec):
        return None
    for goal in spec.goals:
        if isinstance(goal.curve, list) and sum(goal.curve) <= 0:
            return None
    return spec


_ASCII_SPACE = " \t\n\r\x0b\x0c"


def _plain(value: Any) -> bool:
    """No mapping key with spaces around it and no non-finite number, anywhere."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                if isinstance(key, str) and key != key.strip():
                    return False
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float) and not math.isfinite(item):
            return False
    return True


def _strip(spec: msgspec.Struct) -> bool:
    """Strip every text field in place; False when that is not plainly what pydantic does.

    Only ASCII spaces are stripped here, where pydantic-core strips Unicode
    white space: a text ending in any other space (or stripped to nothing,
    which a required text refuses) goes to pydantic instead.
    """
    stack: list[Any] = [spec]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, msgspec.Struct):
            continue
        for name in node.__struct_fields__:
            value = getattr(node, name)
            if isinstance(value, str):
                stripped = value.strip(_ASCII_SPACE)
                if stripped != value.strip() or (value and not stripped):
                    return False
                if stripped != value:
                    setattr(node, name, stripped)
            elif isinstance(value, msgspec.Struct | list):
                stack.append(value)
    return True
