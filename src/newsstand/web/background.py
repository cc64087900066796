"""Work the reader runs beside serving pages: in-process ingestion and story grouping.

``newsstand serve`` passes ``run_background`` to ``create_app``; the status it keeps
on ``WebContext.ingest`` is shown on the admin sources page and the empty front page.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from newsstand.app.stories import update_stories
from newsstand.errors import NewsstandError
from newsstand.ingest.pipeline import FeedOutcome, Ingestor, IngestSummary
from newsstand.model import utcnow
from newsstand.web.context import IngestStatus, WebContext

log = logging.getLogger(__name__)

STORIES_EVERY = 60.0  # seconds between story-grouping passes over new articles


def describe_round(summary: IngestSummary) -> str:
    """One line an operator can act on, saying plainly when no feed could be reached."""
    total = len(summary.outcomes)
    if total == 0:
        return "No feed was due."
    failed = summary.count("failed")
    line = (
        f"{total} feeds polled in {summary.seconds:.1f} s: {summary.count('ok')} ok, "
        f"{summary.count('not_modified')} not modified, {failed} failed; "
        f"{summary.new_entries} new and {summary.updated_entries} updated articles."
    )
    if summary.unreachable == total:
        line += (
            " None of the feeds could be reached: this machine seems to have no network."
            " The reader keeps serving what it has;"
            " `newsstand serve --sample` loads an offline sample edition."
        )
    elif summary.unreachable:
        line += f" {summary.unreachable} feeds could not be reached at all."
    return line


def outcome_recorder(status: IngestStatus) -> Callable[[FeedOutcome], None]:
    def record(outcome: FeedOutcome) -> None:
        status.polls += 1
        status.last_activity = utcnow()
        if outcome.status == "failed":
            status.failures += 1

    return record


async def group_stories(ctx: WebContext) -> None:
    """Group new articles into stories now and then, so Top stories stays current."""
    while True:
        try:
            placed = await asyncio.to_thread(update_stories, ctx.store, utcnow())
            if placed:
                ctx.cache.clear()
        except NewsstandError as exc:  # a failed pass is retried on the next one
            log.warning("story grouping failed: %s", exc)
        await asyncio.sleep(STORIES_EVERY)


async def run_background(ctx: WebContext, announce: Callable[[str], None] = log.warning) -> None:
    """Ingest until cancelled: one first round whose outcome is announced, then the ingestion loop."""
    status = ctx.ingest
    status.enabled = True
    ingestor = Ingestor(ctx.store, ctx.settings, on_outcome=outcome_recorder(status))
    stories = asyncio.create_task(group_stories(ctx))
    stop = asyncio.Event()
    try:
        status.running = True
        first = await ingestor.run_once(stop=stop)
        status.running = False
        status.rounds += 1
        status.last_round = utcnow()
        status.last_summary = describe_round(first)
        announce(status.last_summary)
        ctx.cache.clear()
        await ingestor.run_forever(stop)
    except asyncio.CancelledError:
        stop.set()
        raise
    except NewsstandError as exc:
        status.last_error = f"Ingestion stopped: {exc}"
        announce(status.last_error)
    finally:
        status.running = False
        stories.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stories
