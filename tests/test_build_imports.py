"""What a plain `backplan build` loads: the planner and the writer, not the reader."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from backplan_xlsx import rules
from backplan_xlsx.model import Plan, Snapshot
from backplan_xlsx.reader import as_of_for as reader_as_of_for

#: Modules a build from a spec has no file to read with (nor a bad spec to report).
NOT_FOR_BUILD = (
    "backplan_xlsx.reader",
    "backplan_xlsx.guard",
    "python_calamine",
    "openpyxl",
    "pydantic",
)


def test_a_build_imports_no_reader(tmp_path: Path, sales_spec: Path) -> None:
    out = tmp_path / "plan.xlsx"
    code = (
        "import sys\n"
        "from backplan_xlsx.cli import main\n"
        f"try:\n    main(['build', {str(sales_spec)!r}, '-o', {str(out)!r}])\n"
        "except SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
        f"print('LOADED:' + ','.join(m for m in {NOT_FOR_BUILD!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "LOADED:"
    assert out.exists()


def test_the_writer_and_the_reader_ask_one_as_of_rule() -> None:
    """The reader's ``as_of_for`` is the rule itself, not a second spelling of it."""
    assert reader_as_of_for is rules.as_of_for


@given(st.one_of(st.none(), st.dates()), st.one_of(st.none(), st.dates()), st.dates())
def test_the_as_of_rule(given_day: date | None, typed: date | None, today: date) -> None:
    """``--as-of`` first, then a date typed into AsOf, then today."""
    snap = Snapshot(Plan("p", "P", date(2027, 1, 1), (), ()), as_of=typed)
    expected = given_day if given_day is not None else typed if typed is not None else today
    assert rules.as_of_for(snap, given_day, today) == expected
