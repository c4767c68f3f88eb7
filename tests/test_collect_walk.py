"""Three things a user walk through ``collect`` found (issue 13's contract).

* An owner who answers on last version's part, after a re-plan and a new
  split they never returned: their Done marks and Notes on actions the new
  version still has are carried, as ``merge`` with the whole plan carries them.
* A check-in typed as text ("40,000"): collect judges the merged result as
  ``merge`` writes it, so its figures are ``status`` of merge's workbook.
* The Import log names a file's warnings (a text number, a deleted row),
  errors first, as ``check`` does.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from backplan_xlsx import layout
from backplan_xlsx.cli import main
from backplan_xlsx.history import HistoryStore
from backplan_xlsx.reader import read_workbook
from tests.test_carry import DANA, RAVI, TOMAS, _sheet
from tests.test_returns import four_owner_spec
from tests.workbooks import edit, fill, header_col, row_of


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _parts(folder: Path) -> dict[str, Path]:
    return {read_workbook(p).plan.part: p for p in folder.glob("*.xlsx")}


def _typing(
    check_ins: list[tuple[object, str, str, object]],
    done: dict[str, object] | None = None,
    notes: dict[str, str] | None = None,
) -> Any:
    def change(wb: Any) -> None:
        fill(wb, check_ins, done=done or {}, reviews={})
        ws = wb[layout.ACTIONS]
        for aid, text in (notes or {}).items():
            ws.cell(row_of(ws, aid), header_col(ws, "Notes"), text)

    return change


def _plan_v1(root: Path) -> tuple[Path, dict[str, Path]]:
    plan = root / "plan-v1.xlsx"
    assert run("build", str(four_owner_spec(root)), "-o", str(plan), "--as-of", "2027-01-05")
    assert run("split", str(plan), "-o", str(root / "sent1"), "--as-of", "2027-01-05")
    return plan, _parts(root / "sent1")


def _kept_actions(old: Path, new: Path, owner: str) -> list[str]:
    """The owner's actions of ``old`` that ``new`` still has, with the same owner and action."""
    now = {a.id: (a.owner, a.action) for a in read_workbook(new).plan.actions}
    return [
        a.id
        for a in read_workbook(old).plan.actions
        if a.owner == owner and now.get(a.id) == (a.owner, a.action)
    ]


def test_an_old_version_part_carries_into_rows_no_returned_part_holds(tmp_path: Path) -> None:
    plan1, sent1 = _plan_v1(tmp_path)
    ret1 = tmp_path / "ret1"
    ret1.mkdir()
    for owner in (DANA, RAVI, TOMAS):
        day = date(2027, 1, 20)
        edit(sent1[owner], _typing([(day, "G1", owner, 10000.0)]), ret1 / sent1[owner].name)
    store = str(tmp_path / "history.sqlite")
    m1 = ["--history", store, "--expect", str(plan1)]
    got = run("collect", str(ret1), "-o", str(tmp_path / "m1.xlsx"), "--as-of", "2027-01-31", *m1)
    assert got.exit_code == 0, got.output
    unexpected = tmp_path / "history-no-expect.sqlite"
    shutil.copyfile(store, unexpected)  # month 1 only: month 2 is collected again without --expect
    merged1 = tmp_path / "merged1.xlsx"
    assert run("merge", str(plan1), *(str(p) for p in ret1.glob("*.xlsx")), "-o", str(merged1))
    plan2 = tmp_path / "plan-v2.xlsx"
    got = run("replan", str(merged1), "-o", str(plan2), "--as-of", "2027-02-01")
    assert got.exit_code == 0, got.output
    assert run("split", str(plan2), "-o", str(tmp_path / "sent2"), "--as-of", "2027-02-01")
    sent2 = _parts(tmp_path / "sent2")

    kept = _kept_actions(sent1[TOMAS], plan2, TOMAS)
    assert len(kept) >= 2, kept
    first, second = kept[:2]
    ret2 = tmp_path / "ret2"
    ret2.mkdir()
    edit(sent2[DANA], _typing([(date(2027, 2, 20), "G1", DANA, 5000.0)]), ret2 / "dana.xlsx")
    tomas_typed = _typing(
        [(date(2027, 2, 21), "G1", TOMAS, 7000.0)],
        done={first: "x", second: "✔"},
        notes={first: "Signed after the demo"},
    )
    edit(ret1 / sent1[TOMAS].name, tomas_typed, ret2 / "tomas (old).xlsx")

    rollup = tmp_path / "m2" / "rollup.xlsx"
    rollup.parent.mkdir()
    args = ["--as-of", "2027-02-28", "--history", store, "--expect", str(plan2)]
    got = run("collect", str(ret2), "-o", str(rollup), *args)
    assert got.exit_code == 0, got.output
    assert "has no row in the current version" not in got.output
    assert f"{first} Done" not in got.output and f"{second} Done" not in got.output
    # Without --expect nobody returned Tomás's version-2 rows: the message says what to give.
    alone = ["--as-of", "2027-02-28", "--history", str(unexpected)]
    got = run("collect", str(ret2), "-o", str(tmp_path / "m2-alone.xlsx"), *alone)
    assert f"{first} Done 'x' has no row in the current version's copies read" in got.output
    assert "give the current plan with --expect PLAN.xlsx to carry it" in got.output

    # merge, given the whole plan, carries them the same way.
    merged2 = tmp_path / "merged2.xlsx"
    files = [str(plan2), str(ret2 / "dana.xlsx"), str(ret2 / "tomas (old).xlsx")]
    got = run("merge", *files, "-o", str(merged2), "--as-of", "2027-02-28")
    assert got.exit_code == 0, got.output
    snap = read_workbook(merged2)
    assert (snap.done[first], snap.done[second]) == ("x", "✔")
    assert snap.notes[first] == "Signed after the demo"

    history = HistoryStore(store)
    try:
        actions = {r.item_id: r.status for r in history.rows(kind="action", month="2027-02")}
        with history.locked() as conn:
            from backplan_xlsx.carry import carried_before

            filed = carried_before(conn, "2027-03", [snap.plan.id])[snap.plan.id]
    finally:
        history.close()
    assert actions[first] == "Done" and actions[second] == "Done"
    assert filed.cells["done"][first] == "x" and filed.cells["done"][second] == "✔"
    assert filed.cells["notes"][first] == "Signed after the demo"
    assert filed.version == 2


TEXT_VALUE = (date(2027, 1, 25), "G1", RAVI, "40,000")


def _goals_json(path: Path, as_of: str) -> dict[str, float]:
    got = run("status", str(path), "--as-of", as_of, "--format", "json")
    assert got.exit_code == 0, got.output
    return {g["id"]: g["actual"] for g in json.loads(got.stdout)["goals"]}


def test_collect_counts_a_text_number_as_merge_writes_it(tmp_path: Path) -> None:
    plan1, sent1 = _plan_v1(tmp_path)
    ret = tmp_path / "ret"
    ret.mkdir()
    day = date(2027, 1, 20)
    edit(sent1[DANA], _typing([(day, "G1", DANA, 125000.0)]), ret / "dana.xlsx")
    edit(sent1[RAVI], _typing([TEXT_VALUE]), ret / "ravi.xlsx")
    merged = tmp_path / "merged.xlsx"
    files = [str(plan1), str(ret / "dana.xlsx"), str(ret / "ravi.xlsx")]
    got = run("merge", *files, "-o", str(merged), "--as-of", "2027-01-31")
    assert got.exit_code == 0, got.output
    want = _goals_json(merged, "2027-01-31")
    assert want["G1"] == 165000.0  # merge writes "40,000" as the number 40,000

    rollup = tmp_path / "rollup.xlsx"
    store = ["--history", str(tmp_path / "h.sqlite"), "--expect", str(plan1)]
    got = run("collect", str(ret), "-o", str(rollup), "--as-of", "2027-01-31", *store)
    assert got.exit_code == 0, got.output
    summary = {r["Goal ID"]: r["Actual"] for r in _sheet(rollup, "Summary") if r["Goal ID"]}
    assert summary == want


def test_the_import_log_shows_a_files_warnings(tmp_path: Path) -> None:
    plan1, sent1 = _plan_v1(tmp_path)
    ret = tmp_path / "ret"
    ret.mkdir()
    bad_date = ("next tue", "G1", RAVI, 1000.0)  # an error, after the warning on the sheet

    def change(wb: Any) -> None:
        _typing([TEXT_VALUE, bad_date])(wb)
        ws = wb[layout.ACTIONS]
        ws.delete_rows(row_of(ws, read_workbook(sent1[RAVI]).plan.actions[0].id))

    edit(sent1[RAVI], change, ret / "ravi.xlsx")
    got = run("check", str(ret / "ravi.xlsx"))
    assert "40,000" in got.output and "next tue" in got.output  # check faults it
    rollup = tmp_path / "rollup.xlsx"
    store = str(tmp_path / "h.sqlite")
    # The deleted row is taken from the whole plan (--expect); without it the copy is skipped.
    alone = run("collect", str(ret), "-o", str(rollup), "--as-of", "2027-01-31", "--history", store)
    assert alone.exit_code == 1 and "Actions row" in alone.output and "was deleted" in alone.output
    got = run(
        *("collect", str(ret), "-o", str(rollup), "--as-of", "2027-01-31", "--history", store),
        *("--expect", str(plan1)),
    )
    assert got.exit_code == 0, got.output
    log = {r["File"]: r["Problems"] for r in _sheet(rollup, "Import log")}
    text = log["ravi.xlsx"]
    assert '"40,000" is text' in text and "deleted" in text
    assert text.index("next tue") < text.index('"40,000" is text')  # errors first
