"""A monthly import's files: equal parts of copies held once; one decision per file."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

from backplan_xlsx.intake import (
    FileRead,
    PackedRead,
    SharedInputs,
    classify,
    parts_read_whole,
    plan_rows_wanted,
    read_one,
    read_packed,
    read_whole,
)
from backplan_xlsx.model import CheckIn, Plan, Snapshot
from backplan_xlsx.split import split_plan
from backplan_xlsx.writer import write_workbook

AS_OF = date(2027, 5, 31)


def _copies(tmp_path: Path, plan: Plan, done: object) -> list[Path]:
    ins = (CheckIn(date(2027, 2, 1), plan.goals[0].id, plan.owners[0].name, 5000.0, row=2),)
    first = tmp_path / "a.xlsx"
    snapshot = Snapshot(plan, check_ins=ins, done={plan.actions[0].id: done})  # type: ignore[dict-item]
    write_workbook(snapshot, first, AS_OF)
    second = tmp_path / "b.xlsx"
    shutil.copyfile(first, second)
    return [first, second]


def test_equal_parts_of_two_copies_are_held_once(tmp_path: Path, sales_plan: Plan) -> None:
    from backplan_xlsx.intake import read_one

    paths = _copies(tmp_path, sales_plan, "x")
    shared = SharedInputs()
    first, second = (shared.unpack(read_packed(str(p))) for p in paths)
    assert first.snapshot is not None and second.snapshot is not None
    assert first.snapshot == read_one(str(paths[0])).snapshot
    assert second.snapshot == read_one(str(paths[1])).snapshot
    assert second.path == str(paths[1]) and second.snapshot.file == str(paths[1])
    assert second.snapshot.check_ins is first.snapshot.check_ins
    assert second.snapshot.done is first.snapshot.done
    assert second.snapshot.plan is first.snapshot.plan


def test_values_equal_in_python_but_of_other_types_are_not_shared(sales_plan: Plan) -> None:
    import dataclasses
    import pickle

    def packed(mark: object) -> PackedRead:
        snap = Snapshot(sales_plan, done={"A1": mark})  # type: ignore[dict-item]
        fields = (pickle.dumps(getattr(snap, f.name)) for f in dataclasses.fields(snap))
        return PackedRead(f"{mark!r}.xlsx", 0.0, "", tuple(fields))

    shared = SharedInputs()
    kept = [shared.unpack(packed(m)) for m in (True, 1, 1.0)]
    marks = [k.snapshot.done["A1"] for k in kept if k.snapshot is not None]
    assert [type(m) for m in marks] == [bool, int, float]


def test_classify_gives_every_file_one_decision(sales_plan: Plan) -> None:
    v1 = sales_plan
    v2 = replace(sales_plan, version=2)
    part = replace(v2, part=v2.owners[0].name)

    def got(path: str, plan: Plan | None, modified: float = 1.0) -> FileRead:
        snap = Snapshot(plan) if plan is not None else None
        return FileRead(path, modified, snap, error="" if snap else "is damaged")

    reads = [
        got("/in/broken.xlsx", None),
        got("/in/old.xlsx", v1),
        got("/in/new-a.xlsx", v2, 5.0),
        got("/in/new-b.xlsx", v2, 9.0),
        got("/in/part.xlsx", part),
    ]
    # A part was read whole the first time: only the newest whole copy is read again.
    assert plan_rows_wanted(reads) == ["/in/new-b.xlsx"]
    assert parts_read_whole(reads) == {"/in/part.xlsx": part}
    whole = {"/in/new-b.xlsx": v2, "/in/part.xlsx": part}
    out = {d.name: d for d in classify(reads, whole, [Path("/in")])}
    assert [d.name for d in classify(reads, whole, [Path("/in")])] == sorted(out)
    assert (out["broken.xlsx"].action, out["broken.xlsx"].reason) == ("skip", "is damaged")
    assert out["old.xlsx"].action == "carry" and out["old.xlsx"].plan_rows is None
    assert out["new-a.xlsx"].action == "merge" and out["new-a.xlsx"].plan_rows is v2
    assert out["part.xlsx"].plan_rows is part
    # The newest copy's plan rows could not be read again: its whole copies are skipped.
    again = {d.name: d for d in classify(reads, {"/in/part.xlsx": part}, [Path("/in")])}
    assert (again["new-a.xlsx"].action, again["new-a.xlsx"].reason) == (
        "skip",
        "could not be read again",
    )
    assert again["new-a.xlsx"].version == 2 and again["part.xlsx"].action == "merge"


def test_a_part_is_read_whole_the_first_time(tmp_path: Path, sales_plan: Plan) -> None:
    """Collect reads a part once: the inputs-only read already holds the part's own rows."""
    owner, piece = split_plan(Snapshot(sales_plan))[0]
    path = tmp_path / "part.xlsx"
    write_workbook(piece, path, AS_OF)
    first, again = read_one(str(path)), read_whole(str(path))
    assert first.snapshot is not None and again.snapshot is not None
    assert first.snapshot.plan.part == owner.name
    assert first.snapshot.plan.actions == again.snapshot.plan.actions
    assert first.snapshot.plan.actions and all(a.action for a in first.snapshot.plan.actions)
    # A whole copy's inputs-only read still leaves the rows out (they are read once a plan).
    whole_copy = tmp_path / "whole.xlsx"
    write_workbook(Snapshot(sales_plan), whole_copy, AS_OF)
    brief = read_one(str(whole_copy)).snapshot
    assert brief is not None and brief.plan.actions != sales_plan.actions
