"""Live-blog pages and their event stream of new and updated entries."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from newsstand.app.reading import LivePage, changed_at
from newsstand.model import Article, LiveEntry, Membership, Reader, utc
from newsstand.web.articles import path_id, paywall_offer
from newsstand.web.context import StreamSlots, WebContext, call, membership_of, reader_of, web
from newsstand.web.fragments import render_shared, shared_markup
from newsstand.web.threads import call_fast, committed
from newsstand.web.timefmt import iso_precise


def entry_anchor(entry: LiveEntry) -> str:
    return "entry-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in entry.entry_id)


@dataclass(frozen=True, slots=True)
class LiveParts:
    head: Markup
    key_events: Markup
    pinned: Markup
    entries: Markup
    around: Markup  # the story's other coverage and related stories


def live_parts(ctx: WebContext, page: LivePage) -> LiveParts:
    """The blog's parts for readers of the same access, made once per period and per change."""
    a = page.article
    shown = "all" if page.access.full else f"first{len(page.entries)}"
    key = f"live:{a.id}:{a.revision}:{iso_precise(page.latest)}:{shown}"
    kept = ctx.services.reading.parts  # keys that change with every new or revised entry
    return LiveParts(
        shared_markup(ctx, f"{key}:head", "_live_parts.html", "head", a, cache=kept),
        shared_markup(ctx, f"{key}:key", "_live_parts.html", "key_events", page.key_events, entry_anchor,
                      cache=kept),
        shared_markup(ctx, f"{key}:pinned", "_live_parts.html", "pinned", page.pinned, cache=kept),
        shared_markup(ctx, f"{key}:entries", "_live_parts.html", "entries", page.entries, entry_anchor,
                      cache=kept),
        shared_markup(ctx, f"article:around:{a.id}:{a.story_id}", "_article_parts.html", "around",
                      page.coverage, page.related, cache=kept),
    )  # fmt: skip


def build_live(
    ctx: WebContext, article_id: int, reader: Reader | None, membership: Membership | None
) -> tuple[LivePage, LiveParts, Future[None] | None] | Article:
    """The live blog for one reader with its shared parts and its read on the way to storage,
    or the article to redirect to."""
    reading = ctx.services.reading
    article = reading.get_article(article_id)
    if not article.is_liveblog:
        return article
    page, recorded = reading.open_live(article, reader, membership)
    return page, live_parts(ctx, page), recorded


async def live_page(request: Request) -> Response:
    ctx = web(request)
    found = await call_fast(build_live, ctx, path_id(request), reader_of(request), membership_of(request))
    if isinstance(found, Article):  # not a live blog: redirected before anything is recorded
        return RedirectResponse(f"/article/{found.id}", status_code=301)
    page, parts, recorded = found
    await committed(recorded)  # answered once the read is stored
    since = iso_precise(page.latest)
    reader = reader_of(request)
    panel = None if reader is None else web(request).services.interests.panel(reader, page.article)
    values = {"v": page, "parts": parts, "since": since, "next": request.url.path, "panel": panel}
    values["offer"] = paywall_offer(request, page)
    if not page.access.full:  # the paywall's offer is the reader's own
        return render_shared(request, "live.html", values, key=None)
    a = page.article
    key = f"{a.id}:{a.revision}:{since}:{hash(parts.entries)}:{hash(parts.around)}:{page.saved}:{page.picked}"
    return render_shared(request, "live.html", values, key)


def parse_since(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        return utc(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError:
        return None


def entry_event(entry: LiveEntry, render_entry: Callable[..., str]) -> str:
    """One server-sent event: ``entry`` with the entry's HTML for a new or revised entry,
    ``remove`` for one the publisher deleted."""
    data: dict[str, str] = {
        "id": entry.entry_id,
        "anchor": entry_anchor(entry),
        "posted": iso_precise(changed_at(entry)),
    }
    kind = "remove" if entry.deleted else "entry"
    if not entry.deleted:
        data["html"] = render_entry(e=entry, anchor=entry_anchor(entry), fresh=True)
    return f"event: {kind}\nid: {iso_precise(changed_at(entry))}\ndata: {json.dumps(data)}\n\n"


async def live_events(request: Request) -> Response:
    """Server-sent events: one ``entry`` event per new or updated entry since the page was drawn."""
    ctx = web(request)
    reading = ctx.services.reading
    article_id = path_id(request)
    allowed = await call(reading.stream_allowed, article_id, reader_of(request), membership_of(request))
    since = (
        parse_since(request.headers.get("last-event-id"))
        or parse_since(request.query_params.get("since"))
        or ctx.clock()  # a client that names no starting point gets what comes from now on
    )
    template = ctx.templates.env.get_template("_entry.html")

    async def events() -> AsyncIterator[str]:
        nonlocal since
        yield "retry: 5000\n\n"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ctx.stream_seconds
        # Woken by a change any process stores (where the database tells), else by the poll.
        with ctx.live_signals.subscription(article_id) as changed:
            while loop.time() < deadline:
                changed.clear()
                if allowed:
                    for entry in await call(reading.live_entries_since, article_id, since):
                        yield entry_event(entry, template.render)
                        since = max(since, changed_at(entry))
                yield ": keep-alive\n\n"
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), ctx.settings.live_poll_seconds)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    client = request.client.host if request.client else ""
    if not ctx.streams.acquire(client, ctx.settings.live_streams_per_client):
        return Response(
            "Too many open live streams from your address.\n",
            status_code=429,
            headers={"Retry-After": "30", "Cache-Control": "no-store"},
            media_type="text/plain",
        )
    return CountedStream(events(), ctx.streams, client, media_type="text/event-stream", headers=headers)


class CountedStream(StreamingResponse):
    """A streamed response that gives its client's slot back however it ends (finished,
    disconnected, cancelled), even when its body never started."""

    def __init__(self, content: AsyncIterator[str], slots: StreamSlots, client: str, **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self.slots = slots
        self.client = client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.slots.release(self.client)


routes: list[BaseRoute] = [
    Route("/live/{article_id}", live_page, name="live"),
    Route("/live/{article_id}/events", live_events, name="live_events"),
]
