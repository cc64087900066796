"""WebSub for the subscriber, end to end: subscribe to the hubs fetched feeds announce, answer
the hubs' verification at ``/websub/<callback id>``, store what they push (signed with our
secret) at once, renew leases, and retry hubs that fail while the feed is polled as usual.

The protocol's decisions are the pure steps of ``ingest.websub``; this service keeps the
records in the store, sends the requests through the safe fetcher and stores pushed entries
with the same parser as a poll.

Which process does what: whichever process polls feeds (``serve``, ``run``, ``fetch``, a
queue ``worker``) keeps a record for every hub a polled feed announces and sends the due
(re)subscribe requests; the web process answers the hubs at ``/websub/<callback id>``.
They agree through the database. Hubs must reach that web process, so the ``base_url``
setting (the site's public address) is required: without it nothing is subscribed, feeds
are polled, and ``status()`` says so for the admin page and the CLI.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from newsstand.config import Settings
from newsstand.errors import FeedParseError, FetchError, InvalidDataError, NotFoundError
from newsstand.ingest.articles import parse_articles
from newsstand.ingest.pipeline import FeedOutcome
from newsstand.ingest.websub import (
    PushVerdict,
    answer_intent,
    judge_push,
    new_subscription,
    push_active,
    request_failed,
    resubscribing,
    subscribe_due,
    subscribe_form,
)
from newsstand.ingest.websub.lease import VERIFY_WAIT
from newsstand.model import PushState, PushSubscription, utc
from newsstand.net.fetch import Fetcher
from newsstand.store.base import ArticleStore, CatalogStore, IngestStore, PushStore

log = logging.getLogger(__name__)


class WebSubStore(PushStore, CatalogStore, IngestStore, ArticleStore, Protocol):
    """What the WebSub service reads and writes."""


@dataclass(frozen=True, slots=True)
class PushStatus:
    """Where WebSub stands, for operators."""

    enabled: bool
    callback: str  # the URL prefix hubs call back at ("" when off)
    live: int = 0  # hub subscriptions with a live lease
    waiting: int = 0  # requested, not yet verified
    failing: int = 0  # refused, failed or lapsed: their feeds are polled
    feeds: int = 0  # feeds with at least one live lease
    announced: int = 0  # feeds seen announcing hubs while off (this process)

    def line(self) -> str:
        if not self.enabled:
            seen = f" {self.announced} polled feeds announce hubs." if self.announced else ""
            return (
                "WebSub push is off: set base_url (NEWSSTAND_BASE_URL) to this site's public "
                "address, which hubs must reach at /websub/; until then every feed is polled." + seen
            )
        return (
            f"WebSub push is on: hubs call back at {self.callback}. {self.live} hub subscriptions "
            f"live for {self.feeds} feeds, {self.waiting} waiting for their hub, {self.failing} "
            "refused or failing (their feeds are polled as usual)."
        )


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to give a hub: status and body."""

    status: int
    body: str = ""


class WebSubService:
    def __init__(self, store: WebSubStore, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self._announced: set[int] = set()  # feeds seen announcing hubs while off

    def now(self) -> datetime:
        return utc(self.clock())

    @property
    def enabled(self) -> bool:
        """Hubs can reach us only at a public address: without ``base_url`` we only poll."""
        return bool(self.settings.base_url)

    def callback_url(self, sub: PushSubscription) -> str:
        return f"{self.settings.base_url.rstrip('/')}/websub/{sub.callback_id}"

    # --- from polls ----------------------------------------------------------------------------

    def status(self) -> PushStatus:
        """Whether push is on, where hubs call back, and how the hub subscriptions stand."""
        if not self.enabled:
            return PushStatus(False, "", announced=len(self._announced))
        now = self.now()
        subs = self.store.push_subscriptions()
        live = [s for s in subs if push_active(s, now)]
        waiting = sum(s.state is PushState.REQUESTED for s in subs)
        return PushStatus(
            True,
            f"{self.settings.base_url.rstrip('/')}/websub/",
            live=len(live),
            waiting=waiting,
            failing=len(subs) - len(live) - waiting,
            feeds=len({s.feed_id for s in live}),
        )

    def note(self, outcome: FeedOutcome) -> list[PushSubscription]:
        """Keep a subscription for every hub a polled feed announces (each hub is asked on
        its own: any one of them pushing is enough, and the feed is polled as usual while
        none does). New ones start REQUESTED and are sent by ``sync``."""
        feed_id = outcome.feed.id
        if not outcome.hubs or feed_id is None:
            return []
        if not self.enabled:
            self._announced.add(feed_id)
            return []
        known = {(s.hub_url, s.topic_url): s for s in self.store.push_subscriptions(feed_id)}
        kept = []
        for hub in dict.fromkeys(outcome.hubs):
            sub = known.get((hub, outcome.topic))
            if sub is None:
                try:
                    fresh = new_subscription(feed_id, hub, outcome.topic, self.now())
                except InvalidDataError:
                    continue
                # Dated back by the verification wait, so ``subscribe_due`` sends it on the
                # next sync as it would a request a hub never verified.
                sub = self.store.put_push_subscription(
                    replace(fresh, requested=fresh.requested - VERIFY_WAIT)
                )
            kept.append(sub)
        return kept

    def pushed(self, feed_id: int) -> bool:
        """Whether a hub holds a live lease for the feed (it may then be polled less often)."""
        now = self.now()
        return any(push_active(s, now) for s in self.store.push_subscriptions(feed_id))

    async def sync(self, fetcher: Fetcher) -> int:
        """Send the (re)subscribe requests that are due: new ones, leases near their end, and
        hubs that refused or never verified (after their backoff). How many were sent."""
        if not self.enabled:
            return 0
        sent = 0
        for sub in self.store.push_subscriptions():
            now = self.now()
            if subscribe_due(sub, now):
                await self._request(fetcher, sub, now)
                sent += 1
        return sent

    async def _request(self, fetcher: Fetcher, sub: PushSubscription, now: datetime) -> None:
        waiting = self.store.put_push_subscription(resubscribing(sub, now))
        try:
            status = await fetcher.post_form(sub.hub_url, subscribe_form(waiting, self.callback_url(waiting)))
        except FetchError as exc:
            failed = request_failed(self._current(waiting), self.now(), str(exc))
            self.store.put_push_subscription(failed)
            return
        if status not in (200, 202, 204):
            failed = request_failed(self._current(waiting), self.now(), f"the hub answered {status}")
            self.store.put_push_subscription(failed)

    def _current(self, sub: PushSubscription) -> PushSubscription:
        """The stored record (the hub may have verified it while our request was answered)."""
        try:
            return self.store.push_subscription(sub.callback_id)
        except NotFoundError:
            return sub

    # --- from hubs -------------------------------------------------------------------------

    def intent(self, callback_id: str, params: Mapping[str, str]) -> Reply:
        """Answer a hub's verification of intent (or its denial) for one of our requests."""
        try:
            sub = self.store.push_subscription(callback_id)
        except NotFoundError:
            return Reply(404)
        answer = answer_intent(sub, params, self.now())
        if answer.sub != sub:
            self.store.put_push_subscription(answer.sub)
        return Reply(answer.status, answer.body)

    def push(self, callback_id: str, signature: str | None, body: bytes, content_type: str) -> Reply:
        """Take a pushed feed document: stored at once when signed with the subscription's
        secret, dropped (but answered alike) when not, refused with 410 without a live
        subscription."""
        try:
            sub: PushSubscription | None = self.store.push_subscription(callback_id)
        except NotFoundError:
            sub = None
        verdict = judge_push(sub, signature, body)
        if verdict is PushVerdict.ACCEPT and sub is not None:
            stored = self._store_entries(sub, body, content_type)
            self.store.put_push_subscription(replace(self._current(sub), last_push=self.now()))
            log.info("stored %d pushed entries of feed %d", stored, sub.feed_id)
        elif verdict is PushVerdict.IGNORE:
            log.warning("dropped a push with a bad signature for feed %d", sub.feed_id if sub else 0)
        return Reply(verdict.status)

    def _store_entries(self, sub: PushSubscription, body: bytes, content_type: str) -> int:
        feed = self.store.get_feed(sub.feed_id)
        try:
            language = self.store.get_publisher(feed.publisher_id).language
        except NotFoundError:
            language = ""
        try:
            articles = parse_articles(body, sub.topic_url, content_type, feed, self.now(), language)
        except FeedParseError as exc:
            log.warning("a push for feed %d could not be read: %s", sub.feed_id, exc)
            return 0
        for article in articles:
            self.store.upsert_article(article, feed.id)
        return len(articles)
