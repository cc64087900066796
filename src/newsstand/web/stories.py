"""A story's Full coverage page: every outlet's report, who covered it, a timeline and a chart."""

from __future__ import annotations

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from newsstand.app.stories import StoryPage
from newsstand.errors import NotFoundError
from newsstand.web.articles import path_id
from newsstand.web.charts import coverage_chart
from newsstand.web.context import WebContext, call, render, web
from newsstand.web.fragments import shared_markup
from newsstand.web.live import entry_anchor


def build_story(ctx: WebContext, story_id: int) -> tuple[StoryPage, Markup]:
    """The story and its page's main part, made once per cache period. Raises NotFoundError."""
    page = ctx.services.stories.page(story_id)
    chart = coverage_chart([a.published for a in page.articles], label="Reports over the story's life")
    main = shared_markup(ctx, f"story:{story_id}", "_story_parts.html", "main", page, chart, entry_anchor)
    return page, main


async def story_page(request: Request) -> Response:
    ctx = web(request)
    story_id = path_id(request, "story_id")
    try:
        page, main = await call(build_story, ctx, story_id)
    except NotFoundError:
        # A story folded into another by the merge pass: its links lead to that one.
        into = await call(ctx.services.stories.merged_into, story_id)
        if into is None:
            raise
        return RedirectResponse(f"/story/{into}", status_code=301)
    about = ctx.services.interests.about(page.lead) if page.lead else None
    return render(request, "story.html", {"v": page, "main": main, "about": about, "next": request.url.path})


routes: list[BaseRoute] = [Route("/story/{story_id}", story_page, name="story")]
