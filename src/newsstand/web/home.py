"""The front page: Top stories, Our picks, For you, Latest and sections."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from newsstand.app.personal import ForYou, HomeData
from newsstand.model import Reader
from newsstand.web.context import WebContext, reader_of, render, web
from newsstand.web.fragments import render_shared, shared_markup
from newsstand.web.threads import call_fast


@dataclass(frozen=True, slots=True)
class HomeParts:
    head: Markup  # Top stories and Our picks, the same for everyone
    tail: Markup  # Latest and the section rows
    for_you: ForYou | None  # this reader's For you (None for anonymous readers)
    for_you_cards: Markup  # its cards, rendered once for as long as it is kept


def build_home(ctx: WebContext, reader: Reader | None) -> tuple[HomeData, HomeParts]:
    """The shared parts from the cache (made once per period), For you for this reader (made
    once per period and per change of what they follow, train and read). For you is rendered
    with the page: its onboarding form carries this browser's CSRF token."""
    front = ctx.services.front
    data = front.home()
    shown = [c.article for c in data.top] + [p.article for p in data.picks]
    mine = None if reader is None else front.personal(reader, apart_from=shown)
    kept = front.personal_cache  # the cards are rendered once, kept as long as the list they show
    parts = HomeParts(
        shared_markup(ctx, "home:head", "_home_parts.html", "head", data),
        shared_markup(ctx, "home:tail", "_home_parts.html", "tail", data),
        mine,
        Markup()
        if mine is None
        else shared_markup(ctx, mine.key, "_home_parts.html", "cards", mine, cache=kept),
    )
    return data, parts


async def home_page(request: Request) -> Response:
    ctx = web(request)
    data, parts = await call_fast(build_home, ctx, reader_of(request))
    values = {"data": data, "parts": parts, "ingest": ctx.loop_status}
    if not data.latest or parts.for_you is None:  # the first run's status; anonymous readers
        return render(request, "home.html", values)
    # The reader's For you is made under a key that names everything it shows (their follows,
    # trainer and reading, and the shared pool): with the shared parts, that names the page.
    key = f"{parts.for_you.key}:{hash(parts.head)}:{hash(parts.tail)}"
    return render_shared(request, "home.html", values, key)


routes: list[BaseRoute] = [Route("/", home_page, name="home")]
