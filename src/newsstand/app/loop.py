"""The one service loop: fetch, parse and store due feeds, fill in full text for teasers,
refresh recent live blogs, group new articles into stories; then sleep until a feed is due.
Beside the passes, every ``jobs_seconds``: deliver queued mail, queue trial reminders and the
daily digests that are due (``app.jobs``).

Built once and used by ``newsstand run``, ``newsstand fetch``, the web process's
background ingestion and, one feed or step at a time, by the queue workers. Each step
is a method of its own so a worker can run just the step it was given.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from newsstand.app.jobs import Jobs, JobsReport
from newsstand.app.storyworker import story_step
from newsstand.app.websub import WebSubService
from newsstand.config import Settings
from newsstand.errors import NewsstandError
from newsstand.ingest.pages import fill_full_text, refresh_live_blogs
from newsstand.ingest.pipeline import FeedOutcome, Ingestor, IngestSummary
from newsstand.model import Feed, FeedState, utcnow
from newsstand.net.fetch import Fetcher
from newsstand.store.base import Store

log = logging.getLogger(__name__)

FULL_TEXT_PER_ROUND = 20  # pages fetched for teaser-only articles after each round
LIVE_REFRESH_SECONDS = 120.0  # shortest interval between two fetches of the recent live blogs


@dataclass
class LoopStatus:
    """What the loop last did, for the admin pages, the empty front page and the CLI."""

    enabled: bool = False
    running: bool = False  # the first round is in progress
    rounds: int = 0
    last_round: datetime | None = None
    last_summary: str = ""
    last_error: str = ""
    polls: int = 0  # feed polls since start, every round counted
    failures: int = 0
    last_activity: datetime | None = None
    stories_placed: int = 0


@dataclass(frozen=True, slots=True)
class PassReport:
    """What one pass of the loop did."""

    feeds: IngestSummary
    full_text: int = 0
    live_blogs: int = 0
    placed_in_stories: int = 0
    errors: tuple[str, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> bool:
        """Whether readers would see anything new."""
        feeds = self.feeds
        return bool(feeds.new_entries or feeds.updated_entries or self.full_text or self.live_blogs)


def describe_round(summary: IngestSummary) -> str:
    """One line an operator can act on, saying plainly when no feed could be reached."""
    total = len(summary.outcomes)
    if total == 0:
        return "No feed was due."
    failed = summary.count("failed")
    line = (
        f"{total} feed{'s' if total != 1 else ''} polled in {summary.seconds:.1f} s: "
        f"{summary.count('ok')} ok, "
        f"{summary.count('not_modified')} not modified, {failed} failed; "
        f"{summary.new_entries} new and {summary.updated_entries} updated articles."
    )
    if summary.unreachable == total:
        line += (
            f" {'The feed could not' if total == 1 else 'None of the feeds could'} be reached: this machine"
            " seems to have no network. Readers keep being served what is stored; the command"
            " newsstand serve --sample loads an offline sample edition."
        )
    elif summary.unreachable:
        line += f" {summary.unreachable} feeds could not be reached at all."
    return line


class ServiceLoop:
    """Runs passes of fetch, pages and stories over one store. One per store and event loop."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        on_outcome: Callable[[FeedOutcome], None] | None = None,
        on_change: Callable[[PassReport], None] | None = None,
        live_refresh_seconds: float = LIVE_REFRESH_SECONDS,
        status: LoopStatus | None = None,
        jobs: Jobs | None = None,
        websub: WebSubService | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.status = status or LoopStatus()
        self.on_outcome = on_outcome
        self.on_change = on_change
        self.live_refresh_seconds = live_refresh_seconds
        self._live_refreshed_at = -math.inf  # monotonic time of the last live-blog refresh
        self.websub = websub
        pushed = websub.pushed if websub is not None else None
        self.ingestor = Ingestor(store, settings, clock=clock, on_outcome=self._count, pushed=pushed)
        self.stories = story_step(store, settings)  # started at its first use
        self.jobs = jobs

    def close(self) -> None:
        """Stop the parse workers and the story process, if any (a later pass starts them again)."""
        self.ingestor.close()
        self.stories.close()

    def _count(self, outcome: FeedOutcome) -> None:
        self.status.polls += 1
        self.status.last_activity = utcnow()
        if outcome.status == "failed":
            self.status.failures += 1
        if self.websub is not None and outcome.hubs:
            try:
                self.websub.note(outcome)
            except NewsstandError as exc:  # the feed is polled either way
                log.warning("could not keep the WebSub hub of %s: %s", outcome.feed.url, exc)
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    # --- the steps --------------------------------------------------------------------------

    async def poll(
        self, feeds: Sequence[Feed] | None = None, stop: asyncio.Event | None = None
    ) -> IngestSummary:
        """Fetch, parse and store ``feeds`` (default: every due feed)."""
        return await self.ingestor.round(feeds, stop)

    async def poll_feed(self, fetcher: Fetcher, feed: Feed, state: FeedState) -> FeedOutcome:
        """Fetch, parse and store one feed with a fetcher the caller keeps open (a queue
        worker's step); the feed's own failures are recorded, never raised."""
        return await self.ingestor.poll(fetcher, feed, state)

    async def fill_pages(self, stop: asyncio.Event | None = None) -> tuple[int, int]:
        """Full text for teaser-only articles, then (at most every ``live_refresh_seconds``)
        the recent live blogs fetched again; (articles filled, live blogs refreshed).
        Nothing when ``fetch_full_text`` is off. One page's failure never ends the step."""
        if not self.settings.fetch_full_text:
            return 0, 0
        filled = refreshed = 0
        async with Fetcher(self.settings) as fetcher:
            job = fill_full_text(self.store, fetcher, self.settings, limit=FULL_TEXT_PER_ROUND)
            filled = await _step(job, stop, "full text")
            # Live blogs change by the minute, their feeds rarely say so: poll their pages,
            # but no more often than live_refresh_seconds, to be polite to publishers.
            due = time.monotonic() - self._live_refreshed_at >= self.live_refresh_seconds
            if due and not (stop and stop.is_set()):
                self._live_refreshed_at = time.monotonic()
                refreshed = await _step(
                    refresh_live_blogs(self.store, fetcher, self.settings), stop, "live blogs"
                )
        return filled, refreshed

    async def sync_push(self) -> int:
        """Send the WebSub (re)subscribe requests that are due; how many were sent."""
        if self.websub is None or not self.websub.enabled:
            return 0
        async with Fetcher(self.settings) as fetcher:
            return await self.websub.sync(fetcher)

    async def group_stories(self) -> int:
        """Put every article without a story into one; how many were placed."""
        placed = await asyncio.to_thread(self.stories.update, self.clock())
        self.status.stories_placed += placed.articles
        return placed.articles

    async def run_jobs(self) -> JobsReport | None:
        """Mail delivery, trial reminders and digests, once (None without jobs to run)."""
        if self.jobs is None:
            return None
        return await asyncio.to_thread(self.jobs.run_due, self.clock())

    async def run_jobs_forever(self, stop: asyncio.Event) -> None:
        """``run_jobs`` every ``jobs_seconds`` until ``stop`` is set (also for a process that
        serves without ingesting)."""
        while not stop.is_set():
            try:
                await self.run_jobs()
            except NewsstandError as exc:  # the store failing: say so, try again next time
                log.warning("scheduled jobs failed: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.settings.jobs_seconds)

    # --- passes -----------------------------------------------------------------------------

    async def run_pass(
        self, feeds: Sequence[Feed] | None = None, stop: asyncio.Event | None = None, *, pages: bool = True
    ) -> PassReport:
        """One pass: poll, pages (unless told not to), stories. A failing page or story step is
        logged and reported, never fatal: the next pass tries again."""
        summary = await self.poll(feeds, stop)
        errors: list[str] = []
        try:
            await self.sync_push()
        except NewsstandError as exc:  # hubs are retried next pass; polling goes on
            log.warning("WebSub requests failed: %s", exc)
        filled = refreshed = placed = 0
        if pages and not (stop and stop.is_set()):
            filled, refreshed = await self.fill_pages(stop)
        if not (stop and stop.is_set()):
            try:
                placed = await self.group_stories()
            except NewsstandError as exc:
                log.warning("story grouping failed: %s", exc)
                errors.append(f"story grouping failed: {exc}")
        report = PassReport(summary, filled, refreshed, placed, tuple(errors))
        self.status.rounds += 1
        self.status.last_round = utcnow()
        if summary.outcomes:
            self.status.last_summary = describe_round(summary)
        if (report.changed or placed) and self.on_change is not None:
            self.on_change(report)
        return report

    async def run_forever(self, stop: asyncio.Event, announce: Callable[[str], None] | None = None) -> None:
        """Passes until ``stop`` is set, sleeping until the next feed is due in between; the
        first pass's outcome goes to ``announce``. Returns once in-flight commits are done."""
        self.status.enabled = True
        jobs = asyncio.create_task(self.run_jobs_forever(stop)) if self.jobs is not None else None
        try:
            self.status.running = True
            first = await self.run_pass(stop=stop)
            self.status.running = False
            if announce is not None:
                announce(describe_round(first.feeds))
            while not stop.is_set():
                delay = await self.ingestor.seconds_until_next_due()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)
                if stop.is_set():
                    break
                report = await self.run_pass(stop=stop)
                _log_pass(report)
        except NewsstandError as exc:
            self.status.last_error = f"Ingestion stopped: {exc}"
            if announce is not None:
                announce(self.status.last_error)
        finally:
            self.status.running = False
            if jobs is not None:
                jobs.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await jobs
            self.close()


async def _step(job: Coroutine[Any, Any, int], stop: asyncio.Event | None, what: str) -> int:
    """Run one page step (a coroutine returning a count) until done or ``stop``; its failure is
    logged and counts as 0."""
    task = asyncio.ensure_future(job)
    stopper = asyncio.ensure_future(stop.wait()) if stop is not None else None
    try:
        waiting = {task} if stopper is None else {task, stopper}
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if stopper is not None:
            stopper.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return 0
    if task.exception() is not None:
        log.warning("%s failed: %s", what, task.exception())
        return 0
    count = task.result()
    if count:
        log.info("%s: %d", what, count)
    return count


def _log_pass(report: PassReport) -> None:
    summary = report.feeds
    if summary.outcomes:
        log.info(
            "pass: %d ok, %d not modified, %d failed, %d new, %d updated in %.1fs; "
            "%d full texts, %d live blogs, %d into stories",
            summary.count("ok"), summary.count("not_modified"), summary.count("failed"),
            summary.new_entries, summary.updated_entries, summary.seconds,
            report.full_text, report.live_blogs, report.placed_in_stories,
        )  # fmt: skip
