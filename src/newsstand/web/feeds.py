"""Feeds out: RSS 2.0, Atom and JSON Feed for publishers, sections, stories, searches and a
reader's For you (at a private address). The format is the address's extension."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from newsstand.app.feeds import EXTENSIONS, OutFeed
from newsstand.errors import AuthenticationError, NotFoundError
from newsstand.feedsout import CONTENT_TYPES, FeedFormat, write_feed
from newsstand.web.accounts import account_page
from newsstand.web.context import call, web
from newsstand.web.security import checked_form
from newsstand.web.sessions import require_reader

PUBLIC = "public, max-age=300"
SEARCH_FILTERS = ("publisher", "section", "language", "since", "until")


def _format(request: Request) -> FeedFormat:
    found = EXTENSIONS.get(str(request.path_params["ext"]))
    if found is None:
        raise NotFoundError("feed format", str(request.path_params["ext"])[:20])
    return found


def _site(request: Request) -> str:
    configured = web(request).services.settings.base_url
    return (configured or f"{request.url.scheme}://{request.url.netloc}").rstrip("/")


async def _serve(
    request: Request, make: Callable[..., OutFeed], *args: object, cache: str = PUBLIC
) -> Response:
    fmt = _format(request)
    feed = await call(make, _site(request), request.url.path, *args)
    body = await call(write_feed, fmt, feed.document, feed.items)
    return Response(body, media_type=CONTENT_TYPES[fmt], headers={"Cache-Control": cache})


async def publisher_feed(request: Request) -> Response:
    return await _serve(
        request, web(request).services.feeds.publisher, str(request.path_params["publisher_id"])
    )


async def section_feed(request: Request) -> Response:
    return await _serve(request, web(request).services.feeds.section, str(request.path_params["name"]))


async def story_feed(request: Request) -> Response:
    return await _serve(request, web(request).services.feeds.story, int(request.path_params["story_id"]))


async def search_feed(request: Request) -> Response:
    text = request.query_params.get("q", "").strip()[:500]
    if not text:
        return PlainTextResponse("Give the words to search for as q.", 400)
    filters = {k: request.query_params.get(k, "")[:100] for k in SEARCH_FILTERS}
    feeds = web(request).services.feeds

    def make(site: str, path: str) -> OutFeed:
        return feeds.search(site, path, text, **filters)

    return await _serve(request, make)


async def for_you_feed(request: Request) -> Response:
    try:
        return await _serve(
            request,
            web(request).services.feeds.for_you,
            str(request.path_params["token"]),
            cache="private, no-store",
        )
    except AuthenticationError:
        return PlainTextResponse("This feed address is unknown or was revoked.", 404)


async def make_for_you_address(request: Request) -> Response:
    """A new private For you feed address, shown on the account page this once."""
    ctx = web(request)
    reader = require_reader(request)
    await checked_form(request, ctx.secret)
    path = await call(ctx.services.feeds.for_you_path, reader.id)
    return await account_page(request, 200, new_feed_url=f"{_site(request)}{path}")


routes: list[BaseRoute] = [
    Route("/feeds/publisher/{publisher_id}.{ext}", publisher_feed),
    Route("/feeds/section/{name}.{ext}", section_feed),
    Route("/feeds/story/{story_id:int}.{ext}", story_feed),
    Route("/feeds/search.{ext}", search_feed),
    Route("/feeds/for-you/{token}.{ext}", for_you_feed),
    Route("/account/for-you-feed", make_for_you_address, methods=["POST"]),
]
