"""Outgoing mail: composing it, queueing it in the database, and delivering it.

- ``compose``: each kind of mail Newsstand sends, plain text and HTML from the templates
  in ``templates/``, times in the reader's time zone.
- ``message``: building and reading RFC 5322 messages; the ``Mailer`` protocol.
- ``smtp``: delivery over SMTP with STARTTLS or implicit TLS and a sign-in.
- ``outbox``: the development default (``smtp_host`` empty): a folder of ``.eml`` files.
- ``queue``: the retrying queue's types, its storage protocol and ``deliver_pending``.
"""

from newsstand.mail.compose import (
    Composed,
    DigestItem,
    Recipient,
    daily_digest,
    email_verification,
    password_reset,
    payment_failed,
    receipt,
    signup_attempt,
    trial_ending,
)
from newsstand.mail.message import (
    Mailer,
    build_message,
    message_bytes,
    message_html,
    message_text,
    parse_message,
)
from newsstand.mail.outbox import OutboxEntry, OutboxMailer, clear_outbox, list_outbox, outbox_folder
from newsstand.mail.queue import (
    DeliveryReport,
    deliver_pending,
    next_attempt,
    outgoing_mail,
    retry_delay,
)
from newsstand.mail.smtp import SmtpMailer, mailer_from_settings
from newsstand.model import MailState, OutgoingMail, QueuedMail
from newsstand.store.base import MailQueue

__all__ = [
    "Composed",
    "DeliveryReport",
    "DigestItem",
    "MailQueue",
    "MailState",
    "Mailer",
    "OutboxEntry",
    "OutboxMailer",
    "OutgoingMail",
    "QueuedMail",
    "Recipient",
    "SmtpMailer",
    "build_message",
    "clear_outbox",
    "daily_digest",
    "deliver_pending",
    "email_verification",
    "list_outbox",
    "mailer_from_settings",
    "message_bytes",
    "message_html",
    "message_text",
    "next_attempt",
    "outbox_folder",
    "outgoing_mail",
    "parse_message",
    "password_reset",
    "payment_failed",
    "receipt",
    "retry_delay",
    "signup_attempt",
    "trial_ending",
]
