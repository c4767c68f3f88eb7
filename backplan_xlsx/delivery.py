"""Sending the letters through an SMTP server, and remembering what went out.

A send can stop part-way (a refused recipient, a dropped connection, a
quota). Every accepted message is written at once to a record beside the
parts (atomically: a kill cannot leave half a record), so the same command
run again sends only the rest, and the result says who got theirs and who
did not. The standard library's :mod:`smtplib` does the protocol: it speaks
SMTP, SMTPS and STARTTLS and reports refusals per recipient, which is all a
batch of thirty messages needs.

The password never appears in the URL or on the command line (it would be
in the shell history and ``ps``): the caller passes it in, read from an
environment variable or a prompt. It is never sent over a connection that
is not encrypted, except to this machine.
"""

from __future__ import annotations

import contextlib
import json
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from .send import Letter, Mailing, SendError, compose

PASSWORD_VARIABLE = "BACKPLAN_SMTP_PASSWORD"
TIMEOUT = 60.0
_LOOPBACK = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True, slots=True)
class MailServer:
    """Where to send: ``smtp://user@host:port`` (STARTTLS when offered) or ``smtps://``."""

    host: str
    port: int
    user: str = ""
    implicit_tls: bool = False

    def __str__(self) -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{quote(self.user, safe='')}@" if self.user else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{user}{host}:{self.port}"


def parse_server(url: str) -> MailServer:
    """``smtp[s]://[user@]host[:port]`` → :class:`MailServer` (ports 587 and 465 by default).

    Raises:
        SendError: another scheme, no host, a bad port, or a password in the URL.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise SendError(f"--smtp {url!r}: {exc}; write smtp://user@host:587") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise SendError(f"--smtp {url!r}: write smtp://user@host:587 or smtps://user@host:465")
    if parts.password is not None:
        raise SendError(
            f"--smtp: do not put the password in the URL (it ends up in the shell history); "
            f"set {PASSWORD_VARIABLE} or type it when asked"
        )
    if not parts.hostname:
        raise SendError(f"--smtp {url!r}: no host; write smtp://user@host:587")
    tls = parts.scheme == "smtps"
    return MailServer(
        parts.hostname, port or (465 if tls else 587), unquote(parts.username or ""), tls
    )


@dataclass
class Delivery:
    """What one send did: who got theirs, who did not and why."""

    sent: list[Letter] = field(default_factory=list)
    already: list[Letter] = field(default_factory=list)
    failed: list[tuple[Letter, str]] = field(default_factory=list)
    #: Set when the send stopped part-way; the letters after it were not tried.
    stopped: str = ""
    record: Path | None = None

    @property
    def complete(self) -> bool:
        """Every ready letter went out (now or in an earlier run)."""
        return not self.failed


def load_record(path: Path) -> dict[str, dict[str, Any]]:
    """The send record (key → what was sent), empty when there is none.

    Raises:
        SendError: the record exists but cannot be read (sending again could
            mail people twice, so it is not ignored).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        sent = data["sent"]
        return {str(e["key"]): dict(e) for e in sent}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SendError(
            f"{path}: the record of what was sent cannot be read ({exc}); check it, or "
            "delete it to send everyone their message again"
        ) from None


def _save_record(path: Path, record: dict[str, dict[str, Any]]) -> None:
    from .fileio import atomic_write_text

    entries = sorted(record.values(), key=lambda e: (e.get("sent_at", ""), e["key"]))
    atomic_write_text(path, json.dumps({"version": 1, "sent": entries}, indent=2) + "\n")


def _connect(server: MailServer, password: str, context: ssl.SSLContext | None) -> smtplib.SMTP:
    """Open, upgrade to TLS when offered, log in; errors become one sentence."""
    ctx = context or ssl.create_default_context()
    try:
        smtp: smtplib.SMTP
        if server.implicit_tls:
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT, context=ctx)
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
        try:
            smtp.ehlo()
            encrypted = server.implicit_tls
            if not encrypted and smtp.has_extn("starttls"):
                smtp.starttls(context=ctx)
                smtp.ehlo()
                encrypted = True
            if server.user:
                if not encrypted and server.host not in _LOOPBACK:
                    raise SendError(
                        f"{server}: the server offers no STARTTLS; refusing to send the "
                        "password unencrypted (use smtps://, or a server that offers TLS)"
                    )
                smtp.login(server.user, password)
        except BaseException:
            with contextlib.suppress(Exception):
                smtp.close()
            raise
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(
            f"{server}: the server refused the login for {server.user!r} ({_reply(exc)}); "
            f"check the user and {PASSWORD_VARIABLE}; nothing was sent"
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(
            f"{server}: cannot send mail there ({_why(exc)}); nothing was sent"
        ) from None
    return smtp


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
    return f"{exc.smtp_code} {' '.join(text.split())}".strip()


def _why(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {msg.decode('utf-8', 'replace')}" for code, msg in exc.recipients.values()
        )
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def deliver(
    mailing: Mailing,
    server: MailServer,
    *,
    sender: str,
    reply_to: str = "",
    password: str = "",
    resend: bool = False,
    context: ssl.SSLContext | None = None,
    progress: Callable[[Letter, str], None] | None = None,
) -> Delivery:
    """Send every ready letter not already in the record; record each one sent.

    A recipient the server refuses (or a message it rejects) is a failure
    for that letter alone; a lost connection stops the send and leaves the
    rest for a re-run. ``progress(letter, outcome)`` is called per letter.

    Raises:
        SendError: the server cannot be reached or refuses the login (nothing
            was sent), or the sender address is not valid.
    """
    result = Delivery(record=mailing.record)
    record = {} if resend else load_record(mailing.record)
    todo: list[tuple[Letter, str]] = []
    for letter in mailing.ready:
        key = letter.key()
        if key in record:
            result.already.append(letter)
            if progress:
                progress(letter, "already sent")
        else:
            todo.append((letter, key))
    if not todo:
        return result
    domain = sender.rpartition("@")[2].rstrip("> ") or "backplan.invalid"
    messages = [
        (letter, key, compose(letter, sender=sender, reply_to=reply_to)) for letter, key in todo
    ]
    smtp = _connect(server, password, context)
    try:
        _send_all(smtp, messages, domain, record, mailing.record, result, progress)
    finally:
        with contextlib.suppress(Exception):
            smtp.quit()
    return result


def _send_all(
    smtp: smtplib.SMTP,
    messages: Sequence[tuple[Letter, str, Any]],
    domain: str,
    record: dict[str, dict[str, Any]],
    record_path: Path,
    result: Delivery,
    progress: Callable[[Letter, str], None] | None,
) -> None:
    for i, (letter, key, msg) in enumerate(messages):
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid("backplan", domain=domain)
        try:
            smtp.send_message(msg, to_addrs=[letter.to])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
            result.failed.append((letter, f"refused: {_why(exc)}"))
            if progress:
                progress(letter, f"not sent (refused: {_why(exc)})")
            continue
        except (smtplib.SMTPException, OSError) as exc:
            result.stopped = _why(exc)
            for rest, _, _ in messages[i:]:
                result.failed.append((rest, f"not sent: the send stopped ({result.stopped})"))
            if progress:
                progress(letter, f"not sent (the send stopped: {result.stopped})")
            return
        record[key] = {
            "key": key,
            "owner": letter.owner.name,
            "to": letter.to,
            "file": letter.attachment.name,
            "plan": letter.plan_id,
            "version": letter.version,
            "month": letter.month,
            "message_id": str(msg["Message-ID"]),
            "sent_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        _save_record(record_path, record)
        result.sent.append(letter)
        if progress:
            progress(letter, "sent")
