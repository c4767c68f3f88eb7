"""``build --keep`` after a spec change that would renumber rows: ids and inputs stay.

Adding an owner changes every funnel split, so the planner alone would
number actions differently (A6 was Ravi's and would be Liam's). Each row
keeps its id instead, and a Done mark or a note stays on the action it was
typed on, never lands on somebody else's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner

from backplan_xlsx import layout
from backplan_xlsx.cli import main
from backplan_xlsx.reader import read_workbook
from backplan_xlsx.spec import read_spec
from tests import workbooks as wbk


def test_done_marks_and_notes_follow_their_actions(sales_spec: Path, tmp_path: Path) -> None:
    old = tmp_path / "v1.xlsx"
    assert CliRunner().invoke(main, ["build", str(sales_spec), "-o", str(old)]).exit_code == 0
    before = read_workbook(old)
    # Marks on Ravi's, Tomás's and Mei's actions, chosen by owner.
    chosen = {}
    for who in ("Ravi Patel", "Tom\u00e1s Herrera", "Mei Chen"):
        a = [x for x in before.plan.actions if x.owner == who][1]
        chosen[a.id] = (a.owner, a.due, a.action)

    def mark(wb: Any) -> None:
        ws = wb[layout.ACTIONS]
        for aid in chosen:
            r = wbk.row_of(ws, aid)
            ws.cell(r, wbk.header_col(ws, "Done"), "\u2713")
            ws.cell(r, wbk.header_col(ws, "Notes"), f"note on {aid}")

    wbk.edit(old, mark)
    spec = sales_spec.read_text(encoding="utf-8")
    spec = spec.replace("target: 2400000", "target: 2600000")
    spec = spec.replace(
        "    shares: {G1: 0.20, G2: 0.30}\n",
        "    shares: {G1: 0.10, G2: 0.20}\n  - name: Liam O\u2019Brien\n    role: Account executive\n"
        "    email: liam@example.com\n    team: West\n    shares: {G1: 0.10, G2: 0.10}\n",
    )
    sales_spec.write_text(spec, encoding="utf-8")
    new = tmp_path / "v2.xlsx"
    result = CliRunner().invoke(
        main, ["build", str(sales_spec), "-o", str(new), "--keep", str(old)]
    )
    assert result.exit_code == 0, result.output
    after = read_workbook(new)
    marked = {aid for aid, v in after.done.items() if v}
    assert len(marked) == len(chosen)
    actions = {a.id: a for a in after.plan.actions}
    assert marked == set(chosen)  # each mark on the id it was typed on
    for aid in marked:
        a = actions[aid]
        # The same person's action, due the same day: the id kept its row.
        assert (a.owner, a.due) == chosen[aid][:2], (aid, a)
        assert after.notes[aid] == f"note on {aid}"
    # Numbered by position, the edited spec gives some of these ids to other rows.
    planned = {a.id: (a.owner, a.due) for a in read_spec(sales_spec)[0].actions}
    assert any(planned.get(aid) != chosen[aid][:2] for aid in chosen)
