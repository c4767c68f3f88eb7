"""The as-built fingerprints of input cells: what merge uses to tell an edit from a carried value."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from backplan_xlsx.asbuilt import _MAX_PRINTS, cell_print, decode_cells, encode_cells, is_edit
from backplan_xlsx.model import Plan, Snapshot


def test_a_value_as_written_is_not_an_edit_and_a_changed_one_is(sales_plan: Plan) -> None:
    built = Snapshot(sales_plan, done={"A1": date(2027, 2, 1), "A2": "x"}, notes={"A1": "call"})
    read = replace(built, built_cells=decode_cells(encode_cells(built)))
    assert not is_edit(read, "A1", "Done", datetime(2027, 2, 1))  # a re-save's datetime
    assert not is_edit(read, "A2", "Done", " x ")
    assert not is_edit(read, "A1", "Notes", "call")
    assert is_edit(read, "A1", "Notes", "called")
    assert is_edit(read, "A2", "Notes", "call")  # another row: another cell
    assert is_edit(read, "A3", "Done", "x")  # blank as built


def test_a_file_without_fingerprints_counts_every_value_as_an_edit(sales_plan: Plan) -> None:
    assert decode_cells("") is None
    assert is_edit(Snapshot(sales_plan), "A1", "Done", "x")
    nothing = encode_cells(Snapshot(sales_plan))
    assert decode_cells(nothing) == frozenset()  # recorded, and nothing was typed


def test_more_cells_than_one_cell_holds_record_none(sales_plan: Plan) -> None:
    ids = [f"A{i}" for i in range(_MAX_PRINTS + 1)]
    snap = Snapshot(sales_plan, notes={i: "n" for i in ids})
    assert encode_cells(snap) == ""
    fits = Snapshot(sales_plan, notes={i: "n" for i in ids[:_MAX_PRINTS]})
    text = encode_cells(fits)
    assert len(text) <= 32_767
    found = decode_cells(text)
    assert found is not None and len(found) == _MAX_PRINTS
    assert cell_print(ids[0], "Notes", "n") in found
