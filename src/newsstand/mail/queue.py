"""The mail queue: messages kept in the database until a deliverer has sent them.

A change that causes mail (a sign-up, a payment) enqueues the rendered message in its own
transaction, so the mail exists exactly when the change does. ``deliver_pending`` then
claims due messages with a lease, sends each one, and marks it sent, or schedules a retry
with exponential backoff, or after ``max_attempts`` (or a refusal for good) leaves it dead
for an operator to read. Two deliverers never send the same message: a claim takes only
rows that are due and not leased, in one statement, and marking a row needs the claim's
token. A deliverer that dies mid-send loses its lease; the message is sent again after
the lease runs out (at least once), so the lease is longer than a send can take.

The queue's storage is ``MailQueue`` (``store/base.py``, implemented in ``store/sql/mail.py``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from newsstand.errors import InvalidDataError, MailError, MailRejectedError, NewsstandError
from newsstand.mail.message import Mailer, message_bytes, parse_message
from newsstand.model import OutgoingMail, QueuedMail
from newsstand.store.base import MailQueue

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=5)  # several times an SMTP send's 30-second timeout
MAX_RETRY_DELAY = timedelta(hours=6)


def outgoing_mail(kind: str, message: EmailMessage, key: str | None = None) -> OutgoingMail:
    """The mail to enqueue for ``message``."""
    return OutgoingMail(kind, str(message["To"] or ""), message_bytes(message), key)


def retry_delay(attempts: int, base: timedelta, cap: timedelta = MAX_RETRY_DELAY) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: ``base`` doubled each time
    (1, 2, 4, 8 ... times), never more than ``cap``."""
    if attempts < 1:
        raise InvalidDataError(f"attempts counts from 1, got {attempts}")
    factor: int = 2 ** min(attempts - 1, 30)  # bounded: 2**30 times any base passes the cap anyway
    return min(base * factor, cap)


def next_attempt(
    attempts: int, now: datetime, base: timedelta, max_attempts: int, *, permanent: bool = False
) -> datetime | None:
    """When a mail that just failed its ``attempts``-th attempt is tried again; None when it
    is dead: refused for good, or ``max_attempts`` spent."""
    if permanent or attempts >= max_attempts:
        return None
    return now + retry_delay(attempts, base)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    lost: int = 0  # claims that expired while sending; another deliverer owns the row now


def deliver_pending(
    store: MailQueue,
    sender: Mailer,
    now: datetime,
    *,
    retry_base: timedelta = timedelta(minutes=1),
    max_attempts: int = 12,
    lease: timedelta = DEFAULT_LEASE,
    limit: int = 50,
) -> DeliveryReport:
    """Send the mails due at ``now`` through ``sender`` (SMTP, or the outbox folder), at most
    ``limit`` of them. Never raises for a mail that fails: its failure is recorded on its
    row. Raises StorageError when the queue itself cannot be read or written."""
    sent = retrying = dead = lost = 0
    for mail in store.claim_mail(now, lease, limit):
        error, permanent = _send(sender, mail)
        if error is None:
            ok = store.mark_mail_sent(mail.id, mail.lease_token, now)
            sent += ok
        else:
            retry_at = next_attempt(mail.attempts, now, retry_base, max_attempts, permanent=permanent)
            ok = store.mark_mail_failed(mail.id, mail.lease_token, error, retry_at)
            if ok and retry_at is None:
                dead += 1
                log.warning("mail %d (%s to %s) is dead: %s", mail.id, mail.kind, mail.recipient, error)
            else:
                retrying += ok
        lost += not ok
    return DeliveryReport(sent, retrying, dead, lost)


def _send(sender: Mailer, mail: QueuedMail) -> tuple[str | None, bool]:
    """(None, False) when sent; else (the error, whether it is final)."""
    try:
        sender.send(parse_message(mail.data))
    except MailRejectedError as exc:
        return str(exc), True
    except MailError as exc:
        return str(exc), False
    except NewsstandError as exc:  # a sender's own failure (bad settings): worth another try later
        return f"{type(exc).__name__}: {exc}", False
    return None, False
