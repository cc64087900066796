"""Stories as a service: keeping them up to date, Top stories, Related stories.

The one place where the pure stories package meets storage: the store hands out
candidates (articles without a story, story figures, nearby story leads) and the
decisions in ``newsstand.stories`` cluster and rank them. ``update_stories`` is
cheap enough to call after every ingestion round: it reads only the articles still
without a story and the clustered articles published near them.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from newsstand.app.cache import SharedCache, TtlCache, remember
from newsstand.errors import NotFoundError
from newsstand.model import Article, ArticleText, LiveEntry, OpenStory, Publisher, Story, StoryWrite, utcnow
from newsstand.store.base import ArticleStore, StoryStore
from newsstand.stories.cluster import DEFAULT_PARAMS, MAX_CANDIDATES, MIN_SHARED, ClusterParams
from newsstand.stories.copies import COPY_WINDOW, copies_since
from newsstand.stories.lead import relead
from newsstand.stories.plan import Weighed, open_since, plan_update, read, search_terms, weigh
from newsstand.stories.rank import MIN_PUBLISHERS, rank_top_stories
from newsstand.stories.related import (
    RELATED_CANDIDATES,
    RELATED_LEAD_CHARS,
    RELATED_REACH,
    rank_related,
)
from newsstand.stories.text import LEAD_CHARS, Rarity

log = logging.getLogger(__name__)

# Articles clustered per round: bounds memory when a large backlog (a rebuild,
# a first import) waits, while keeping rounds large enough to be efficient.
BATCH = 5000


def update_stories(
    store: StoryStore,
    now: datetime | None = None,
    *,
    params: ClusterParams = DEFAULT_PARAMS,
    batch: int = BATCH,
) -> int:
    """Put every article without a story into one, oldest first; returns how many.

    Each round reads the pending articles, the stories still open around them and
    the store's counts of the pending articles' words, and stores the stories
    decided with the round's own word counts in one transaction.
    Raises StorageError when the store fails; what earlier batches stored stays.
    """
    now = now or utcnow()
    done = 0
    while True:
        with collector_paused():
            assigned = _round(store, now, params, batch)
        if assigned is None:
            break
        done += assigned
        if assigned == 0:
            break  # another process took these articles meanwhile
    return done


def warm_stories(store: StoryStore, now: datetime) -> None:
    """Load what the store keeps in memory for rounds (the story index, the copy window of
    the week before ``now``), as a process that has just started does before its first round."""
    store.open_stories(now, [])
    store.copy_candidates((), now - COPY_WINDOW)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the block (unless it is off already).

    A round allocates hundreds of thousands of short-lived objects while the story index and
    profiles (millions of objects) sit in memory: every full pass of the collector walked
    them all, some 12% of a round at 100,000 stored articles (docs/decisions.md). The round's
    garbage is freed by reference counting as before; whatever cycles it leaves are collected
    after the block.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _round(store: StoryStore, now: datetime, params: ClusterParams, batch: int) -> int | None:
    """One round of ``update_stories``: how many articles it placed (None: nothing pending)."""
    pending = store.articles_without_story(LEAD_CHARS, limit=batch)
    since = open_since(pending, params)
    if since is None:
        return None
    reading = read(pending)
    counts = store.term_counts(reading.terms())
    rarity = Rarity(counts.df, counts.documents)
    copies = store.copy_candidates(reading.band_keys(), copies_since(pending))
    weighed = weigh(reading, rarity)
    lookups = search_terms(weighed)
    stories = store.open_stories(since, lookups, shared=MIN_SHARED, limit=MAX_CANDIDATES)
    plan = plan_update(stories, pending, rarity, now, params, copies, weighed, reading.keys)
    writes = _with_leads(store, plan.writes, pending, weighed, stories, now)
    assigned = store.save_stories(writes, plan.counts, plan.copies)
    log.info("stories: %d articles into %d stories", assigned, len(plan.writes))
    return assigned


def _with_leads(
    store: StoryStore,
    writes: list[StoryWrite],
    pending: Sequence[ArticleText],
    weighed: Weighed,
    stories: Sequence[OpenStory],
    now: datetime,
) -> list[StoryWrite]:
    """The writes led as ``stories.lead`` decides: the earlier leads of the stories written
    are read in one query (the round's own articles are at hand)."""
    prior = {s.story_id: (s.lead_article_id, s.lead_score) for s in stories}
    texts = {a.article_id: a for a in pending}
    wanted = {
        lead
        for w in writes
        for key in (w.key, *w.absorbs)
        if (lead := prior.get(key, (None, 0.0))[0]) is not None and lead not in texts
    }
    if wanted:
        texts |= {a.article_id: a for a in store.article_texts(wanted, LEAD_CHARS)}
    vectors = {i: f.vector for i, f in weighed.features.items()}
    return relead(writes, texts, vectors, prior, now)


def rebuild_stories(
    store: StoryStore, now: datetime | None = None, *, params: ClusterParams = DEFAULT_PARAMS
) -> int:
    """Forget every story and cluster all articles again from scratch; returns how many."""
    store.clear_stories()
    return update_stories(store, now, params=params)


def top_stories(store: StoryStore, now: datetime, limit: int = 10, window_hours: float = 24.0) -> list[Story]:
    """Stories several publishers covered in the ``window_hours`` before ``now``, best first
    (``newsstand.stories.rank``): two queries whatever the number of stories."""
    since = now - timedelta(hours=window_hours)
    stats = store.story_stats(since, now, MIN_PUBLISHERS)
    return store.stories(rank_top_stories(stats, now, limit))


class RelatedStore(ArticleStore, StoryStore, Protocol):
    """What Related stories reads."""


@dataclass(frozen=True, slots=True)
class Around:
    """What goes around one article: the same story from other publishers, then related stories."""

    coverage: tuple[Article, ...]
    related: tuple[Article, ...]


def around_article(store: RelatedStore, article: Article, *, coverage: int = 6, related: int = 5) -> Around:
    """The newest report of the article's story by each other publisher, then the lead articles
    of the most similar other stories of the days around. A bounded number of queries.
    Raises NotFoundError when the article is gone."""
    assert article.id is not None
    others: list[Article] = []
    if article.story_id is not None:
        others = store.story_coverage(article.story_id, article.publisher_id, coverage)
    text = store.article_text(article.id, LEAD_CHARS)
    candidates = store.story_leads_near(
        text.published, RELATED_REACH, RELATED_CANDIDATES, RELATED_LEAD_CHARS, article.story_id
    )
    skip = {article.id, *(a.id for a in others)}
    ids = [i for i in rank_related(text, candidates, related + len(skip)) if i not in skip][:related]
    return Around(tuple(others), tuple(store.get_articles(ids)))


def related_articles(store: RelatedStore, article_id: int, limit: int = 6) -> list[Article]:
    """Other publishers' reports of the same story first, then related stories' leads.
    Raises NotFoundError."""
    found = store.get_articles([article_id])
    if not found:
        raise NotFoundError("article", article_id)
    around = around_article(store, found[0], coverage=limit, related=limit)
    return [*around.coverage, *around.related][:limit]


TIMELINE_ENTRIES = 40  # live-blog entries shown in a story's timeline, newest first


@dataclass(frozen=True, slots=True)
class Outlet:
    """One publisher's coverage of a story."""

    publisher_id: str
    name: str
    country: str
    language: str
    articles: int
    first: datetime  # when it first reported


@dataclass(frozen=True, slots=True)
class Carried:
    """Another outlet's near copy of a report (wire copy, a re-post under a new URL)."""

    publisher: str  # the outlet's name
    article: Article


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One step of a story: an article, or an entry of a live blog about it. A report that
    several outlets carried is one step, with the other outlets' copies in ``also``."""

    at: datetime
    article: Article
    entry: LiveEntry | None = None
    also: tuple[Carried, ...] = ()


@dataclass(frozen=True, slots=True)
class StoryPage:
    """Everything a story's Full coverage page shows, the same for every reader."""

    story: Story
    lead: Article | None
    articles: tuple[Article, ...]  # newest first, copies included
    outlets: tuple[Outlet, ...]  # first to report first
    timeline: tuple[TimelineItem, ...]  # newest first, each report once

    @property
    def reports(self) -> int:
        """Distinct reports: an article and its near copies count once."""
        return sum(1 for item in self.timeline if item.entry is None)


def story_timeline(
    articles: Sequence[Article],
    entries: Sequence[LiveEntry],
    copy_of: Mapping[int, int] | None = None,
    names: Mapping[str, str] | None = None,
) -> list[TimelineItem]:
    """Articles and live-blog entries of a story in one timeline, newest first. An article
    that copies another of the story (``copy_of``) is listed under it, not apart."""
    copy_of = copy_of or {}
    names = names or {}
    present = {a.id for a in articles}
    also: dict[int, list[Carried]] = {}
    for a in sorted(articles, key=lambda a: a.published):
        original = copy_of.get(a.id or 0)
        if original is not None and original in present:
            also.setdefault(original, []).append(Carried(names.get(a.publisher_id, a.publisher_id), a))
    shown = [a for a in articles if copy_of.get(a.id or 0) not in present]
    blogs = {a.id: a for a in articles if a.is_liveblog}
    items = [TimelineItem(a.published, a, None, tuple(also.get(a.id or 0, ()))) for a in shown]
    items += [TimelineItem(e.posted, blogs[e.article_id], e) for e in entries if e.article_id in blogs]
    return sorted(items, key=lambda i: i.at, reverse=True)


def outlets_of(articles: Sequence[Article], publishers: dict[str, Publisher]) -> list[Outlet]:
    """Every publisher that covered the story, first to report first."""
    firsts: dict[str, datetime] = {}
    counts: dict[str, int] = {}
    for a in articles:
        counts[a.publisher_id] = counts.get(a.publisher_id, 0) + 1
        firsts[a.publisher_id] = min(firsts.get(a.publisher_id, a.published), a.published)
    outlets = []
    for pid, first in firsts.items():
        p = publishers.get(pid)
        name, country, language = (p.name, p.country, p.language) if p else (pid, "", "")
        outlets.append(Outlet(pid, name, country, language, counts[pid], first))
    return sorted(outlets, key=lambda o: (o.first, o.name))


class StoryService:
    """Stories for the front ends: keep them up to date, list them, show one."""

    def __init__(
        self,
        store: RelatedStore,
        clock: Callable[[], datetime],
        cache: SharedCache | None = None,
        publishers: Callable[[], dict[str, Publisher]] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.cache: SharedCache = cache if cache is not None else TtlCache(0)
        self.publishers = publishers or (lambda: {})

    def page(self, story_id: int) -> StoryPage:
        """A story's Full coverage: its articles, the outlets that covered it and its timeline,
        from the shared cache when fresh. Raises NotFoundError."""
        return remember(self.cache, f"story:{story_id}", lambda: self._page(story_id))

    def _page(self, story_id: int) -> StoryPage:
        story = self.store.story(story_id)
        articles = self.store.story_articles(story_id)
        blogs = [a.id for a in articles if a.is_liveblog and a.id is not None]
        entries = self.store.entries_of(blogs, TIMELINE_ENTRIES)
        copy_of = self.store.copy_origins([a.id for a in articles if a.id is not None])
        lead = next(
            (a for a in articles if a.id == story.lead_article_id), articles[-1] if articles else None
        )
        publishers = self.publishers()
        names = {pid: p.name for pid, p in publishers.items()}
        return StoryPage(
            story,
            lead,
            tuple(articles),
            tuple(outlets_of(articles, publishers)),
            tuple(story_timeline(articles, entries, copy_of, names)),
        )

    def update(self) -> int:
        return update_stories(self.store, self.clock())

    def rebuild(self) -> int:
        return rebuild_stories(self.store, self.clock())

    def top(self, limit: int = 10, window_hours: float = 24.0) -> list[Story]:
        return top_stories(self.store, self.clock(), limit, window_hours)

    def recent(self, limit: int = 20, before: tuple[datetime, int] | None = None) -> list[Story]:
        """Stories most recently updated first; ``before`` (the update time and id of the last
        story of an earlier page) continues from there."""
        return self.store.recent_stories(limit, before)

    def merged_into(self, story_id: int) -> int | None:
        """The story one merged away now lives in (links to it answer with that), or None."""
        return self.store.story_merged_into(story_id)

    def story(self, story_id: int) -> tuple[Story, list[Article]]:
        """A story with its articles, newest first; for a story merged into another, that
        other. Raises NotFoundError."""
        try:
            story = self.store.story(story_id)
        except NotFoundError:
            into = self.store.story_merged_into(story_id)
            if into is None:
                raise
            story = self.store.story(into)
        return story, self.store.story_articles(story.id)
