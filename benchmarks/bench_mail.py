"""The e-mail round trip: collect from an mbox vs the same files, and send as drafts.

* ``collect`` on an mbox of 120 replies (30 distinct filled workbooks, each
  replied 4 times) against ``collect`` on the same 120 attachments saved as
  files, in the same run: the cost of reading replies straight from mail.
* Saving the attachments (``sources.mail_inputs``) against the bare
  standard library (``mailbox`` + ``email`` walking every part and writing
  each attachment), in the same run.
* ``send --eml-dir`` for the sales plan's 5 parts (read each part, judge it,
  render the brief twice, write the drafts) against bare ``email`` building
  the same 5 messages with the same attachments.

    .venv/bin/python benchmarks/bench_mail.py [--runs 3]
"""

from __future__ import annotations

import argparse
import mailbox
import os
import shutil
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_collect import make_inbox  # noqa: E402
from common import ROOT, median_seconds, report  # noqa: E402

from backplan_xlsx.collect import collect  # noqa: E402

AS_OF = date(2027, 6, 30)
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def make_mail(folder: Path, files: list[Path]) -> tuple[Path, Path]:
    """An mbox with one reply per file, and the same attachments as files (dated alike)."""
    box_path, saved = folder / "replies.mbox", folder / "saved"
    saved.mkdir()
    box = mailbox.mbox(box_path)
    start = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
    for i, path in enumerate(files):
        when = start + timedelta(minutes=7 * i)
        msg = EmailMessage()
        msg["From"] = f"person{i % 30}@example.com"
        msg["Date"] = format_datetime(when)
        msg["Subject"] = "Re: your part"
        msg.set_content("Filled in, see attached.\n")
        msg.add_attachment(path.read_bytes(), maintype=XLSX[0], subtype=XLSX[1], filename=path.name)
        box.add(msg)
        copy = saved / f"{i:03d}-{path.name}"
        shutil.copyfile(path, copy)
        os.utime(copy, (when.timestamp(), when.timestamp()))
    box.close()
    return box_path, saved


def bare_extract(box_path: Path, out: Path) -> int:
    """The standard library alone: every attachment of every message to a file."""
    n = 0
    for key, raw in mailbox.mbox(box_path, factory=None).iteritems():
        msg = message_from_bytes(raw.as_bytes(), policy=policy.compat32)
        for part in msg.walk():
            name = part.get_filename()
            payload = part.get_payload(decode=True)
            if name and isinstance(payload, bytes):
                (out / f"{key}-{name}").write_bytes(payload)
                n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from backplan_xlsx.sources import mail_inputs

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = make_inbox(root / "inbox", 4)
        box_path, saved = make_mail(root, files)
        print(f"{len(files)} replies, mbox {box_path.stat().st_size / 2**20:.1f} MB")
        runs = {"n": 0}

        def collect_from(inputs: list[Path]) -> None:
            runs["n"] += 1
            out = root / f"out{runs['n']}"
            out.mkdir()
            collect(inputs, out / "r.xlsx", history=None, as_of=AS_OF)

        ours = median_seconds(lambda: collect_from([box_path]), runs=args.runs, warmup=1)
        files_t = median_seconds(lambda: collect_from([saved]), runs=args.runs, warmup=1)
        report("collect from an mbox (120 replies)", ours, files_t, "collect on the saved files")

        def ours_extract() -> None:
            with mail_inputs([box_path]) as got:
                assert got.attachments == len(files)

        def bare() -> None:
            with tempfile.TemporaryDirectory() as out:
                assert bare_extract(box_path, Path(out)) == len(files)

        report(
            "save the attachments (sources)",
            median_seconds(ours_extract, runs=args.runs, warmup=1),
            median_seconds(bare, runs=args.runs, warmup=1),
            "bare mailbox + email",
        )
        send_parts(root, args.runs)


def send_parts(root: Path, runs: int) -> None:
    from backplan_xlsx.brief import owner_file_names
    from backplan_xlsx.model import Snapshot
    from backplan_xlsx.send import prepare_letters, write_drafts
    from backplan_xlsx.spec import load_spec
    from backplan_xlsx.split import split_plan
    from backplan_xlsx.writer import build_workbook

    plan = load_spec(ROOT / "templates" / "sales.yaml")
    parts = root / "parts"
    parts.mkdir()
    pieces = split_plan(Snapshot(plan))
    names = owner_file_names([o for o, _ in pieces], ".xlsx")
    for owner, part in pieces:
        build_workbook(part.plan, parts / names[owner.id], AS_OF, force=True)

    def ours() -> None:
        mailing = prepare_letters(parts, as_of=AS_OF, today=AS_OF)
        write_drafts(mailing, root / "drafts", reply_to="ops@example.com")

    def bare() -> None:
        out = root / "bare"
        out.mkdir(exist_ok=True)
        for i, path in enumerate(sorted(parts.glob("*.xlsx"))):
            msg = EmailMessage()
            msg["To"] = f"p{i}@example.com"
            msg["Subject"] = "Your part"
            msg.set_content("Your part is attached.")
            msg.add_alternative("<p>Your part is attached.</p>", subtype="html")
            msg.add_attachment(
                path.read_bytes(), maintype=XLSX[0], subtype=XLSX[1], filename=path.name
            )
            (out / f"{i}.eml").write_bytes(msg.as_bytes(policy=policy.SMTP))

    report(
        "send --eml-dir (5 parts, briefs)",
        median_seconds(ours, runs=runs, warmup=1),
        median_seconds(bare, runs=runs, warmup=1),
        "bare email, same attachments",
    )


if __name__ == "__main__":
    main()
