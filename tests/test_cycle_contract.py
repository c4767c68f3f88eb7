"""The monthly cycle's contract through the CLI: nothing anyone typed is lost.

Each test is one case a new user met in a May–June cycle (issue 13), with
the outcome PRODUCT.md's "Commands" section asks for.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from backplan_xlsx import layout
from backplan_xlsx.reader import read_workbook
from tests.workbooks import built_by_cli, header_col, row_of, run

AS_OF = "2027-05-10"


@pytest.fixture
def built(tmp_path: Path, sales_spec: Path) -> Path:
    out = built_by_cli(sales_spec, tmp_path / "plan.xlsx", AS_OF)
    return out


def typed(path: Path, out: Path | None = None, **cells: Any) -> Path:
    """Type into a copy: ``notes={"A1": "…"}``, ``done=…``, ``feedback=…``, ``reviews=…``,
    ``check_ins=[(date, goal, owner, value)]``, ``as_of=date``."""
    wb = openpyxl.load_workbook(path)
    for sheet, key, header in (
        (layout.ACTIONS, "done", "Done"),
        (layout.ACTIONS, "notes", "Notes"),
        (layout.ANTI_GOALS, "feedback", "Feedback"),
        (layout.ANTI_GOALS, "reviews", "Last reviewed"),
    ):
        ws = wb[sheet]
        for rid, value in cells.get(key, {}).items():
            ws.cell(row_of(ws, rid), header_col(ws, header)).value = value
    ws = wb[layout.CHECK_INS]
    for i, row in enumerate(cells.get("check_ins", [])):
        for j, v in enumerate(row):
            ws.cell(2 + i, 1 + j).value = v
    if "as_of" in cells:
        sheet, ref = _as_of_cell(wb)
        wb[sheet][ref].value = cells["as_of"]
    target = out or path
    wb.save(target)
    return target


def _as_of_cell(wb: Any) -> tuple[str, str]:
    sheet, ref = next(iter(wb.defined_names[layout.AS_OF].destinations))
    return sheet, ref.replace("$", "")


def test_notes_survive_merge_replan_and_split(built: Path, tmp_path: Path) -> None:
    typed(built, notes={"A1": "Booked the venue", "A2": "Waiting on legal"})
    merged = tmp_path / "merged.xlsx"
    assert run("merge", built, "-o", merged, "--as-of", AS_OF).exit_code == 0
    assert read_workbook(merged).notes == {"A1": "Booked the venue", "A2": "Waiting on legal"}
    v2 = tmp_path / "v2.xlsx"
    result = run("replan", merged, "-o", v2, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert read_workbook(v2).notes["A1"] == "Booked the venue"
    parts = tmp_path / "parts"
    assert run("split", merged, "-o", parts, "--as-of", AS_OF).exit_code == 0
    notes = {k: v for p in parts.glob("*.xlsx") for k, v in read_workbook(p).notes.items()}
    assert notes == {"A1": "Booked the venue", "A2": "Waiting on legal"}


@pytest.mark.parametrize(
    "inputs",
    [
        {"done": {"A1": "Yes"}},
        {"notes": {"A3": "called twice"}},
        {"feedback": {"X1": "too strict"}},
        {"reviews": {"X2": date(2027, 4, 1)}},
        {"as_of": date(2027, 4, 30)},
    ],
    ids=["done", "notes", "feedback", "review", "as-of"],
)
def test_build_over_any_input_keeps_it(
    built: Path, sales_spec: Path, inputs: dict[str, Any]
) -> None:
    typed(built, **inputs)
    before = built.read_bytes()
    refused = run("build", sales_spec, "-o", built, "--as-of", AS_OF)
    assert refused.exit_code == 2 and "not overwritten" in refused.stderr
    assert built.read_bytes() == before
    forced = run("build", sales_spec, "-o", built, "--as-of", AS_OF, "--force")
    assert forced.exit_code == 0, forced.output
    (backup,) = built.parent.glob("plan.*.bak.xlsx")
    assert backup.read_bytes() == before


def test_renamed_check_ins_stop_every_rewrite(built: Path, tmp_path: Path) -> None:
    typed(built, check_ins=[(date(2027, 2, 1), "G1", "Ravi Patel", 50_000)])
    wb = openpyxl.load_workbook(built)
    wb[layout.CHECK_INS].title = "Check-ins (2)"
    wb.save(built)
    before = built.read_bytes()
    status = run("status", built, "--as-of", AS_OF)
    assert status.exit_code == 2
    assert "Check-ins" in status.stderr and '"Check-ins (2)"' in status.stderr
    assert run("replan", built, "-o", built, "--as-of", AS_OF).exit_code == 2
    assert run("merge", built, "-o", tmp_path / "m.xlsx").exit_code == 2
    assert not (tmp_path / "m.xlsx").exists()
    assert run("split", built, "-o", tmp_path / "parts").exit_code == 2
    spec = tmp_path / "plan.yaml"
    keep = run("build", spec, "-o", built, "--keep", built, "--as-of", AS_OF)
    assert keep.exit_code == 2 and "check-ins cannot be read" in keep.stderr
    assert built.read_bytes() == before and not list(tmp_path.glob("*.bak.xlsx"))
    good = tmp_path / "good.xlsx"
    assert run("build", spec, "-o", good, "--as-of", AS_OF).exit_code == 0
    rollup = tmp_path / "out" / "rollup.xlsx"
    rollup.parent.mkdir()
    collected = run("collect", built, good, "-o", rollup, "--as-of", AS_OF)
    assert collected.exit_code == 1
    assert "Skipped: plan.xlsx" in collected.stderr and "Check-ins" in collected.stderr


@pytest.mark.parametrize("column", ["Date", "Goal", "Value"])
def test_a_lost_check_ins_column_is_unreadable(built: Path, column: str) -> None:
    wb = openpyxl.load_workbook(built)
    ws = wb[layout.CHECK_INS]
    ws.cell(1, header_col(ws, column)).value = "Something else"
    wb.save(built)
    result = run("status", built, "--as-of", AS_OF)
    assert result.exit_code == 2 and f'"{column}"' in result.stderr


def test_replan_refuses_a_part(built: Path, tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    assert run("split", built, "-o", parts, "--as-of", AS_OF).exit_code == 0
    part = next(parts.glob("ravi*.xlsx"))
    before = part.read_bytes()
    result = run("replan", part, "-o", part, "--as-of", AS_OF)
    assert result.exit_code == 2 and "merge the parts first" in result.stderr.casefold()
    assert part.read_bytes() == before


def test_one_typed_as_of_does_not_freeze_the_merged_plan(built: Path, tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    assert run("split", built, "-o", parts, "--as-of", AS_OF).exit_code == 0
    files = sorted(parts.glob("*.xlsx"))
    typed(files[0], as_of=date(2027, 5, 31))
    merged = tmp_path / "m.xlsx"
    result = run("merge", *files, "-o", merged, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "Conflict: Start, AsOf" in result.stderr and "2027-05-31" in result.stderr
    assert read_workbook(merged).as_of is None
    assert "1 conflicts" in result.stdout


def test_a_part_is_judged_as_a_part(built: Path, tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    assert run("split", built, "-o", parts, "--as-of", AS_OF).exit_code == 0
    part = next(parts.glob("ravi*.xlsx"))
    # Ravi is exactly on his pace: 25% of what the team should have by now.
    team = json.loads(run("status", built, "--as-of", AS_OF, "--format", "json").stdout)
    expected = next(g for g in team["goals"] if g["id"] == "G1")["expected"]
    typed(part, check_ins=[(date(2027, 5, 1), "G1", "Ravi Patel", round(expected * 0.25))])
    check = run("check", part, "--as-of", AS_OF, "--format", "json")
    assert "shares" not in {p["code"] for p in json.loads(check.stdout)["problems"]}
    status = run("status", part, "--as-of", AS_OF, "--format", "json")
    assert status.exit_code == 0, status.output
    data = json.loads(status.stdout)
    assert data["plan"]["part"] == "Ravi Patel"
    g1 = next(g for g in data["goals"] if g["id"] == "G1")
    assert g1["target"] == pytest.approx(0.25 * 2_400_000)
    assert g1["status"] == "On track"
    table = run("status", part, "--as-of", AS_OF)
    assert "Ravi Patel's part of the plan" in table.stdout
    brief = run("brief", part, "--as-of", AS_OF)
    assert "your part of the plan" in brief.stdout and "The team:" not in brief.stdout


def _edited_spec(spec: Path, out: Path) -> Path:
    text = spec.read_text(encoding="utf-8").replace("target: 2400000", "target: 2600000")
    out.write_text(text, encoding="utf-8")
    return out


def test_build_keep_carries_every_input_by_row_id(
    built: Path, sales_spec: Path, tmp_path: Path
) -> None:
    reading = (date(2027, 2, 1), "G1", "Ravi Patel", 50_000.0)
    typed(
        built,
        check_ins=[reading],
        done={"A1": "Yes"},
        notes={"A2": "note"},
        feedback={"X1": "fine"},
        reviews={"X1": date(2027, 4, 1)},
        as_of=date(2027, 5, 1),
    )
    spec = _edited_spec(sales_spec, tmp_path / "edited.yaml")
    result = run("build", spec, "-o", built, "--keep", built, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "backed up" in result.stdout
    (backup,) = tmp_path.glob("plan.*.bak.xlsx")
    assert read_workbook(backup).done["A1"] == "Yes"
    snap = read_workbook(built)
    assert snap.plan.version == 2
    assert snap.plan.goal("G1").target == 2_600_000
    assert [(c.date, c.goal, c.owner, c.value) for c in snap.check_ins] == [reading]
    assert snap.done["A1"] == "Yes" and snap.notes == {"A2": "note"}
    assert snap.feedback == {"X1": "fine"} and snap.reviews == {"X1": date(2027, 4, 1)}
    assert snap.as_of == date(2027, 5, 1)


def test_build_keep_refuses_an_input_without_a_row(
    built: Path, sales_spec: Path, tmp_path: Path
) -> None:
    text = sales_spec.read_text(encoding="utf-8")
    spec = tmp_path / "fewer.yaml"
    spec.write_text(_without_third_anti_goal(text), encoding="utf-8")
    typed(built, feedback={"X3": "keep this"})
    before = built.read_bytes()
    result = run("build", spec, "-o", built, "--keep", built, "--as-of", AS_OF)
    assert result.exit_code == 2
    assert "Anti-goals!" in result.stderr and "X3 Feedback 'keep this'" in result.stderr
    assert built.read_bytes() == before


def _without_third_anti_goal(text: str) -> str:
    head, sep, rest = text.partition("  - avoid: Generic product pitches")
    assert sep
    tail = rest.split("\n\n", 1)
    return head.rstrip() + "\n" + ("\n\n" + tail[1] if len(tail) > 1 else "\n")


def test_older_copies_are_carried_forward(built: Path, tmp_path: Path) -> None:
    old = typed(
        built,
        tmp_path / "old.xlsx",
        check_ins=[(date(2027, 2, 1), "G1", "Ravi Patel", 50_000)],
        done={"A1": "Yes"},
    )
    v2 = tmp_path / "v2.xlsx"
    assert run("replan", built, "-o", v2, "--as-of", AS_OF).exit_code == 0
    typed(v2, check_ins=[(date(2027, 5, 2), "G1", "Mei Chen", 10_000)])
    merged = tmp_path / "m.xlsx"
    result = run("merge", old, v2, "-o", merged, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "Carried forward: old.xlsx" in result.stderr
    snap = read_workbook(merged)
    assert snap.plan.version == 2
    assert sorted(c.value for c in snap.check_ins) == [10_000, 50_000]
    assert snap.done.get("A1") == "Yes"
    out = tmp_path / "out"
    out.mkdir()
    collected = run("collect", old, v2, "-o", out / "r.xlsx", "--as-of", AS_OF)
    assert collected.exit_code == 0, collected.output
    assert "Imported 2 of 2 files" in collected.stdout


def _insert_columns(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    goals = wb[layout.GOALS]
    goals.insert_cols(3)  # between Goal and Metric, as a person would
    goals.cell(1, 3).value = "Region"
    goals.cell(row_of(goals, "G1"), 3).value = "EMEA"
    actions = wb[layout.ACTIONS]
    col = actions.max_column + 1
    actions.cell(1, col).value = "Deal link"
    actions.cell(row_of(actions, "A1"), col).value = "https://crm.example/d/1"
    actions.cell(row_of(actions, "A2"), col).value = 42
    checks = wb[layout.CHECK_INS]
    checks.cell(1, 6).value = "Source"
    for j, v in enumerate((date(2027, 2, 1), "G1", "Ravi Patel", 50_000, "", "CRM")):
        checks.cell(2, 1 + j).value = v
    wb.save(path)


def _user_values(path: Path) -> dict[tuple[str, str], dict[str, object]]:
    snap = read_workbook(path)
    out = {(u.sheet, u.header): dict(u.values) for u in snap.user_columns if u.values}
    out[("Check-ins", "*")] = {f"{c.goal}@{c.date}": dict(c.extra) for c in snap.check_ins}
    return out


def test_columns_users_insert_survive_the_cycle(
    built: Path, sales_spec: Path, tmp_path: Path
) -> None:
    _insert_columns(built)
    want = {
        ("Goals", "Region"): {"G1": "EMEA"},
        ("Actions", "Deal link"): {"A1": "https://crm.example/d/1", "A2": 42.0},
        ("Check-ins", "*"): {"G1@2027-02-01": {"Source": "CRM"}},
    }
    assert _user_values(built) == want
    merged = tmp_path / "merged.xlsx"
    assert run("merge", built, "-o", merged, "--as-of", AS_OF).exit_code == 0
    assert _user_values(merged) == want
    parts = tmp_path / "parts"
    assert run("split", merged, "-o", parts, "--as-of", AS_OF).exit_code == 0
    back = tmp_path / "back.xlsx"
    result = run("merge", *sorted(parts.glob("*.xlsx")), "-o", back, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert _user_values(back) == want
    v2 = tmp_path / "v2.xlsx"
    assert run("replan", back, "-o", v2, "--as-of", AS_OF).exit_code == 0
    got = _user_values(v2)
    assert (
        got[("Goals", "Region")] == {"G1": "EMEA"}
        and got[("Check-ins", "*")] == want[("Check-ins", "*")]
    )
    kept = tmp_path / "kept.xlsx"
    spec = _edited_spec(sales_spec, tmp_path / "edited.yaml")
    result = run("build", spec, "-o", kept, "--keep", back, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert _user_values(kept) == want


def test_build_keep_names_an_inserted_columns_cell_without_a_row(
    built: Path, sales_spec: Path, tmp_path: Path
) -> None:
    """A value in a column someone inserted is named by its A1 cell, like any input."""
    wb = openpyxl.load_workbook(built)
    ws = wb[layout.ANTI_GOALS]
    ws.insert_cols(2)
    ws.cell(1, 2).value = "Priority"
    row = row_of(ws, "X3")
    ws.cell(row, 2).value = "high"
    wb.save(built)
    spec = tmp_path / "fewer.yaml"
    spec.write_text(_without_third_anti_goal(sales_spec.read_text(encoding="utf-8")), "utf-8")
    result = run("build", spec, "-o", built, "--keep", built, "--as-of", AS_OF)
    assert result.exit_code == 2
    assert f"Anti-goals!B{row}: X3 Priority 'high'" in result.stderr
