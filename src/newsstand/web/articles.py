"""The article page: the paywall decision, the body, related stories and other coverage."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from newsstand.accounts import Access, preview_html
from newsstand.app.stories import around_article
from newsstand.errors import BadRequestError, NotFoundError
from newsstand.model import Article, Publisher, Reader
from newsstand.web.context import WebContext, call, reader_of, render, web


@dataclass(frozen=True, slots=True)
class ArticleView:
    article: Article
    publisher: Publisher | None
    access: Access
    body: Markup
    related: tuple[Article, ...]
    coverage: tuple[Article, ...]  # the same story from other publishers
    saved: bool
    picked: bool


def path_id(request: Request, name: str = "article_id") -> int:
    """An integer path parameter. Raises BadRequestError."""
    raw = request.path_params[name]
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise BadRequestError(f"{name} must be a number") from exc


def publisher_or_none(ctx: WebContext, publisher_id: str) -> Publisher | None:
    return ctx.publisher_map().get(publisher_id)


def build_article(ctx: WebContext, article_id: int, reader: Reader | None) -> ArticleView:
    """Load an article, decide (and record) access, and gather what goes around it. Raises NotFoundError."""
    article = ctx.store.get_article(article_id)
    publisher = publisher_or_none(ctx, article.publisher_id)
    access = ctx.accounts.read_article(reader, article, publisher)
    # Bodies are sanitized before they are stored; preview_html re-sanitizes its cut.
    body = article.body_html if access.full else preview_html(article.body_html, access.preview_paragraphs)
    around = around_article(ctx.store, article)
    coverage, related = around.coverage, around.related
    saved = reader is not None and ctx.accounts.is_saved(reader.id, article_id)
    picked = (
        reader is not None
        and reader.is_editor
        and any(p.article_id == article_id for p in ctx.accounts.list_picks(50))
    )
    return ArticleView(
        article,
        publisher,
        access,
        Markup(body),  # noqa: S704 - sanitized at ingestion, re-sanitized by preview_html
        tuple(related),
        tuple(coverage),
        saved,
        picked,
    )


async def article_page(request: Request) -> Response:
    ctx = web(request)
    article_id = path_id(request)
    view = await call(build_article, ctx, article_id, reader_of(request))
    if view.article.is_liveblog:
        return RedirectResponse(f"/live/{article_id}", status_code=301)
    return render(request, "article.html", {"v": view, "next": request.url.path})


async def article_by_url(request: Request) -> Response:
    """``/read?url=...``: the reader's page for a publisher URL we hold."""
    url = request.query_params.get("url", "")
    if not url:
        raise BadRequestError("url is required")
    article = await call(web(request).store.get_article_by_url, url)
    if article.id is None:
        raise NotFoundError("article", url)
    return RedirectResponse(f"/article/{article.id}", status_code=303)


routes: list[BaseRoute] = [
    Route("/article/{article_id}", article_page, name="article"),
    Route("/read", article_by_url, name="read"),
]
