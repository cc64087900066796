"""For operators and their machines: ``/healthz`` for balancers, ``/metrics`` for Prometheus,
and request ids with a latency histogram for every request.

``/healthz`` answers 200 when the database answers (and the broker, when ``broker_url``
is set), else 503, as JSON. ``/metrics`` is the Prometheus text format: feeds due, the
fetches of the last five minutes by outcome, feeds queued and held by workers, messages
waiting in the broker's queues, and request latency as a histogram (summed over every
web process when ``cache_url`` names a Redis). It is for the bearer of ``metrics_token``
or an operator signed in as admin.
"""

from __future__ import annotations

import hmac
import itertools
import logging
import re
import secrets
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsstand.errors import BrokerError, NewsstandError
from newsstand.requestid import REQUEST_ID
from newsstand.web.context import WebContext, call, reader_of, web
from newsstand.web.memory import Memory, process_memory

log = logging.getLogger("newsstand.web.access")

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_STREAMS = re.compile(r"/events$")  # held open for minutes: no latency to speak of


# Request ids need to be unique, not secret: a random prefix per process and a counter (reading
# the system's random source for each one was 3% of a member's page under load).
_ID_PREFIX = secrets.token_hex(4)
_ID_COUNTER = itertools.count(1)


def new_request_id() -> str:
    """A new request id: 16 hex digits, the process's prefix and its next number."""
    return f"{_ID_PREFIX}{next(_ID_COUNTER) & 0xFFFFFFFF:08x}"


class RequestMiddleware:
    """Gives each request an id (the client's ``X-Request-Id`` when it is sane, else a new
    one), echoes it on the response, puts it on every log line of the request, logs the
    request and counts its latency."""

    def __init__(self, app: ASGIApp, *, ctx: WebContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or new_request_id()
        token = REQUEST_ID.set(request_id)
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            seconds = time.perf_counter() - start
            path = str(scope["path"])
            if not _STREAMS.search(path):
                observe(self.ctx, seconds, status)
            log.info("%s %s %d %.1fms", scope["method"], path, status, seconds * 1000)
            REQUEST_ID.reset(token)


def _incoming_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _SANE_ID.match(text) else ""
    return ""


def observe(ctx: WebContext, seconds: float, status: int) -> None:
    # Only the first bucket that holds the time is counted (one add, not up to eleven, on every
    # request); /metrics sums them into the cumulative buckets Prometheus expects.
    counters = ctx.services.counters
    for bound in BUCKETS:
        if seconds <= bound:
            counters.add(f"latency_in_{bound}")
            break
    counters.add("latency_count")
    counters.add("latency_sum", seconds)
    counters.add(f"status_{status // 100}xx")


# --- /healthz ---------------------------------------------------------------------------------


async def healthz(request: Request) -> Response:
    ctx = web(request)
    checks = {"database": await call(ctx.services.operations.database_reachable) or "ok"}
    if ctx.settings.broker_url:
        checks["broker"] = await call(_broker_problem, ctx) or "ok"
    healthy = all(v == "ok" for v in checks.values())
    body = {"status": "ok" if healthy else "failing", **checks}
    return JSONResponse(body, status_code=200 if healthy else 503, headers={"Cache-Control": "no-store"})


def _queue(ctx: WebContext) -> Any:
    """This process's connection to the broker, made on first use."""
    if ctx.queue is None:
        try:
            from newsstand.worker.queue import connect
        except ImportError as exc:
            raise BrokerError(f"broker_url is set but Dramatiq is not installed ({exc})") from exc
        ctx.queue = connect(ctx.settings)
    return ctx.queue


def _broker_problem(ctx: WebContext) -> str:
    try:
        _queue(ctx).depth()
    except NewsstandError as exc:
        return str(exc)
    return ""


# --- /metrics ---------------------------------------------------------------------------------


def _allowed(request: Request, ctx: WebContext) -> bool:
    token = ctx.settings.metrics_token
    sent = request.headers.get("authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    reader = reader_of(request)
    return reader is not None and reader.is_admin


async def metrics(request: Request) -> Response:
    ctx = web(request)
    if not _allowed(request, ctx):
        return PlainTextResponse("metrics are for operators\n", status_code=403)
    text = await call(render_metrics, ctx)
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")


class Exposition:
    """Prometheus's text format, written family by family."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_: str) -> None:
        self.lines += [f"# HELP {name} {help_}", f"# TYPE {name} {kind}"]

    def sample(self, series: str, value: float) -> None:
        number = str(int(value)) if float(value).is_integer() else repr(float(value))
        self.lines.append(f"{series} {number}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def render_metrics(ctx: WebContext) -> str:
    out = Exposition()
    try:
        figures = ctx.services.operations.ingest_figures()
    except NewsstandError as exc:
        log.warning("metrics: %s", exc)
    else:
        out.family("newsstand_feeds_due", "gauge", "Enabled feeds due for a poll now.")
        out.sample("newsstand_feeds_due", figures["due"])
        out.family("newsstand_fetches_recent", "gauge", "Feed fetches of the last 5 minutes by outcome.")
        for outcome in ("ok", "not_modified", "failed"):
            out.sample(f'newsstand_fetches_recent{{outcome="{outcome}"}}', figures[outcome])
    if ctx.settings.broker_url:
        _queue_metrics(ctx, out)
    _latency_metrics(ctx.services.counters.totals(), out)
    _memory_metrics(process_memory(), out)
    return out.text()


def _queue_metrics(ctx: WebContext, out: Exposition) -> None:
    try:
        depth = _queue(ctx).depth()
        queued, held = ctx.services.operations.feeds_in_queue()
    except NewsstandError as exc:
        log.warning("metrics: %s", exc)
        return
    out.family("newsstand_queue_depth", "gauge", "Messages waiting in the broker's queues, retries included.")
    for name, n in sorted(depth.items()):
        out.sample(f'newsstand_queue_depth{{queue="{name}"}}', n)
    out.family("newsstand_feeds_queued", "gauge", "Feeds the scheduler marked queued.")
    out.sample("newsstand_feeds_queued", queued)
    out.family("newsstand_feeds_polling", "gauge", "Feeds a worker holds now.")
    out.sample("newsstand_feeds_polling", held)


def _latency_metrics(totals: dict[str, float], out: Exposition) -> None:
    name = "newsstand_http_request_duration_seconds"
    out.family(name, "histogram", "Time to answer a web request (event streams not counted).")
    count = totals.get("latency_count", 0.0)
    below = 0.0
    for bound in BUCKETS:
        below += totals.get(f"latency_in_{bound}", 0.0)
        out.sample(f'{name}_bucket{{le="{bound}"}}', below)
    out.sample(f'{name}_bucket{{le="+Inf"}}', count)
    out.sample(f"{name}_sum", totals.get("latency_sum", 0.0))
    out.sample(f"{name}_count", count)
    out.family("newsstand_http_responses", "counter", "Web responses by status class.")
    for key in sorted(k for k in totals if k.startswith("status_")):
        out.sample(f'newsstand_http_responses{{class="{key.removeprefix("status_")}"}}', totals[key])


def _memory_metrics(memory: Memory, out: Exposition) -> None:
    """This process's own (never summed): enough to tell objects piling up from a C library's
    memory and from memory malloc keeps (web/memory.py)."""
    if memory.resident_bytes is not None:
        out.family("process_resident_memory_bytes", "gauge", "Resident memory of this process.")
        out.sample("process_resident_memory_bytes", memory.resident_bytes)
    out.family(
        "newsstand_python_allocated_blocks", "gauge", "Blocks Python's allocator holds in this process."
    )
    out.sample("newsstand_python_allocated_blocks", memory.python_blocks)
    if memory.malloc_in_use_bytes is not None and memory.malloc_free_bytes is not None:
        out.family(
            "newsstand_malloc_bytes",
            "gauge",
            "C malloc's memory in this process: in use, and freed but kept.",
        )
        out.sample('newsstand_malloc_bytes{state="in_use"}', memory.malloc_in_use_bytes)
        out.sample('newsstand_malloc_bytes{state="free"}', memory.malloc_free_bytes)


routes: list[BaseRoute] = [
    Route("/healthz", healthz, name="healthz"),
    Route("/metrics", metrics, name="metrics"),
]
