"""The article page: the paywall decision, the body, related stories and other coverage."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from newsstand.app.membership import Offer
from newsstand.app.reading import ArticlePage, LivePage
from newsstand.errors import BadRequestError, NotFoundError
from newsstand.model import Article, Membership, Reader
from newsstand.web.context import WebContext, call, membership_of, reader_of, web
from newsstand.web.fragments import render_shared, shared_markup
from newsstand.web.security import checked_form
from newsstand.web.threads import call_fast, committed

# Stored ids are 32-bit (PostgreSQL's integer), and PostgreSQL refuses to compare a larger number
# with them (a database error, not "not found"): such an id names nothing.
MAX_ID = 2**31 - 1


def path_id(request: Request, name: str = "article_id") -> int:
    """An integer path parameter. Raises NotFoundError for anything no stored thing can have as
    its id (not a number, not positive, past 64 bits): such a path names no page."""
    raw = str(request.path_params[name])
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise NotFoundError(name.removesuffix("_id"), raw[:40])
    return int(raw)


@dataclass(frozen=True, slots=True)
class ArticleParts:
    head: Markup  # headline, standfirst, byline, times, lead figure
    around: Markup  # other coverage and related stories


def build_article(
    ctx: WebContext, article_id: int, reader: Reader | None, membership: Membership | None
) -> tuple[ArticlePage, ArticleParts, Future[None] | None] | Article:
    """The page for one reader with its shared parts and its read on the way to storage, or the
    live blog to redirect to (nothing recorded then)."""
    reading = ctx.services.reading
    article = reading.get_article(article_id)
    if article.is_liveblog:
        return article
    page, recorded = reading.open_article(article, reader, membership)
    return page, article_parts(ctx, page), recorded


def article_parts(ctx: WebContext, page: ArticlePage) -> ArticleParts:
    a = page.article
    kept = ctx.services.reading.parts
    return ArticleParts(
        shared_markup(ctx, f"article:head:{a.id}:{a.revision}", "_article_parts.html", "head", a, cache=kept),
        shared_markup(ctx, f"article:around:{a.id}:{a.story_id}", "_article_parts.html", "around",
                      page.coverage, page.related, cache=kept),
    )  # fmt: skip


async def article_page(request: Request) -> Response:
    ctx = web(request)
    reader = reader_of(request)
    found = await call_fast(build_article, ctx, path_id(request), reader, membership_of(request))
    if isinstance(found, Article):  # a live blog: redirected before anything is recorded
        return RedirectResponse(f"/live/{found.id}", status_code=301)
    page, parts, recorded = found
    await committed(recorded)  # answered once the read is stored
    # Bodies are sanitized before they are stored; the paywall's preview is sanitized again.
    body = Markup(page.body_html)  # noqa: S704
    a = page.article
    values = {
        "v": page,
        "body": body,
        "parts": parts,
        "next": request.url.path,
        "offer": paywall_offer(request, page),
        "panel": None if reader is None else ctx.services.interests.panel(reader, a),
    }
    if not page.access.full:  # the paywall's offer is the reader's own
        return render_shared(request, "article.html", values, key=None)
    # Everything else on a page that shows the whole article is the same for readers who saved
    # it or not, and picked it or not (editors).
    key = f"{a.id}:{a.revision}:{hash(parts.head)}:{hash(parts.around)}:{page.saved}:{page.picked}"
    return render_shared(request, "article.html", values, key)


def paywall_offer(request: Request, page: ArticlePage | LivePage) -> Offer | None:
    """What the paywall offers this reader (the plans, a renewal), from what the request knows
    already: no query."""
    if page.access.full:
        return None
    reader = reader_of(request)
    return web(request).services.membership.offer(membership_of(request), signed_in=reader is not None)


MAX_REPORTED_SECONDS = 3600  # one report; the read's own total is capped by the payout rules


async def reading_time(request: Request) -> Response:
    """The article page's beacon: seconds the page was read (visible and in front) since its
    last report, credited to the reader's paid read of the article."""
    ctx = web(request)
    reader = reader_of(request)
    form = await checked_form(request, ctx.secret)
    raw = form.get("seconds")
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit():
        raise BadRequestError("seconds must be a whole number")
    seconds = int(raw)
    if not 0 < seconds <= MAX_REPORTED_SECONDS or reader is None:
        return Response(status_code=204)  # nothing to credit: answered alike, so it tells nothing
    await call(ctx.services.reading.add_reading_time, reader, path_id(request), seconds)
    return Response(status_code=204)


async def article_by_url(request: Request) -> Response:
    """``/read?url=...``: the reader's page for a publisher URL we hold."""
    url = request.query_params.get("url", "")
    if not url:
        raise BadRequestError("url is required")
    article = await call(web(request).services.reading.article_by_url, url)
    return RedirectResponse(f"/article/{article.id}", status_code=303)


routes: list[BaseRoute] = [
    Route("/article/{article_id}", article_page, name="article"),
    Route("/article/{article_id}/reading-time", reading_time, methods=["POST"], name="reading_time"),
    Route("/read", article_by_url, name="read"),
]
