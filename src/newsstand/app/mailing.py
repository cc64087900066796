"""Mail as a service: what every sender needs (links on the public address, the reader as a
recipient in their zone), the queue, and delivery from it.

Everything Newsstand mails is composed (``newsstand.mail.compose``), queued in the database
(with a key when it must go once), and delivered by ``deliver`` — which the service loop
calls every ``jobs_seconds``, and a queue worker may call instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from newsstand.config import Settings
from newsstand.mail import (
    Composed,
    DeliveryReport,
    Mailer,
    OutboxMailer,
    Recipient,
    deliver_pending,
    forget_recipient,
    outgoing_mail,
)
from newsstand.model import MailState, OutgoingMail, QueuedMail, Reader, utc
from newsstand.store.base import MailQueue
from newsstand.timezones import checked_zone

SITE = "Newsstand"
SENT_KEPT = timedelta(days=30)  # sent mail stays in the queue this long, for operators


class MailService:
    def __init__(
        self, store: MailQueue, settings: Settings, mailer: Mailer, clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.settings = settings
        self.mailer = mailer
        self.clock = clock

    def now(self) -> datetime:
        return utc(self.clock())

    def zone_of(self, reader: Reader | None) -> str:
        """The zone a reader's times are shown in: theirs, else the site's default."""
        fallback = self.settings.default_time_zone
        return checked_zone(reader.time_zone, fallback) if reader is not None else fallback

    def recipient(self, reader: Reader) -> Recipient:
        return Recipient(reader.email, reader.display_name, self.zone_of(reader))

    def public_base(self, from_request: str = "") -> str:
        """Where links in mail point: the ``base_url`` setting (a request's Host header can be
        forged), else the request's own address, else host and port."""
        configured = self.settings.base_url
        base = configured or from_request or f"http://{self.settings.host}:{self.settings.port}"
        return base.rstrip("/")

    def link(self, path: str, from_request: str = "") -> str:
        return f"{self.public_base(from_request)}{path}"

    def outgoing(self, composed: Composed, key: str | None = None) -> OutgoingMail:
        """The composed mail as a queue row. Raises MailError for a header with a line break."""
        return outgoing_mail(composed.kind, composed.message(self.settings.mail_from, self.now()), key)

    def queue(self, composed: Composed, key: str | None = None) -> int:
        """Queue one mail on its own (mail caused by a change goes in that change's transaction
        instead). A key queued before queues nothing again. Returns the queue row's id."""
        return self.store.enqueue_mail([self.outgoing(composed, key)], self.now())[0]

    def deliver(self, now: datetime | None = None) -> DeliveryReport:
        """Send what is due through SMTP (or into the outbox), retrying later what fails."""
        settings = self.settings
        return deliver_pending(
            self.store,
            self.mailer,
            utc(now) if now is not None else self.now(),
            retry_base=timedelta(seconds=settings.mail_retry_seconds),
            max_attempts=settings.mail_max_attempts,
        )

    def forget_recipient(self, address: str) -> int:
        """Delete the development outbox's messages to ``address`` (mail sent through SMTP
        has left us); how many went. The queue's rows go with the account itself."""
        if isinstance(self.mailer, OutboxMailer):
            return forget_recipient(self.mailer.folder, address)
        return 0

    def purge_sent(self) -> int:
        """Forget mail sent more than a month ago; how many went."""
        return self.store.purge_sent_mail(self.now() - SENT_KEPT)

    def queued(self, states: tuple[MailState, ...] = (), limit: int = 100) -> list[QueuedMail]:
        return self.store.mail_queue(states, limit)
