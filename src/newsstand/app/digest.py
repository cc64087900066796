"""The daily digest as a service: a morning edition per reader (Top stories and For you), at
the local time they chose, with one-click unsubscribe; its preview in the account.

When the edition of a reader's day is due is decided by ``accounts.digest`` (pure);
``send_due`` is one of the service loop's scheduled jobs. An edition goes only to a confirmed
address, once per local day: the day is noted in the same transaction as the mail is queued.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from newsstand.accounts import digest as schedule
from newsstand.app.mailing import SITE, MailService
from newsstand.app.personal import FrontPageService
from newsstand.errors import InvalidDataError, InvalidFieldError
from newsstand.mail import DigestItem, daily_digest
from newsstand.model import Article, DigestSubscription, Publisher, Reader, utc
from newsstand.store.base import MailQueue, ProfileStore, ReaderStore

SUMMARY_CHARS = 220


class DigestStore(ProfileStore, ReaderStore, MailQueue, Protocol):
    """What the digest reads and writes."""


@dataclass(frozen=True, slots=True)
class Edition:
    """One reader's morning edition as it would go out at ``at``."""

    reader: Reader
    at: datetime
    day: str
    top: tuple[DigestItem, ...]
    for_you: tuple[DigestItem, ...]


@dataclass(frozen=True, slots=True)
class DigestChoice:
    """What the account page shows of a reader's digest."""

    subscription: DigestSubscription | None
    time: str  # "07:30"
    zone: str
    confirmed: bool  # editions only go to a confirmed address

    @property
    def enabled(self) -> bool:
        return self.subscription is not None and self.subscription.enabled


class DigestService:
    def __init__(
        self,
        store: DigestStore,
        clock: Callable[[], datetime],
        mail: MailService,
        front: FrontPageService,
        publishers: Callable[[], dict[str, Publisher]],
    ) -> None:
        self.store = store
        self.clock = clock
        self.mail = mail
        self.front = front
        self.publishers = publishers

    def now(self) -> datetime:
        return utc(self.clock())

    # --- the reader's choice -----------------------------------------------------------------

    def choice(self, reader: Reader) -> DigestChoice:
        found = self.store.digest_subscription(reader.id)
        minute = found.minute if found is not None else schedule.DEFAULT_MINUTE
        return DigestChoice(
            found, schedule.time_of_day(minute), self.mail.zone_of(reader), reader.email_verified is not None
        )

    def subscribe(self, reader: Reader, time_of_day: str, enabled: bool = True) -> DigestSubscription:
        """Turn the digest on (or off) at ``time_of_day`` ("07:30") in the reader's zone. The
        first edition comes at the next such time: never the moment it is turned on. Raises
        InvalidFieldError("time") for a time that is not HH:MM."""
        try:
            minute = schedule.parse_time_of_day(time_of_day)
        except InvalidDataError as exc:
            raise InvalidFieldError(str(exc), "time") from exc
        found = self.store.digest_subscription(reader.id)
        token = found.token if found is not None else secrets.token_urlsafe(24)
        skipped = schedule.first_edition_skipped(minute, self.mail.zone_of(reader), self.now())
        last = max(skipped, found.last_edition if found is not None else "")
        subscription = DigestSubscription(reader.id, minute, enabled, token, last)
        self.store.put_digest_subscription(subscription)
        return subscription

    def by_token(self, token: str) -> DigestSubscription:
        """The subscription an unsubscribe link names. Raises NotFoundError."""
        if not token or len(token) > 64:
            raise InvalidFieldError("This unsubscribe link is not complete.", "token")
        return self.store.digest_by_token(token)

    def unsubscribe(self, token: str) -> DigestSubscription:
        """Turn the digest off through its link (no sign-in: the link is the key). Raises
        NotFoundError for a link that names no subscription."""
        found = self.by_token(token)
        stopped = DigestSubscription(found.reader_id, found.minute, False, found.token, found.last_edition)
        self.store.put_digest_subscription(stopped)
        return stopped

    # --- editions ---------------------------------------------------------------------------

    def edition(self, reader: Reader, at: datetime | None = None, base_url: str = "") -> Edition:
        """The edition the reader would get at ``at`` (default now): the preview, and what is
        sent. Links start with the ``base_url`` setting, else ``base_url``."""
        at = utc(at) if at is not None else self.now()
        top_cards = self.front.top(at)
        top = tuple(self._item(card.article, base_url) for card in top_cards)
        # The edition's For you is the reader's learned one, apart from the Top stories above it.
        cards = self.front.personal(reader, apart_from=[c.article for c in top_cards]).cards
        mine = tuple(self._item(card.article, base_url) for card in cards)
        day, _ = schedule.local_edition(at, self.mail.zone_of(reader))
        return Edition(reader, at, day, top, mine)

    def _item(self, article: Article, base_url: str) -> DigestItem:
        publisher = self.publishers().get(article.publisher_id)
        path = f"/live/{article.id}" if article.is_liveblog else f"/article/{article.id}"
        summary = (
            article.standfirst
            if len(article.standfirst) <= SUMMARY_CHARS
            else (article.standfirst[: SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + "…")
        )
        name = publisher.name if publisher is not None else article.publisher_id
        return DigestItem(article.title, self.mail.link(path, base_url), name, article.published, summary)

    def send_due(self, now: datetime | None = None) -> int:
        """Queue every edition due at ``now`` (each reader's chosen time in their zone, to a
        confirmed address, once per local day). Returns how many were queued."""
        now = utc(now) if now is not None else self.now()
        due = [
            (reader, day)
            for reader, subscription in self.store.digest_readers()
            if reader.email_verified is not None
            and (day := schedule.edition_due(subscription, self.mail.zone_of(reader), now)) is not None
        ]
        return sum(self._send(reader.id, day, now) for reader, day in due)

    def _send(self, reader_id: int, day: str, now: datetime) -> bool:
        reader = self.store.get_reader(reader_id)  # with follows, for For you
        found = self.store.digest_subscription(reader_id)
        if found is None:
            return False
        edition = self.edition(reader, now)
        link = self.mail.link(f"/digest/unsubscribe/{found.token}")
        composed = daily_digest(
            self.mail.recipient(reader), now, edition.top, edition.for_you, link, site=SITE
        )
        mail = self.mail.outgoing(composed, f"digest:{reader_id}:{day}")
        return self.store.record_digest(reader_id, day, [mail], now)
