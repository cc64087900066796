"""The front page and personalisation: Top stories, Our picks, Latest, sections, For you.

What every reader shares (``home``, ``picks``) is computed in a fixed number of
queries and kept in the shared cache; only For you is made per reader.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from newsstand.app.cache import SharedCache, TtlCache, remember
from newsstand.app.stories import top_stories
from newsstand.errors import InvalidCursorError, InvalidDataError, NotFoundError, PermissionDeniedError
from newsstand.model import Article, ArticleFilter, Feed, FeedState, Pick, Publisher, Reader, utc
from newsstand.personal.foryou import Candidate, knows_little, rank_for_you, reading_profile
from newsstand.personal.onboarding import Choice, interest_choices
from newsstand.personal.topics import article_topics
from newsstand.store.base import ArticleStore, IngestStore, LibraryStore, PickStore, StoryStore
from newsstand.stories.sectiontop import SECTION_TOP, rank_section_stories

TOP_STORIES = 7
PICKS_SHOWN = 6
PICKS_KEPT = 50  # how many recent picks the article pages look a pick up in
LATEST = 12
SECTION_ROWS = 4
FOR_YOU = 6
SECTION_READ = 40  # a section's newest articles its Top stories are chosen from
# For you chooses among the newest POOL articles (shared by every reader, read once a cache
# period) and what the reader follows; it learns from their last SIGNALS reads and saves.
POOL = 200
SIGNALS = 100
SIGNAL_DAYS = 60
MAX_TRACKED = 100_000  # readers whose latest activity this process remembers
# A reader's For you (and its rendering) is kept while nothing it depends on changes: what they
# follow, train and read, what the page shows above it, and the shared pool's articles. It is
# made afresh at least this often even so (freshness moves the order slowly), and other web
# processes, which do not hear of this one's reads, catch up within it.
PERSONAL_SECONDS = 60.0
PERSONAL_ENTRIES = 20_000  # a For you is a dozen references into the shared pool: small


class FrontStore(ArticleStore, StoryStore, PickStore, IngestStore, LibraryStore, Protocol):
    """What the front page reads and editors' picks write."""


@dataclass(frozen=True, slots=True)
class ForYou:
    """A reader's For you: cards with their reasons, and for a reader we know nothing about
    yet, what they could follow (``choices``, from what is covered now)."""

    cards: tuple[ReasonCard, ...]
    choices: tuple[Choice, ...] = ()
    # What it was made from, as a cache key: a rendering of it can be kept under the same key.
    key: str = ""


def candidates_of(articles: Sequence[Article]) -> list[Candidate]:
    """Articles as For you candidates: their topics, and how many publishers of these articles
    cover each one's story."""
    publishers: dict[int, set[str]] = {}
    for a in articles:
        if a.story_id is not None:
            publishers.setdefault(a.story_id, set()).add(a.publisher_id)
    return [
        Candidate(a, article_topics(a), len(publishers[a.story_id]) if a.story_id is not None else 1)
        for a in articles
    ]


def _followed_in(pool: Sequence[Candidate], reader: Reader) -> int:
    """How many pool articles come from a followed publisher or section."""
    publishers = set(reader.followed_publishers)
    sections = {s.casefold() for s in reader.followed_sections}
    return sum(
        1
        for c in pool
        if c.article.publisher_id in publishers or {s.casefold() for s in c.article.sections} & sections
    )


def interests_key(reader: Reader) -> str:
    """What of the reader shapes For you, as a cache key part: a change shows at once."""
    trained = sorted((t.facet.value, t.value, t.liked) for t in reader.trained)
    return repr(
        (
            reader.followed_publishers,
            reader.followed_sections,
            reader.followed_stories,
            reader.followed_topics,
            trained,
        )
    )


@dataclass(frozen=True, slots=True)
class TopCard:
    article: Article
    more: int  # other publishers covering the same story


@dataclass(frozen=True, slots=True)
class PickCard:
    pick: Pick
    article: Article

    @property
    def note(self) -> str:
        return self.pick.note


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


class Shown:
    """What a page shows already: no story (nor article) is shown twice on one page."""

    def __init__(self) -> None:
        self.articles: set[int | None] = set()
        self.stories: set[int] = set()

    def has(self, article: Article) -> bool:
        """Whether the article, or its story, is shown already."""
        return article.id in self.articles or (
            article.story_id is not None and article.story_id in self.stories
        )

    def take(self, article: Article) -> bool:
        """True (and remembered) when neither the article nor its story is shown yet."""
        if self.has(article):
            return False
        self.articles.add(article.id)
        if article.story_id is not None:
            self.stories.add(article.story_id)
        return True


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


class FrontPageService:
    def __init__(
        self,
        store: FrontStore,
        clock: Callable[[], datetime],
        cache: SharedCache,
        publishers: Callable[[], dict[str, Publisher]],
        nav_sections: Callable[[int], list[str]],
    ) -> None:
        self.store = store
        self.clock = clock
        self.cache = cache
        self.publishers = publishers
        self.nav_sections = nav_sections
        # Bumped when a reader reads, saves or trains, so their For you is made afresh (in
        # this process; others catch up within the cache period).
        self._activity: dict[int, int] = {}
        self._activity_lock = threading.Lock()
        # Kept apart from the shared cache: longer (see PERSONAL_SECONDS), and so that many
        # readers' lists never push the front page's shared parts out.
        self.personal_cache: TtlCache = TtlCache(
            PERSONAL_SECONDS if cache.seconds > 0 else 0, PERSONAL_ENTRIES
        )

    def now(self) -> datetime:
        return utc(self.clock())

    # --- shared by every reader -------------------------------------------------------------

    def home(self) -> HomeData:
        """The shared part of the front page, from the shared cache when fresh."""
        return remember(self.cache, "home", lambda: self._build_home(self.now()))

    def _build_home(self, now: datetime) -> HomeData:
        # Read a little more than is shown: what an earlier block shows is left out of later ones.
        # The newest articles are For you's shared pool too: read once for both.
        latest = [c.article for c in self._pool()[: LATEST + TOP_STORIES + PICKS_SHOWN]]
        total = self.store.count_articles() if not latest else len(latest)
        rows = []
        for name in self.nav_sections(SECTION_ROWS):
            items = self.store.list_articles(ArticleFilter(sections=(name,), limit=SECTION_READ))
            if items:
                rows.append((name, [t.lead for t in rank_section_stories(items, now, len(items))]))
        failing: tuple[tuple[Feed, FeedState], ...] = ()
        if not latest:
            failing = tuple((f, s) for f, s in self.store.feed_states() if s.last_error)[:20]
        top = self.top(now) if latest else []
        shown = Shown()
        top = [c for c in top if shown.take(c.article)]
        picks = [p for p in self.picks() if shown.take(p.article)][:PICKS_SHOWN]
        fresh = [a for a in latest if shown.take(a)][:LATEST]
        sections = [(name, tuple([a for a in items if shown.take(a)][:4])) for name, items in rows]
        return HomeData(
            top=tuple(top),
            picks=tuple(picks),
            latest=tuple(fresh),
            sections=tuple((name, items) for name, items in sections if items),
            total_articles=total,
            failing=failing,
        )

    def top(self, now: datetime, limit: int = TOP_STORIES) -> list[TopCard]:
        """Top stories from story grouping, their leads loaded at once; the fallback when no
        story is covered by several publishers."""
        stories = [s for s in top_stories(self.store, now, limit=limit) if s.lead_article_id is not None]
        leads = {
            a.id: a
            for a in self.store.get_articles([s.lead_article_id for s in stories if s.lead_article_id])
        }
        cards = [
            TopCard(leads[s.lead_article_id], max(0, len(s.publisher_ids) - 1))
            for s in stories
            if s.lead_article_id in leads
        ]
        if cards:
            return cards
        return fallback_top(self.store.list_articles(ArticleFilter(limit=60)), limit)

    def picks(self) -> tuple[PickCard, ...]:
        """Recent picks with their articles (a story's lead for a picked story), newest first;
        picks whose article is gone are left out."""
        return remember(self.cache, "picks", self._load_picks)

    def _load_picks(self) -> tuple[PickCard, ...]:
        picks = self.store.list_picks(PICKS_KEPT)
        stories = {s.id: s for s in self.store.stories([p.story_id for p in picks if p.story_id is not None])}
        wanted: dict[int, int] = {}  # pick id -> article id shown for it
        for p in picks:
            lead = stories[p.story_id].lead_article_id if p.story_id in stories else None
            article_id = p.article_id if p.article_id is not None else lead
            if article_id is not None:
                wanted[p.id] = article_id
        found = {a.id: a for a in self.store.get_articles(list(dict.fromkeys(wanted.values())))}
        return tuple(PickCard(p, found[wanted[p.id]]) for p in picks if wanted.get(p.id) in found)

    def picked_ids(self) -> frozenset[int]:
        """Ids of the articles among recent picks (the article page's "picked" mark)."""
        return frozenset(card.pick.article_id for card in self.picks() if card.pick.article_id is not None)

    # --- per reader ----------------------------------------------------------------------------

    def for_you(self, reader: Reader, limit: int = FOR_YOU, before_id: int | None = None) -> list[ReasonCard]:
        """The API's paged list: newest articles from the publishers and sections ``reader``
        follows, each with its reason; [] when nothing is followed (the web page and the morning
        edition use ``personal``, which learns and ranks). ``before_id`` (the last article of
        an earlier page) continues from there. Kept for the shared cache's lifetime per reader
        and follows, so a reload is free and a new follow shows at once. Raises
        InvalidCursorError when ``before_id`` names no article."""
        if not reader.followed_publishers and not reader.followed_sections:
            return []
        key = (
            f"foryou:{reader.id}:{reader.followed_publishers}:{reader.followed_sections}:{limit}:{before_id}"
        )
        return remember(self.cache, key, lambda: self._for_you(reader, limit, before_id))

    def _for_you(self, reader: Reader, limit: int, before_id: int | None) -> list[ReasonCard]:
        # Both lists are newest first from the same pivot, so the newest ``limit`` of the two
        # together are the page, whichever list they come from.
        wanted = []
        if reader.followed_publishers:
            wanted.append(
                ArticleFilter(publisher_ids=reader.followed_publishers, limit=limit, before_id=before_id)
            )
        if reader.followed_sections:
            wanted.append(ArticleFilter(sections=reader.followed_sections, limit=limit, before_id=before_id))
        articles: list[Article] = []
        try:
            for flt in wanted:
                articles += self.store.list_articles(flt)
        except NotFoundError as exc:
            raise InvalidCursorError(f"no article {before_id} to continue after") from exc
        unique = {a.id: a for a in articles}.values()
        ordered = sorted(unique, key=lambda a: (a.published, a.id or 0), reverse=True)
        names = {p.id: p.name for p in self.publishers().values()}
        return for_you(ordered, reader, names, limit)

    def note_activity(self, reader_id: int) -> None:
        """The reader read, saved or trained something: their For you is made afresh."""
        with self._activity_lock:
            if len(self._activity) >= MAX_TRACKED:  # bounded: forgetting only remakes For you
                self._activity.clear()
            self._activity[reader_id] = self._activity.get(reader_id, 0) + 1

    def personal_key(self, reader: Reader) -> str:
        """What the reader's For you is kept under: it changes with their follows, trainer
        choices and reading."""
        return f"{reader.id}:{self._activity.get(reader.id, 0)}:{interests_key(reader)}"

    def personal(self, reader: Reader, limit: int = FOR_YOU, apart_from: Sequence[Article] = ()) -> ForYou:
        """The reader's For you, learned from what they follow, like, hide and read (see
        ``newsstand.personal.foryou``), every card with its reason; for a reader we know nothing
        about, popular stories and what they could follow. A bounded number of queries
        whatever the number of cards: the shared pool, the reader's reading, the articles read
        that the pool lacks, and one listing per kind of follow. Stories of ``apart_from``
        (what the page shows already) are left out."""
        shown = Shown()
        for article in apart_from:
            shown.take(article)
        page = (sorted(i for i in shown.articles if i is not None), sorted(shown.stories))
        version, pool = self._versioned_pool()
        key = f"personal:{self.personal_key(reader)}:{limit}:{page}:{version}"
        return remember(self.personal_cache, key, lambda: self._personal(reader, limit, shown, pool, key))

    def _pool(self) -> tuple[Candidate, ...]:
        return self._versioned_pool()[1]

    def _versioned_pool(self) -> tuple[int, tuple[Candidate, ...]]:
        """The shared pool, with a number that changes when what For you reads of it changes."""

        def make() -> tuple[int, tuple[Candidate, ...]]:
            pool = tuple(candidates_of(self.store.list_articles(ArticleFilter(limit=POOL))))
            facts = tuple((c.article.id, c.article.revision, c.article.story_id, c.breadth) for c in pool)
            return hash(facts), pool

        return remember(self.cache, "foryou:pool", make)

    def _personal(
        self, reader: Reader, limit: int, shown: Shown, pool: tuple[Candidate, ...], key: str
    ) -> ForYou:
        now = self.now()
        signals = self.store.reading_signals(reader.id, now - timedelta(days=SIGNAL_DAYS), SIGNALS)
        known = {c.article.id: c for c in pool}
        missing = [s.article_id for s in signals if s.article_id not in known]
        known |= {c.article.id: c for c in candidates_of(self.store.get_articles(missing))}
        profile = reading_profile(signals, {i: c for i, c in known.items() if i is not None}, now)
        followed = self._followed(pool, reader, limit)
        candidates = [
            c
            for c in [*pool, *(c for c in candidates_of(followed) if c.article.id not in known)]
            if not shown.has(c.article)
        ]
        names = {p.id: p.name for p in self.publishers().values()}
        cards = rank_for_you(candidates, reader, profile, names, now, limit)
        choices = interest_choices(pool, names) if knows_little(reader, profile) else []
        return ForYou(tuple(ReasonCard(c.article, c.reason) for c in cards), tuple(choices), key)

    def _followed(self, pool: Sequence[Candidate], reader: Reader, limit: int) -> list[Article]:
        """The newest articles of what the reader follows, read only when the shared pool has
        too few of them (a follow of a quiet publisher): one listing per kind of follow. A pool
        shorter than POOL holds every article: nothing to add then."""
        if len(pool) < POOL or _followed_in(pool, reader) >= limit:
            return []
        found: list[Article] = []
        if reader.followed_publishers:
            found += self.store.list_articles(
                ArticleFilter(publisher_ids=reader.followed_publishers, limit=limit * 3)
            )
        if reader.followed_sections:
            found += self.store.list_articles(
                ArticleFilter(sections=reader.followed_sections, limit=limit * 3)
            )
        return found

    def section_top(self, name: str, limit: int = SECTION_TOP) -> list[TopCard]:
        """A section's Top stories: its stories ranked by how many publishers cover them, how
        many articles came in the last hours and how recent they are (``stories.sectiontop``);
        the same for every reader, from the shared cache when fresh."""
        return remember(self.cache, f"section-top:{name}:{limit}", lambda: self._section_top(name, limit))

    def section_front(
        self, name: str, listing: Sequence[Article], first_page: bool = True
    ) -> tuple[list[TopCard], list[Article]]:
        """A section page: its Top stories and the listing without them, so no story shows twice
        on the page; later pages are the listing as it is."""
        if not first_page:
            return [], list(listing)
        top = self.section_top(name)
        shown = Shown()
        for card in top:
            shown.take(card.article)
        return top, [a for a in listing if shown.take(a)]

    def _section_top(self, name: str, limit: int) -> list[TopCard]:
        items = self.store.list_articles(ArticleFilter(sections=(name,), limit=SECTION_READ))
        ranked = rank_section_stories(items, self.now(), limit)
        return [TopCard(t.lead, max(0, t.publishers - 1)) for t in ranked]

    def suggestions(self, limit: int = 6) -> list[Publisher]:
        """Publishers to follow for a reader who follows none: those with the most articles
        among the newest, never one without articles."""
        counts: dict[str, int] = {}
        for c in self._pool():
            counts[c.article.publisher_id] = counts.get(c.article.publisher_id, 0) + 1
        known = self.publishers()
        ranked = sorted((p for p in counts if p in known), key=lambda p: (-counts[p], known[p].name))
        return [known[p] for p in ranked[:limit]]

    # --- editors --------------------------------------------------------------------------------

    def pick(
        self, editor: Reader, *, article_id: int | None = None, story_id: int | None = None, note: str = ""
    ) -> Pick:
        """Pick an article or a story; picking it again renews it with the new note. Every reader
        sees the change at once.

        Raises PermissionDeniedError for readers, InvalidDataError unless exactly one
        of article_id and story_id is given, NotFoundError for an unknown article.
        """
        _require_editor(editor)
        if (article_id is None) == (story_id is None):
            raise InvalidDataError("pick either an article or a story")
        if article_id is not None:
            self.store.get_article(article_id)
        pick = self.store.put_pick(article_id, story_id, note.strip()[:500], editor.id, self.now())
        self.cache.clear()
        return pick

    def unpick(self, editor: Reader, pick_id: int) -> None:
        """Raises PermissionDeniedError and NotFoundError."""
        _require_editor(editor)
        self.store.remove_pick(pick_id)
        self.cache.clear()

    def list_picks(self, limit: int = 10) -> list[Pick]:
        return self.store.list_picks(limit)

    def picks_for_editors(self) -> list[tuple[Pick, Article | None]]:
        """Recent picks, each with its article (None for a story pick or an article gone since)."""
        picks = self.store.list_picks(PICKS_KEPT)
        found = {a.id: a for a in self.store.get_articles([p.article_id for p in picks if p.article_id])}
        return [(p, found.get(p.article_id)) for p in picks]


def _require_editor(actor: Reader) -> None:
    if not actor.is_editor:
        raise PermissionDeniedError("Only editors can change Our picks.")
