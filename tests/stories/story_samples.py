"""Small hand-written articles for story tests (invented events, no real reporting)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsstand.model import Article, ArticleText
from newsstand.store.base import ArticleStore

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

# Three invented events, each told by several publishers in their own words.
FERRY = [
    (
        "ferry-times",
        "Ferry Aldora runs aground off Kessel Island, 40 passengers rescued",
        "Coastguard crews took 40 passengers off the ferry Aldora after it ran aground near Kessel Island.",
    ),
    (
        "harbour-post",
        "Kessel Island ferry aground: coastguard rescues passengers from Aldora",
        "The Aldora ferry struck rocks off Kessel Island overnight; the coastguard rescued its passengers.",
    ),
    (
        "daily-wire",
        "Passengers rescued as ferry Aldora hits rocks near Kessel Island",
        "Rescue boats reached the Aldora within an hour, the Kessel Island coastguard said.",
    ),
]
BRIDGE = [
    (
        "ferry-times",
        "Varnholm council approves new tram bridge over the Lisse river",
        "Varnholm councillors voted to build a tram bridge across the Lisse, costing 80 million.",
    ),
    (
        "city-news",
        "Tram bridge across the Lisse gets green light from Varnholm council",
        "The Varnholm tram bridge over the river Lisse will cost 80 million, the council decided.",
    ),
]
CHESS = [
    (
        "sport-daily",
        "Mirela Osk wins Brenner chess open after final-round draw",
        "Grandmaster Mirela Osk took the Brenner Open title with a draw against Tomas Veig.",
    ),
    (
        "daily-wire",
        "Osk claims Brenner Open chess crown, Veig settles for second",
        "Mirela Osk secured the Brenner chess open; Tomas Veig finished second after their draw.",
    ),
]


def make(
    article_id: int,
    publisher: str,
    title: str,
    body: str,
    at: datetime = T0,
    story_id: int | None = None,
) -> ArticleText:
    return ArticleText(
        article_id=article_id,
        publisher_id=publisher,
        published=at,
        title=title,
        body_text=body,
        story_id=story_id,
    )


def corpus(start: int = 1, at: datetime = T0) -> tuple[list[ArticleText], dict[int, str]]:
    """The three events, articles an hour apart, with their gold labels."""
    articles: list[ArticleText] = []
    gold: dict[int, str] = {}
    for label, event in (("ferry", FERRY), ("bridge", BRIDGE), ("chess", CHESS)):
        for publisher, title, body in event:
            article_id = start + len(articles)
            articles.append(make(article_id, publisher, title, body, at + timedelta(hours=len(articles))))
            gold[article_id] = label
    return articles, gold


def store_reports(
    store: ArticleStore, items: list[tuple[str, str, str]], at: datetime, slug: str
) -> list[int]:
    """Store one event's reports (publisher, title, body), twenty minutes apart from ``at``;
    their article ids."""
    ids = []
    for n, (publisher, title, body) in enumerate(items):
        article = Article(
            publisher_id=publisher,
            url=f"https://{publisher}.example/{slug}/{n}",
            title=title,
            published=at + timedelta(minutes=20 * n),
            body_text=body,
        )
        ids.append(store.upsert_article(article).article_id)
    return ids
