"""Live-blog pages and their event stream of new and updated entries."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from newsstand.app.reading import changed_at
from newsstand.model import LiveEntry, utc
from newsstand.web.articles import path_id
from newsstand.web.context import call, membership_of, reader_of, render, web
from newsstand.web.timefmt import iso_precise


def entry_anchor(entry: LiveEntry) -> str:
    return "entry-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in entry.entry_id)


async def live_page(request: Request) -> Response:
    ctx = web(request)
    reading = ctx.services.reading
    article = await call(reading.get_article, path_id(request))
    if not article.is_liveblog:  # before anything is recorded
        return RedirectResponse(f"/article/{article.id}", status_code=301)
    page = await call(reading.live_page, article, reader_of(request), membership_of(request))
    return render(
        request,
        "live.html",
        {"v": page, "since": iso_precise(page.latest), "anchor": entry_anchor, "next": request.url.path},
    )


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
        while loop.time() < deadline:
            if allowed:
                for entry in await call(reading.live_entries_since, article_id, since):
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
