"""Outgoing mail: an outbox folder for development, SMTP for production.

With ``smtp_host`` empty every message is written to ``data_dir/outbox/`` as one
``.eml`` file (written to a hidden temporary name first and renamed, so a reader of
the folder never sees half a message). ``newsstand outbox`` lists and prints them.
"""

from __future__ import annotations

import email.policy
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol

from newsstand.config import Settings
from newsstand.errors import MailError
from newsstand.model import utcnow


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver or queue the message. Raises MailError."""


def build_message(sender: str, to: str, subject: str, body: str, now: datetime | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now or utcnow())
    message["Message-ID"] = make_msgid(domain="newsstand.invalid")
    message.set_content(body)
    return message


class OutboxMailer:
    """Writes each message to ``folder`` as ``<UTC time>-<random>.eml``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{secrets.token_hex(4)}.eml"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{name}.tmp"
            tmp.write_bytes(message.as_bytes(policy=email.policy.SMTP))
            tmp.replace(self.folder / name)
        except OSError as exc:
            raise MailError(f"cannot write to the outbox {self.folder}: {exc}") from exc


class SmtpMailer:
    """Sends through an SMTP server, with STARTTLS unless the settings turn it off."""

    def __init__(self, settings: Settings, timeout: float = 30.0) -> None:
        self.settings = settings
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        try:
            with smtplib.SMTP(s.smtp_host, int(s.smtp_port), timeout=self.timeout) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"cannot send mail through {s.smtp_host}:{s.smtp_port}: {exc}") from exc


def outbox_folder(settings: Settings) -> Path:
    return settings.data_path / "outbox"


def mailer_from_settings(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings)
    return OutboxMailer(outbox_folder(settings))


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    path: Path
    to: str
    subject: str
    date: str

    def read(self) -> EmailMessage:
        return _parse(self.path)


def _parse(path: Path) -> EmailMessage:
    with path.open("rb") as fh:
        parsed = BytesParser(policy=email.policy.default).parse(fh)
    assert isinstance(parsed, EmailMessage)
    return parsed


def list_outbox(folder: Path) -> list[OutboxEntry]:
    """Messages in the outbox, oldest first (file names start with the UTC time)."""
    if not folder.is_dir():
        return []
    entries = []
    for path in sorted(folder.glob("[!.]*.eml")):
        message = _parse(path)
        entries.append(
            OutboxEntry(
                path, str(message["To"] or ""), str(message["Subject"] or ""), str(message["Date"] or "")
            )
        )
    return entries


def clear_outbox(folder: Path) -> int:
    """Delete every message in the outbox; return how many there were."""
    entries = list_outbox(folder)
    for entry in entries:
        entry.path.unlink(missing_ok=True)
    return len(entries)


def message_text(message: EmailMessage) -> str:
    """The plain-text body of a message."""
    part = message.get_body(preferencelist=("plain",))
    return "" if part is None else str(part.get_content())
