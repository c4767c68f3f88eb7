"""`collect` straight from mail equals `collect` on the same attachments saved as files.

Replies are built as real mail: one .eml, an mbox holding several messages,
and a Maildir whose messages carry a hostile attachment (a zip bomb named
.xlsx), a non-workbook attachment, a forwarded reply and a message nested
too deep. The same workbook attachments are also saved as plain files with
the messages' dates, and both imports must agree on every status, the
history and the roll-up's figures.
"""

from __future__ import annotations

import mailbox
import os
import shutil
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from backplan_xlsx.brief import owner_file_names
from backplan_xlsx.cli import main
from backplan_xlsx.collect import CollectResult, collect
from backplan_xlsx.history import HistoryStore
from backplan_xlsx.model import Plan, Snapshot
from backplan_xlsx.sources import find_mail, mail_inputs
from backplan_xlsx.split import split_plan
from backplan_xlsx.writer import build_workbook
from tests import corpus
from tests.workbooks import AS_OF, edit, fill

COLLECT_AS_OF = date(2027, 5, 31)
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
TZ = timezone(timedelta(hours=2))


def _parts(plan: Plan, folder: Path) -> dict[str, Path]:
    folder.mkdir()
    pieces = split_plan(Snapshot(plan))
    names = owner_file_names([o for o, _ in pieces], ".xlsx")
    out = {}
    for owner, part in pieces:
        out[owner.name] = build_workbook(part.plan, folder / names[owner.id], AS_OF, force=True)
    return out


def _filled(path: Path, owner: str, rows: Sequence[tuple[date, str, float]]) -> bytes:
    ins = [(day, goal, owner, value) for day, goal, value in rows]
    edit(path, lambda wb: fill(wb, ins, done={}, reviews={}))
    return path.read_bytes()


def _reply(
    sender: str, when: datetime, attachments: Sequence[tuple[str, bytes, tuple[str, str]]]
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "ops@example.com"
    msg["Subject"] = "Re: FY27 new business, May 2027"
    msg["Date"] = format_datetime(when)
    msg.set_content("Here is my part, filled in.\n")
    for name, data, (maintype, subtype) in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def _nested(depth: int) -> EmailMessage:
    inner = EmailMessage()
    inner.set_content("deep")
    for _ in range(depth):
        outer = EmailMessage()
        outer.make_mixed()
        outer.attach(inner)
        inner = outer
    inner["From"] = "mallory@example.com"
    inner["Date"] = format_datetime(datetime(2027, 5, 30, 8, 0, tzinfo=TZ))
    return inner


@pytest.fixture(scope="module")
def replies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Mail in ``mail/`` and the same workbook attachments as files in ``files/``."""
    from backplan_xlsx.spec import load_spec
    from tests.conftest import TEMPLATES

    root = tmp_path_factory.mktemp("replies")
    plan = load_spec(TEMPLATES / "sales.yaml")
    parts = _parts(plan, root / "parts")
    day = date(2027, 5, 3)
    workbooks = {
        "Dana Whitfield": _filled(
            parts["Dana Whitfield"], "Dana Whitfield", [(day, "G1", 40_000), (day, "G3", 0.24)]
        ),
        "Ravi Patel": _filled(
            parts["Ravi Patel"], "Ravi Patel", [(day, "G1", 120_000), (day, "G2", 300_000)]
        ),
        "Mei Chen": _filled(parts["Mei Chen"], "Mei Chen", [(day, "G1", 20_000)]),
        "Aisha Okafor": _filled(parts["Aisha Okafor"], "Aisha Okafor", [(day, "G2", 500_000)]),
    }
    # Ravi replies twice: the later reply (with one more check-in) must win where they differ.
    ravi_later = _filled(
        parts["Ravi Patel"],
        "Ravi Patel",
        [(day, "G1", 120_000), (day, "G2", 300_000), (date(2027, 5, 20), "G1", 60_000)],
    )
    bomb = corpus.zip_bomb(root).read_bytes()
    when = {
        "dana": datetime(2027, 5, 28, 9, 12, tzinfo=TZ),
        "ravi1": datetime(2027, 5, 28, 10, 0, tzinfo=TZ),
        "ravi2": datetime(2027, 5, 29, 16, 45, tzinfo=TZ),
        "mei": datetime(2027, 5, 29, 11, 30, tzinfo=TZ),
        "aisha": datetime(2027, 5, 30, 7, 5, tzinfo=TZ),
    }
    mail = root / "mail"
    mail.mkdir()
    (mail / "dana.eml").write_bytes(
        _reply(
            "Dana Whitfield <dana@example.com>",
            when["dana"],
            [
                ("dana-whitfield.xlsx", workbooks["Dana Whitfield"], XLSX),
                ("logo.png", b"\x89PNG\r\n\x1a\n", ("image", "png")),
            ],
        ).as_bytes()
    )
    box = mailbox.mbox(mail / "replies.mbox")
    box.add(
        _reply(
            "ravi@example.com", when["ravi1"], [("ravi-patel.xlsx", workbooks["Ravi Patel"], XLSX)]
        )
    )
    box.add(
        _reply(
            "Mei Chen <mei@example.com>",
            when["mei"],
            [("My part (Mei).xlsx", workbooks["Mei Chen"], XLSX)],
        )
    )
    box.add(_reply("ravi@example.com", when["ravi2"], [("ravi-patel.xlsx", ravi_later, XLSX)]))
    box.add(_reply("Tomás <tomas@example.com>", when["mei"], []))  # "see attached", and nothing
    box.flush()
    box.close()
    maildir = mailbox.Maildir(mail / "Inbox", create=True)
    maildir.add(
        _reply(
            "Aisha Okafor <aisha@example.com>",
            when["aisha"],
            [
                ("../../aisha-okafor.xlsx", workbooks["Aisha Okafor"], XLSX),
                ("bomb.xlsx", bomb, XLSX),
                ("notes.pdf", b"%PDF-1.4\n", ("application", "pdf")),
            ],
        )
    )
    maildir.add(_nested(40))
    maildir.close()

    files = root / "files"
    files.mkdir()
    saved = [
        ("dana-whitfield.xlsx", workbooks["Dana Whitfield"], when["dana"]),
        ("ravi-1.xlsx", workbooks["Ravi Patel"], when["ravi1"]),
        ("ravi-2.xlsx", ravi_later, when["ravi2"]),
        ("mei.xlsx", workbooks["Mei Chen"], when["mei"]),
        ("aisha-okafor.xlsx", workbooks["Aisha Okafor"], when["aisha"]),
        ("bomb.xlsx", bomb, when["aisha"]),
    ]
    for name, data, sent in saved:
        (files / name).write_bytes(data)
        os.utime(files / name, (sent.timestamp(), sent.timestamp()))
    return {"root": root, "mail": mail, "files": files}


def _run(inputs: list[Path], out: Path) -> CollectResult:
    out.mkdir()
    return collect(
        inputs, out / "rollup.xlsx", history=out / "h.sqlite", as_of=COLLECT_AS_OF, jobs=2
    )


def _figures(result: CollectResult) -> list[Any]:
    return [(p.plan, replace(p.report, file=""), p.files) for p in result.plans]


def _sheet_values(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def test_collect_from_mail_equals_collect_from_the_saved_attachments(
    replies: dict[str, Any], tmp_path: Path
) -> None:
    mail = replies["mail"]
    from_mail = _run([mail / "dana.eml", mail / "replies.mbox", mail / "Inbox"], tmp_path / "m")
    from_files = _run([replies["files"]], tmp_path / "f")

    assert from_mail.files == from_files.files == 6
    assert from_mail.skipped == from_files.skipped == 1  # the zip bomb, in both
    assert _figures(from_mail) == _figures(from_files)
    assert len(from_mail.conflicts) == len(from_files.conflicts)
    rows = [
        HistoryStore(out / "h.sqlite").rows(kind=k)
        for out in (tmp_path / "m", tmp_path / "f")
        for k in ("goal", "owner")
    ]
    assert rows[0] == rows[2] and rows[1] == rows[3] and rows[0]
    for sheet in ("Summary", "Owners"):
        assert _sheet_values(tmp_path / "m" / "rollup.xlsx", sheet) == _sheet_values(
            tmp_path / "f" / "rollup.xlsx", sheet
        )

    log = {e.file: e for e in from_mail.log}
    assert log["dana.eml/dana@example.com 2027-05-28 0912/dana-whitfield.xlsx"].result == "imported"
    assert log["replies.mbox/ravi@example.com 2027-05-29 1645/ravi-patel.xlsx"].result == "imported"
    assert (
        log["replies.mbox/mei@example.com 2027-05-29 1130/My part (Mei).xlsx"].result == "imported"
    )
    # A path in the attachment's name is dropped: the file lands in its message's folder.
    assert log["Inbox/aisha@example.com 2027-05-30 0705/aisha-okafor.xlsx"].result == "imported"
    bomb = log["Inbox/aisha@example.com 2027-05-30 0705/bomb.xlsx"]
    assert bomb.result == "skipped" and "compress" in bomb.problems
    assert (
        "not a workbook (application/pdf)"
        in log["Inbox/aisha@example.com 2027-05-30 0705/notes.pdf"].problems
    )
    assert (
        "not a workbook (image/png)"
        in log["dana.eml/dana@example.com 2027-05-28 0912/logo.png"].problems
    )
    empty = [e for e in from_mail.log if e.file.startswith("replies.mbox/tomas@example.com")]
    assert [e.problems for e in empty] == [
        "a reply with nothing attached; ask tomas@example.com for their workbook"
    ]
    deep = [e for e in from_mail.log if e.file.startswith("Inbox/mallory@example.com")]
    assert len(deep) == 1 and "levels" in deep[0].problems
    log_sheet = _sheet_values(tmp_path / "m" / "rollup.xlsx", "Import log")
    assert any("notes.pdf" in str(cell) for row in log_sheet for cell in row)


def test_mail_found_inside_a_folder_and_through_the_command(
    replies: dict[str, Any], tmp_path: Path
) -> None:
    folder = tmp_path / "returned"
    shutil.copytree(replies["mail"], folder / "mail")
    shutil.copy(replies["files"] / "dana-whitfield.xlsx", folder / "dana-saved.xlsx")
    assert sorted(p.name for p in find_mail([folder])) == ["Inbox", "dana.eml", "replies.mbox"]
    apple = tmp_path / "Exported.mbox"
    apple.mkdir()
    shutil.copy(replies["mail"] / "replies.mbox", apple / "mbox")
    (apple / "table_of_contents").write_bytes(b"\x00\x01")
    assert find_mail([apple]) == [apple / "mbox"]
    out = tmp_path / "rollup.xlsx"
    result = CliRunner().invoke(
        main,
        ["collect", str(folder), "-o", str(out), "--as-of", COLLECT_AS_OF.isoformat(), "-j", "2"],
    )
    assert result.exit_code == 1, result.output  # the zip bomb is skipped
    assert "Imported 6 of 7 files (1 plans)" in result.stdout
    assert "Skipped: mail/Inbox/aisha@example.com 2027-05-30 0705/bomb.xlsx: " in result.stderr
    assert (
        "Skipped: mail/Inbox/aisha@example.com 2027-05-30 0705/notes.pdf: not a workbook"
        in result.stderr
    )
    assert "Traceback" not in result.output


def test_mail_without_workbooks_says_so(tmp_path: Path) -> None:
    (tmp_path / "hello.eml").write_bytes(
        _reply(
            "a@example.com",
            datetime(2027, 5, 1, tzinfo=TZ),
            [("a.pdf", b"%PDF", ("application", "pdf"))],
        ).as_bytes()
    )
    result = CliRunner().invoke(
        main, ["collect", str(tmp_path / "hello.eml"), "-o", str(tmp_path / "r.xlsx")]
    )
    assert result.exit_code == 2
    assert "no .xlsx or .ods attachments in the 1 messages" in result.stderr
    assert not (tmp_path / "r.xlsx").exists()


def test_oversized_messages_and_hostile_names_are_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backplan_xlsx import sources

    monkeypatch.setattr(sources, "MAX_MESSAGE_BYTES", 10_000)
    big = _reply(
        "a@example.com", datetime(2027, 5, 1, tzinfo=TZ), [("big.xlsx", os.urandom(20_000), XLSX)]
    )
    (tmp_path / "big.eml").write_bytes(big.as_bytes())
    odd = _reply(
        "\x1b[31m/../evil <x@example.com>",
        datetime(2027, 5, 1, tzinfo=TZ),
        [("~$.bak.xlsx", b"PK\x03\x04", XLSX), (".backplan-tmp-1-x.xlsx", b"PK", XLSX)],
    )
    unnamed = EmailMessage()
    unnamed.set_content(b"PK\x03\x04", maintype=XLSX[0], subtype=XLSX[1])
    odd.attach(unnamed)
    (tmp_path / "odd.eml").write_bytes(odd.as_bytes())
    with mail_inputs([tmp_path / "big.eml", tmp_path / "odd.eml"]) as got:
        assert [e.file for e in got.log] == ["big.eml"] and "over" in got.log[0].problems
        (folder,) = got.inputs
        saved = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.xlsx"))
        assert len(saved) == 3 and any(Path(r).name == "attachment.xlsx" for r in saved)
        for rel in saved:
            name = Path(rel).name
            assert not name.startswith(("~$", ".")) and ".bak." not in name
            assert "\x1b" not in rel and ".." not in Path(rel).parts
        assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert not folder.exists()


def test_a_pipe_in_a_maildir_and_an_mbox_with_one_endless_line_cannot_hang_or_flood(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backplan_xlsx import sources

    monkeypatch.setattr(sources, "MAX_LINE_BYTES", 1000)
    monkeypatch.setattr(sources, "CHUNK", 256)
    box = mailbox.Maildir(tmp_path / "Inbox", create=True)
    box.close()
    os.mkfifo(tmp_path / "Inbox" / "cur" / "1700000000.pipe:2,S")
    (tmp_path / "flood.mbox").write_bytes(b"From x\n" + b"A" * 5000)
    (tmp_path / "fine.mbox").write_bytes(b"From x\n" + (b"A" * 900 + b"\n") * 10)
    with mail_inputs([tmp_path / "Inbox", tmp_path / "flood.mbox", tmp_path / "fine.mbox"]) as got:
        notes = {e.file: e.problems for e in got.log}
    assert "not a regular file" in notes["Inbox/cur/1700000000.pipe_2,S"]
    assert "has a line over" in notes["flood.mbox"]
    assert "fine.mbox" not in notes and got.messages == 1


def test_an_ods_reply_saved_by_libreoffice_is_read_like_the_file(
    replies: dict[str, Any], tmp_path: Path, soffice: str
) -> None:
    from tests.soffice import recalculate

    (ods,) = recalculate(
        [replies["files"] / "mei.xlsx"], tmp_path / "lo", convert_to="ods", binary=soffice
    )
    sent = datetime(2027, 5, 29, 11, 30, tzinfo=TZ)
    os.utime(ods, (sent.timestamp(), sent.timestamp()))
    msg = _reply(
        "mei@example.com",
        sent,
        [(ods.name, ods.read_bytes(), ("application", "vnd.oasis.opendocument.spreadsheet"))],
    )
    (tmp_path / "mei.eml").write_bytes(msg.as_bytes())
    from_mail = _run([tmp_path / "mei.eml"], tmp_path / "m")
    from_file = _run([ods], tmp_path / "f")
    assert from_mail.skipped == from_file.skipped == 0
    assert _figures(from_mail) == _figures(from_file) and from_mail.plans
    assert from_mail.log[0].file == "mei.eml/mei@example.com 2027-05-29 1130/mei.ods"
