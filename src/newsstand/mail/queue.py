"""The mail queue: messages kept in the database until a deliverer has sent them.

A change that causes mail (a sign-up, a payment) enqueues the rendered message in its own
transaction, so the mail exists exactly when the change does. ``deliver_pending`` then
claims due messages with a lease, sends each one, and marks it sent, or schedules a retry
with exponential backoff, or after ``max_attempts`` (or a refusal for good) leaves it dead
for an operator to read. Two deliverers never send the same message: a claim takes only
rows that are due and not leased, in one statement, and marking a row needs the claim's
token. A deliverer that dies mid-send loses its lease; the message is sent again after
the lease runs out (at least once), so the lease is longer than a send can take.

The queue's storage is ``MailQueue``; the store implements it (``store/sql/mail.py``).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from newsstand.errors import InvalidDataError, MailError, MailRejectedError, NewsstandError
from newsstand.mail.message import Mailer, message_bytes, parse_message

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(minutes=5)  # several times an SMTP send's 30-second timeout
MAX_RETRY_DELAY = timedelta(hours=6)


class MailState(enum.StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a deliverer until its lease runs out
    SENT = "sent"
    DEAD = "dead"  # given up: refused for good, or out of attempts


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """A message to enqueue. ``key``, when given, makes enqueueing idempotent: a second
    mail with the same key (the same reminder for the same trial) is not queued again."""

    kind: str  # what it is, for operators: "receipt", "trial_ending"
    recipient: str
    data: bytes  # the whole RFC 5322 message
    key: str | None = None

    @classmethod
    def of(cls, kind: str, message: EmailMessage, key: str | None = None) -> OutgoingMail:
        return cls(kind, str(message["To"] or ""), message_bytes(message), key)


@dataclass(frozen=True, slots=True)
class QueuedMail:
    """A row of the queue as a deliverer or an operator sees it."""

    id: int
    kind: str
    recipient: str
    data: bytes
    state: MailState
    attempts: int
    created: datetime
    next_attempt: datetime
    key: str | None = None
    last_error: str = ""
    sent: datetime | None = None
    lease_token: str = ""  # set on a claimed row: marking it needs the token


class MailQueue(Protocol):
    """Where queued mail lives (the store). Raises StorageError when the database fails."""

    def enqueue_mail(self, mails: Sequence[OutgoingMail], now: datetime) -> list[int]:
        """Queue the mails, due at ``now``, in one transaction; returns their ids. A mail
        whose ``key`` is queued already is skipped (its place in the result is the earlier
        row's id), so enqueueing the same reminder twice sends it once."""

    def claim_mail(self, now: datetime, lease: timedelta, limit: int) -> list[QueuedMail]:
        """Take up to ``limit`` due mails (pending with ``next_attempt <= now``, or sending
        with an expired lease), oldest due first, leased until ``now + lease`` under a fresh
        token, their attempts counted up. Concurrent claimers get disjoint rows."""

    def mark_mail_sent(self, mail_id: int, token: str, at: datetime) -> bool:
        """Record the claimed mail as sent; False when the claim was lost (lease expired and
        taken by another deliverer), which leaves the row to its new holder."""

    def mark_mail_failed(self, mail_id: int, token: str, error: str, retry_at: datetime | None) -> bool:
        """Record a failed attempt: pending again at ``retry_at``, or dead when it is None.
        False when the claim was lost."""

    def mail_queue(self, states: Sequence[MailState] = (), limit: int = 100) -> list[QueuedMail]:
        """Queued mails in the given states (all when empty), newest first, for operators."""

    def purge_sent_mail(self, before: datetime) -> int:
        """Delete mails sent before ``before``; returns how many."""


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
