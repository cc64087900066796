"""Publisher and section pages: newest articles first, paged by the last id seen."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from newsstand.errors import BadRequestError, NotFoundError
from newsstand.model import Article, ArticleFilter
from newsstand.web.context import call, reader_of, render, web

PAGE_SIZE = 20


def before_id(request: Request) -> int | None:
    raw = request.query_params.get("before")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise BadRequestError("before must be a number") from exc


def next_before(articles: list[Article]) -> int | None:
    """The cursor for the next page, or None when this page was the last."""
    return articles[-1].id if len(articles) == PAGE_SIZE else None


async def publishers_page(request: Request) -> Response:
    ctx = web(request)
    publishers = sorted(ctx.publisher_map().values(), key=lambda p: p.name.lower())
    return render(request, "publishers.html", {"publishers": publishers})


async def publisher_page(request: Request) -> Response:
    ctx = web(request)
    publisher_id = str(request.path_params["publisher_id"])
    publisher = ctx.publisher_map().get(publisher_id)
    if publisher is None:
        publisher = await call(ctx.store.get_publisher, publisher_id)
    flt = ArticleFilter(publisher_ids=(publisher_id,), limit=PAGE_SIZE, before_id=before_id(request))
    articles = await call(ctx.store.list_articles, flt)
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
            "articles": articles,
            "following": following,
            "next_before": next_before(articles),
            "next": request.url.path,
        },
    )


async def section_page(request: Request) -> Response:
    ctx = web(request)
    name = str(request.path_params["name"]).strip()
    if not name or len(name) > 100:
        raise NotFoundError("section", name)
    flt = ArticleFilter(sections=(name,), limit=PAGE_SIZE, before_id=before_id(request))
    articles = await call(ctx.store.list_articles, flt)
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
            "articles": articles,
            "following": following,
            "next_before": next_before(articles),
            "current_section": name,
            "next": request.url.path,
        },
    )


routes: list[BaseRoute] = [
    Route("/publishers", publishers_page, name="publishers"),
    Route("/publisher/{publisher_id}", publisher_page, name="publisher"),
    Route("/section/{name}", section_page, name="section"),
]
