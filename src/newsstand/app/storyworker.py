"""Grouping stories in a process of its own, replaced by a fresh one now and then.

``update_stories`` keeps the story index in memory for as long as its process runs
(some 200,000 stories at a million stored articles), and every round allocates and frees
hundreds of thousands of objects around it. Over hundreds of rounds the Python heap
fragments and every allocation gets slower: the process that clustered a million
articles ran its rounds 20-25% slower than a fresh process on the same store, and
no structure rebuilt in place took that back (docs/decisions.md, "A million stored
articles"). The usual cure for a long-lived Python heap is the one gunicorn's
``max_requests`` and Celery's ``max_tasks_per_child`` apply: replace the process now and
then. ``StoryProcess`` runs the rounds in a spawned child that keeps its store (and so the
index) open between calls; once the child has placed ``stories_process_articles``
articles it is told to stop, and its successor starts at once and loads the index and
the copy window while the service waits for the next round (minutes, in a service).

It also keeps the rounds' seconds of CPU off the process that runs the loop: ``newsstand
serve`` runs it beside the web reader, whose pages would wait for the GIL meanwhile.
``InThread`` is the same step in the loop's own process, when the setting is 0.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import resource
import signal
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Protocol

from newsstand.app.stories import update_stories, warm_stories
from newsstand.config import Settings
from newsstand.errors import StorageError
from newsstand.store import open_url
from newsstand.store.base import Store

log = logging.getLogger(__name__)

STOP_SECONDS = 10.0  # how long a child told to stop may take to exit before it is killed


@dataclass(frozen=True, slots=True)
class Placed:
    """What one call of the story step did, and what it cost where it ran."""

    articles: int  # placed into stories
    cpu: float  # seconds of CPU the rounds took (the child's own, for a process)
    warm_cpu: float = 0.0  # seconds of CPU a new child took to load the index before this call
    process_articles: int = 0  # articles the serving process had placed before this call
    peak_mb: float = 0.0  # the serving process's peak resident memory so far (0: not known)


class StoryStep(Protocol):
    """Put every article without a story into one: ``update_stories``, wherever it runs."""

    def update(self, now: datetime) -> Placed:
        """Place the pending articles as of ``now``; raises StorageError when that fails."""

    def close(self) -> None:
        """Stop whatever runs the step (a later ``update`` starts it again)."""


class InThread:
    """The story step in the calling thread's own process."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def update(self, now: datetime) -> Placed:
        started = time.thread_time()
        articles = update_stories(self.store, now)
        return Placed(articles, time.thread_time() - started)

    def close(self) -> None:
        pass


class StoryProcess:
    """The story step in a spawned child process, replaced once it has placed ``articles_per_process``.

    Thread-safe: calls are served one at a time. A child found dead (killed, out of memory)
    is replaced and the call tried once more in the new one; a second death, or an error
    inside a round, is a StorageError, and the next call starts a new child. Nothing stored
    is lost either way: each round of ``update_stories`` is one transaction.
    """

    def __init__(self, url: str, articles_per_process: int) -> None:
        self.url = url
        self.articles_per_process = articles_per_process
        self._lock = threading.Lock()
        self._context = multiprocessing.get_context("spawn")  # this process runs threads
        self._child: BaseProcess | None = None
        self._pipe: Connection | None = None
        self._placed = 0  # by the current child
        self.started = 0  # children started so far

    @property
    def placed(self) -> int:
        """Articles the current child has placed so far."""
        return self._placed

    @property
    def pid(self) -> int | None:
        """The current child's process id, None when none runs."""
        return self._child.pid if self._child is not None else None

    def update(self, now: datetime) -> Placed:
        with self._lock:
            answer = self._answer(now)
            before = self._placed
            if answer[0] != "ok":
                self._stop()  # its store may be in any state: the next call starts afresh
                raise StorageError(f"grouping stories failed in its process: {answer[1]}")
            _, articles, cpu, warm_cpu, peak_mb = answer
            self._placed += articles
            if self._placed >= self.articles_per_process:
                log.info(
                    "stories: process %s replaced after %d articles (peak memory %.0f MB)",
                    self.pid,
                    self._placed,
                    peak_mb,
                )
                self._stop()
                self._start(now)  # loads the index while the service waits for the next round
            return Placed(articles, cpu, warm_cpu, before, peak_mb)

    def _answer(self, now: datetime) -> tuple[Any, ...]:
        """The child's answer to ``now``. A child that died between calls (killed, out of
        memory) or during this one is replaced, and the new one does the round once more."""
        try:
            return self._ask(now)
        except (EOFError, OSError):
            log.warning("stories: the story process %s was gone; starting a new one", self.pid)
            self._stop()
        try:
            return self._ask(now)
        except (EOFError, OSError) as exc:
            self._stop()
            why = exc or "no reply"
            raise StorageError(f"the story process stopped before it answered: {why}") from exc

    def _ask(self, now: datetime) -> tuple[Any, ...]:
        if self._pipe is None:
            self._start(now)
        assert self._pipe is not None
        self._pipe.send(now)
        answer: tuple[Any, ...] = self._pipe.recv()
        return answer

    def _start(self, now: datetime) -> None:
        ours, theirs = self._context.Pipe()
        child = self._context.Process(
            target=serve, args=(theirs, self.url, now), name="newsstand-stories", daemon=True
        )
        child.start()
        theirs.close()
        self._child, self._pipe, self._placed = child, ours, 0
        self.started += 1

    def _stop(self) -> None:
        child, pipe = self._child, self._pipe
        self._child = self._pipe = None
        if pipe is not None:
            with contextlib.suppress(OSError):  # it is gone already
                pipe.send(None)
        if child is not None:
            child.join(STOP_SECONDS)
            if child.is_alive():
                child.terminate()  # its open transaction is rolled back: nothing stored is lost
                child.join()
        if pipe is not None:
            pipe.close()

    def close(self) -> None:
        if self._lock.acquire(blocking=False):
            try:
                self._stop()
            finally:
                self._lock.release()
        elif (child := self._child) is not None:
            # A round is in flight (the service is stopping): its transaction is rolled back
            # and its articles are placed by the next process that runs the step.
            child.terminate()


def story_step(store: Store, settings: Settings) -> StoryStep:
    """The story step the settings ask for: in a process of its own unless
    ``stories_process_articles`` is 0."""
    if settings.stories_process_articles <= 0:
        return InThread(store)
    return StoryProcess(store.url(), settings.stories_process_articles)


def serve(pipe: Connection, url: str, now: datetime) -> None:
    """The child: open the store, load the story index and the copy window as of ``now``, then
    answer each request (a time: ``update_stories`` as of then) until told to stop (None) or
    the parent is gone."""
    # Ctrl-C in a terminal reaches the whole process group: the parent decides when this
    # process stops (after the round in flight), so the interrupt is the parent's alone.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        store = open_url(url)
    except Exception as exc:  # answered to the first request: the parent raises it
        _refuse(pipe, exc)
        return
    try:
        started = time.process_time()
        warm_stories(store, now)
        warm_cpu = time.process_time() - started
        while True:
            try:
                request = pipe.recv()
            except EOFError:
                return
            if request is None:
                return
            started = time.process_time()
            try:
                articles = update_stories(store, request)
            except Exception as exc:
                traceback.print_exc()
                pipe.send(("error", f"{type(exc).__name__}: {exc}"))
                return
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
            pipe.send(("ok", articles, time.process_time() - started, warm_cpu, peak_mb))
            warm_cpu = 0.0
    except Exception as exc:
        _refuse(pipe, exc)
    finally:
        store.close()


def _refuse(pipe: Connection, exc: Exception) -> None:
    traceback.print_exc()
    try:
        if pipe.recv() is not None:
            pipe.send(("error", f"{type(exc).__name__}: {exc}"))
    except (EOFError, OSError):
        pass
