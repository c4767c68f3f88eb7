"""`backplan new`, help texts, and start-up that imports nothing heavy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from backplan_xlsx.cli import main
from backplan_xlsx.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent


def test_new_from_template_writes_a_valid_commented_spec(tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    result = CliRunner().invoke(main, ["new", "--template", "sales", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.count("#") > 30  # every field explained
    plan = load_spec(out)
    assert len(plan.goals) == 4 and len(plan.owners) >= 5 and len(plan.anti_goals) >= 3
    down = plan.goal("G4")
    assert down.target < down.baseline and down.measure == "latest"


def test_new_never_overwrites_without_force(tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    out.write_text("mine\n")
    result = CliRunner().invoke(main, ["new", "--template", "sales", str(out)])
    assert result.exit_code == 2
    assert "exists; use --force" in result.stderr
    assert out.read_text() == "mine\n"
    forced = CliRunner().invoke(main, ["new", "--template", "sales", "--force", str(out)])
    assert forced.exit_code == 0
    assert out.read_text() != "mine\n"


def test_unknown_template_is_a_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["new", "--template", "nope", str(tmp_path / "p.yaml")])
    assert result.exit_code == 2
    assert "no template named 'nope'" in result.stderr and "sales" in result.stderr
    assert not (tmp_path / "p.yaml").exists()


def test_list_templates() -> None:
    result = CliRunner().invoke(main, ["new", "--list-templates"])
    assert result.exit_code == 0
    assert "sales" in result.stdout.split()


def test_new_asks_for_the_essentials(tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    answers = "\n".join(
        [
            "Q1 push",
            "2027-01-01",
            "New ARR",
            "USD",
            "0",
            "300000",
            "2027-06-30",
            "monthly",
            "Ann, Bob, Cy",
            "Discounting to close",
            "Sell on value with a mutual plan",
        ]
    )
    result = CliRunner().invoke(main, ["new", str(out)], input=answers + "\n")
    assert result.exit_code == 0, result.output
    plan = load_spec(out)
    assert plan.title == "Q1 push"
    assert [o.name for o in plan.owners] == ["Ann", "Bob", "Cy"]
    assert abs(sum(o.share_of("G1") for o in plan.owners) - 1) < 1e-9
    assert plan.anti_goals[0].instead == "Sell on value with a mutual plan"
    assert plan.milestones[-1].target == 300000


def test_new_reprompts_on_a_bad_date(tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    answers = "\n".join(
        [
            "T",
            "next tuesday",
            "2027-01-01",
            "G",
            "USD",
            "0",
            "10",
            "2027-03-31",
            "monthly",
            "Ann",
            "",
        ]
    )
    result = CliRunner().invoke(main, ["new", str(out)], input=answers + "\n")
    assert result.exit_code == 0, result.output
    assert "is not a date" in result.output
    assert load_spec(out).start.isoformat() == "2027-01-01"


def test_every_command_has_help_with_an_example_and_a_readme_mention() -> None:
    readme = (ROOT / "README.md").read_text()
    runner = CliRunner()
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0
        assert "Example" in result.output, name
        assert command.help and len(command.help) > 40, name
        assert f"backplan {name}" in readme, f"README does not mention `backplan {name}`"


def test_help_imports_nothing_heavy() -> None:
    # Nor pathlib or shutil, which Click alone does not import (a tenth of --help each).
    code = (
        "import sys\n"
        "from backplan_xlsx.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('openpyxl', 'xlsxwriter', 'pydantic', 'python_calamine', 'yaml',"
        " 'tabulate', 'msgspec', 'sqlalchemy', 'pathlib', 'shutil') if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY:"


def test_questions_that_meet_the_end_of_input_are_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "t" / "i.yaml"
    result = CliRunner().invoke(main, ["new", str(out)], input="x\n")
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: new stopped at a question")
    assert "--template" in lines[0] and "Aborted" not in result.output
    assert not out.exists()


def test_a_piped_answer_ends_in_one_line_and_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "backplan_xlsx", "new", str(tmp_path / "i.yaml")],
        input="x\n",
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: ")
    assert "Traceback" not in done.stderr and not (tmp_path / "i.yaml").exists()
