"""Blocking store and service calls, run off the event loop.

A plain executor hop (``loop.run_in_executor``) rather than Starlette's ``run_in_threadpool``:
anyio's version adds a capacity limiter, a cancel scope and a task-group check per call, about a
tenth of a member's page under load (bench/web.py, docs/decisions.md "Application core"). The
size is the ``web_threads`` setting (``configure``, called when an app is made): a few threads
spend less CPU per request than many, which mostly wait to hand the interpreter lock over.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from newsstand.errors import WouldBlock, memory_only

P = ParamSpec("P")
T = TypeVar("T")

DEFAULT_THREADS = 8
_executor = ThreadPoolExecutor(max_workers=DEFAULT_THREADS, thread_name_prefix="newsstand-call")


def configure(threads: int) -> None:
    """Run calls in ``threads`` threads from now on (the old pool finishes what it holds)."""
    global _executor
    if threads != _executor._max_workers:
        old = _executor
        _executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="newsstand-call")
        old.shutdown(wait=False)


async def call(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking store or service call in the thread pool, with the caller's context
    variables (request ids in logs)."""
    context = contextvars.copy_context()
    job = functools.partial(context.run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_executor, job)


async def call_fast(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``call``, but first tried right here on the event loop with storage and cache misses
    refused (``memory_only``): a page made from memory costs no thread hop, and a hop under
    load costs more than such a page (handing the interpreter lock back and forth). ``fn``
    must be safe to run twice (a first try may stop halfway)."""
    try:
        with memory_only():
            return fn(*args, **kwargs)
    except WouldBlock:
        return await call(fn, *args, **kwargs)


async def committed(future: Future[None] | None) -> None:
    """Wait, without a thread, for a write that a page made (a group commit's future)."""
    if future is not None:
        await asyncio.wrap_future(future)
