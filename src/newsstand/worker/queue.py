"""The broker, its queues and the actors: what a message says and which step runs it.

Three actors on two queues named after ``queue_prefix``: ``<prefix>.feeds`` carries one
message per due feed (its id and when it was queued), ``<prefix>.steps`` the requests for
the one-at-a-time steps (full text and live blogs; stories). A message is acknowledged
after its actor returns (Dramatiq's default), so a killed worker's message goes back to
the queue; a feed another worker holds is retried after a delay instead of waiting in a
thread.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import dramatiq
import pika.exceptions
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.middleware.asyncio import AsyncIO

from newsstand.app.distributed import FeedWorker
from newsstand.config import Settings
from newsstand.errors import BrokerError, BusyError, ConfigError
from newsstand.model import utc

log = logging.getLogger(__name__)

FEED_RETRIES = 200  # a killed worker's feed is retried every few seconds until its lease ends
T = TypeVar("T")


class Runtime:
    """What the actors of this process work with: set by ``newsstand worker`` before it
    consumes (a process that only sends has none)."""

    worker: FeedWorker | None = None

    def need(self) -> FeedWorker:
        if self.worker is None:
            raise ConfigError("this process sends tasks but does not run them")
        return self.worker


@dataclass
class Queue:
    """A broker connection with Newsstand's actors declared on it."""

    broker: RabbitmqBroker
    settings: Settings
    runtime: Runtime
    ingest: dramatiq.Actor[..., Any]
    pages: dramatiq.Actor[..., Any]
    stories: dramatiq.Actor[..., Any]

    @property
    def queue_names(self) -> tuple[str, str]:
        return f"{self.settings.queue_prefix}.feeds", f"{self.settings.queue_prefix}.steps"

    def send_feeds(self, feed_ids: Sequence[int], queued_at: datetime) -> None:
        """One message per feed. Raises BrokerError when the broker cannot take them."""
        when = queued_at.isoformat()
        with _translated():
            for feed_id in feed_ids:
                self.ingest.send(feed_id, when)

    def send_steps(self) -> None:
        with _translated():
            self.pages.send()
            self.stories.send()

    def depth(self) -> dict[str, int]:
        """Messages waiting in each queue (delayed retries included). Raises BrokerError."""
        counts: dict[str, int] = {}
        with _translated():
            for name in self.queue_names:
                ready, delayed, _dead = self.broker.get_queue_message_counts(name)
                counts[name] = ready + delayed
        return counts

    def close(self) -> None:
        self.broker.close()


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """Broker failures as BrokerError (the one seam for Dramatiq's and pika's errors)."""
    try:
        yield
    except (dramatiq.errors.DramatiqError, pika.exceptions.AMQPError, OSError) as exc:
        raise BrokerError(f"the broker failed: {exc}") from exc


def _retry_when_busy(job: Coroutine[Any, Any, T]) -> Coroutine[Any, Any, T]:
    async def run() -> T:
        try:
            return await job
        except BusyError as exc:
            raise dramatiq.Retry(delay=int(exc.retry_after * 1000)) from exc

    return run()


def connect(settings: Settings, runtime: Runtime | None = None) -> Queue:
    """The broker the settings name with the actors declared. Raises ConfigError without
    ``broker_url``."""
    if not settings.broker_url:
        raise ConfigError("set broker_url (a RabbitMQ amqp:// URL) to use workers", "broker_url")
    # No publisher confirms: with them one client sends 145 messages/s (each waits for the
    # broker), without them 5,200/s. A message the broker loses is not lost work: its feed stays
    # marked queued and the scheduler sends it again after ``requeue_seconds``.
    broker = RabbitmqBroker(url=settings.broker_url, confirm_delivery=False)
    broker.add_middleware(AsyncIO())
    rt = runtime or Runtime()
    feeds_q, steps_q = f"{settings.queue_prefix}.feeds", f"{settings.queue_prefix}.steps"
    lease_ms = int(settings.feed_lease_seconds * 1000)

    async def ingest(feed_id: int, queued_at: str = "") -> None:
        when = utc(datetime.fromisoformat(queued_at)) if queued_at else None
        await _retry_when_busy(rt.need().ingest(feed_id, when))

    async def pages() -> None:
        worker = rt.need()
        await worker.fill_pages()
        await worker.sync_push()  # WebSub requests ride on the pages step (one worker at a time)

    async def stories() -> None:
        await rt.need().group_stories()

    def declare(fn: Callable[..., Any], queue: str, **options: Any) -> dramatiq.Actor[..., Any]:
        name = f"{settings.queue_prefix}.{fn.__name__}"
        make = dramatiq.actor(actor_name=name, queue_name=queue, broker=broker, **options)
        return make(fn)

    return Queue(
        broker,
        settings,
        rt,
        declare(ingest, feeds_q, max_retries=FEED_RETRIES, min_backoff=500, max_backoff=lease_ms),
        declare(pages, steps_q, max_retries=3),
        declare(stories, steps_q, max_retries=3),
    )
