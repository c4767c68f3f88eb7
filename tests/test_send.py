"""`backplan send`: one message per owner, as .eml drafts or through a real SMTP server.

The server is aiosmtpd on loopback, started by the tests: what it receives
is parsed back and compared with the parts on disk, byte for byte.
"""

from __future__ import annotations

import email
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from backplan_xlsx.cli import main
from backplan_xlsx.delivery import MailServer, parse_server
from backplan_xlsx.send import SendError, parse_address, prepare_letters
from backplan_xlsx.spec import load_spec
from backplan_xlsx.split import split_plan
from backplan_xlsx.writer import build_workbook
from tests.workbooks import AS_OF

aiosmtpd = pytest.importorskip("aiosmtpd.controller")

EMAILS = {
    "Dana Whitfield": "dana@example.com",
    "Ravi Patel": "ravi@example.com",
    "Mei Chen": "mei@example.com",
    "Tomás Herrera": "tomas@example.com",
    "Aisha Okafor": "aisha@example.com",
}


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message and refuses some recipients."""

    refuse: set[str] = field(default_factory=set)
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), msg))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, str]]:
    inbox = Inbox()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{controller.port}"
    finally:
        controller.stop()


@pytest.fixture
def parts(tmp_path: Path, sales_spec: Path) -> Path:
    """The sales plan split into one part per owner, in ``parts/``."""
    plan = load_spec(sales_spec)
    whole = build_workbook(plan, tmp_path / "plan.xlsx", AS_OF, force=True)
    folder = tmp_path / "parts"
    folder.mkdir()
    from backplan_xlsx.brief import owner_file_names
    from backplan_xlsx.model import Snapshot

    pieces = split_plan(Snapshot(plan, file=whole.name))
    names = owner_file_names([o for o, _ in pieces], ".xlsx")
    for owner, part in pieces:
        build_workbook(part.plan, folder / names[owner.id], AS_OF, force=True)
    return folder


def _send(*args: str) -> Any:
    return CliRunner().invoke(main, ["send", *args, "--as-of", AS_OF.isoformat()])


def _attachment(msg: EmailMessage) -> tuple[str, bytes]:
    (att,) = list(msg.iter_attachments())
    return str(att.get_filename()), att.get_content()


def test_every_owner_receives_one_message_with_their_part_and_brief(
    parts: Path, smtp_server: tuple[Inbox, str]
) -> None:
    inbox, url = smtp_server
    result = _send(str(parts), "--smtp", url, "--reply-to", "ops@example.com")
    assert result.exit_code == 0, result.output
    assert "Sent 5 of 5 messages." in result.stdout
    assert sorted(to for tos, _ in inbox.received for to in tos) == sorted(EMAILS.values())
    by_name = {o: e for o, e in EMAILS.items()}
    for tos, msg in inbox.received:
        owner = next(o for o, e in by_name.items() if [e] == tos)
        assert msg["To"].addresses[0].display_name == owner
        assert msg["Reply-To"] == "ops@example.com"
        assert msg["From"] == "ops@example.com"
        assert "FY27 new business" in msg["Subject"] and "May 2027" in msg["Subject"]
        assert owner in msg["Subject"]
        name, data = _attachment(msg)
        part = next(p for p in parts.glob("*.xlsx") if p.name == name)
        assert data == part.read_bytes()
        text = msg.get_body(("plain",))
        page = msg.get_body(("html",))
        assert text is not None and page is not None
        assert f"FY27 new business: {owner}'s part" in text.get_content()
        assert "Your part:" in text.get_content() and "How to check in" in text.get_content()
        assert "<h1>" in page.get_content() and "Your part:" in page.get_content()
        assert msg["Message-ID"] and msg["Date"]
    record = json.loads((parts / "backplan-sent.json").read_text())
    assert len(record["sent"]) == 5


def test_a_refused_recipient_is_named_and_a_rerun_sends_only_the_rest(
    parts: Path, smtp_server: tuple[Inbox, str]
) -> None:
    inbox, url = smtp_server
    inbox.refuse = {"ravi@example.com"}
    first = _send(str(parts), "--smtp", url, "--from", "ops@example.com")
    assert first.exit_code == 1, first.output
    assert "Sent 4 of 5 messages." in first.stdout
    assert "Not sent: Ravi Patel <ravi@example.com>: refused: 550" in first.stderr
    assert "Dana Whitfield <dana@example.com>: sent" in first.stdout
    assert "send only the rest" in first.stderr
    record = json.loads((parts / "backplan-sent.json").read_text())
    assert sorted(e["to"] for e in record["sent"]) == sorted(
        e for e in EMAILS.values() if e != "ravi@example.com"
    )
    assert len(inbox.received) == 4

    inbox.refuse = set()
    dry = _send(str(parts), "--dry-run")
    assert dry.stdout.count("(already sent)") == 4 and "Ravi Patel" in dry.stdout
    again = _send(str(parts), "--smtp", url, "--from", "ops@example.com")
    assert again.exit_code == 0, again.output
    assert "Sent 1 of 5 messages (4 sent earlier)." in again.stdout
    assert len(inbox.received) == 5
    assert inbox.received[-1][0] == ["ravi@example.com"]
    assert _attachment(inbox.received[-1][1])[0] == "ravi-patel.xlsx"

    third = _send(str(parts), "--smtp", url, "--from", "ops@example.com")
    assert third.exit_code == 0 and "Sent 0 of 5 messages (5 sent earlier)." in third.stdout
    assert len(inbox.received) == 5


def test_a_connection_lost_part_way_stops_and_a_rerun_sends_the_rest(
    parts: Path, smtp_server: tuple[Inbox, str]
) -> None:
    inbox, url = smtp_server
    original = Inbox.handle_DATA

    async def drop_the_third(self: Inbox, server: Any, session: Any, envelope: Any) -> str:
        if len(self.received) == 2:
            server.transport.close()
            return "421 going away"
        return await original(self, server, session, envelope)

    Inbox.handle_DATA = drop_the_third  # type: ignore[method-assign]
    try:
        first = _send(str(parts), "--smtp", url, "--from", "ops@example.com")
    finally:
        Inbox.handle_DATA = original  # type: ignore[method-assign]
    assert first.exit_code == 1, first.output
    assert "Sent 2 of 5 messages." in first.stdout
    got = [tos[0] for tos, _ in inbox.received]
    assert "Got theirs: " in first.stderr and all(a in first.stderr for a in got)
    assert first.stderr.count("Not sent:") == 3 and "the send stopped" in first.stderr
    again = _send(str(parts), "--smtp", url, "--from", "ops@example.com")
    assert again.exit_code == 0, again.output
    assert "Sent 3 of 5 messages (2 sent earlier)." in again.stdout
    assert sorted(tos[0] for tos, _ in inbox.received) == sorted(EMAILS.values())


def test_a_part_rebuilt_next_month_is_sent_again(
    parts: Path, smtp_server: tuple[Inbox, str]
) -> None:
    inbox, url = smtp_server
    assert _send(str(parts), "--smtp", url, "--from", "ops@example.com").exit_code == 0
    later = CliRunner().invoke(
        main,
        ["send", str(parts), "--smtp", url, "--from", "ops@example.com", "--as-of", "2027-06-10"],
    )
    assert later.exit_code == 0 and "Sent 5 of 5" in later.stdout
    assert len(inbox.received) == 10


def test_unreachable_server_is_one_message_and_nothing_is_recorded(parts: Path) -> None:
    result = _send(
        str(parts), "--smtp", f"smtp://127.0.0.1:{_free_port()}", "--from", "ops@example.com"
    )
    assert result.exit_code == 2
    assert "cannot send mail there" in result.stderr and "nothing was sent" in result.stderr
    assert "Traceback" not in result.output
    assert not (parts / "backplan-sent.json").exists()


def test_eml_drafts_open_as_messages_and_owners_without_email_are_skipped(
    tmp_path: Path, sales_spec: Path
) -> None:
    text = sales_spec.read_text().replace("    email: mei@example.com\n", "")
    text = text.replace("tomas@example.com", "tomas at example")
    sales_spec.write_text(text)
    plan_path = build_workbook(load_spec(sales_spec), tmp_path / "plan.xlsx", AS_OF, force=True)
    drafts = tmp_path / "drafts"
    result = _send(
        str(plan_path), "--eml-dir", str(drafts), "--reply-to", "Ops Team <ops@example.com>"
    )
    assert result.exit_code == 0, result.output
    assert "Skipped: Mei Chen: no e-mail on the Owners sheet" in result.stderr
    assert "Skipped: Tomás Herrera: 'tomas at example' is not one e-mail address" in result.stderr
    files = sorted(p.name for p in drafts.iterdir())
    assert files == ["aisha-okafor.eml", "dana-whitfield.eml", "ravi-patel.eml"]
    msg = email.message_from_bytes(
        (drafts / "dana-whitfield.eml").read_bytes(), policy=policy.default
    )
    assert isinstance(msg, EmailMessage)
    assert msg["X-Unsent"] == "1"
    assert msg["To"] == "Dana Whitfield <dana@example.com>"
    assert msg["Reply-To"] == "Ops Team <ops@example.com>"
    assert _attachment(msg) == ("plan.xlsx", plan_path.read_bytes())
    assert msg.get_body(("plain",)) is not None and msg.get_body(("html",)) is not None


def test_dry_run_lists_who_gets_what_and_writes_nothing(parts: Path) -> None:
    result = _send(str(parts), "--dry-run")
    assert result.exit_code == 0, result.output
    for owner, addr in EMAILS.items():
        assert f"{owner} <{addr}>" in result.stdout
    assert "dana-whitfield.xlsx" in result.stdout
    assert sorted(p.suffix for p in parts.iterdir()) == [".xlsx"] * 5


def test_without_a_server_drafts_go_beside_the_parts_and_collect_ignores_them(
    parts: Path, tmp_path: Path
) -> None:
    result = _send(str(parts), "--reply-to", "ops@example.com")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in parts.glob("*.eml")) == sorted(
        p.with_suffix(".eml").name for p in parts.glob("*.xlsx")
    )
    from backplan_xlsx.collect import collect

    got = collect([parts], tmp_path / "rollup.xlsx", history=None, as_of=AS_OF, jobs=1)
    assert got.files == 5 and got.skipped == 0
    drafts = [e for e in got.log if e.file.endswith(".eml")]
    assert len(drafts) == 5 and all("a draft" in e.problems for e in drafts)


def test_output_is_an_alias_of_eml_dir(parts: Path, tmp_path: Path) -> None:
    result = _send(str(parts), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out").glob("*.eml"))) == 5


def test_refuses_a_password_in_the_url(parts: Path) -> None:
    bad = _send(str(parts), "--smtp", "smtp://ops:secret@mail.example.com")
    assert bad.exit_code == 2 and "do not put the password in the URL" in bad.stderr
    assert "secret" not in bad.output


def test_a_folder_without_parts_is_refused(tmp_path: Path, sales_spec: Path) -> None:
    build_workbook(load_spec(sales_spec), tmp_path / "plan.xlsx", AS_OF, force=True)
    result = _send(str(tmp_path), "--dry-run")
    assert result.exit_code == 2
    assert "no parts to send" in result.stderr and "plan.xlsx" in result.stderr


def test_names_and_titles_cannot_inject_headers(tmp_path: Path, sales_spec: Path) -> None:
    from dataclasses import replace

    from backplan_xlsx.send import compose

    plan_path = build_workbook(load_spec(sales_spec), tmp_path / "plan.xlsx", AS_OF, force=True)
    letter = prepare_letters(plan_path, as_of=AS_OF, today=AS_OF).ready[0]
    evil = "Dana\r\nBcc: evil@example.com"
    letter = replace(letter, owner=replace(letter.owner, name=evil), subject=f"Plan\nBcc: {evil}")
    raw = compose(letter, sender="ops@example.com").as_bytes(policy=policy.SMTP)
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in headers and b"evil@example.com" in headers


@pytest.mark.parametrize(
    ("url", "server"),
    [
        ("smtp://mail.example.com", MailServer("mail.example.com", 587)),
        (
            "smtps://ops%40example.com@mail.example.com",
            MailServer("mail.example.com", 465, "ops@example.com", True),
        ),
        ("smtp://ops@127.0.0.1:2525", MailServer("127.0.0.1", 2525, "ops")),
    ],
)
def test_server_urls(url: str, server: MailServer) -> None:
    assert parse_server(url) == server


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "smtp://host:99999"])
def test_bad_server_urls(url: str) -> None:
    with pytest.raises(SendError):
        parse_server(url)


@pytest.mark.parametrize(
    "text", ["", "dana", "a@b", "a@b.com, c@d.com", "Dana <dana@example.com>", "a b@c.com"]
)
def test_addresses_are_parsed_strictly(text: str) -> None:
    with pytest.raises(ValueError):
        parse_address(text)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (made here: no files in the repository)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Inbox, str, list[tuple[bytes, bytes]]]]:
    """aiosmtpd requiring STARTTLS and a login; the client trusts its certificate."""
    import ssl

    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret", handled=False)

    inbox = Inbox()
    controller = aiosmtpd.Controller(
        inbox,
        hostname="127.0.0.1",
        port=_free_port(),
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    try:
        yield inbox, f"smtp://ops%40example.com@127.0.0.1:{controller.port}", logins
    finally:
        controller.stop()


def test_starttls_and_login_with_the_password_from_the_environment(
    parts: Path,
    tls_server: tuple[Inbox, str, list[tuple[bytes, bytes]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, url, logins = tls_server
    monkeypatch.setenv("BACKPLAN_SMTP_PASSWORD", "s3cret")
    result = _send(str(parts), "--smtp", url)
    assert result.exit_code == 0, result.output
    assert logins == [(b"ops@example.com", b"s3cret")]
    assert len(inbox.received) == 5
    assert all(m["From"] == "ops@example.com" for _, m in inbox.received)


def test_a_wrong_password_sends_nothing_and_a_prompt_is_asked_without_the_variable(
    parts: Path,
    tls_server: tuple[Inbox, str, list[tuple[bytes, bytes]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, url, logins = tls_server
    monkeypatch.delenv("BACKPLAN_SMTP_PASSWORD", raising=False)
    result = CliRunner().invoke(main, ["send", str(parts), "--smtp", url], input="wrong\n")
    assert result.exit_code == 2
    assert "Password for" in result.output
    assert "refused the login for 'ops@example.com'" in result.stderr
    assert "nothing was sent" in result.stderr and "wrong" not in result.stderr
    assert set(logins) == {(b"ops@example.com", b"wrong")} and not inbox.received
    assert not (parts / "backplan-sent.json").exists()


def test_the_password_is_never_sent_unencrypted_to_another_machine(
    parts: Path, smtp_server: tuple[Inbox, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from backplan_xlsx import delivery

    inbox, url = smtp_server
    monkeypatch.setattr(delivery, "_LOOPBACK", ())  # pretend 127.0.0.1 is far away
    monkeypatch.setenv("BACKPLAN_SMTP_PASSWORD", "s3cret")
    result = _send(
        str(parts), "--smtp", url.replace("smtp://", "smtp://ops@"), "--from", "ops@example.com"
    )
    assert result.exit_code == 2
    assert "offers no STARTTLS; refusing to send the password unencrypted" in result.stderr
    assert not inbox.received


def test_smtps_implicit_tls(parts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ssl

    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    inbox = Inbox()
    controller = aiosmtpd.Controller(
        inbox, hostname="127.0.0.1", port=_free_port(), ssl_context=context
    )
    controller.start()
    try:
        result = _send(
            str(parts),
            "--smtp",
            f"smtps://127.0.0.1:{controller.port}",
            "--from",
            "ops@example.com",
        )
    finally:
        controller.stop()
    assert result.exit_code == 0, result.output
    assert len(inbox.received) == 5


def test_one_part_given_alone_goes_to_its_owner(parts: Path) -> None:
    result = _send(str(parts / "mei-chen.xlsx"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert (
        result.stdout.count("\n") == 1
        and "Mei Chen <mei@example.com>: mei-chen.xlsx" in result.stdout
    )


def test_drafts_into_a_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    """The drafts folder under a file: exit 2, the folder named, no traceback, nothing written."""
    from backplan_xlsx.spec import load_spec
    from backplan_xlsx.writer import build_workbook

    plan = load_spec(Path(__file__).resolve().parent.parent / "templates" / "sales.yaml")
    book = build_workbook(plan, tmp_path / "plan.xlsx", plan.start)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    result = CliRunner().invoke(main, ["send", str(book), "--eml-dir", str(blocker / "drafts")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "not-a-folder" in result.stderr
    assert blocker.read_text() == "x"
