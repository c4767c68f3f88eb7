"""The import log names a badly edited copy's problems without drowning the sheet."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from backplan_xlsx.collect import collect
from backplan_xlsx.model import Plan
from tests.workbooks import build, edit

AS_OF = date(2027, 5, 10)


def _bad_check_ins(count: int) -> Any:
    """An edit typing ``count`` check-ins whose Value is a word, not a number."""

    def change(wb: Any) -> None:
        ws = wb["Check-ins"]
        for i in range(count):
            ws.append([date(2027, 3, 1), "G1", "Ravi Patel", f"lots{i}"])

    return change


def _log_problems(plan: Plan, tmp_path: Path, count: int) -> str:
    inbox = tmp_path / f"inbox{count}"
    inbox.mkdir()
    copy = build(plan, inbox / "ravi.xlsx", AS_OF)
    edit(copy, _bad_check_ins(count))
    got = collect([inbox], tmp_path / f"rollup{count}.xlsx", history=tmp_path / "h.db", as_of=AS_OF)
    (entry,) = got.log
    return entry.problems


def test_many_problems_are_shown_whole_and_counted(sales_plan: Plan, tmp_path: Path) -> None:
    text = _log_problems(sales_plan, tmp_path, 200)
    head, more = text.rsplit("; … and ", 1)
    assert more.endswith("more problems: run `backplan check ravi.xlsx` to see them all")
    hidden = int(more.split()[0].replace(",", ""))
    shown = head.count(" is not a number")
    assert shown + hidden == 200 and shown > 5
    assert head.count("lots") == shown and "Check-ins!D" in head
    assert len(head) <= 2000 and head.endswith("type a number (e.g. 1200)")


def test_a_few_problems_are_all_shown(sales_plan: Plan, tmp_path: Path) -> None:
    text = _log_problems(sales_plan, tmp_path, 3)
    assert text.count("lots") == 3 and "more problem" not in text
