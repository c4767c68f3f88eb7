"""One e-mail per owner: their part attached, their brief as the body.

Ops send one plan to many people; attaching thirty parts by hand is where
the monthly cycle breaks. :func:`prepare_letters` reads a folder of parts
(``backplan split``) or a whole plan and makes one :class:`Letter` per
owner: To their e-mail from the Owners sheet, a subject naming the plan, the
month and the person, their brief (:mod:`backplan_xlsx.brief`) as plain
text and HTML alternatives, and the workbook attached. :func:`write_drafts`
writes them as standard .eml files (``X-Unsent: 1``, so Outlook opens them
as drafts); :mod:`backplan_xlsx.delivery` sends them through SMTP.

Everything put in a header comes from a workbook someone edited, so names
and titles are flattened to one line (no header injection) and addresses
are parsed strictly: an owner whose e-mail is missing or is not one valid
address is listed and skipped, never guessed.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import BackplanError, Problem
from .fileio import TEMP_PREFIX
from .model import Owner, Snapshot

if TYPE_CHECKING:
    from .engine import StatusReport

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
ODS_TYPE = ("application", "vnd.oasis.opendocument.spreadsheet")
RECORD_NAME = "backplan-sent.json"


class SendError(BackplanError):
    """Nothing to send, a bad address or server, or a server that will not take the mail."""


@dataclass(frozen=True, slots=True)
class Letter:
    """One owner's message, before it is a MIME message.

    ``to`` is empty and ``skipped`` says why when the owner cannot be
    mailed (no e-mail, or not a valid address).
    """

    owner: Owner
    to: str
    subject: str
    attachment: Path
    plan_id: str
    version: int
    month: str
    text: str
    html: str
    skipped: str = ""

    @property
    def recipient(self) -> str:
        """``Dana Whitfield <dana@example.com>`` (the name alone when there is no address)."""
        return f"{self.owner.name} <{self.to}>" if self.to else self.owner.name

    def key(self) -> str:
        """What the send record remembers: recipient, month and the attachment's bytes.

        A part rebuilt next month (or after a replan) has other bytes, so it
        is sent again; a re-run after a failure skips only what went out.
        """
        digest = hashlib.sha256(self.attachment.read_bytes()).hexdigest()
        return f"{self.to.casefold()}|{self.plan_id}|{self.version}|{self.month}|{digest}"


@dataclass(frozen=True, slots=True)
class Mailing:
    """Every letter of one ``send``, and what could not be made into one."""

    letters: tuple[Letter, ...]
    record: Path
    #: Workbooks in the folder that are not parts (file, why).
    ignored: tuple[tuple[str, str], ...] = ()

    @property
    def ready(self) -> tuple[Letter, ...]:
        """The letters that have an address."""
        return tuple(x for x in self.letters if not x.skipped)

    @property
    def skipped(self) -> tuple[Letter, ...]:
        """The owners without a usable address."""
        return tuple(x for x in self.letters if x.skipped)


def one_line(text: str) -> str:
    """Text fit for a header: control characters and line breaks become spaces."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def parse_address(text: str, *, name: str = "") -> Address:
    """One e-mail address, strictly (a list, a name or junk around it is refused).

    Raises:
        ValueError: not exactly one valid ``local@domain`` address.
    """
    addr = text.strip()
    if not addr or any(ch.isspace() or ch in ",;<>\"'()[]\\" for ch in addr):
        raise ValueError(f"{text!r} is not one e-mail address")
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain or "." not in domain.strip("."):
        raise ValueError(f"{text!r} is not an e-mail address (local@domain.tld)")
    try:
        return Address(display_name=one_line(name), addr_spec=addr)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"{text!r} is not a valid e-mail address ({exc})") from None


def prepare_letters(source: Path, *, as_of: date | None, today: date) -> Mailing:
    """One letter per owner of the parts in a folder, or of a whole plan.

    A folder is read for the parts ``backplan split`` wrote (one per owner;
    whole plans and other files in it are listed in ``ignored``); the parts
    of one plan are merged so each brief shows the team's standing, not the
    part's alone. A plan file sends the whole plan to every owner.

    Raises:
        SendError: the folder holds no parts, or the file cannot be read.
    """
    if source.is_dir():
        return _from_folder(source, as_of, today)
    snap = _read(source)
    judged: dict[tuple[int, date], StatusReport] = {}
    people = snap.plan.owners[:1] if snap.plan.part else snap.plan.owners
    letters = [_letter(snap, snap, o, source, as_of, today, judged) for o in people]
    return Mailing(tuple(letters), source.with_name(f"{source.name}.sent.json"))


def _read(path: Path) -> Snapshot:
    from .isolate import run_isolated
    from .reader import read_workbook

    return run_isolated(read_workbook, path, file=path.name)


def _workbooks_in(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in (".xlsx", ".ods")
        and p.is_file()
        and not p.name.startswith(("~$", ".~lock", TEMP_PREFIX))
        and ".bak." not in p.name
    )


def _from_folder(folder: Path, as_of: date | None, today: date) -> Mailing:
    from .merge import Copy, merge_copies

    parts: dict[tuple[str, int], list[tuple[Path, Snapshot]]] = {}
    ignored: list[tuple[str, str]] = []
    for path in _workbooks_in(folder):
        try:
            snap = _read(path)
        except BackplanError as exc:
            ignored.append((path.name, str(exc).removeprefix(f"{path.name}: ")))
            continue
        if not snap.plan.part:
            ignored.append((path.name, "a whole plan, not a part: send it on its own"))
            continue
        parts.setdefault((snap.plan.id, snap.plan.version), []).append((path, snap))
    if not parts:
        raise SendError(
            f"{folder}: no parts to send; write them with `backplan split PLAN.xlsx -o "
            f"{folder}`, or give the plan file",
            tuple(Problem("not-a-part", "warning", why, file=f) for f, why in ignored),
        )
    letters = []
    for members in parts.values():
        try:
            team, _ = merge_copies([Copy(p.name, 0.0, s) for p, s in members])
        except BackplanError:
            team = None
        judged: dict[tuple[int, date], StatusReport] = {}  # once per plan and day, not per owner
        for path, snap in members:
            owner = snap.plan.owners[0]
            letters.append(_letter(team or snap, snap, owner, path, as_of, today, judged))
    return Mailing(tuple(letters), folder / RECORD_NAME, tuple(ignored))


def _letter(
    team: Snapshot,
    own: Snapshot,
    owner: Owner,
    path: Path,
    as_of: date | None,
    today: date,
    judged: dict[tuple[int, date], StatusReport] | None = None,
) -> Letter:
    """The letter for ``owner``: brief judged on the team's check-ins, ``path`` attached."""
    from .brief import render_brief
    from .engine import evaluate
    from .reader import as_of_for

    day = as_of_for(own, as_of, today)
    judged = {} if judged is None else judged
    key = (id(team), day)  # the snapshots live as long as the mailing is made
    if key not in judged:
        judged[key] = evaluate(team, day)
    report = judged[key]
    plan = team.plan
    person = next((o for o in plan.owners if o.id == owner.id), owner)
    md = render_brief(plan, report, person, "md")
    page = render_brief(plan, report, person, "html")
    month = day.strftime("%Y-%m")
    subject = one_line(f"{plan.title}, {day:%B %Y}: {owner.name}'s part")
    intro = (
        f"Hello {one_line(owner.name)},\n\nyour part of {one_line(plan.title)} is attached "
        f"({path.name}). Add your check-ins and Done marks, save it, and reply with the file "
        "attached (renaming it is fine).\n\n"
    )
    para = html.escape(intro.strip()).replace("\n\n", "</p><p>")
    to, skipped = "", ""
    try:
        to = parse_address(owner.email, name=owner.name).addr_spec
    except ValueError as exc:
        skipped = "no e-mail on the Owners sheet" if not owner.email.strip() else str(exc)
    return Letter(
        owner=owner,
        to=to,
        subject=subject,
        attachment=path,
        plan_id=plan.id,
        version=plan.version,
        month=month,
        text=intro + md,
        html=page.replace("<body>", f"<body><p>{para}</p>", 1),
        skipped=skipped,
    )


def compose(letter: Letter, *, sender: str = "", reply_to: str = "") -> EmailMessage:
    """The MIME message: text and HTML alternatives, the workbook attached.

    Raises:
        SendError: ``sender`` or ``reply_to`` is not one valid address.
    """
    msg = EmailMessage()
    msg["To"] = parse_address(letter.to, name=letter.owner.name)
    if sender:
        msg["From"] = _checked(sender, "--from")
    if reply_to:
        msg["Reply-To"] = _checked(reply_to, "--reply-to")
    msg["Subject"] = one_line(letter.subject)
    msg["X-Backplan-Plan"] = one_line(f"{letter.plan_id} v{letter.version} {letter.month}")
    msg.set_content(letter.text)
    msg.add_alternative(letter.html, subtype="html")
    maintype, subtype = ODS_TYPE if letter.attachment.suffix.lower() == ".ods" else XLSX_TYPE
    msg.add_attachment(
        letter.attachment.read_bytes(),
        maintype=maintype,
        subtype=subtype,
        filename=letter.attachment.name,
    )
    return msg


def _checked(text: str, option: str) -> Address:
    name, _, addr = text.rpartition("<")
    try:
        if addr:
            return parse_address(addr.rstrip("> "), name=name.strip().strip('"'))
        return parse_address(text)
    except ValueError as exc:
        raise SendError(f"{option}: {exc}") from None


def draft_names(letters: Sequence[Letter]) -> dict[int, str]:
    """Letter index → a safe, unique .eml name (``dana-whitfield.eml``)."""
    from .brief import owner_file_name

    plans = {x.plan_id for x in letters}
    out: dict[int, str] = {}
    seen: set[str] = set()
    for i, x in enumerate(letters):
        stem = owner_file_name(x.owner, "")
        if len(plans) > 1:
            stem = f"{owner_file_name(Owner(x.owner.id, x.plan_id), '')}-{stem}"
        name, n = f"{stem}.eml", 2
        while name.casefold() in seen:
            name, n = f"{stem}-{n}.eml", n + 1
        seen.add(name.casefold())
        out[i] = name
    return out


def _bytes_writer(data: bytes) -> Callable[[Path], int]:
    return lambda p: p.write_bytes(data)


def write_drafts(
    mailing: Mailing, folder: Path, *, sender: str = "", reply_to: str = ""
) -> list[tuple[Letter, Path]]:
    """Write each ready letter as an .eml draft into ``folder``: all of them, or none."""
    from email import policy

    from .fileio import atomic_write_many

    ready = mailing.ready
    names = draft_names(ready)
    files: dict[str, Callable[[Path], object]] = {}
    for i, letter in enumerate(ready):
        name = names[i]
        msg = compose(letter, sender=sender, reply_to=reply_to)
        msg["X-Unsent"] = "1"
        files[name] = _bytes_writer(msg.as_bytes(policy=policy.SMTP))
    paths = atomic_write_many(folder, files)
    return list(zip(ready, paths, strict=True))
