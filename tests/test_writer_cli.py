"""``backplan build`` through Click's CliRunner: output, exit codes, messages."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from backplan_xlsx import layout, rules
from backplan_xlsx.cli import main

pytestmark = pytest.mark.filterwarnings("error")


def _as_of_cached(path: Path) -> object:
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True)
    ((sheet, ref),) = list(wb.defined_names[rules.AS_OF].destinations)
    return wb[sheet][ref.replace("$", "")].value


def _add_check_in(path: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb[layout.CHECK_INS]
    ws["A2"], ws["B2"], ws["C2"], ws["D2"] = date(2027, 2, 1), "G1", "Mei Chen", 40000
    wb.save(path)


def test_build_writes_the_workbook(sales_spec: Path) -> None:
    out = sales_spec.with_name("plan.xlsx")
    result = CliRunner().invoke(main, ["build", str(sales_spec), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert result.stdout.startswith(f"Wrote {out} (plan fy27-new-business v1")
    assert result.stdout.count("\n") == 1
    assert result.stderr == ""


def test_build_as_of_sets_the_cached_values(sales_spec: Path) -> None:
    out = sales_spec.with_name("plan.xlsx")
    result = CliRunner().invoke(
        main, ["build", str(sales_spec), "-o", str(out), "--as-of", "2027-03-31"]
    )
    assert result.exit_code == 0, result.output
    assert "as of 2027-03-31" in result.stdout
    assert _as_of_cached(out) == datetime(2027, 3, 31)


def test_bad_as_of_is_a_usage_error(sales_spec: Path) -> None:
    out = sales_spec.with_name("plan.xlsx")
    result = CliRunner().invoke(
        main, ["build", str(sales_spec), "-o", str(out), "--as-of", "31/03/2027"]
    )
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.stderr
    assert not out.exists()


def test_rebuild_without_check_ins_says_so(sales_spec: Path) -> None:
    out = sales_spec.with_name("plan.xlsx")
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(sales_spec), "-o", str(out)]).exit_code == 0
    result = runner.invoke(main, ["build", str(sales_spec), "-o", str(out)])
    assert result.exit_code == 0
    assert "replaced a workbook without check-ins" in result.stdout


def test_refuses_to_overwrite_check_ins(sales_spec: Path) -> None:
    out = sales_spec.with_name("plan.xlsx")
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(sales_spec), "-o", str(out)]).exit_code == 0
    _add_check_in(out)
    before = out.read_bytes()
    result = runner.invoke(main, ["build", str(sales_spec), "-o", str(out)])
    assert result.exit_code == 2
    assert str(out) in result.stderr
    assert "holds check-ins" in result.stderr and "--force" in result.stderr
    assert result.stdout == ""
    assert out.read_bytes() == before
    assert list(out.parent.glob("*.bak.xlsx")) == []


def test_force_overwrites_and_keeps_a_backup(sales_spec: Path) -> None:
    out = sales_spec.with_name("plan.xlsx")
    runner = CliRunner()
    assert runner.invoke(main, ["build", str(sales_spec), "-o", str(out)]).exit_code == 0
    _add_check_in(out)
    before = out.read_bytes()
    result = runner.invoke(main, ["build", str(sales_spec), "-o", str(out), "--force"])
    assert result.exit_code == 0, result.output
    (backup,) = out.parent.glob("plan.*.bak.xlsx")
    assert backup.read_bytes() == before
    assert f"backed up as {backup}" in result.stdout
    assert out.read_bytes() != before


def test_output_equal_to_spec_is_refused(sales_spec: Path) -> None:
    before = sales_spec.read_bytes()
    result = CliRunner().invoke(main, ["build", str(sales_spec), "-o", str(sales_spec)])
    assert result.exit_code == 2
    assert "plan spec itself" in result.stderr
    assert sales_spec.read_bytes() == before


def test_bad_spec_gives_located_problems(sales_spec: Path) -> None:
    text = sales_spec.read_text(encoding="utf-8")
    lines = text.splitlines()
    bad = next(i for i, line in enumerate(lines) if "deadline: 2027-12-31" in line)
    lines[bad] = lines[bad].replace("2027-12-31", "2027-13-01")
    sales_spec.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = sales_spec.with_name("plan.xlsx")
    result = CliRunner().invoke(main, ["build", str(sales_spec), "-o", str(out)])
    assert result.exit_code == 2
    assert f"{sales_spec.name}:{bad + 1}: goals[0].deadline: 2027-13-01" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_missing_spec_is_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["build", str(tmp_path / "nope.yaml"), "-o", str(tmp_path / "x.xlsx")]
    )
    assert result.exit_code == 2
    assert "nope.yaml" in result.stderr


def test_build_help_has_an_example() -> None:
    result = CliRunner().invoke(main, ["build", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout and "backplan build plan.yaml -o plan.xlsx" in result.stdout


def test_spec_warnings_go_to_stderr_and_the_build_goes_on(sales_spec: Path) -> None:
    text = sales_spec.read_text(encoding="utf-8")
    long_avoid = "Hours spent on leads that do not fit our customer profile" + " at all" * 12
    text = text.replace("Hours spent on leads that do not fit our customer profile", long_avoid)
    sales_spec.write_text(text, encoding="utf-8")
    out = sales_spec.with_name("plan.xlsx")
    result = CliRunner().invoke(main, ["build", str(sales_spec), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Warning: ")
    assert "anti_goals[0].avoid" in result.stderr
    assert out.is_file()
