"""Names print harmlessly; no command writes over its own input; runs at once lose nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from backplan_xlsx.cli import main
from backplan_xlsx.errors import printable
from backplan_xlsx.history import HistoryStore

BIDI = "invoice\u202egpj.xlsx"


def test_printable_shows_controls_and_bidi_overrides() -> None:
    assert printable("plain text\twith tab") == "plain text\twith tab"
    assert printable("a\u202eb\x1b[31mc") == "a<U+202E>b<U+001B>[31mc"
    assert printable("Tomás Herrera") == "Tomás Herrera"


def test_a_bidi_file_name_prints_harmlessly(tmp_path: Path) -> None:
    bad = tmp_path / BIDI
    bad.write_text("a,b\n1,2\n")
    result = CliRunner().invoke(main, ["status", str(bad)])
    assert result.exit_code == 2
    assert "\u202e" not in result.stderr
    assert "invoice<U+202E>gpj.xlsx" in result.stderr


def test_no_report_replaces_the_workbook_it_reads(tmp_path: Path, sales_spec: Path) -> None:
    book = tmp_path / "plan.xlsx"
    assert CliRunner().invoke(main, ["build", str(sales_spec), "-o", str(book)]).exit_code == 0
    before = book.read_bytes()
    for args in (
        ["status", str(book), "-o", str(book)],
        ["check", str(book), "-o", str(book)],
        ["collect", str(book), "-o", str(book)],
    ):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert "also an input" in result.stderr
    assert book.read_bytes() == before


RUN = """
import sys
from datetime import date
from pathlib import Path
from backplan_xlsx.collect import collect
collect([Path(sys.argv[1])], Path(sys.argv[2]), history=sys.argv[3], as_of=date(2027, 5, 31), jobs=1)
"""


def test_two_collects_at_once_lose_no_update(tmp_path: Path, sales_spec: Path) -> None:
    from dataclasses import replace

    from backplan_xlsx.spec import load_spec
    from backplan_xlsx.writer import build_workbook

    plan = load_spec(sales_spec)
    inboxes = []
    for k in range(2):
        inbox = tmp_path / f"inbox{k}"
        inbox.mkdir()
        for i in range(6):
            build_workbook(replace(plan, id=f"team-{k}"), inbox / f"c{i}.xlsx", date(2027, 5, 31))
        inboxes.append(inbox)
    rollup, history = tmp_path / "rollup.xlsx", tmp_path / "h.sqlite"
    procs = [
        subprocess.Popen([sys.executable, "-c", RUN, str(inbox), str(rollup), str(history)])
        for inbox in inboxes
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    store = HistoryStore(history)
    assert {r.plan_id for r in store.rows(kind="goal")} == {"team-0", "team-1"}
    store.close()
    assert rollup.exists() and not list(tmp_path.glob(".backplan-tmp-*"))
    shutil.rmtree(inboxes[0])
