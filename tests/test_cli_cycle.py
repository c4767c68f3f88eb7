"""The monthly cycle through the CLI: merge, replan, brief, collect, history."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from backplan_xlsx.cli import main
from backplan_xlsx.engine import evaluate
from backplan_xlsx.reader import read_workbook

AS_OF = "2027-05-10"


def _fill(
    src: Path, dest: Path, rows: list[tuple[date, str, str, float]], done: dict[str, str]
) -> Path:
    wb = openpyxl.load_workbook(src)
    ws = wb["Check-ins"]
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            ws.cell(row=2 + i, column=1 + j, value=v)
    actions = wb["Actions"]
    for r in range(2, actions.max_row + 1):
        if actions.cell(r, 1).value in done:
            actions.cell(r, 7).value = done[actions.cell(r, 1).value]
    wb.save(dest)
    return dest


@pytest.fixture
def built(tmp_path: Path, sales_spec: Path) -> Path:
    out = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(main, ["build", str(sales_spec), "-o", str(out), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    return out


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_merge_unions_and_reports_conflicts(built: Path, tmp_path: Path) -> None:
    a = _fill(
        built, tmp_path / "a.xlsx", [(date(2027, 2, 1), "G1", "Ravi Patel", 50_000)], {"A2": "Yes"}
    )
    b = _fill(
        built, tmp_path / "b.xlsx", [(date(2027, 3, 1), "G1", "Mei Chen", 30_000)], {"A2": "No"}
    )
    out = tmp_path / "m.xlsx"
    result = run("merge", str(a), str(b), "-o", str(out), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "Conflict: Actions!G3 (A2 Done): " in result.stderr  # type: ignore[attr-defined]
    snap = read_workbook(out)
    assert sorted(c.value for c in snap.check_ins) == [30_000, 50_000]
    refused = run("merge", str(a), str(b), "-o", str(a))
    assert refused.exit_code == 2 and "also an input" in refused.stderr  # type: ignore[attr-defined]


def test_replan_in_place_keeps_check_ins_and_a_backup(built: Path, tmp_path: Path) -> None:
    rows = [
        (date(2027, 2, 1), "G1", "Ravi Patel", 50_000.0),
        (date(2027, 4, 1), "G3", "Dana Whitfield", 0.24),
    ]
    filled = _fill(built, tmp_path / "filled.xlsx", rows, {"A1": "Yes"})
    result = run(
        "replan", str(filled), "-o", str(filled), "--as-of", AS_OF, "--target", "G1=2600000"
    )
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "G1: target 2,400,000 → 2,600,000" in result.stdout  # type: ignore[attr-defined]
    backups = list(tmp_path.glob("filled.*.bak.xlsx"))
    assert len(backups) == 1
    snap = read_workbook(filled)
    assert snap.plan.version == 2
    assert sorted((c.goal, c.value) for c in snap.check_ins) == [("G1", 50_000), ("G3", 0.24)]
    assert str(snap.done.get("A1", "")).lower() == "yes"
    g1 = snap.plan.milestones_of("G1")
    assert g1[-1].target == 2_600_000 and g1[-1].due == date(2027, 12, 31)
    # A goal already reached is kept as planned and said so; the others are re-planned.
    reached = _fill(
        built, tmp_path / "reached.xlsx", [(date(2027, 2, 1), "G1", "Ravi Patel", 3e6)], {}
    )
    again = run("replan", str(reached), "-o", str(tmp_path / "x.xlsx"), "--as-of", AS_OF)
    assert again.exit_code == 0, again.output  # type: ignore[attr-defined]
    assert "G1: kept as planned" in again.stdout  # type: ignore[attr-defined]
    assert "already reached its target" in again.stdout  # type: ignore[attr-defined]


def test_brief_for_each_owner(built: Path, tmp_path: Path) -> None:
    filled = _fill(built, tmp_path / "f.xlsx", [(date(2027, 2, 1), "G1", "Ravi Patel", 50_000)], {})
    out = tmp_path / "briefs"
    result = run("brief", str(filled), "-o", str(out), "--format", "html", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    snap = read_workbook(filled)
    report = evaluate(snap, date.fromisoformat(AS_OF))
    assert len(list(out.glob("*.html"))) == len(snap.plan.owners)
    ravi = (out / "ravi-patel.html").read_text()
    part = next(
        p for o in report.owners if o.name == "Ravi Patel" for p in o.parts if p.goal == "G1"
    )
    assert f"So far {part.actual:,.0f} USD" in ravi
    one = run("brief", str(filled), "--owner", "nobody", "--as-of", AS_OF)
    assert one.exit_code == 2 and "no such owner" in one.stderr  # type: ignore[attr-defined]
    # "markdown", as status spells it, is md; written as .md files.
    md = run("brief", str(filled), "-o", str(tmp_path / "md"), "-f", "markdown", "--as-of", AS_OF)
    assert md.exit_code == 0, md.output  # type: ignore[attr-defined]
    assert (tmp_path / "md" / "ravi-patel.md").read_text().startswith("#")


def test_collect_then_history(built: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _fill(built, inbox / "a.xlsx", [(date(2027, 2, 1), "G1", "Ravi Patel", 50_000)], {})
    _fill(built, inbox / "b.xlsx", [(date(2027, 3, 1), "G1", "Mei Chen", 30_000)], {})
    (inbox / "notes.xlsx").write_text("a,b\n1,2\n")
    rollup = tmp_path / "rollup.xlsx"
    result = run("collect", str(inbox), "-o", str(rollup), "--as-of", "2027-05-31", "--jobs", "2")
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    assert "Skipped: notes.xlsx: is a CSV" in result.stderr  # type: ignore[attr-defined]
    assert "Imported 2 of 3 files" in result.stdout  # type: ignore[attr-defined]
    store = tmp_path / "backplan-history.sqlite"
    assert store.exists()
    hist = run("history", "--history", str(store), "--format", "json")
    assert hist.exit_code == 0
    rows = json.loads(hist.stdout)["rows"]  # type: ignore[attr-defined]
    g1 = next(r for r in rows if r["id"] == "G1")
    assert (g1["month"], g1["actual"]) == ("2027-05", 80_000)
    html = run("history", "--history", str(store), "--format", "html")
    assert "<svg" in html.stdout and "<polyline" in html.stdout  # type: ignore[attr-defined]
    missing = run("history", "--history", str(tmp_path / "none.sqlite"))
    assert missing.exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = run("collect", str(empty), "-o", str(tmp_path / "r2.xlsx"))
    assert nothing.exit_code == 2 and "no .xlsx or .ods" in nothing.stderr  # type: ignore[attr-defined]


def test_unreadable_typed_values_stop_a_rewrite(built: Path, tmp_path: Path) -> None:
    bad = _fill(built, tmp_path / "bad.xlsx", [(date(2027, 2, 1), "G1", "Ravi Patel", 5.0)], {})
    wb = openpyxl.load_workbook(bad)
    wb["Check-ins"]["A3"] = "next tue"
    wb["Check-ins"]["B3"] = "G1"
    wb["Check-ins"]["D3"] = 100
    wb.save(bad)
    before = bad.read_bytes()
    for args in (
        ["replan", str(bad), "-o", str(bad), "--as-of", AS_OF],
        ["merge", str(bad), str(built), "-o", str(tmp_path / "m.xlsx")],
    ):
        result = run(*args)
        assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
        assert "would be lost" in result.stderr and "Check-ins!A3" in result.stderr  # type: ignore[attr-defined]
    assert bad.read_bytes() == before
    assert not (tmp_path / "m.xlsx").exists()
