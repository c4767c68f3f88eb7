"""Merging copies of one plan: union of check-ins, newest cell wins, conflicts named."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from backplan_xlsx.merge import Copy, MergeError, merge_copies
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


def test_different_versions_or_plans_are_refused(sales_plan: Plan) -> None:
    a = Copy("a.xlsx", 1, Snapshot(sales_plan))
    newer = Copy("b.xlsx", 2, Snapshot(replace(sales_plan, version=2)))
    other = Copy("c.xlsx", 3, Snapshot(replace(sales_plan, id="other")))
    with pytest.raises(MergeError, match=r"b\.xlsx is version 2 .* a\.xlsx is version 1"):
        merge_copies([a, newer])
    with pytest.raises(MergeError, match=r"c\.xlsx is plan 'other'"):
        merge_copies([a, other])
