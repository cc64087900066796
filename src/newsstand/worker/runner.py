"""The processes: ``newsstand worker`` consumes, ``newsstand scheduler`` sends.

A worker process runs its actors on Dramatiq's worker threads and one event loop (the
AsyncIO middleware's); several processes, on any hosts, share the queues. Both stop
cleanly on SIGTERM or Ctrl-C: a worker finishes or gives back what it holds (an
unacknowledged message returns to the queue), the scheduler gives up its lease.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable

import dramatiq
from dramatiq.asyncio import get_event_loop_thread

from newsstand.app.distributed import FeedScheduler, FeedWorker
from newsstand.app.services import Services
from newsstand.worker.queue import Runtime, connect

log = logging.getLogger(__name__)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handle(signum: int, frame: object) -> None:
        del signum, frame
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


def run_worker(services: Services, *, threads: int, announce: Callable[[str], None]) -> None:
    """Consume feed and step messages until SIGTERM or SIGINT."""
    runtime = Runtime()
    queue = connect(services.settings, runtime)
    feed_worker = FeedWorker(
        services.store, services.settings, on_change=services.cache.clear, websub=services.websub
    )
    runtime.worker = feed_worker
    stop = _stop_on_signals()
    worker = dramatiq.Worker(queue.broker, worker_threads=threads)
    worker.start()
    announce(f"worker {feed_worker.name}: {threads} threads on {', '.join(queue.queue_names)}")
    announce(services.websub.status().line())
    try:
        while not stop.wait(1.0):
            pass
    finally:
        loop_thread = get_event_loop_thread()
        worker.stop(timeout=10_000)
        if loop_thread is not None and loop_thread.is_alive():
            loop_thread.run_coroutine(feed_worker.close())
        queue.close()
        announce("worker stopped")


def run_scheduler(services: Services, *, announce: Callable[[str], None]) -> None:
    """Look for due feeds every ``scheduler_seconds`` while leader, until SIGTERM or SIGINT."""
    queue = connect(services.settings)
    scheduler = FeedScheduler(
        services.store, services.settings, queue.send_feeds, queue.send_steps, jobs=services.jobs
    )
    announce(f"scheduler {scheduler.name}: sending to {', '.join(queue.queue_names)}")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await scheduler.run_forever(stop, announce)

    try:
        asyncio.run(main())
    finally:
        queue.close()
        announce("scheduler stopped")
