"""Building messages: plain text always, HTML beside it when given, and reading them back."""

from __future__ import annotations

import email.policy
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from typing import Protocol

from newsstand.errors import MailError
from newsstand.model import utcnow

MESSAGE_ID_DOMAIN = "newsstand.invalid"


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver the message or keep it (the outbox). Raises MailRejectedError when it can
        never be delivered, MailError when trying again later may work."""


def build_message(
    sender: str,
    to: str,
    subject: str,
    body: str,
    now: datetime | None = None,
    *,
    html: str = "",
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """A message from ``sender`` to ``to``: ``body`` as text/plain and, when ``html`` is
    given, a text/html alternative after it (mail clients show the last part they can).
    ``headers`` adds more (List-Unsubscribe, Auto-Submitted). Raises MailError for a header
    value with a line break, which would let a caller's text forge headers."""
    message = EmailMessage()
    fields = {"From": sender, "To": to, "Subject": subject, **(headers or {})}
    for name, value in fields.items():
        if "\n" in value or "\r" in value:
            raise MailError(f"mail header {name} must be one line")
        message[name] = value
    message["Date"] = format_datetime(now or utcnow())
    message["Message-ID"] = make_msgid(domain=MESSAGE_ID_DOMAIN)
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def message_bytes(message: EmailMessage) -> bytes:
    """The message as it goes over the wire (CRLF line ends, long headers folded)."""
    return message.as_bytes(policy=email.policy.SMTP)


def parse_message(data: bytes) -> EmailMessage:
    """A message read back from its bytes (the outbox, the queue)."""
    parsed = BytesParser(policy=email.policy.default).parsebytes(data)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return ""
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def message_text(message: EmailMessage) -> str:
    """The plain-text body of a message ("" when it has none)."""
    return _part(message, "plain")


def message_html(message: EmailMessage) -> str:
    """The HTML body of a message ("" when it has none)."""
    return _part(message, "html")
