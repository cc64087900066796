"""The front page: Top stories, Our picks, For you, Latest and sections."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from newsstand.app.personal import HomeData
from newsstand.model import Reader
from newsstand.web.context import WebContext, call, reader_of, render, web
from newsstand.web.fragments import shared_markup


@dataclass(frozen=True, slots=True)
class HomeParts:
    head: Markup  # Top stories and Our picks, the same for everyone
    for_you: Markup  # this reader's For you ("" for anonymous readers)
    tail: Markup  # Latest and the section rows


def build_home(ctx: WebContext, reader: Reader | None) -> tuple[HomeData, HomeParts]:
    """The shared parts from the cache (made once per period), For you for this reader (made
    once per period and per change of what they follow)."""
    front = ctx.services.front
    data = front.home()
    personal = Markup("")
    if reader is not None:
        cards = front.for_you(reader)
        suggestions = [] if cards else front.suggestions()
        key = f"home:foryou:{reader.id}:{reader.followed_publishers}:{reader.followed_sections}"
        personal = shared_markup(ctx, key, "_home_parts.html", "for_you", reader, cards, suggestions)
    parts = HomeParts(
        shared_markup(ctx, "home:head", "_home_parts.html", "head", data),
        personal,
        shared_markup(ctx, "home:tail", "_home_parts.html", "tail", data),
    )
    return data, parts


async def home_page(request: Request) -> Response:
    ctx = web(request)
    data, parts = await call(build_home, ctx, reader_of(request))
    return render(request, "home.html", {"data": data, "parts": parts, "ingest": ctx.loop_status})


routes: list[BaseRoute] = [Route("/", home_page, name="home")]
