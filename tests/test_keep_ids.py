"""``build --keep`` from an edited spec: every row keeps its id, new rows get new ones.

Copies of the old version come back later and are carried forward by row
id, and the history is kept by id, so an id must go on meaning the same
row: the September milestone stays M15 when the June one is removed, and
Aisha's action stays hers when Lena joins the team. A new row gets a number
the old plan never used, and a removed row's id is not given to another.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from backplan_xlsx import layout
from backplan_xlsx.model import Action, Owner, Plan
from backplan_xlsx.planner import ExplicitAction, ExplicitMilestone, ExplicitParts, plan_backward
from backplan_xlsx.reader import read_details, read_workbook
from backplan_xlsx.rekey import keep_ids
from backplan_xlsx.replan import replan
from backplan_xlsx.spec import read_spec
from tests.conftest import TEMPLATES
from tests.workbooks import build, built_by_cli, header_col, row_of, run

AS_OF = "2027-02-28"
LENA = (
    "  - name: Lena Park\n    role: Account executive\n    email: lena@example.com\n"
    "    team: East\n    shares: {G1: 0.05}\n"
)


def _number(rid: str) -> int:
    return int(re.sub(r"\D", "", rid))


def _edited(spec: Path, plan: Plan) -> Path:
    """The spec without G2's June milestone, with Lena taking half of Dana's G1 share."""
    text = spec.read_text(encoding="utf-8")
    g2 = [m for m in plan.milestones_of("G2") if m.due != date(2027, 6, 30)]
    assert len(g2) == 3
    rows = "".join(f"  - {{goal: G2, due: {m.due}, target: {m.target}}}\n" for m in g2)
    text = text.replace("milestones: []\n", "milestones:\n" + rows)
    text = text.replace(
        "shares: {G1: 0.10, G2: 0.10, G3: 1.0}", "shares: {G1: 0.05, G2: 0.10, G3: 1.0}"
    )
    text = text.replace("\n# Optional: milestones", LENA + "\n# Optional: milestones", 1)
    out = spec.with_name("edited.yaml")
    out.write_text(text, encoding="utf-8")
    assert "Lena Park" in out.read_text(encoding="utf-8")
    return out


def _aishas_late_action(plan: Plan) -> Action:
    """One of Aisha's G1 actions late in the year (Lena's would take its number)."""
    return next(
        a
        for a in plan.actions
        if a.owner == "Aisha Okafor" and a.goal == "G1" and a.due > date(2027, 7, 1)
    )


def _mark_done(path: Path, out: Path, aid: str) -> Path:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb[layout.ACTIONS]
    ws.cell(row_of(ws, aid), header_col(ws, "Done"), "yes")
    ws.cell(row_of(ws, aid), header_col(ws, "Notes"), f"typed on {aid}")
    wb.save(out)
    return out


def _rebuilt(sales_spec: Path, tmp_path: Path) -> tuple[Plan, Plan, Path, Path, Action]:
    old_path = built_by_cli(sales_spec, tmp_path / "old.xlsx", AS_OF)
    old = read_workbook(old_path).plan
    aisha = _aishas_late_action(old)
    # Somebody's copy of the old version, with a Done mark, comes back later.
    returned = _mark_done(old_path, tmp_path / "aisha-old-copy.xlsx", aisha.id)
    edited = _edited(sales_spec, old)
    new_path = tmp_path / "new.xlsx"
    result = run("build", edited, "-o", new_path, "--keep", old_path, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return old, read_workbook(new_path).plan, new_path, returned, aisha


def test_every_row_keeps_its_id_and_new_rows_get_new_ones(sales_spec: Path, tmp_path: Path) -> None:
    old, new, new_path, _, aisha = _rebuilt(sales_spec, tmp_path)
    assert new.version == old.version + 1
    old_ms = {(m.goal, m.due): m.id for m in old.milestones}
    for m in new.milestones:
        assert m.id == old_ms[(m.goal, m.due)], m  # no milestone was added
    removed = old_ms[("G2", date(2027, 6, 30))]
    assert removed not in {m.id for m in new.milestones}
    assert {m.id for m in new.milestones} == set(old_ms.values()) - {removed}
    old_owners = {o.name: o.id for o in old.owners}
    highest = max(_number(i) for i in old_owners.values())
    for o in new.owners:
        assert o.id == old_owners.get(o.name, f"O{highest + 1}"), o
    old_actions = {a.id: a for a in old.actions}
    top = max(_number(i) for i in old_actions)
    lenas = [a for a in new.actions if a.owner == "Lena Park"]
    assert lenas and all(_number(a.id) > top for a in lenas)
    for a in new.actions:
        was = old_actions.get(a.id)
        if was is not None:  # an old id still names the same person's action that day
            assert (was.goal, was.owner, was.due) == (a.goal, a.owner, a.due), (was, a)
        else:
            assert _number(a.id) > top, a
    assert new.actions[[a.id for a in new.actions].index(aisha.id)].owner == "Aisha Okafor"
    # Numbered by position, the edited spec gives Aisha's id to another row.
    planned = {a.id: a for a in read_spec(tmp_path / "edited.yaml")[0].actions}
    assert (planned[aisha.id].owner, planned[aisha.id].due) != (aisha.owner, aisha.due)


def test_references_and_the_record_follow_the_kept_ids(sales_spec: Path, tmp_path: Path) -> None:
    _, new, new_path, _, _ = _rebuilt(sales_spec, tmp_path)
    milestones = {m.id: m for m in new.milestones}
    for a in new.actions:  # each action under a milestone of its goal, due on or after it
        home = milestones[a.milestone]
        assert home.goal == a.goal and home.due >= a.due, (a, home)
    details = read_details(new_path, with_record=True)
    recorded = details.identity.recorded
    assert set(recorded[layout.MILESTONES]) == set(milestones)
    assert set(recorded[layout.ACTIONS]) == {a.id for a in new.actions}
    assert set(recorded[layout.OWNERS]) == {o.id for o in new.owners}
    assert not [p for p in details.snapshot.problems if p.severity == "error"]
    # check finds nothing the old workbook does not have (no id changed, no row added).
    said = [run("check", p, "--as-of", AS_OF).stdout for p in (new_path, tmp_path / "old.xlsx")]
    assert said[0].replace("new.xlsx", "old.xlsx") == said[1]


def test_an_old_copys_done_mark_lands_on_the_same_action(sales_spec: Path, tmp_path: Path) -> None:
    _, new, new_path, returned, aisha = _rebuilt(sales_spec, tmp_path)
    merged = tmp_path / "merged.xlsx"
    result = run("merge", new_path, returned, "-o", merged, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    snap = read_workbook(merged)
    assert {aid for aid, v in snap.done.items() if v} == {aisha.id}
    assert snap.notes == {aisha.id: f"typed on {aisha.id}"}
    action = next(a for a in snap.plan.actions if a.id == aisha.id)
    assert (action.owner, action.due, action.goal) == (aisha.owner, aisha.due, aisha.goal)


def test_collect_files_an_old_copys_done_mark_on_the_same_action(
    sales_spec: Path, tmp_path: Path
) -> None:
    _, _, new_path, returned, aisha = _rebuilt(sales_spec, tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(new_path, inbox / "new.xlsx")
    shutil.copy(returned, inbox / "aisha-old-copy.xlsx")
    out = tmp_path / "rollup.xlsx"
    history = tmp_path / "history.sqlite"
    result = run("collect", inbox, "-o", out, "--as-of", AS_OF, "--history", history)
    assert result.exit_code == 0, result.output
    shown = run("history", "--history", history, "--kind", "action", "--format", "json")
    assert shown.exit_code == 0, shown.output
    done = [r for r in json.loads(shown.stdout)["rows"] if r["status"] == "Done"]
    assert [(r["id"], r["name"]) for r in done] == [(aisha.id, aisha.action)], done


def test_a_rebuild_over_a_newer_version_goes_above_it(sales_spec: Path, tmp_path: Path) -> None:
    old = built_by_cli(sales_spec, tmp_path / "old.xlsx", AS_OF)
    out = tmp_path / "new.xlsx"
    first = run("build", sales_spec, "-o", out, "--keep", old, "--as-of", AS_OF)
    assert first.exit_code == 0 and read_workbook(out).plan.version == 2
    again = run("build", sales_spec, "-o", out, "--keep", old, "--as-of", AS_OF)
    assert again.exit_code == 0, again.output
    assert read_workbook(out).plan.version == 3
    assert "held version 2" in again.stderr and "version 3" in again.stderr
    (backup,) = tmp_path.glob("new.*.bak.xlsx")
    assert read_workbook(backup).plan.version == 2


def test_a_spec_version_above_the_old_one_is_kept(sales_spec: Path, tmp_path: Path) -> None:
    old = built_by_cli(sales_spec, tmp_path / "old.xlsx", AS_OF)
    text = sales_spec.read_text(encoding="utf-8")
    sales_spec.write_text(re.sub(r"(?m)^version: 1\b", "version: 5", text), "utf-8")
    out = tmp_path / "new.xlsx"
    result = run("build", sales_spec, "-o", out, "--keep", old, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert read_workbook(out).plan.version == 5


# --- the rule, for any removal or addition of milestones and owners ----------

_BASE = read_spec(TEMPLATES / "sales.yaml")[0]
_HAND = ExplicitAction(
    0, "G1", "Run the Q1 customer reference webinar", "Dana Whitfield", date(2027, 2, 26)
)


@st.composite
def _edits(draw: Any) -> tuple[Plan, ExplicitParts]:
    """The template with some owners gone, some added, and some milestones removed."""
    owners = [o for o in _BASE.owners if draw(st.booleans()) or o.name == "Dana Whitfield"]
    for k in range(draw(st.integers(0, 2))):
        share = draw(st.sampled_from((0.05, 0.1, 0.3)))
        goals = draw(st.lists(st.sampled_from(("G1", "G2")), min_size=1, max_size=2, unique=True))
        owners.append(Owner(f"N{k}", f"Newcomer {k}", shares=tuple((g, share) for g in goals)))
    owners = [replace(o, id=f"O{j + 1}") for j, o in enumerate(owners)]
    explicit = []
    for goal in _BASE.goals:
        ms = _BASE.milestones_of(goal.id)
        kept = [m for m in ms[:-1] if draw(st.booleans())] + [ms[-1]]
        if len(kept) < len(ms):
            explicit += [ExplicitMilestone(0, m.goal, m.due, m.target) for m in kept]
    plan = replace(_BASE, owners=tuple(owners), milestones=(), actions=())
    return plan, ExplicitParts(milestones=tuple(explicit), actions=(_HAND,))


@settings(max_examples=40, deadline=None)
@given(_edits())
def test_every_surviving_row_keeps_its_id(edit: tuple[Plan, ExplicitParts]) -> None:
    old = _BASE
    new, _ = keep_ids(old, plan_backward(*edit))
    ms_old = {(m.goal, m.due): m.id for m in old.milestones}
    top_m = max(_number(m.id) for m in old.milestones)
    for m in new.milestones:
        assert m.id == ms_old.get((m.goal, m.due)) or _number(m.id) > top_m
    owners_old = {o.name: o.id for o in old.owners}
    for o in new.owners:
        assert o.id == owners_old.get(o.name) or (
            o.name not in owners_old and _number(o.id) > len(old.owners)
        )
    key = {a.id: (a.goal, a.owner, a.due, a.action) for a in old.actions}
    top_a = max(_number(a.id) for a in old.actions)
    once_old = [k for k in key.values() if list(key.values()).count(k) == 1]
    new_keys = [(a.goal, a.owner, a.due, a.action) for a in new.actions]
    for a, k in zip(new.actions, new_keys, strict=True):
        was = key.get(a.id)
        assert was is None and _number(a.id) > top_a or was is not None and was[:3] == k[:3]
        if k in once_old and new_keys.count(k) == 1:  # the very same row: the same id
            assert key[a.id] == k
    milestones = {m.id: m for m in new.milestones}
    for a in new.actions:
        assert milestones[a.milestone].goal == a.goal
    for rows in (new.milestones, new.actions, new.owners, new.anti_goals):
        assert len({r.id for r in rows}) == len(rows)


def test_an_id_dropped_from_the_top_is_never_given_again(tmp_path: Path) -> None:
    """v2 loses the row of the highest action id; v3 and a re-plan number above it."""
    unplanned = replace(_BASE, milestones=(), actions=())
    hand = ExplicitParts(actions=(_HAND,))
    top = max(_number(a.id) for a in _BASE.actions)
    v2, _ = keep_ids(_BASE, replace(_BASE, actions=_BASE.actions[:-1]))
    assert max(_number(a.id) for a in v2.actions) == top - 1
    assert f"A{top}" in v2.used_ids
    # The workbook remembers it (``_backplan``), and so every later version does.
    read = read_workbook(build(replace(v2, version=2), tmp_path / "v2.xlsx")).plan
    assert read.used_ids == v2.used_ids
    newcomer = Owner("O9", "Newcomer", shares=(("G1", 0.1),))
    v3, _ = keep_ids(read, plan_backward(replace(unplanned, owners=(*v2.owners, newcomer)), hand))
    fresh = [a for a in v3.actions if a.id not in {b.id for b in read.actions}]
    assert fresh and all(_number(a.id) > top for a in fresh)
    replanned, _ = replan(read, (), date(2027, 5, 31))
    new_ids = {a.id for a in replanned.actions} - {a.id for a in read.actions}
    assert new_ids and all(_number(i) > top for i in new_ids)


def test_a_goal_keeps_the_id_its_spec_gives_and_its_check_ins_follow(
    sales_spec: Path, tmp_path: Path
) -> None:
    import openpyxl

    old = built_by_cli(sales_spec, tmp_path / "old.xlsx", AS_OF)
    wb = openpyxl.load_workbook(old)
    ws = wb[layout.CHECK_INS]
    typed = {"Date": date(2027, 2, 3), "Goal": "G1", "Owner": "Ravi Patel", "Value": 40_000}
    for col, value in typed.items():
        ws.cell(2, header_col(ws, col), value)
    wb.save(old)
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(re.sub(r"\bG1\b", "G9", sales_spec.read_text(encoding="utf-8")), "utf-8")
    new = tmp_path / "new.xlsx"
    result = run("build", renamed, "-o", new, "--keep", old, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    snap = read_workbook(new)
    assert [g.id for g in snap.plan.goals] == ["G9", "G2", "G3", "G4"]
    assert [(c.goal, c.owner, c.value) for c in snap.check_ins] == [("G9", "Ravi Patel", 40_000)]
    before = {(a.owner, a.due, a.action): a.id for a in read_workbook(old).plan.actions}
    assert {(a.owner, a.due, a.action): a.id for a in snap.plan.actions} == before
