"""A reader's own things: saved articles and reading history (follows: ``interests.py``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from newsstand.web.articles import path_id
from newsstand.web.context import call, membership_of, reader_of, render, web
from newsstand.web.security import checked_form, safe_next
from newsstand.web.sessions import require_reader


def back_to(form_next: object, default: str, msg: str) -> RedirectResponse:
    """Redirect to a local path from the form, with a flash message key."""
    target = safe_next(form_next if isinstance(form_next, str) else None, default)
    sep = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{sep}msg={msg}", status_code=303)


async def saved_page(request: Request) -> Response:
    reader = require_reader(request)
    items = await call(web(request).services.reading.saved, reader.id, 100)
    return render(
        request,
        "library.html",
        {"heading": "Saved articles", "items": items, "kind": "saved", "sync_saved": True},
    )


async def history_page(request: Request) -> Response:
    reader = require_reader(request)
    items = await call(web(request).services.reading.history, reader.id, 100)
    return render(request, "library.html", {"heading": "Reading history", "items": items, "kind": "history"})


async def saved_offline(request: Request) -> Response:
    """The pages the service worker keeps for offline reading: the reader's saved articles they
    may read in full now; none for an anonymous browser (signed out, or the account deleted),
    so the worker drops every copy it holds."""
    reader = reader_of(request)
    articles = []
    if reader is not None:
        articles = await call(web(request).services.reading.offline_pages, reader, membership_of(request))
    urls = [f"/{'live' if a.is_liveblog else 'article'}/{a.id}" for a in articles]
    return JSONResponse({"urls": urls}, headers={"Cache-Control": "no-store"})


async def save(request: Request) -> Response:
    ctx = web(request)
    reader = require_reader(request)
    form = await checked_form(request, ctx.secret)
    article_id = path_id(request)
    await call(ctx.services.reading.save, reader.id, article_id)
    return back_to(form.get("next"), f"/article/{article_id}", "saved")


async def unsave(request: Request) -> Response:
    ctx = web(request)
    reader = require_reader(request)
    form = await checked_form(request, ctx.secret)
    article_id = path_id(request)
    await call(ctx.services.reading.unsave, reader.id, article_id)
    return back_to(form.get("next"), "/saved", "unsaved")


routes: list[BaseRoute] = [
    Route("/saved", saved_page, name="saved"),
    Route("/saved/offline.json", saved_offline, name="saved_offline"),
    Route("/saved/{article_id}", save, methods=["POST"], name="save"),
    Route("/saved/{article_id}/remove", unsave, methods=["POST"], name="unsave"),
    Route("/history", history_page, name="history"),
]
