"""Merging copies of one plan: union of check-ins, newest cell wins, conflicts named."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from backplan_xlsx.errors import MergeError
from backplan_xlsx.merge import Copy, merge_all, merge_copies
from backplan_xlsx.model import CheckIn, Plan, Snapshot


def test_union_of_check_ins_and_newest_cell_wins(sales_plan: Plan) -> None:
    shared = CheckIn(date(2027, 1, 10), "G1", "Ravi Patel", 40_000, "Acme", row=2)
    a = Snapshot(
        sales_plan,
        check_ins=(shared, CheckIn(date(2027, 1, 12), "G1", "Mei Chen", 10, row=3)),
        done={"A1": "yes", "A2": "no"},
        feedback={"X1": "too strict"},
    )
    b = Snapshot(
        sales_plan,
        check_ins=(
            replace(shared, row=9),
            CheckIn(date(2027, 1, 15), "G2", "Aisha Okafor", 5, row=3),
        ),
        done={"A1": "yes", "A2": "x", "A3": "done"},
        reviews={"X1": date(2027, 1, 20)},
    )
    merged, conflicts = merge_copies([Copy("b.xlsx", 200.0, b), Copy("a.xlsx", 100.0, a)])
    assert len(merged.check_ins) == 3  # the shared row once
    assert sum(c.value for c in merged.check_ins) == 40_000 + 10 + 5
    assert merged.done == {"A1": "yes", "A2": "x", "A3": "done"}
    assert merged.feedback == {"X1": "too strict"} and merged.reviews == {"X1": date(2027, 1, 20)}
    (conflict,) = conflicts
    assert (conflict.sheet, conflict.item, conflict.column) == ("Actions", "A2", "Done")
    assert (conflict.kept_file, conflict.kept, conflict.other_file, conflict.other) == (
        "b.xlsx",
        "x",
        "a.xlsx",
        "no",
    )
    assert "a.xlsx" in str(conflict) and "b.xlsx" in str(conflict)


def test_other_plans_are_refused(sales_plan: Plan) -> None:
    a = Copy("a.xlsx", 1, Snapshot(sales_plan))
    other = Copy("c.xlsx", 3, Snapshot(replace(sales_plan, id="other")))
    with pytest.raises(MergeError, match=r"c\.xlsx is plan 'other'"):
        merge_copies([a, other])


def test_an_older_version_is_carried_forward_by_row_id(sales_plan: Plan) -> None:
    v2_plan = replace(sales_plan, version=2, actions=sales_plan.actions[1:])
    gone = sales_plan.actions[0].id
    kept = sales_plan.actions[1].id
    reading = CheckIn(date(2027, 2, 1), "G1", "Ravi Patel", 7, row=2)
    old = Snapshot(
        sales_plan,
        check_ins=(reading,),
        done={gone: "yes", kept: "x"},
        notes={gone: "called twice"},
        feedback={"X1": "fine"},
    )
    result = merge_all([Copy("old.xlsx", 300.0, old), Copy("v2.xlsx", 100.0, Snapshot(v2_plan))])
    merged = result.snapshot
    assert merged.plan.version == 2 and merged.plan.actions == v2_plan.actions
    assert [c.value for c in merged.check_ins] == [7]
    assert merged.done == {kept: "x"} and merged.feedback == {"X1": "fine"}
    assert result.carried == ("old.xlsx",)
    assert sorted((u.item, u.column, u.value) for u in result.unplaced) == [
        (gone, "Done", "yes"),
        (gone, "Notes", "called twice"),
    ]
    assert all("old.xlsx (version 1)" in str(u) for u in result.unplaced)


def test_a_typed_as_of_needs_every_copy(sales_plan: Plan) -> None:
    day = date(2027, 5, 31)
    typed = Copy("dana.xlsx", 200.0, Snapshot(sales_plan, as_of=day))
    blank = Copy("ravi.xlsx", 100.0, Snapshot(sales_plan))
    merged, conflicts = merge_copies([typed, blank])
    assert merged.as_of is None
    (conflict,) = conflicts
    assert (conflict.item, conflict.other_file, conflict.other) == (
        "AsOf",
        "dana.xlsx",
        "2027-05-31",
    )
    assert "not in every copy" in str(conflict)
    both = Copy("ravi.xlsx", 100.0, Snapshot(sales_plan, as_of=day))
    merged, conflicts = merge_copies([typed, both])
    assert merged.as_of == day and conflicts == []


def test_a_reading_is_one_whichever_way_the_name_is_spelled(sales_plan: Plan) -> None:
    """Case, spaces, accents composed or not, curly apostrophes: one person, one reading."""
    import unicodedata

    day = date(2027, 3, 3)
    spellings = ["Tomás Herrera", "tomás  herrera ", unicodedata.normalize("NFD", "Tomás Herrera")]
    copies = [
        Copy(f"c{i}.xlsx", float(i), Snapshot(sales_plan, (CheckIn(day, "G1", name, 5000.0),)))
        for i, name in enumerate(spellings)
    ]
    merged, conflicts = merge_copies(copies)
    assert len(merged.check_ins) == 1 and not conflicts
    other = CheckIn(day, "G1", "Tomas Herrera", 5000.0)  # no accent: maybe another person
    merged, _ = merge_copies([*copies, Copy("d.xlsx", 9.0, Snapshot(sales_plan, (other,)))])
    assert len(merged.check_ins) == 2


def test_two_saves_of_one_persons_part_merge_into_their_part(sales_plan: Plan) -> None:
    """Ravi sent his part twice: merging the two is his part again, not a plan missing people."""
    from backplan_xlsx.merge import merge_whole
    from backplan_xlsx.split import split_plan

    owner, part = split_plan(Snapshot(sales_plan))[1]
    first = CheckIn(date(2027, 2, 1), "G1", owner.name, 1000.0, row=2)
    later = CheckIn(date(2027, 3, 1), "G1", owner.name, 2000.0, row=3)
    copies = [
        Copy("ravi-1.xlsx", 1.0, replace(part, check_ins=(first,))),
        Copy("ravi-2.xlsx", 2.0, replace(part, check_ins=(first, later))),
    ]
    merged = merge_whole(copies).snapshot
    assert merged.plan.part == owner.name and merged.plan.plan_owners == part.plan.plan_owners
    assert [c.value for c in merged.check_ins] == [1000.0, 2000.0]
    # Two people's parts still need every other part (or the whole plan).
    other = split_plan(Snapshot(sales_plan))[2][1]
    with pytest.raises(MergeError, match="are missing"):
        merge_whole([*copies, Copy("mei.xlsx", 3.0, other)])


def test_a_whole_plan_of_an_older_version_is_named_as_such(sales_plan: Plan) -> None:
    from backplan_xlsx.merge import merge_whole
    from backplan_xlsx.split import split_plan

    v2 = replace(sales_plan, version=2)
    parts = split_plan(Snapshot(v2))
    copies = [Copy("plan-v1.xlsx", 1.0, Snapshot(sales_plan)), Copy("a.xlsx", 2.0, parts[0][1])]
    with pytest.raises(MergeError) as caught:
        merge_whole(copies)
    assert "plan-v1.xlsx is the whole plan of version 1, the parts are of version 2" in str(
        caught.value
    )
