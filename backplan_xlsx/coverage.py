"""Pipeline coverage for funnel goals: is there enough open pipeline to close what is left?

The rule of thumb is "3x pipeline"; the right multiple is 1 ÷ win rate (at
a 25% win rate, 4x). So where a plan has a pipeline goal beside its funnel
goal, the roll-up says how much open pipeline the rest of the funnel goal
needs and how much there is:

- the *pipeline goal* is the goal whose name or metric says "pipeline";
- the *funnel goal* is the goal with a funnel in the spec or, read back from
  a workbook (the funnel does not travel in it), the other ``sum`` goal in
  the pipeline goal's unit;
- the *win rate* is the team's latest reading of a goal named "win rate"
  (a share between 0 and 1) when there is one, else the funnel's first
  stage conversion (the planned win rate);
- *left to close* = target − actual of the funnel goal (0 once reached);
  *pipeline needed* = left to close ÷ win rate; *required coverage* =
  1 ÷ win rate;
- *open pipeline* is the pipeline goal's reading when it is measured as
  ``latest`` (a snapshot of open pipeline), else the pipeline created
  (actual − baseline) minus what the funnel goal has won since the start:
  lost deals are not in the workbook, so this is an upper bound;
- *coverage* = open pipeline ÷ left to close.
"""

from __future__ import annotations

from dataclasses import dataclass

from .engine import GoalStatus, StatusReport
from .model import Goal, Plan


@dataclass(frozen=True, slots=True)
class Coverage:
    """One funnel goal's pipeline coverage on the import date."""

    plan: str
    goal: str
    pipeline_goal: str
    left_to_close: float
    win_rate: float
    win_rate_from: str
    required_coverage: float
    pipeline_needed: float
    open_pipeline: float
    coverage: float | None

    @property
    def covered(self) -> bool:
        """Whether the open pipeline is at least what the win rate requires."""
        return self.open_pipeline >= self.pipeline_needed


def _says(goal: Goal, word: str) -> bool:
    return word in goal.name.casefold() or word in goal.metric.casefold()


def _win_rate(plan: Plan, report: StatusReport, funnel_goal: Goal) -> tuple[float, str] | None:
    by_id = {g.id: g for g in report.goals}
    for g in plan.goals:
        reading = by_id.get(g.id)
        usable = reading is not None and 0 < reading.actual <= 1
        if usable and reading is not None and _says(g, "win rate") and g.measure == "latest":
            return reading.actual, f"{g.id} reading"
    if funnel_goal.funnel is not None and funnel_goal.funnel.stages:
        rate = funnel_goal.funnel.stages[0].conversion
        if 0 < rate <= 1:
            return rate, f"{funnel_goal.id} funnel"
    return None


def plan_coverage(plan: Plan, report: StatusReport) -> list[Coverage]:
    """The coverage of each funnel goal that has a pipeline goal beside it (see the module)."""
    pipelines = [g for g in plan.goals if _says(g, "pipeline")]
    out = []
    by_id: dict[str, GoalStatus] = {g.id: g for g in report.goals}
    for p in pipelines:
        funnel = [g for g in plan.goals if g.funnel is not None and g.id != p.id]
        if not funnel:
            funnel = [
                g
                for g in plan.goals
                if g.id != p.id
                and g.measure == "sum"
                and g.unit == p.unit
                and g.target > g.baseline
            ]
        for f in funnel:
            rate = _win_rate(plan, report, f)
            if rate is None or f.id not in by_id or p.id not in by_id:
                continue
            fs, ps = by_id[f.id], by_id[p.id]
            left = max(0.0, f.target - fs.actual)
            won = max(0.0, fs.actual - f.baseline)
            if p.measure == "latest":
                open_pipeline = ps.actual
            else:
                open_pipeline = max(0.0, ps.actual - p.baseline - won)
            w, source = rate
            out.append(
                Coverage(
                    plan=plan.id,
                    goal=f.id,
                    pipeline_goal=p.id,
                    left_to_close=left,
                    win_rate=w,
                    win_rate_from=source,
                    required_coverage=1 / w,
                    pipeline_needed=left / w,
                    open_pipeline=open_pipeline,
                    coverage=open_pipeline / left if left else None,
                )
            )
    return out
