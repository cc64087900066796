"""Live-blog pages and their event stream of new and updated entries."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from newsstand.accounts import Access, decide_access
from newsstand.errors import NotFoundError
from newsstand.model import Article, LiveEntry, Reader, utc
from newsstand.web.articles import path_id, publisher_or_none
from newsstand.web.context import WebContext, call, reader_of, render, web
from newsstand.web.timefmt import iso_precise


@dataclass(frozen=True, slots=True)
class LiveView:
    article: Article
    access: Access
    pinned: tuple[LiveEntry, ...]
    key_events: tuple[LiveEntry, ...]
    entries: tuple[LiveEntry, ...]
    hidden: int  # entries held back by the paywall
    since: str  # the stream starts after this change time


def entry_anchor(entry: LiveEntry) -> str:
    return "entry-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in entry.entry_id)


def changed_at(entry: LiveEntry) -> datetime:
    return utc(entry.updated) if entry.updated and entry.updated > entry.posted else utc(entry.posted)


def arrange(entries: Sequence[LiveEntry]) -> tuple[list[LiveEntry], list[LiveEntry], list[LiveEntry]]:
    """Split entries (newest first) into pinned summaries, key events and the timeline."""
    pinned = [e for e in entries if e.pinned]
    if not pinned:
        summaries = [e for e in entries if e.summary]
        pinned = summaries[:1]
    pinned_ids = {e.entry_id for e in pinned}
    timeline = [e for e in entries if e.entry_id not in pinned_ids]
    key_events = [e for e in entries if e.key_event]
    return pinned, key_events, timeline


def build_live(ctx: WebContext, article_id: int, reader: Reader | None) -> LiveView:
    """Raises NotFoundError when the article does not exist."""
    article = ctx.store.get_article(article_id)
    publisher = publisher_or_none(ctx, article.publisher_id)
    access = ctx.accounts.read_article(reader, article, publisher)
    entries = ctx.store.live_entries(article_id)
    pinned, key_events, timeline = arrange(entries)
    hidden = 0
    if not access.full:
        hidden = max(0, len(timeline) - access.preview_paragraphs)
        timeline = timeline[: access.preview_paragraphs]
        key_events = [e for e in key_events if e in timeline]
    latest = max((changed_at(e) for e in entries), default=article.published)
    return LiveView(
        article, access, tuple(pinned), tuple(key_events), tuple(timeline), hidden, iso_precise(latest)
    )


async def live_page(request: Request) -> Response:
    ctx = web(request)
    article_id = path_id(request)
    view = await call(build_live, ctx, article_id, reader_of(request))
    if not view.article.is_liveblog:
        return RedirectResponse(f"/article/{article_id}", status_code=301)
    return render(request, "live.html", {"v": view, "anchor": entry_anchor, "next": request.url.path})


def stream_access(ctx: WebContext, article_id: int, reader: Reader | None) -> bool:
    """Whether this reader may receive full entries (the decision only; nothing is recorded)."""
    article = ctx.store.get_article(article_id)
    if not article.is_liveblog:
        raise NotFoundError("live blog", article_id)
    membership = ctx.accounts.membership(reader.id) if reader else None
    publisher = ctx.store.get_publisher(article.publisher_id)
    return decide_access(
        reader, membership, article, publisher, ctx.clock(), ctx.settings.preview_paragraphs
    ).full


def parse_since(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        return utc(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError:
        return None


async def live_events(request: Request) -> Response:
    """Server-sent events: one ``entry`` event per new or updated entry since the page was drawn."""
    ctx = web(request)
    article_id = path_id(request)
    allowed = await call(stream_access, ctx, article_id, reader_of(request))
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
        while loop.time() < deadline:
            if allowed:
                fresh = await call(ctx.store.live_entries, article_id, since=since)
                for entry in sorted(fresh, key=changed_at):
                    html = template.render(e=entry, anchor=entry_anchor(entry), fresh=True)
                    data = {
                        "id": entry.entry_id,
                        "anchor": entry_anchor(entry),
                        "posted": iso_precise(changed_at(entry)),
                        "html": html,
                    }
                    event_id = iso_precise(changed_at(entry))
                    yield f"event: entry\nid: {event_id}\ndata: {json.dumps(data)}\n\n"
                    since = max(since, changed_at(entry))
            yield ": keep-alive\n\n"
            await asyncio.sleep(ctx.settings.live_poll_seconds)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


routes: list[BaseRoute] = [
    Route("/live/{article_id}", live_page, name="live"),
    Route("/live/{article_id}/events", live_events, name="live_events"),
]
