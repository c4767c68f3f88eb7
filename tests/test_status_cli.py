"""``backplan status`` through CliRunner: every format, grouping and flag, exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from backplan_xlsx import reports
from backplan_xlsx.cli import FORMATS, main
from backplan_xlsx.engine import evaluate
from backplan_xlsx.model import Plan
from backplan_xlsx.reader import read_workbook
from backplan_xlsx.reports.data import FORMULA_TRIGGERS
from backplan_xlsx.spec import load_spec
from tests import workbooks as wbk
from tests.conftest import TEMPLATES

AS_OF = wbk.AS_OF.isoformat()


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_spec(TEMPLATES / "sales.yaml")


@pytest.fixture(scope="module")
def filled(plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = wbk.build(plan, tmp_path_factory.mktemp("status") / "plan.xlsx")
    return wbk.edit(path, wbk.fill)


@pytest.fixture
def copy(filled: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "copy.xlsx"
    shutil.copyfile(filled, dest)
    return dest


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_formats_match_the_library() -> None:
    assert FORMATS == reports.FORMATS


def test_help_has_an_example() -> None:
    result = run("status", "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert "backplan status plan.xlsx --by owner" in result.stdout


def test_json_equals_the_engine(filled: Path) -> None:
    result = run("status", str(filled), "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    report = evaluate(read_workbook(filled), wbk.AS_OF)
    assert data["as_of"] == AS_OF
    assert data["plan"]["file"] == str(filled)
    assert [(g["id"], g["status"], g["actual"]) for g in data["goals"]] == [
        (g.id, g.status, g.actual) for g in report.goals
    ]
    assert [(a["id"], a["status"]) for a in data["actions"]] == [
        (a.id, a.status) for a in report.actions
    ]
    assert data["problems"] == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("by", [None, "owner", "goal"])
def test_every_format_and_grouping(filled: Path, fmt: str, by: str | None) -> None:
    args = ["status", str(filled), "--as-of", AS_OF, "-f", fmt]
    if by:
        args += ["--by", by]
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    assert "New ARR" in result.stdout
    assert result.stderr == ""
    if by == "owner" and fmt == "table":
        assert "== Ravi Patel:" in result.stdout


def test_md_is_markdown(filled: Path) -> None:
    """brief says md, status says markdown: each takes both."""
    short = run("status", str(filled), "--as-of", AS_OF, "-f", "md")
    assert short.exit_code == 0, short.stderr
    assert short.stdout == run("status", str(filled), "--as-of", AS_OF, "-f", "markdown").stdout


def test_table_is_plain_when_piped(filled: Path) -> None:
    result = run("status", str(filled), "--as-of", AS_OF)
    assert not re.search(r"\x1b\[", result.stdout)
    assert "G2 Qualified pipeline: Off track; projected" in result.stdout


def test_as_of_defaults_to_a_date_typed_into_the_workbook(copy: Path) -> None:
    def typed(wb: Any) -> None:
        sheet, ref = next(wb.defined_names["AsOf"].destinations)
        wb[sheet][ref.replace("$", "")] = date(2027, 4, 1)

    data = json.loads(run("status", str(copy), "-f", "json").stdout)
    assert data["as_of"] == date.today().isoformat()  # AsOf holds =TODAY()
    wbk.edit(copy, typed)
    assert json.loads(run("status", str(copy), "-f", "json").stdout)["as_of"] == "2027-04-01"
    given = run("status", str(copy), "-f", "json", "--as-of", "2027-05-01")
    assert json.loads(given.stdout)["as_of"] == "2027-05-01"


def test_fail_on_off_track(filled: Path) -> None:
    result = run("status", str(filled), "--as-of", AS_OF, "--fail-on", "off-track")
    assert result.exit_code == 1
    assert "Failing: G2 Qualified pipeline: Off track" in result.stderr
    before = run("status", str(filled), "--as-of", "2026-12-01", "--fail-on", "off-track")
    assert before.exit_code == 0, before.stderr
    assert before.stderr == ""


def test_fail_on_breach(filled: Path, copy: Path) -> None:
    ok = run("status", str(filled), "--as-of", AS_OF, "--fail-on", "breach", "-f", "json")
    assert ok.exit_code == 0  # X1 read 0.12 against a 0.2 limit
    breach = [(date(2027, 5, 1), "X1", "Aisha Okafor", 0.31)]
    wbk.edit(copy, lambda wb: wbk.fill(wb, breach, first_row=40, done={}, reviews={}))
    result = run("status", str(copy), "--as-of", AS_OF, "--fail-on", "breach", "-f", "json")
    assert result.exit_code == 1
    assert "Failing: X1 Hours spent on leads" in result.stderr
    assert json.loads(result.stdout)["anti_goals"][0]["status"] == "Breached"


def test_both_fail_on_conditions(copy: Path) -> None:
    result = run(
        "status", str(copy), "--as-of", AS_OF, "--fail-on", "breach", "--fail-on", "off-track"
    )
    assert result.exit_code == 1
    assert "Failing: G2" in result.stderr


def test_output_file(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "status.html"
    result = run("status", str(filled), "--as-of", AS_OF, "-f", "html", "-o", str(out))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == f"Wrote {out}.\n"
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_problems_are_reported_with_their_cells(copy: Path) -> None:
    bad = [("next tue", "G1", "Ravi Patel", 5)]
    wbk.edit(copy, lambda wb: wbk.fill(wb, bad, first_row=60, done={}, reviews={}))
    data = json.loads(run("status", str(copy), "--as-of", AS_OF, "-f", "json").stdout)
    assert [(p["sheet"], p["cell"], p["code"]) for p in data["problems"]] == [
        ("Check-ins", "A60", "bad-date")
    ]
    table = run("status", str(copy), "--as-of", AS_OF).stdout
    assert 'Check-ins!A60: "next tue" is not a date' in table


# A leading tab or carriage return is trimmed when a cell is read, so through
# a workbook only these four reach the CSV; test_reports covers all six.
@pytest.mark.parametrize("trigger", [t for t in FORMULA_TRIGGERS if t.strip()])
def test_csv_neutralises_a_goal_name_typed_as_a_formula(copy: Path, trigger: str) -> None:
    name = f"{trigger}cmd|' /C calc'!A0"

    def change(wb: Any) -> None:
        cell = wb["Goals"].cell(2, 2)
        cell.value = name
        cell.data_type = "s"  # text, as a person's typing ends up: not a live formula

    wbk.edit(copy, change)
    result = run("status", str(copy), "--as-of", AS_OF, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    g1 = next(r for r in rows if r["kind"] == "goal" and r["id"] == "G1")
    assert g1["name"] == "'" + name


def test_html_escapes_a_hostile_goal_name(copy: Path) -> None:
    xss = "<img src=x onerror=alert(1)>"
    wbk.edit(copy, lambda wb: wb["Goals"].cell(2, 2, xss))
    page = run("status", str(copy), "--as-of", AS_OF, "-f", "html").stdout
    assert xss not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["status", str(tmp_path / "nope.xlsx")])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "Error: nope.xlsx: no such file\n"


def test_a_bad_as_of_is_a_usage_error(filled: Path) -> None:
    result = CliRunner().invoke(main, ["status", str(filled), "--as-of", "31/12/2027"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.stderr


def test_status_imports_no_heavy_library(filled: Path) -> None:
    code = (
        "import sys\n"
        "from backplan_xlsx.cli import main\n"
        f"main(['status', {str(filled)!r}, '-f', 'json'], standalone_mode=False)\n"
        "heavy = {'openpyxl', 'pydantic', 'xlsxwriter', 'yaml', 'sqlalchemy'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stderr.strip() == "[]"


def test_status_reads_and_judges_without_the_writer_or_the_spec(filled: Path) -> None:
    """What the reading worker loads, seen in one process (a forked worker's imports stay in it).

    Status takes the fingerprints' canonical cell text, never the writer
    package, XlsxWriter, openpyxl, the spec's YAML or its validation models.
    """
    code = (
        "import sys\n"
        "from backplan_xlsx.cli import main\n"
        f"main(['status', {str(filled)!r}, '-f', 'json'], standalone_mode=False)\n"
        "heavy = ('backplan_xlsx.writer', 'backplan_xlsx.spec', 'xlsxwriter', 'openpyxl',\n"
        "         'yaml', 'pydantic', 'msgspec', 'sqlalchemy')\n"
        "loaded = [m for m in sys.modules if m.startswith(heavy)]\n"
        "print('LOADED:' + ','.join(sorted(loaded)), file=sys.stderr)\n"
    )
    env = {**os.environ, "BACKPLAN_NO_ISOLATION": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=env,
    )
    assert '"goals"' in done.stdout  # it did read and judge the workbook
    assert done.stderr.strip().splitlines()[-1] == "LOADED:"


def test_a_real_process_flushes_its_report_and_keeps_its_exit_codes(
    filled: Path, tmp_path: Path
) -> None:
    """Whole processes, as a shell runs them: the exit path loses no output, changes no code.

    (``cli._no_collection_at_exit`` freezes the heap at exit; CliRunner never gets there.)
    """
    run = [sys.executable, "-m", "backplan_xlsx", "status"]
    done = subprocess.run([*run, str(filled), "-f", "json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["goals"]  # the whole report, flushed at exit
    report = tmp_path / "status.json"
    wrote = subprocess.run(
        [*run, str(filled), "-f", "json", "-o", str(report)], capture_output=True, text=True
    )
    assert wrote.returncode == 0 and json.loads(report.read_text())["goals"]
    missing = subprocess.run([*run, str(tmp_path / "nope.xlsx")], capture_output=True, text=True)
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr == "Error: nope.xlsx: no such file\n"
