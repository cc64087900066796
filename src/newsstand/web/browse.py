"""Publisher and section pages: newest articles first, paged by the last id seen."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from newsstand.errors import BadRequestError
from newsstand.web.articles import MAX_ID
from newsstand.web.context import call, reader_of, render, web


def before_id(request: Request) -> int | None:
    raw = request.query_params.get("before")
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise BadRequestError("before must be an article id")
    return int(raw)


async def publishers_page(request: Request) -> Response:
    ctx = web(request)
    publishers = sorted(ctx.publisher_map().values(), key=lambda p: p.name.lower())
    return render(request, "publishers.html", {"publishers": publishers})


async def publisher_page(request: Request) -> Response:
    ctx = web(request)
    publisher_id = str(request.path_params["publisher_id"])
    reading = ctx.services.reading
    publisher, listing = await call(reading.publisher_listing, publisher_id, before_id(request))
    reader = reader_of(request)
    following = bool(reader and publisher_id in reader.followed_publishers)
    return render(
        request,
        "listing.html",
        {
            "heading": publisher.name,
            "kind": "publisher",
            "value": publisher_id,
            "publisher": publisher,
            "articles": listing.articles,
            "following": following,
            "next_before": listing.next_before,
            "next": request.url.path,
        },
    )


async def section_page(request: Request) -> Response:
    ctx = web(request)
    name = str(request.path_params["name"]).strip()
    before = before_id(request)
    name, listing = await call(ctx.services.reading.section_listing, name, before)
    top, articles = await call(ctx.services.front.section_front, name, listing.articles, before is None)
    reader = reader_of(request)
    following = bool(reader and name.lower() in {s.lower() for s in reader.followed_sections})
    return render(
        request,
        "listing.html",
        {
            "heading": name,
            "kind": "section",
            "value": name,
            "publisher": None,
            "top": top,
            "articles": articles,
            "following": following,
            "next_before": listing.next_before,
            "current_section": name,
            "next": request.url.path,
        },
    )


routes: list[BaseRoute] = [
    Route("/publishers", publishers_page, name="publishers"),
    Route("/publisher/{publisher_id}", publisher_page, name="publisher"),
    Route("/section/{name}", section_page, name="section"),
]
