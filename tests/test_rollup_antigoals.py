"""The roll-up's Anti-goals sheet carries what owners wrote in each anti-goal's Feedback."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl

from backplan_xlsx.collect import collect
from backplan_xlsx.model import Plan
from tests.workbooks import build, edit, header_col

AS_OF = date(2027, 5, 10)


def _feedback(text: str) -> Any:
    def change(wb: Any) -> None:
        ws = wb["Anti-goals"]
        ws.cell(2, header_col(ws, "Feedback"), text)

    return change


def _rows(rollup: Path) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(rollup, read_only=True)["Anti-goals"]
    rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def test_feedback_typed_in_a_copy_reaches_the_rollup(sales_plan: Plan, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    copy = build(sales_plan, inbox / "team.xlsx", AS_OF)
    first = sales_plan.anti_goals[0].id
    edit(copy, _feedback("Held the line on discounts; two deals slipped to June"))
    rollup = tmp_path / "rollup.xlsx"
    collect([inbox], rollup, history=tmp_path / "h.db", as_of=AS_OF)
    rows = {r["ID"]: r for r in _rows(rollup)}
    assert rows[first]["Feedback"] == "Held the line on discounts; two deals slipped to June"
    assert all(not r["Feedback"] for rid, r in rows.items() if rid != first)
    header = list(_rows(rollup)[0])
    assert header.index("Feedback") == header.index("Last reviewed") + 1
