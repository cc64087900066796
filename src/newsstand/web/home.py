"""The front page: Top stories, Our picks, For you, Latest and sections."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from newsstand.app.personal import ReasonCard
from newsstand.model import Publisher
from newsstand.web.context import call, reader_of, render, web


async def home_page(request: Request) -> Response:
    ctx = web(request)
    front = ctx.services.front
    data = await call(front.home)
    reader = reader_of(request)
    personal: list[ReasonCard] = []
    suggestions: list[Publisher] = []
    if reader is not None:
        personal = await call(front.for_you, reader)
        suggestions = [] if personal else front.suggestions()
    return render(
        request,
        "home.html",
        {
            "data": data,
            "for_you": personal,
            "suggestions": suggestions,
            "ingest": ctx.loop_status,
            "follower": reader,
        },
    )


routes: list[BaseRoute] = [Route("/", home_page, name="home")]
