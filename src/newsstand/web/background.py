"""The service loop in the web process: ``newsstand serve`` ingests beside serving pages.

The loop's status is shown on the admin sources page and the empty front page; after
a pass that changed what readers see, the shared caches are cleared so the next page
shows it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from newsstand.app.distributed import process_name, while_leading
from newsstand.app.loop import PassReport, ServiceLoop
from newsstand.web.context import WebContext

log = logging.getLogger(__name__)


async def run_background(
    ctx: WebContext, announce: Callable[[str], None] = log.warning, *, ingest: bool = True
) -> None:
    """Run the service loop until cancelled; the first pass's outcome goes to ``announce``.
    Without ``ingest`` only its scheduled jobs run (mail, reminders, digests)."""
    services = ctx.services

    def changed(report: PassReport) -> None:
        del report
        services.cache.clear()

    loop = ServiceLoop(
        services.store,
        services.settings,
        clock=services.clock,
        on_change=changed,
        status=ctx.loop_status,
        jobs=services.jobs,
        websub=services.websub,  # the hubs' callbacks are this process's /websub/ route
    )
    stop = asyncio.Event()
    try:
        if ingest:
            await loop.run_forever(stop, announce)
        else:
            await loop.run_jobs_forever(stop)
    except asyncio.CancelledError:
        stop.set()
        raise


BACKGROUND_LEASE = "web-background"
BACKGROUND_LEASE_SECONDS = 30.0


async def run_background_once(
    ctx: WebContext, announce: Callable[[str], None] = log.warning, *, ingest: bool = True
) -> None:
    """As ``run_background``, in one web process of several: the one holding a lease in the
    database runs it, another takes over within BACKGROUND_LEASE_SECONDS if that one dies."""
    services = ctx.services

    async def job() -> None:
        await run_background(ctx, announce, ingest=ingest)

    await while_leading(
        services.store, BACKGROUND_LEASE, process_name(), BACKGROUND_LEASE_SECONDS, job, services.clock
    )
