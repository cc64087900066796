"""The front page: Top stories, Our picks, For you, Latest and sections."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from newsstand.app.stories import top_stories as top_stories_of
from newsstand.errors import NotFoundError
from newsstand.model import Article, ArticleFilter, Feed, FeedState, Reader
from newsstand.web.context import WebContext, call, reader_of, render, web


@dataclass(frozen=True, slots=True)
class TopCard:
    article: Article
    more: int  # other publishers covering the same story


@dataclass(frozen=True, slots=True)
class PickCard:
    article: Article
    note: str


@dataclass(frozen=True, slots=True)
class ReasonCard:
    article: Article
    reason: str


@dataclass(frozen=True, slots=True)
class HomeData:
    """Everything on the front page that is the same for every reader."""

    top: tuple[TopCard, ...]
    picks: tuple[PickCard, ...]
    latest: tuple[Article, ...]
    sections: tuple[tuple[str, tuple[Article, ...]], ...]
    total_articles: int
    failing: tuple[tuple[Feed, FeedState], ...]  # only filled when there are no articles


def fallback_top(articles: Sequence[Article], limit: int) -> list[TopCard]:
    """FALLBACK while story grouping has nothing to offer: the newest article of each publisher,
    so Top stories still spans several publishers. ``more`` is 0 because nothing was grouped."""
    seen: set[str] = set()
    cards = []
    for article in articles:
        if article.publisher_id not in seen:
            seen.add(article.publisher_id)
            cards.append(TopCard(article, 0))
        if len(cards) == limit:
            break
    return cards


def top_stories(ctx: WebContext, now: datetime, limit: int = 7) -> list[TopCard]:
    """Top stories from story grouping; the fallback when no story is covered by several publishers."""
    cards = []
    for story in top_stories_of(ctx.store, now, limit=limit):
        if story.lead_article_id is None:
            continue
        try:
            lead = ctx.store.get_article(story.lead_article_id)
        except NotFoundError:
            continue
        cards.append(TopCard(lead, max(0, len(story.publisher_ids) - 1)))
    if cards:
        return cards
    recent = ctx.store.list_articles(ArticleFilter(limit=60))
    return fallback_top(recent, limit)


def load_picks(ctx: WebContext, limit: int = 6) -> list[PickCard]:
    cards = []
    for pick in ctx.accounts.list_picks(limit):
        try:
            if pick.article_id is not None:
                article = ctx.store.get_article(pick.article_id)
            elif pick.story_id is not None:
                lead = ctx.store.story(pick.story_id).lead_article_id
                if lead is None:
                    continue
                article = ctx.store.get_article(lead)
            else:
                continue
        except NotFoundError:  # picked article removed since: skip rather than fail the page
            continue
        cards.append(PickCard(article, pick.note))
    return cards


def build_home(ctx: WebContext, now: datetime) -> HomeData:
    """The shared part of the front page, from the store and the picks."""
    latest = ctx.store.list_articles(ArticleFilter(limit=12))
    total = ctx.store.count_articles() if not latest else len(latest)
    sections = []
    for name in ctx.nav_sections(limit=4):
        items = ctx.store.list_articles(ArticleFilter(sections=(name,), limit=4))
        if items:
            sections.append((name, tuple(items)))
    failing: tuple[tuple[Feed, FeedState], ...] = ()
    if not latest:
        failing = tuple((f, s) for f, s in ctx.store.feed_states() if s.last_error)[:20]
    return HomeData(
        top=tuple(top_stories(ctx, now)) if latest else (),
        picks=tuple(load_picks(ctx)),
        latest=tuple(latest),
        sections=tuple(sections),
        total_articles=total,
        failing=failing,
    )


def for_you(
    articles: Sequence[Article], reader: Reader, names: dict[str, str], limit: int
) -> list[ReasonCard]:
    """Articles from what the reader follows, newest first, each with a one-line reason."""
    cards = []
    sections = {s.lower() for s in reader.followed_sections}
    for article in articles:
        if article.publisher_id in reader.followed_publishers:
            reason = f"Because you follow {names.get(article.publisher_id, article.publisher_id)}"
        elif {s.lower() for s in (article.section, *article.sections)} & sections:
            reason = f"From {article.section or 'a section'}, a section you follow"
        else:
            continue
        cards.append(ReasonCard(article, reason))
        if len(cards) == limit:
            break
    return cards


def build_for_you(ctx: WebContext, reader_id: int, limit: int = 6) -> tuple[Reader, list[ReasonCard]]:
    reader = ctx.accounts.get_reader(reader_id)
    if not reader.followed_publishers and not reader.followed_sections:
        return reader, []
    articles: list[Article] = []
    if reader.followed_publishers:
        articles += ctx.store.list_articles(
            ArticleFilter(publisher_ids=reader.followed_publishers, limit=limit)
        )
    if reader.followed_sections:
        articles += ctx.store.list_articles(ArticleFilter(sections=reader.followed_sections, limit=limit))
    unique = {a.id: a for a in articles}.values()
    ordered = sorted(unique, key=lambda a: a.published, reverse=True)
    names = {p.id: p.name for p in ctx.publisher_map().values()}
    return reader, for_you(ordered, reader, names, limit)


def cached_home(ctx: WebContext) -> HomeData:
    data = ctx.cache.get("home")
    if data is None:
        data = build_home(ctx, ctx.clock())
        ctx.cache.put("home", data)
    assert isinstance(data, HomeData)
    return data


async def home_page(request: Request) -> Response:
    ctx = web(request)
    data = await call(cached_home, ctx)
    reader = reader_of(request)
    personal: list[ReasonCard] = []
    if reader is not None:
        reader, personal = await call(build_for_you, ctx, reader.id)
    suggestions = [] if personal or reader is None else list(ctx.publisher_map().values())[:6]
    return render(
        request,
        "home.html",
        {
            "data": data,
            "for_you": personal,
            "suggestions": suggestions,
            "ingest": ctx.ingest,
            "follower": reader,
        },
    )


routes: list[BaseRoute] = [Route("/", home_page, name="home")]
