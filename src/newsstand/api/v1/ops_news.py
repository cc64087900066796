"""Operations on what everyone may read: articles, live-blog entries, publishers, sections,
stories and search. With a token, the paywall decides for the token's reader; without one,
for an anonymous reader. Each handler calls one service and turns its answer into views."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TypeVar

from newsstand.api.v1 import cursors
from newsstand.api.v1 import views as v
from newsstand.api.v1.spec import ARTICLE_ID, CURSOR, MAX_ID, Call, Operation, Param, limit_param
from newsstand.app.reading import Listing, changed_at, search_query
from newsstand.model import ArticleKind, Membership, Reader

T = TypeVar("T")


def _who(c: Call) -> tuple[Reader | None, Membership | None]:
    return (c.viewer.reader, c.viewer.membership) if c.viewer else (None, None)


def _articles(listing: Listing, scope: str) -> v.ArticleList:
    after = listing.next_before
    return v.ArticleList(
        tuple(v.summary(a) for a in listing.articles),
        cursors.encode(scope, after) if after is not None else None,
    )


def _page(items: list[T], c: Call, scope: str) -> tuple[list[T], str | None]:
    """One page of a list kept in memory (publishers, sections), paged by position."""
    start = cursors.offset(c.params["cursor"], scope)
    end = start + c.params["limit"]
    return items[start:end], cursors.encode(scope, end) if end < len(items) else None


# --- articles --------------------------------------------------------------------------------

KIND = Param("kind", "query", str, "Only articles or only live blogs.", enum=("article", "liveblog"))


def list_articles(c: Call) -> v.ArticleList:
    kind = c.params["kind"]
    scope = f"articles:{kind or ''}"
    before = cursors.article_id(c.params["cursor"], scope)
    listing = c.services.reading.latest(before, c.params["limit"], ArticleKind(kind) if kind else None)
    return _articles(listing, scope)


def get_article(c: Call) -> v.ArticleDetail:
    reading = c.services.reading
    reader, membership = _who(c)
    article = reading.get_article(c.params["article_id"])
    if article.is_liveblog:
        return v.live_detail(reading.live_page(article, reader, membership), reader is not None)
    return v.article_detail(reading.article_page(article, reader, membership), reader is not None)


def list_entries(c: Call) -> v.EntryList:
    reader, membership = _who(c)
    article_id = c.params["article_id"]
    since: datetime | None = c.params["since"]
    access, entries = c.services.reading.entries_for(article_id, reader, membership, since)
    items = tuple(v.entry(e) for e in entries)
    latest = max((changed_at(e) for e in entries), default=None)
    return v.EntryList(article_id, v.access(access), items, latest or since)


# --- publishers and sections -----------------------------------------------------------------

PUBLISHER_ID = Param("publisher_id", "path", str, "A publisher's id.", required=True, max_length=100)
SECTION = Param(
    "name", "path", str, "A section's name, as /sections lists it.", required=True, max_length=200
)


def list_publishers(c: Call) -> v.PublisherList:
    publishers = sorted(c.services.catalog.publishers().values(), key=lambda p: (p.name.lower(), p.id))
    items, after = _page([v.publisher(p) for p in publishers], c, "publishers")
    return v.PublisherList(tuple(items), after)


def get_publisher(c: Call) -> v.PublisherView:
    return v.publisher(c.services.catalog.get_publisher(c.params["publisher_id"]))


def publisher_articles(c: Call) -> v.ArticleList:
    publisher_id = c.params["publisher_id"]
    scope = f"publisher:{publisher_id}"
    before = cursors.article_id(c.params["cursor"], scope)
    _, listing = c.services.reading.publisher_listing(publisher_id, before, c.params["limit"])
    return _articles(listing, scope)


def list_sections(c: Call) -> v.SectionList:
    sections = [v.SectionView(name, count) for name, count in c.services.catalog.sections()]
    items, after = _page(sections, c, "sections")
    return v.SectionList(tuple(items), after)


def section_articles(c: Call) -> v.ArticleList:
    name = c.params["name"]
    scope = f"section:{name.casefold()}"
    before = cursors.article_id(c.params["cursor"], scope)
    _, listing = c.services.reading.section_listing(name, before, c.params["limit"])
    return _articles(listing, scope)


# --- stories -----------------------------------------------------------------------------------

STORY_ID = Param("story_id", "path", int, "A story's id.", required=True, minimum=1, maximum=MAX_ID)


def list_stories(c: Call) -> v.StoryList:
    before = cursors.time_and_id(c.params["cursor"], "stories")
    stories = c.services.stories.recent(c.params["limit"], before)
    after = None
    if len(stories) == c.params["limit"]:
        after = cursors.after_time(stories[-1].last_updated, stories[-1].id, "stories")
    return v.StoryList(tuple(v.story(s) for s in stories), after)


def top_stories(c: Call) -> v.StoryList:
    return v.StoryList(tuple(v.story(s) for s in c.services.stories.top(c.params["limit"])), None)


def get_story(c: Call) -> v.StoryView:
    story, _ = c.services.stories.story(c.params["story_id"])
    return v.story(story)


def story_articles(c: Call) -> v.ArticleList:
    story_id = c.params["story_id"]
    scope = f"story:{story_id}"
    _, articles = c.services.stories.story(story_id)
    start = cursors.offset(c.params["cursor"], scope)
    end = start + c.params["limit"]
    after = cursors.encode(scope, end) if end < len(articles) else None
    return v.ArticleList(tuple(v.summary(a) for a in articles[start:end]), after)


# --- search ------------------------------------------------------------------------------------


def _day(name: str, description: str) -> Param:
    return Param(name, "query", str, description, max_length=10, date_only=True)


SEARCH_FILTERS = (
    Param("q", "query", str, 'Words to find; "quoted phrases", -excluded words.', required=True,
          max_length=500),
    Param("publisher", "query", str, "Only this publisher's articles (its id).", max_length=100),
    Param("section", "query", str, "Only this section's articles.", max_length=200),
    Param("language", "query", str, "Only articles in this language (en, de...).", max_length=20),
    _day("since", "Only articles published on or after this day (UTC)."),
    _day("until", "Only articles published on or before this day (UTC)."),
)  # fmt: skip
_FILTER_NAMES = tuple(p.name for p in SEARCH_FILTERS)


def search(c: Call) -> v.SearchResults:
    p = c.params
    filters = [p[name] or "" for name in _FILTER_NAMES]
    scope = "search:" + hashlib.sha256("\x00".join(filters).encode()).hexdigest()[:16]
    query = search_query(
        p["q"],
        publisher=p["publisher"] or "",
        section=p["section"] or "",
        language=p["language"] or "",
        since=p["since"] or "",
        until=p["until"] or "",
        limit=p["limit"],
        cursor=cursors.text(p["cursor"], scope),
    )
    reader, membership = _who(c)
    page = c.services.reading.search_for(query, reader, membership)
    after = cursors.encode(scope, page.next_cursor) if page.next_cursor else None
    return v.SearchResults(tuple(v.hit(h) for h in page.hits), after, page.total_estimate)


PAGED = (limit_param(), CURSOR)

OPERATIONS: tuple[Operation, ...] = (
    Operation("listArticles", "GET", "/articles", "articles", "The newest articles of every publisher.",
              list_articles, v.ArticleList, (KIND, *PAGED)),
    Operation("getArticle", "GET", "/articles/{article_id}", "articles",
              "One article, its body as the paywall allows; records the read as the web page does.",
              get_article, v.ArticleDetail, (ARTICLE_ID,), not_found=True,
              description="Without a token, or for a reader without access (no membership, lapsed, "
              "cancelled), body_html holds only the paywall's preview, and a live blog only its "
              "preview entries. A full read by a member counts for the publisher's payment, once "
              "in 30 minutes, exactly as reading the web page does."),
    Operation("listEntries", "GET", "/articles/{article_id}/entries", "articles",
              "A live blog's entries changed after a time, oldest change first; records nothing.",
              list_entries, v.EntryList,
              (ARTICLE_ID, Param("since", "query", datetime, "Only entries posted or changed after this.")),
              not_found=True),
    Operation("listPublishers", "GET", "/publishers", "publishers", "Every publisher, by name.",
              list_publishers, v.PublisherList, (limit_param(50, 500), CURSOR)),
    Operation("getPublisher", "GET", "/publishers/{publisher_id}", "publishers", "One publisher.",
              get_publisher, v.PublisherView, (PUBLISHER_ID,), not_found=True),
    Operation("listPublisherArticles", "GET", "/publishers/{publisher_id}/articles", "publishers",
              "A publisher's newest articles.", publisher_articles, v.ArticleList,
              (PUBLISHER_ID, *PAGED), not_found=True),
    Operation("listSections", "GET", "/sections", "sections",
              "Every section publishers list, most listed first.", list_sections, v.SectionList,
              (limit_param(50, 500), CURSOR)),
    Operation("listSectionArticles", "GET", "/sections/{name}/articles", "sections",
              "A section's newest articles.", section_articles, v.ArticleList, (SECTION, *PAGED),
              not_found=True),
    Operation("listStories", "GET", "/stories", "stories", "Stories, most recently updated first.",
              list_stories, v.StoryList, PAGED),
    Operation("listTopStories", "GET", "/stories/top", "stories",
              "Top stories: those most publishers covered in the last day, best first.",
              top_stories, v.StoryList, (limit_param(10, 50),)),
    Operation("getStory", "GET", "/stories/{story_id}", "stories", "One story.", get_story,
              v.StoryView, (STORY_ID,), not_found=True),
    Operation("listStoryArticles", "GET", "/stories/{story_id}/articles", "stories",
              "A story's articles from every publisher, newest first.", story_articles, v.ArticleList,
              (STORY_ID, *PAGED), not_found=True),
    Operation("search", "GET", "/search", "search", "Full-text search with the search page's filters.",
              search, v.SearchResults, (*SEARCH_FILTERS, *PAGED)),
)  # fmt: skip
