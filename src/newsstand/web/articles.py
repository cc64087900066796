"""The article page: the paywall decision, the body, related stories and other coverage."""

from __future__ import annotations

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from newsstand.errors import BadRequestError, NotFoundError
from newsstand.web.context import call, membership_of, reader_of, render, web

# Ids past a 64-bit integer name nothing, and some databases refuse to compare them at all.
MAX_ID = 2**63 - 1


def path_id(request: Request, name: str = "article_id") -> int:
    """An integer path parameter. Raises NotFoundError for anything no stored thing can have as
    its id (not a number, not positive, past 64 bits): such a path names no page."""
    raw = str(request.path_params[name])
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise NotFoundError(name.removesuffix("_id"), raw[:40])
    return int(raw)


async def article_page(request: Request) -> Response:
    ctx = web(request)
    reading = ctx.services.reading
    article = await call(reading.get_article, path_id(request))
    if article.is_liveblog:  # before anything is recorded
        return RedirectResponse(f"/live/{article.id}", status_code=301)
    page = await call(reading.article_page, article, reader_of(request), membership_of(request))
    # Bodies are sanitized before they are stored; the paywall's preview is sanitized again.
    body = Markup(page.body_html)  # noqa: S704
    return render(request, "article.html", {"v": page, "body": body, "next": request.url.path})


async def article_by_url(request: Request) -> Response:
    """``/read?url=...``: the reader's page for a publisher URL we hold."""
    url = request.query_params.get("url", "")
    if not url:
        raise BadRequestError("url is required")
    article = await call(web(request).services.reading.article_by_url, url)
    return RedirectResponse(f"/article/{article.id}", status_code=303)


routes: list[BaseRoute] = [
    Route("/article/{article_id}", article_page, name="article"),
    Route("/read", article_by_url, name="read"),
]
