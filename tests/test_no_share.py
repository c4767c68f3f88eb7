"""A goal a person has no share of is not judged for them: not in a part, not on their row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner

from backplan_xlsx import layout
from backplan_xlsx.cli import main

AS_OF = "2027-03-15"


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _status(path: Path) -> dict[str, Any]:
    data = json.loads(_run("status", str(path), "--as-of", AS_OF, "--format", "json"))
    assert isinstance(data, dict)
    return data


def test_a_part_leaves_out_the_goals_its_owner_has_no_share_of(
    sales_spec: Path, tmp_path: Path
) -> None:
    whole = tmp_path / "plan.xlsx"
    _run("build", str(sales_spec), "-o", str(whole), "--as-of", AS_OF)
    _run("split", str(whole), "-o", str(tmp_path / "parts"))
    ravi = _status(tmp_path / "parts" / "ravi-patel.xlsx")  # shares of G1 and G2 only
    assert [g["id"] for g in ravi["goals"]] == ["G1", "G2"]
    assert {m["goal"] for m in ravi["milestones"]} == {"G1", "G2"}
    dana = _status(tmp_path / "parts" / "dana-whitfield.xlsx")  # G3 is all hers, G4 is not
    assert [g["id"] for g in dana["goals"]] == ["G1", "G2", "G3"]
    brief = _run("brief", str(tmp_path / "parts" / "ravi-patel.xlsx"), "--as-of", AS_OF)
    assert "Win rate" not in brief and "Sales cycle" not in brief and "New ARR" in brief


def test_an_owner_with_a_zero_share_is_not_judged_on_that_goal(
    sales_spec: Path, tmp_path: Path
) -> None:
    text = sales_spec.read_text()
    text = text.replace("shares: {G1: 0.25, G2: 0.20}\n", "shares: {G1: 0, G2: 0.20}\n", 1)
    text = text.replace("{G1: 0.10, G2: 0.10, G3: 1.0}", "{G1: 0.35, G2: 0.10, G3: 1.0}", 1)
    sales_spec.write_text(text)
    built = tmp_path / "plan.xlsx"
    _run("build", str(sales_spec), "-o", str(built), "--as-of", AS_OF)
    rebuilt = tmp_path / "rebuilt.xlsx"
    _run("build", str(sales_spec), "--keep", str(built), "-o", str(rebuilt), "--as-of", AS_OF)
    owners: dict[str, Any] = {o["name"]: o for o in _status(rebuilt)["owners"]}
    ravi = owners["Ravi Patel"]
    assert [p["goal"] for p in ravi["parts"]] == ["G2"]
    assert ravi["status"] == "Off track"
    # The workbook's own row says the same: no status for the goal that is not theirs.
    ws = openpyxl.load_workbook(rebuilt)[layout.OWNERS]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[header.index("Owner")].value == "Ravi Patel")
    g1_status = next(i for i, h in enumerate(header) if h and "G1" in h and "status" in h.lower())
    assert row[g1_status].value == '=""'
