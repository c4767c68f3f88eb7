"""The import log names a badly edited copy's problems without drowning the sheet."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from backplan_xlsx.collect import collect
from backplan_xlsx.model import Plan
from tests.workbooks import build, edit, run

AS_OF = date(2027, 5, 10)


def _bad_check_ins(count: int) -> Any:
    """An edit typing ``count`` check-ins whose Value is a word, not a number."""

    def change(wb: Any) -> None:
        ws = wb["Check-ins"]
        for i in range(count):
            ws.append([date(2027, 3, 1), "G1", "Ravi Patel", f"lots{i}"])

    return change


def _log_problems(plan: Plan, tmp_path: Path, count: int) -> str:
    inbox = tmp_path / f"inbox{count}"
    inbox.mkdir()
    copy = build(plan, inbox / "ravi.xlsx", AS_OF)
    edit(copy, _bad_check_ins(count))
    got = collect([inbox], tmp_path / f"rollup{count}.xlsx", history=tmp_path / "h.db", as_of=AS_OF)
    (entry,) = got.log
    return entry.problems


def test_many_problems_are_shown_whole_and_counted(sales_plan: Plan, tmp_path: Path) -> None:
    text = _log_problems(sales_plan, tmp_path, 200)
    head, more = text.rsplit("; … and ", 1)
    assert more.endswith("more problems: run `backplan check ravi.xlsx` to see them all")
    hidden = int(more.split()[0].replace(",", ""))
    shown = head.count(" is not a number")
    assert shown + hidden == 200 and shown > 5
    assert head.count("lots") == shown and "Check-ins!D" in head
    assert len(head) <= 2000 and head.endswith("type a number (e.g. 1200)")


def test_a_few_problems_are_all_shown(sales_plan: Plan, tmp_path: Path) -> None:
    text = _log_problems(sales_plan, tmp_path, 3)
    assert text.count("lots") == 3 and "more problem" not in text


def _dropped(inbox: Path) -> None:
    """What else lands in a folder of returns: a PDF, a legacy save, OS and Office litter."""
    (inbox / "board pack.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\n")
    (inbox / "ravi-old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    (inbox / "mei.xlsm").write_bytes(b"PK\x03\x04")
    (inbox / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (inbox / "Thumbs.db").write_bytes(b"\0")
    (inbox / "~$ravi.xlsx").write_bytes(b"lock")
    (inbox / ".git").mkdir()
    (inbox / ".git" / "config").write_text("[core]\n")


def test_files_that_are_not_workbooks_are_named_in_the_log(
    sales_plan: Plan, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    build(sales_plan, inbox / "ravi.xlsx", AS_OF)
    _dropped(inbox)
    rollup = tmp_path / "rollup.xlsx"
    result = run(
        "collect", inbox, "-o", rollup, "--as-of", str(AS_OF), "--history", tmp_path / "h.db"
    )
    assert result.exit_code == 0, result.output  # every workbook was read
    said = [line for line in result.output.splitlines() if line.startswith("Skipped: ")]
    assert [line.split(":")[1].strip() for line in said] == [
        "board pack.pdf",
        "mei.xlsm",
        "ravi-old.xls",
    ]
    assert "a PDF, not a workbook" in said[0] and "macro-enabled" in said[1]
    assert "legacy Excel" in said[2] and all("save it as .xlsx" in line for line in said)
    assert "Imported 1 of 1 files" in result.output
    log = {row[0]: row for row in _log_rows(rollup)}
    assert set(log) == {"ravi.xlsx", "board pack.pdf", "mei.xlsm", "ravi-old.xls"}
    assert log["board pack.pdf"][3] == "skipped" and "PDF" in str(log["board pack.pdf"][4])


def test_a_folder_of_no_workbooks_names_what_it_holds(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _dropped(inbox)
    result = run("collect", inbox, "-o", tmp_path / "r.xlsx", "--as-of", str(AS_OF))
    assert result.exit_code == 2
    assert "Error: no .xlsx or .ods workbooks found in" in result.output
    assert "Warning: board pack.pdf: a PDF, not a workbook" in result.output
    assert ".DS_Store" not in result.output and "Thumbs" not in result.output
    assert not (tmp_path / "r.xlsx").exists()


def _log_rows(rollup: Path) -> list[tuple[Any, ...]]:
    import openpyxl

    wb = openpyxl.load_workbook(rollup, read_only=True)
    rows = [r for r in wb["Import log"].iter_rows(values_only=True) if any(r)]
    wb.close()
    return rows[1:]


def test_the_history_store_in_the_folder_is_not_a_stray_file(
    sales_plan: Plan, tmp_path: Path
) -> None:
    """Ops keep the store beside the returns: the second month must not call it "not a workbook"."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    build(sales_plan, inbox / "ravi.xlsx", AS_OF)
    store = inbox / "history.sqlite"
    for month in ("2027-05-31", "2027-06-30"):
        result = run(
            "collect", inbox, "-o", inbox / "rollup.xlsx", "--as-of", month, "--history", store
        )
        assert result.exit_code == 0, result.output
        assert "Skipped" not in result.output and "Imported 1 of 1 files" in result.output
    assert store.exists()
