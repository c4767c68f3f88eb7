"""Who sent their part back: Returned, Untouched and Missing in the roll-up, summary and JSON."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from backplan_xlsx import layout
from backplan_xlsx.reader import read_workbook
from backplan_xlsx.returns import (
    MISSING,
    RETURNED,
    UNTOUCHED,
    ReturnedFile,
    decode,
    encode,
    inputs_fingerprints,
    plan_returns,
)
from backplan_xlsx.spec import load_spec
from tests.conftest import TEMPLATES
from tests.workbooks import edit, fill, run

BUILT = "2027-01-05"
AS_OF = "2027-03-31"
#: Each owner's part: Mei's never comes back, Tomás sends his back unchanged.
FILLED = {
    "Dana Whitfield": [(date(2027, 3, 10), "G3", "Dana Whitfield", 0.22)],
    "Ravi Patel": [(date(2027, 2, 20), "G1", "Ravi Patel", 60000.0)],
}


def _fill_owner(wb: Any, owner: str) -> None:
    fill(wb, FILLED.get(owner, []), done={}, reviews={})


def four_owner_spec(folder: Path) -> Path:
    """The sales template with four owners (Aisha's shares and anti-goal go to Tomás)."""
    text = (TEMPLATES / "sales.yaml").read_text(encoding="utf-8")
    start = text.index("  - name: Aisha Okafor")
    text = text[:start] + text[text.index("\n\n", start) + 1 :]
    text = text.replace("shares: {G1: 0.20, G2: 0.20}", "shares: {G1: 0.40, G2: 0.50}")
    text = text.replace("owner: Aisha Okafor", "owner: Tomás Herrera")
    out = folder / "four.yaml"
    out.write_text(text, encoding="utf-8")
    return out


@dataclass(frozen=True)
class Month:
    plan: Path
    parts: Path
    files: dict[str, str]


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Month:
    """A plan split into four parts: two filled, one re-saved unchanged, one missing."""
    root = tmp_path_factory.mktemp("returns")
    plan = root / "plan.xlsx"
    spec = four_owner_spec(root)
    assert run("build", str(spec), "-o", str(plan), "--as-of", BUILT).exit_code == 0  # type: ignore[attr-defined]
    sent = root / "sent"
    assert run("split", str(plan), "-o", str(sent), "--as-of", BUILT).exit_code == 0  # type: ignore[attr-defined]
    parts = root / "returned"
    parts.mkdir()
    files = {}
    for path in sorted(sent.glob("*.xlsx")):
        owner = read_workbook(path).plan.part
        files[owner] = path.name
        if owner == "Mei Chen":
            continue
        target = parts / path.name
        shutil.copy(path, target)
        # Opened and saved again by another program, with or without edits.
        edit(target, partial(_fill_owner, owner=owner))
    return Month(plan, parts, files)


def _returns_sheet(path: Path) -> list[tuple[object, ...]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = [tuple(r) for r in wb["Returns"].iter_rows(values_only=True)]
    wb.close()
    return rows


def test_each_owner_is_named_in_the_rollup_summary_and_json(month: Month, tmp_path: Path) -> None:
    rollup, store = tmp_path / "rollup.xlsx", tmp_path / "h.sqlite"
    args = ["collect", str(month.parts), "-o", str(rollup), "--as-of", AS_OF]
    args += ["--history", str(store), "--expect", str(month.plan)]
    result = run(*args)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    text = result.output  # type: ignore[attr-defined]
    assert "Returns: 2 returned, 1 untouched, 1 missing." in text
    assert "Missing: fy27-new-business: Mei Chen\n" in text
    assert f"Untouched: fy27-new-business: Tomás Herrera ({month.files['Tomás Herrera']})" in text

    rows = _returns_sheet(rollup)
    assert rows[0] == ("Plan", "Owner", "State", "File", "Modified")
    got = {r[1]: r for r in rows[1:]}
    assert {o: r[2] for o, r in got.items()} == {
        "Mei Chen": MISSING,
        "Tomás Herrera": UNTOUCHED,
        "Dana Whitfield": RETURNED,
        "Ravi Patel": RETURNED,
    }
    assert [r[2] for r in rows[1:]] == [MISSING, UNTOUCHED, RETURNED, RETURNED]
    assert got["Mei Chen"][3] is None and got["Mei Chen"][4] is None
    ravi = month.parts / month.files["Ravi Patel"]
    assert got["Ravi Patel"][3] == ravi.name
    from datetime import datetime

    stamp = datetime.fromtimestamp(os.stat(ravi).st_mtime).replace(microsecond=0)
    assert got["Ravi Patel"][4] == stamp

    as_json = run(*args, "--format", "json")
    assert as_json.exit_code == 0  # type: ignore[attr-defined]
    data = json.loads(as_json.output)  # type: ignore[attr-defined]
    states = {r["owner"]: (r["state"], r["file"]) for r in data["returns"]}
    assert states == {
        "Mei Chen": (MISSING, None),
        "Tomás Herrera": (UNTOUCHED, month.files["Tomás Herrera"]),
        "Dana Whitfield": (RETURNED, month.files["Dana Whitfield"]),
        "Ravi Patel": (RETURNED, month.files["Ravi Patel"]),
    }
    assert data["returns_count"] == {RETURNED: 2, UNTOUCHED: 1, MISSING: 1}

    failing = run(*args, "--fail-on", "missing")
    assert failing.exit_code == 1  # type: ignore[attr-defined]
    assert "Missing: fy27-new-business: Mei Chen" in failing.output  # type: ignore[attr-defined]


def test_the_parts_name_who_owes_one_without_being_told(month: Month, tmp_path: Path) -> None:
    rollup, store = tmp_path / "rollup.xlsx", tmp_path / "h.sqlite"
    base = ["collect", str(month.parts), "-o", str(rollup), "--history", str(store)]
    # The first month, with no --expect and no history: each part records the whole
    # plan's owners, so Mei, whose part did not come back, is Missing.
    first = run(*base, "--as-of", "2027-02-28", "--fail-on", "missing")
    assert first.exit_code == 1, first.output  # type: ignore[attr-defined]
    assert "Missing: fy27-new-business: Mei Chen" in first.output  # type: ignore[attr-defined]
    owners = [str(r[1]) for r in _returns_sheet(rollup)[1:]]
    whole = [o.name for o in read_workbook(month.plan).plan.owners]
    assert sorted(owners) == sorted(whole)  # one row each, the missing one too
    # The history expects her too, in later months.
    run(*base, "--as-of", AS_OF, "--expect", str(month.plan))
    april = run(*base, "--as-of", "2027-04-30", "--fail-on", "missing")
    assert april.exit_code == 1  # type: ignore[attr-defined]
    assert "Missing: fy27-new-business: Mei Chen" in april.output  # type: ignore[attr-defined]


def test_a_part_records_every_owner_of_its_plan(month: Month) -> None:
    whole = tuple(o.name for o in read_workbook(month.plan).plan.owners)
    for name in month.files.values():
        for folder in (month.parts, month.plan.parent / "sent"):
            if (folder / name).exists():
                plan = read_workbook(folder / name).plan
                assert plan.part and plan.plan_owners == whole
    assert read_workbook(month.plan).plan.plan_owners == ()


def test_a_whole_copy_is_judged_owner_by_owner(tmp_path: Path) -> None:
    plan = load_spec(four_owner_spec(tmp_path))
    from backplan_xlsx.writer import build_workbook

    built = build_workbook(plan, tmp_path / "plan.xlsx", date(2027, 1, 5), force=True)
    copy = edit(built, lambda wb: fill(wb, FILLED["Ravi Patel"], done={}, reviews={}))
    snap = read_workbook(copy)
    assert decode(snap.built_inputs) != inputs_fingerprints(snap)
    rows = plan_returns(
        plan.id, [o.name for o in plan.owners], [ReturnedFile("plan.xlsx", 0.0, snap)]
    )
    assert {r.owner: r.state for r in rows} == {
        "Dana Whitfield": UNTOUCHED,
        "Ravi Patel": RETURNED,
        "Mei Chen": UNTOUCHED,
        "Tomás Herrera": UNTOUCHED,
    }


def test_a_done_mark_or_a_review_is_an_edit_too(tmp_path: Path) -> None:
    plan = load_spec(four_owner_spec(tmp_path))
    from backplan_xlsx.writer import build_workbook

    built = build_workbook(plan, tmp_path / "plan.xlsx", date(2027, 1, 5), force=True)
    fresh = read_workbook(built)
    assert decode(fresh.built_inputs) == inputs_fingerprints(fresh)
    action = plan.actions[0]
    marked = edit(
        built, lambda wb: fill(wb, [], done={action.id: "x"}, reviews={}), tmp_path / "m.xlsx"
    )
    snap = read_workbook(marked)
    built_fp, now = decode(snap.built_inputs), inputs_fingerprints(snap)
    owner = next(o.id for o in plan.owners if o.name == action.owner)
    assert built_fp[owner] != now[owner]
    assert all(built_fp[o.id] == now[o.id] for o in plan.owners if o.id != owner)


def test_a_file_built_before_fingerprints_counts_as_returned(tmp_path: Path) -> None:
    plan = load_spec(four_owner_spec(tmp_path))
    from backplan_xlsx.writer import build_workbook

    built = build_workbook(plan, tmp_path / "plan.xlsx", date(2027, 1, 5), force=True)

    def forget(wb: object) -> None:
        ws = wb[layout.META]  # type: ignore[index]
        for row in ws.iter_rows(min_col=1, max_col=2):
            if row[0].value == layout.META_INPUTS:
                row[1].value = None

    snap = read_workbook(edit(built, forget))
    assert snap.built_inputs == ""
    rows = plan_returns(plan.id, ["Mei Chen"], [ReturnedFile("plan.xlsx", 0.0, snap)])
    assert rows[0].state == RETURNED


def test_encode_round_trips_and_stays_in_one_cell() -> None:
    fps = {"*": "a" * 16, **{f"O{i}": "b" * 16 for i in range(5)}}
    assert decode(encode(fps)) == fps
    many = {"*": "a" * 16, **{f"O{i}": "b" * 16 for i in range(2000)}}
    assert decode(encode(many)) == {"*": "a" * 16}
    assert decode("") == {}


def test_a_libreoffice_resave_without_edits_stays_untouched(tmp_path: Path, soffice: str) -> None:
    from backplan_xlsx.model import CheckIn, Snapshot
    from backplan_xlsx.writer import write_workbook
    from tests.soffice import recalculate

    plan = load_spec(four_owner_spec(tmp_path))
    typed = (
        CheckIn(date(2027, 2, 1), "G1", "Ravi Patel", 40000.0, "first deal", row=2),
        CheckIn(date(2027, 3, 1), "G3", "Dana Whitfield", 0.23, row=3),
    )
    snap = Snapshot(plan, typed, done={plan.actions[0].id: "x"}, reviews={"X1": date(2027, 2, 2)})
    (tmp_path / "in").mkdir()
    write_workbook(snap, tmp_path / "in" / "plan.xlsx", date(2027, 3, 5))
    (xlsx,) = recalculate([tmp_path / "in" / "plan.xlsx"], tmp_path / "xlsx", binary=soffice)
    (ods,) = recalculate(
        [tmp_path / "in" / "plan.xlsx"], tmp_path / "ods", convert_to="ods", binary=soffice
    )
    for path in (xlsx, ods):
        again = read_workbook(path)
        assert decode(again.built_inputs) == inputs_fingerprints(again), path.name


def test_the_master_copy_beside_the_parts_answers_for_nobody(month: Month, tmp_path: Path) -> None:
    folder = tmp_path / "returned"
    shutil.copytree(month.parts, folder)
    shutil.copy(month.plan, folder / "plan.xlsx")
    rollup, store = tmp_path / "rollup.xlsx", tmp_path / "h.sqlite"
    base = ["collect", str(folder), "-o", str(rollup), "--as-of", AS_OF, "--history", str(store)]
    for extra in ([], ["--expect", str(folder / "plan.xlsx")]):
        data = json.loads(run(*base, *extra, "-f", "json").output)  # type: ignore[attr-defined]
        states = {r["owner"]: r["state"] for r in data["returns"]}
        assert states["Mei Chen"] == MISSING
        assert states["Tomás Herrera"] == UNTOUCHED
        # Given with --expect, the master is not imported as a returned copy.
        assert data["files"] == (3 if extra else 4)


def test_merging_some_parts_names_whose_part_is_missing(month: Month, tmp_path: Path) -> None:
    parts = sorted(month.parts.glob("*.xlsx"))
    out = tmp_path / "merged.xlsx"
    result = run("merge", *parts, "-o", out)
    assert result.exit_code == 2 and not out.exists()
    assert "Error: the part of Mei Chen is missing (parts given: " in result.output
    everyone = [*parts, month.plan.parent / "sent" / month.files["Mei Chen"]]
    again = run("merge", *everyone, "-o", out)
    assert again.exit_code == 0, again.output
