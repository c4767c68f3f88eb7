"""A goal's curve and funnel live in the workbook, so replan keeps the plan's shape."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings

from backplan_xlsx import layout, layout_meta
from backplan_xlsx.cli import main
from backplan_xlsx.goalsettings import GoalSettings, decode_settings, encode_settings
from backplan_xlsx.model import Goal, Plan
from backplan_xlsx.planner import CATCH_UP, curve_fractions, due_dates, funnel_count
from backplan_xlsx.reader import read_workbook
from backplan_xlsx.spec import load_spec
from tests.strategies import plans

AS_OF = date(2027, 1, 31)


def _invoke(*args: str) -> None:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output


def _built(sales_spec: Path, tmp_path: Path) -> Path:
    out = tmp_path / "plan.xlsx"
    _invoke("build", str(sales_spec), "-o", str(out), "--as-of", AS_OF.isoformat())
    return out


def _per_day(plan: Plan, goal: Goal) -> list[float]:
    """Each remaining window's increment per day (a short first window is not a slow one)."""
    ms = [m for m in plan.milestones_of(goal.id) if m.due > AS_OF]
    return [(m.target - m.start_value) / (m.due - m.start).days for m in ms]


@pytest.mark.parametrize(("gid", "curve"), [("G1", "back-loaded"), ("G2", "front-loaded")])
def test_replan_follows_the_goals_curve(
    sales_spec: Path, tmp_path: Path, gid: str, curve: str
) -> None:
    new = tmp_path / "new.xlsx"
    _invoke("replan", str(_built(sales_spec, tmp_path)), "-o", str(new), "--as-of", "2027-01-31")
    plan = read_workbook(new).plan
    goal = plan.goal(gid)
    assert goal.curve == curve
    remaining = [m for m in plan.milestones_of(gid) if m.due > AS_OF]
    dues = due_dates(AS_OF, goal.deadline, goal.cadence)
    assert [m.due for m in remaining] == dues
    # No check-ins yet: the path runs from the baseline by the planner's own curve.
    fractions = curve_fractions(curve, AS_OF, dues)
    for m, frac in zip(remaining, fractions, strict=True):
        assert m.target == pytest.approx(
            goal.baseline + (goal.target - goal.baseline) * frac, abs=0.01
        )
    steps = _per_day(plan, goal)
    if curve == "back-loaded":
        assert steps == sorted(steps) and steps[-1] > 2 * steps[1]
    else:
        assert steps == sorted(steps, reverse=True) and steps[0] > 2 * steps[-1]


def test_replan_derives_the_remaining_funnel_actions_once(sales_spec: Path, tmp_path: Path) -> None:
    built = _built(sales_spec, tmp_path)
    new = tmp_path / "new.xlsx"
    _invoke("replan", str(built), "-o", str(new), "--as-of", AS_OF.isoformat())
    plan = read_workbook(new).plan
    goal = plan.goal("G1")
    remaining = {m.id for m in plan.milestones_of("G1") if m.due > AS_OF}
    steps = Counter(
        (a.milestone, a.owner, a.action.removeprefix(CATCH_UP).split()[0])
        for a in plan.actions
        if a.milestone in remaining and funnel_count(goal, a.action) is not None
    )
    assert steps and max(steps.values()) == 1  # one close, open and qualify step each
    assert {m for m, _, _ in steps} == remaining


def test_curve_and_funnel_survive_build_split_merge_replan(
    sales_spec: Path, tmp_path: Path
) -> None:
    text = sales_spec.read_text()
    # G3 (quarterly) gets explicit weights instead of its straight line.
    g3 = text.index("id: G3")
    text = text[:g3] + text[g3:].replace("curve: linear", "curve: [1, 2, 3, 4]", 1)
    sales_spec.write_text(text)
    spec = load_spec(sales_spec)
    built = _built(sales_spec, tmp_path)
    parts = tmp_path / "parts"
    _invoke("split", str(built), "-o", str(parts))
    merged = tmp_path / "merged.xlsx"
    _invoke("merge", *[str(p) for p in sorted(parts.glob("*.xlsx"))], "-o", str(merged))
    new = tmp_path / "new.xlsx"
    _invoke("replan", str(merged), "-o", str(new), "--as-of", "2027-04-15")
    for read in (read_workbook(p).plan for p in [*parts.glob("*.xlsx"), merged, new]):
        for g in spec.goals:
            assert (read.goal(g.id).curve, read.goal(g.id).funnel) == (g.curve, g.funnel)


def _drop_key(path: Path, key: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[layout.META]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == key)
    ws.cell(row, 1).value = None
    ws.cell(row, 2).value = None
    wb.save(path)


def test_an_older_workbook_plans_straight_lines_with_a_note(
    sales_spec: Path, tmp_path: Path
) -> None:
    built = _built(sales_spec, tmp_path)
    _drop_key(built, layout_meta.META_GOAL_SETTINGS)
    snapshot = read_workbook(built)
    assert [g.curve for g in snapshot.plan.goals] == ["linear"] * 4
    assert snapshot.plan.goal("G1").funnel is None
    notes = [p for p in snapshot.problems if p.code == "no-goal-settings"]
    assert len(notes) == 1 and "older backplan" in notes[0].message
    assert notes[0].severity == "warning"


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"G1":{"curve":"wiggly"}}',
        '{"G1":{"curve":[1,"x"]}}',
        '{"G1":{"funnel":{"deal":-1,"cycle":90,"close":"c","stages":[]}}}',
    ],
)
def test_an_edited_record_is_not_trusted(text: str) -> None:
    assert decode_settings(text) is None


@settings(max_examples=50, deadline=None)
@given(plans())
def test_settings_round_trip(plan: Plan) -> None:
    got = decode_settings(encode_settings(plan.goals))
    assert got is not None
    for g in plan.goals:
        found = got.get(g.id, GoalSettings())
        assert (found.curve, found.funnel) == (g.curve, g.funnel)


def test_the_record_stays_within_a_cell(sales_plan: Plan) -> None:
    from dataclasses import replace

    heavy = replace(sales_plan.goals[0], curve=tuple(float(i) + 0.123456789 for i in range(9000)))
    text = encode_settings((heavy, *sales_plan.goals[1:]))
    assert len(text) <= 32_000
    got = decode_settings(text)
    assert got is not None and got["G1"].curve == "linear" and got["G1"].funnel is not None
