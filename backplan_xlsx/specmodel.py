"""The spec's shape as pydantic models: types, ranges and required fields.

Kept apart from :mod:`backplan_xlsx.spec` so that pydantic is imported only
when a spec is actually read. Unknown fields are refused (a typo such as
``dealine`` must not pass silently).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .planner import ExplicitAction, ExplicitMilestone, ExplicitParts

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Ratio = Annotated[float, Field(gt=0, le=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StageSpec(_Strict):
    name: Text
    conversion: Ratio
    days: Annotated[int, Field(ge=0, le=3650)] | None = None


class FunnelSpec(_Strict):
    deal_size: Annotated[float, Field(gt=0)]
    sales_cycle_days: Annotated[int, Field(ge=0, le=3650)] = 90
    stages: Annotated[list[StageSpec], Field(min_length=1, max_length=8)]
    close_action: str = "Close {n} deals"


class GoalSpec(_Strict):
    id: str | None = None
    name: Text
    metric: str = ""
    unit: str = ""
    baseline: float = 0.0
    target: float
    deadline: date
    cadence: Literal["weekly", "monthly", "quarterly"] = "monthly"
    curve: (
        Literal["linear", "front-loaded", "back-loaded"] | list[Annotated[float, Field(ge=0)]]
    ) = "linear"
    #: None: ``latest`` for a ``%`` goal (a reading), else ``sum``.
    measure: Literal["sum", "latest"] | None = None
    why: str = ""
    owner: str = ""
    funnel: FunnelSpec | None = None

    @field_validator("curve")
    @classmethod
    def _weights_positive(cls, v: str | list[float]) -> str | list[float]:
        if isinstance(v, list) and (not v or sum(v) <= 0):
            raise ValueError("explicit weights must be a non-empty list with a positive sum")
        return v


class OwnerSpec(_Strict):
    name: Text
    role: str = ""
    email: str = ""
    team: str = ""
    shares: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(default_factory=dict)


class MilestoneSpec(_Strict):
    goal: str
    due: date
    target: float
    name: str = ""


class ActionSpec(_Strict):
    goal: str
    action: Text
    owner: str
    due: date


class AntiGoalSpec(_Strict):
    avoid: Text
    instead: Text
    rationale: str = ""
    goal: str = ""
    owner: str = ""
    metric: str = ""
    limit: float | None = None
    direction: Literal["max", "min"] = "max"
    review_every_days: Annotated[int, Field(ge=1, le=3650)] = 30


class ThresholdsSpec(_Strict):
    on_track: Ratio = 0.95
    at_risk: Ratio = 0.80


class PlanSpec(_Strict):
    plan: Text
    id: str = ""
    version: Annotated[int, Field(ge=1)] = 1
    description: str = ""
    start: date
    goals: Annotated[list[GoalSpec], Field(min_length=1, max_length=50)]
    owners: Annotated[list[OwnerSpec], Field(min_length=1, max_length=500)]
    milestones: list[MilestoneSpec] = Field(default_factory=list)
    actions: list[ActionSpec] = Field(default_factory=list)
    anti_goals: list[AntiGoalSpec] = Field(default_factory=list)
    thresholds: ThresholdsSpec = Field(default_factory=ThresholdsSpec)

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
