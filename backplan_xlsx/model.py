"""The plan as a sales manager names it: frozen dataclasses, no behaviour.

These are what the spec loader produces, what the planner fills in, what the
writer lays out and what the reader recovers from a returned workbook. Ids
(G1, M1, A1, O1, X1) are stable: the same spec always gives the same ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from .errors import Problem

Cadence = Literal["weekly", "monthly", "quarterly"]
Measure = Literal["sum", "latest"]
Direction = Literal["max", "min"]
CurveName = Literal["linear", "front-loaded", "back-loaded"]
#: What a Done cell holds as typed: a word, a checkbox's TRUE, a number or a date.
DoneMark = str | float | bool | date | datetime


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Ratios of the expected pace: at or above ``on_track`` is On track."""

    on_track: float = 0.95
    at_risk: float = 0.80


@dataclass(frozen=True, slots=True)
class Stage:
    """One funnel stage above the closed deal, e.g. opportunities opened.

    ``conversion`` is the share of this stage that reaches the next one down
    (for the first stage, the win rate); ``days`` is how long before the next
    stage's due date this one must happen (for the first stage, the sales
    cycle).
    """

    name: str
    conversion: float
    days: int


@dataclass(frozen=True, slots=True)
class Funnel:
    """How a goal's increments turn into deals, opportunities and leads."""

    deal_size: float
    sales_cycle_days: int
    stages: tuple[Stage, ...]
    close_action: str = "Close {n} deals"


@dataclass(frozen=True, slots=True)
class Goal:
    """A measurable end goal: from ``baseline`` at the plan start to ``target``."""

    id: str
    name: str
    metric: str
    unit: str
    baseline: float
    target: float
    deadline: date
    cadence: Cadence = "monthly"
    curve: CurveName | tuple[float, ...] = "linear"
    measure: Measure = "sum"
    why: str = ""
    owner: str = ""
    funnel: Funnel | None = None


@dataclass(frozen=True, slots=True)
class Owner:
    """A person accountable for shares of goals and for actions."""

    id: str
    name: str
    role: str = ""
    email: str = ""
    team: str = ""
    shares: tuple[tuple[str, float], ...] = ()

    def share_of(self, goal_id: str) -> float:
        """This owner's share of a goal (0 when none)."""
        for gid, share in self.shares:
            if gid == goal_id:
                return share
        return 0.0


@dataclass(frozen=True, slots=True)
class Milestone:
    """A checkpoint: the cumulative ``target`` a goal must reach by ``due``.

    ``start`` and ``start_value`` are the previous milestone's due date and
    target (the plan start and the goal's baseline for the first), kept here
    so status needs no look-back.
    """

    id: str
    goal: str
    name: str
    start: date
    due: date
    start_value: float
    target: float
    owner: str = ""


@dataclass(frozen=True, slots=True)
class Action:
    """Something one owner must do by ``due`` so a milestone can be reached."""

    id: str
    milestone: str
    goal: str
    action: str
    owner: str
    due: date
    count: int | None = None
    stage: str = ""


@dataclass(frozen=True, slots=True)
class AntiGoal:
    """What the team deliberately avoids, and what it does instead."""

    id: str
    avoid: str
    instead: str
    rationale: str = ""
    goal: str = ""
    owner: str = ""
    metric: str = ""
    limit: float | None = None
    direction: Direction = "max"
    review_every_days: int = 30


@dataclass(frozen=True, slots=True)
class CheckIn:
    """One reading: a goal's (or anti-goal's) value on a date, by an owner.

    ``row`` is where it was read from (0 when it did not come from a sheet);
    among readings on the same date, the later row is the later reading.
    ``ref`` is the id of the row it was imported from (a CRM deal id, empty
    when typed by hand), so importing the same deal again adds nothing.
    """

    date: date
    goal: str
    owner: str
    value: float
    comment: str = ""
    row: int = 0
    ref: str = ""
    #: What this row holds in columns a user inserted: (header, value) pairs.
    extra: tuple[tuple[str, object], ...] = ()
    #: The text typed where the value (or date) belongs, as read ("40,000"): the
    #: workbook's formulas ignore text, so the row counts only once a rewrite
    #: writes it as a number (``rules.counts``). Empty for a real number and date.
    #: A goal id typed with spaces around it (" G2") is held here too: the
    #: formulas' SUMIFS match no goal with it, until a rewrite writes the id.
    as_text: str = ""


@dataclass(frozen=True, slots=True)
class UserColumn:
    """A column someone inserted into a table, kept through every rewrite.

    ``values`` pairs row ids (G1, A7, X2…) with what the column holds on that
    row; a Check-ins column keeps its values on each :class:`CheckIn` instead,
    because check-in rows have no id.
    """

    sheet: str
    header: str
    values: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    """A whole plan: what the spec says, plus the planned milestones and actions."""

    id: str
    title: str
    start: date
    goals: tuple[Goal, ...]
    owners: tuple[Owner, ...]
    anti_goals: tuple[AntiGoal, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    actions: tuple[Action, ...] = ()
    thresholds: Thresholds = field(default_factory=Thresholds)
    version: int = 1
    description: str = ""
    #: The owner whose part this is (``backplan split``); empty for the whole plan.
    part: str = ""
    #: On a part: every owner of the whole plan, so an import knows who else owes a part.
    plan_owners: tuple[str, ...] = ()
    #: Per id prefix, the highest id an earlier version used when above this one's rows
    #: (``A187`` after A187's row was removed): never given to another row (``rowids``).
    used_ids: tuple[str, ...] = ()

    def goal(self, goal_id: str) -> Goal:
        """The goal with this id (KeyError when there is none)."""
        for g in self.goals:
            if g.id == goal_id:
                return g
        raise KeyError(goal_id)

    def milestones_of(self, goal_id: str) -> tuple[Milestone, ...]:
        """The goal's milestones in due order."""
        return tuple(m for m in self.milestones if m.goal == goal_id)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A plan as found in a workbook: the plan, and what people typed into it.

    ``done`` maps action ids to what the Done cell holds; ``reviews`` maps
    anti-goal ids to their Last reviewed date; ``as_of`` is a date typed into
    the AsOf cell (None while it holds ``=TODAY()``); ``problems`` are what
    the reader found wrong in the file (cells it could not read, rows left out).
    """

    plan: Plan
    check_ins: tuple[CheckIn, ...] = ()
    done: dict[str, DoneMark] = field(default_factory=dict)
    reviews: dict[str, date] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)
    as_of: date | None = None
    file: str = ""
    notes: dict[str, str] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    #: The inputs' fingerprints recorded when the file was built (``returns.encode``).
    built_inputs: str = ""
    #: Columns users inserted into the tables, in the order found.
    user_columns: tuple[UserColumn, ...] = ()
    #: Fingerprints of the input cells as built (``asbuilt``); None when not recorded.
    built_cells: frozenset[str] | None = None
    #: (sheet, row id) of each row the build record lists that the sheet no longer holds.
    missing_rows: tuple[tuple[str, str], ...] = ()
