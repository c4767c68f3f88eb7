"""The command that mails the parts out: send."""

from __future__ import annotations

import os
from datetime import date
from typing import TYPE_CHECKING

import click

from . import EXISTING, EXIT_PROBLEMS, FOLDER, as_of_option, main

if TYPE_CHECKING:
    from pathlib import Path

    from ..delivery import MailServer
    from ..send import Letter, Mailing


@main.command()
@click.argument("source", metavar="DIR|PLAN.xlsx", type=EXISTING)
@click.option(
    "--eml-dir",
    "-o",
    "--output",
    "eml_dir",
    metavar="OUT",
    type=FOLDER,
    help="Write one .eml draft per owner into OUT (any mail client opens them). "
    "Without --smtp or --dry-run the drafts go beside the parts.",
)
@click.option(
    "--smtp",
    "smtp_url",
    metavar="URL",
    help="Send through this server: smtp://user@host:587 (STARTTLS when offered) or "
    "smtps://user@host:465. The password comes from $BACKPLAN_SMTP_PASSWORD, or is asked.",
)
@click.option("--dry-run", is_flag=True, help="Only list who would get what.")
@click.option("--from", "sender", metavar="ADDRESS", help="The From address (default: --reply-to).")
@click.option("--reply-to", metavar="ADDRESS", help="Where replies go (ops' mailbox).")
@click.option("--resend", is_flag=True, help="Send everyone again, even those already sent.")
@as_of_option("Judge the briefs as of this date (default: As-of cell, else today).")
@click.pass_context
def send(
    ctx: click.Context,
    source: Path,
    eml_dir: Path | None,
    smtp_url: str | None,
    dry_run: bool,
    sender: str | None,
    reply_to: str | None,
    resend: bool,
    as_of: date | None,
) -> None:
    """One e-mail per owner: their part attached, their brief as the body.

    DIR is a folder of parts (backplan split); a PLAN.xlsx sends the whole
    plan to every owner. To: the owner's e-mail on the Owners sheet (owners
    without one are listed and skipped); the subject names the plan, month
    and person. Without --smtp the messages are written as .eml drafts
    (into --eml-dir, else beside the parts). Sent messages are recorded
    beside the parts (backplan-sent.json), so after a failure the same
    command sends only the rest. Exit 1 when someone did not get theirs.

    \b
    Example:
      backplan split plan.xlsx -o parts/
      backplan send parts/ --dry-run
      backplan send parts/ --eml-dir drafts/ --reply-to ops@example.com
      BACKPLAN_SMTP_PASSWORD=... backplan send parts/ \\
          --smtp smtp://ops@mail.example.com:587 --reply-to ops@example.com
    """
    from ..send import prepare_letters, write_drafts

    server = None
    if smtp_url:
        from ..delivery import parse_server

        server = parse_server(smtp_url)
    mailing = prepare_letters(source, as_of=as_of, today=date.today())
    for name, why in mailing.ignored:
        click.echo(f"Ignored: {name}: {why}", err=True)
    for letter in mailing.skipped:
        click.echo(f"Skipped: {letter.owner.name}: {letter.skipped}", err=True)
    if dry_run:
        _list(mailing.ready, mailing.record, resend)
        return
    if eml_dir is None and server is None:
        eml_dir = source if source.is_dir() else source.parent
    if eml_dir is not None:
        for letter, path in write_drafts(
            mailing, eml_dir, sender=sender or reply_to or "", reply_to=reply_to or ""
        ):
            click.echo(f"Wrote {path}: to {letter.recipient}, {letter.attachment.name} attached")
    if server is not None:
        ok = _deliver(mailing, server, sender, reply_to, resend)
        if not ok:
            ctx.exit(EXIT_PROBLEMS)


def _list(letters: tuple[Letter, ...], record: Path, resend: bool) -> None:
    from ..delivery import load_record

    sent = {} if resend else load_record(record)
    for x in letters:
        note = " (already sent)" if x.key() in sent else ""
        click.echo(f"{x.recipient}: {x.attachment.name}, {x.subject!r}{note}")


def _deliver(
    mailing: Mailing, server: MailServer, sender: str | None, reply_to: str | None, resend: bool
) -> bool:
    from ..delivery import PASSWORD_VARIABLE, deliver

    from_addr = sender or reply_to or (server.user if "@" in server.user else "")
    if not from_addr:
        raise click.UsageError("give --from ADDRESS (or --reply-to) for the messages' sender")
    password = ""
    if server.user:
        password = os.environ.get(PASSWORD_VARIABLE) or click.prompt(
            f"Password for {server}", hide_input=True
        )

    def progress(letter: Letter, outcome: str) -> None:
        click.echo(f"{letter.recipient}: {outcome}")

    result = deliver(
        mailing,
        server,
        sender=from_addr,
        reply_to=reply_to or "",
        password=password,
        resend=resend,
        progress=progress,
    )
    earlier = f" ({len(result.already)} sent earlier)" if result.already else ""
    click.echo(f"Sent {len(result.sent)} of {len(mailing.ready)} messages{earlier}.")
    if result.complete:
        return True
    got = [x.recipient for x in (*result.already, *result.sent)]
    click.echo(f"Got theirs: {', '.join(got) or 'nobody'}.", err=True)
    for letter, why in result.failed:
        click.echo(f"Not sent: {letter.recipient}: {why}", err=True)
    click.echo(
        f"Run the same command again to send only the rest (record: {result.record}).", err=True
    )
    return False
