"""Which story an article joins, and which stories are one: pure decisions.

A story is summarised by the sum of its articles' unit term vectors
(``StoryProfile.total``) and its size. The similarity of an article to a story
is the mean cosine between the article and the story's members, which that sum
gives in one dot product; two stories are as similar as the mean cosine across
their members (average link). Average link keeps a large story from swallowing
whatever touches one of its words, and asks the same of an article whichever
member it happens to resemble.

An article joins the most similar story that is still open, if the similarity
clears ``join_threshold``. A story stays open for a while after its latest
article, longer the more articles it has (``reach``): a brief item is done in
days, a story many outlets keep covering may resurface weeks later. Past that
reach, for ``far_window`` more, only a much closer likeness joins or merges
(``join_threshold``, ``far_merge``): a topic covered again after months.

After a round of articles, ``merge_pass`` joins stories that have converged:
two reports of one event that arrived apart, each opening a story, become one
once their members show it. That second pass is what makes the result depend
little on the order articles arrive in.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain, islice

from newsstand.stories.text import MAX_TERMS, ArticleFeatures, cosine, heaviest, top_terms, unit


@dataclass(frozen=True, slots=True)
class ClusterParams:
    """Thresholds of the decision; see docs/decisions.md ("Stories") for why these values."""

    # Mean cosine to a story's members at which an article joins it at once;
    # a weaker likeness is left to the merge pass, which weighs it closest pair first.
    join_threshold: float = 0.25
    # Mean cosine across two stories' members at which they merge.
    merge_threshold: float = 0.15
    # How long a one-article story stays open after its latest article...
    window: timedelta = timedelta(days=7)
    # ...each further article keeps it open this much longer...
    window_per_article: timedelta = timedelta(days=30)
    # ...and so does the time it has run already, up to ``max_window``.
    span_factor: float = 1.0
    max_window: timedelta = timedelta(days=365)
    # Past that, for ``far_window`` after its latest article, a story takes only an article
    # (``far_join``) or a story (``far_merge``) that resembles it more closely: a topic
    # covered again after months. A zero ``far_window`` closes a story at its reach.
    far_window: timedelta = timedelta(days=730)
    far_join: float = 0.50
    far_merge: float = 0.40


DEFAULT_PARAMS = ClusterParams()

# Stories are indexed, and articles looked up, under this many of their strongest
# terms: two reports of one event share several of their names or rarest words.
INDEX_TERMS = 16
# How many of those an article and a story must share for the two to be compared...
MIN_SHARED = 2
# ...and two stories, for the merge pass to weigh them.
MERGE_SHARED = 2
# At most this many stories are compared with one article or story.
MAX_CANDIDATES = 48
# A stored story keeps this many of its summed term weights: as many as its centroid reads
# (``MAX_TERMS``). Every comparison, merge and stored profile costs in proportion; 120 gave
# the same quality on the labelled sets (docs/decisions.md, "Profiles of 80 terms").
PROFILE_TERMS = 80


@dataclass(frozen=True, slots=True)
class StoryProfile:
    """What the clusterer knows of a story: its span, size and summed member vectors.

    ``key`` is the stored story's id, or a negative number for a story the
    clusterer has only just opened. ``lead_score`` is how close the lead article
    was to the story's centroid when it was chosen.
    """

    key: int
    first_seen: datetime
    last_updated: datetime
    size: int
    total: Mapping[str, float] = field(repr=False)
    lead_article_id: int | None = None
    lead_score: float = 0.0

    def centroid(self) -> dict[str, float]:
        """The story's strongest terms as a unit vector."""
        return top_terms(self.total)


def reach(size: int, span: timedelta, params: ClusterParams = DEFAULT_PARAMS) -> timedelta:
    """How long after its latest article a story of ``size`` articles, running for ``span``
    already, stays open: a story that has lasted a month is likely to last longer."""
    grown = params.window + params.window_per_article * max(size - 1, 0) + span * params.span_factor
    return min(grown, params.max_window)


def near_until(story: StoryProfile, params: ClusterParams = DEFAULT_PARAMS) -> datetime:
    """Until when ``story`` takes articles at the ordinary thresholds."""
    return story.last_updated + reach(story.size, story.last_updated - story.first_seen, params)


def open_until(story: StoryProfile, params: ClusterParams = DEFAULT_PARAMS) -> datetime:
    """When ``story`` closes for good unless another article joins it."""
    return max(near_until(story, params), story.last_updated + params.far_window)


def within_reach(at: datetime, story: StoryProfile, params: ClusterParams = DEFAULT_PARAMS) -> bool:
    """Whether an article published ``at`` may still join ``story``."""
    return story.first_seen - params.window <= at <= open_until(story, params)


def join_threshold(at: datetime, story: StoryProfile, params: ClusterParams = DEFAULT_PARAMS) -> float:
    """How alike an article published ``at`` must be to join ``story``: more past its reach."""
    return params.join_threshold if at <= near_until(story, params) else params.far_join


def similarity(article: ArticleFeatures, story: StoryProfile) -> float:
    """Mean cosine between ``article`` and the story's members."""
    total, vector = story.total, article.vector
    # Intersecting the key views runs in C; few terms are shared, so the sum is short.
    return sum(vector[t] * total[t] for t in vector.keys() & total.keys()) / story.size


def linkage(a: StoryProfile, b: StoryProfile) -> float:
    """Mean cosine between the members of two stories (average link)."""
    x, y = a.total, b.total
    return sum(x[t] * y[t] for t in x.keys() & y.keys()) / (a.size * b.size)


def combine(a: StoryProfile, b: StoryProfile, key: int) -> StoryProfile:
    """One story made of both; the better lead stays."""
    total = dict(a.total)
    for term, weight in b.total.items():
        total[term] = total.get(term, 0.0) + weight
    lead = a if a.lead_score >= b.lead_score else b
    return StoryProfile(
        key=key,
        first_seen=min(a.first_seen, b.first_seen),
        last_updated=max(a.last_updated, b.last_updated),
        size=a.size + b.size,
        total=trimmed(total),
        lead_article_id=lead.lead_article_id,
        lead_score=lead.lead_score,
    )


def trimmed(total: Mapping[str, float], limit: int = PROFILE_TERMS) -> dict[str, float]:
    """The ``limit`` heaviest terms of a summed vector, heaviest first."""
    return dict(heaviest(total)[:limit])


def add_article(story: StoryProfile, article: ArticleFeatures) -> StoryProfile:
    """``story`` with ``article`` added; the article becomes the lead when it is more central."""
    grown = combine(story, single(article, story.key), story.key)
    # The summed vector is stored heaviest first: its centroid is its head at unit length.
    score = cosine(article.vector, unit(list(islice(grown.total.items(), MAX_TERMS))))
    if score > story.lead_score or story.lead_article_id is None:
        return StoryProfile(
            grown.key,
            grown.first_seen,
            grown.last_updated,
            grown.size,
            grown.total,
            article.article_id,
            score,
        )
    return grown


def single(article: ArticleFeatures, key: int) -> StoryProfile:
    """A story of one article, which is its lead."""
    return StoryProfile(
        key=key,
        first_seen=article.published,
        last_updated=article.published,
        size=1,
        total=dict(article.vector),
        lead_article_id=article.article_id,
        lead_score=1.0,
    )


def best_story(
    article: ArticleFeatures,
    candidates: Iterable[StoryProfile],
    params: ClusterParams = DEFAULT_PARAMS,
    near: Mapping[int, datetime] | None = None,
) -> int | None:
    """The key of the most similar candidate clearing the join threshold, or None.

    Ties go to the lower key, so the decision does not depend on the candidates' order.
    ``near`` holds each candidate's ``near_until`` when the caller keeps them.
    """
    best: tuple[float, int] | None = None
    at = article.published
    for story in candidates:
        sim = similarity(article, story)
        if near is None:
            least = join_threshold(at, story, params)
        else:  # join_threshold, with the time already worked out
            least = params.join_threshold if at <= near[story.key] else params.far_join
        if sim >= least and (best is None or (-sim, story.key) < (-best[0], best[1])):
            best = (sim, story.key)
    return best[1] if best else None


# A pair queued for merging: link (negated), keys, a tie-breaker, both stories as queued.
_Link = tuple[float, int, int, int, "StoryProfile", "StoryProfile"]


class Clusterer:
    """Stories in memory, indexed from their strongest terms, that articles join one at a time.

    Only stories sharing ``MIN_SHARED`` of their strongest terms with the article
    are compared, at most ``MAX_CANDIDATES`` of them, which keeps each assignment
    cheap however many stories are open.
    """

    def __init__(self, stories: Iterable[StoryProfile] = (), params: ClusterParams = DEFAULT_PARAMS):
        self.params = params
        self.stories: dict[int, StoryProfile] = {}
        self.absorbed: dict[int, int] = {}  # story key -> the key of the story it merged into
        self._postings: dict[str, set[int]] = defaultdict(set)
        self._closes: dict[int, datetime] = {}  # when each story closes for good
        self._near_closes: dict[int, datetime] = {}  # until when it merges at the ordinary threshold
        self._next_key = -1
        for story in stories:
            self._put(story)

    def _put(self, story: StoryProfile) -> None:
        self.stories[story.key] = story
        near = near_until(story, self.params)
        self._near_closes[story.key] = near
        self._closes[story.key] = max(near, story.last_updated + self.params.far_window)  # open_until
        # Terms that later drop out of a story's strongest stay indexed: a stale
        # entry only costs one comparison more.
        key, postings = story.key, self._postings
        for term in islice(story.total, INDEX_TERMS):
            postings[term].add(key)

    def _near(self, terms: Iterable[str], shared: int = 0) -> set[int]:
        """Stories sharing at least ``shared`` (default ``MIN_SHARED``) of their strongest terms
        with ``terms``'s strongest: one shared word is what unrelated stories of a topic have
        in common."""
        postings = self._postings
        held = [p for t in islice(terms, INDEX_TERMS) if (p := postings.get(t))]
        least = shared or MIN_SHARED
        if least == 2:
            # The stories in two postings or more, by set operations in C: a topic's word may be
            # held by thousands of the round's stories, and counting each was most of a round.
            # The largest posting goes last and is never added to ``once``: such a word then
            # costs one intersection, which runs over the smaller side.
            held.sort(key=len)
            once: set[int] = set()
            twice: set[int] = set()
            for posting in held[:-1]:
                twice |= once & posting
                once |= posting
            if held:
                twice |= once & held[-1]
            found = twice & self.stories.keys()
            if len(found) <= MAX_CANDIDATES:
                return found
            # How many postings hold each, counted in C: one generator per story found was
            # most of the merge pass at a million stored articles.
            counts: Counter[int] = Counter()
            for posting in held:
                counts.update(posting & found)
            # Those sharing most first, then the lower key (the order ``nsmallest`` gives below):
            # two sorts in C, the second stable, instead of a tuple built per story.
            ranked = sorted(counts)
            ranked.sort(key=counts.__getitem__, reverse=True)
            return set(ranked[:MAX_CANDIDATES])
        hits = Counter(chain.from_iterable(held))
        near = [(-n, k) for k, n in hits.items() if n >= least and k in self.stories]
        if len(near) > MAX_CANDIDATES:
            # A topic covered for weeks leaves many stories sharing its words: the ones
            # sharing most are compared, so a comparison costs the same in any store.
            near = heapq.nsmallest(MAX_CANDIDATES, near)
        return {k for _, k in near}

    def candidates(self, article: ArticleFeatures) -> list[StoryProfile]:
        """Open stories sharing strong terms with ``article`` and within reach in time
        (``within_reach``, with each story's closing time kept)."""
        at, window = article.published, self.params.window
        found = (self.stories[k] for k in self._near(article.vector))
        return [s for s in found if s.first_seen - window <= at <= self._closes[s.key]]

    def add(self, article: ArticleFeatures, into: int | None = None) -> int:
        """Put ``article`` into a story and return that story's key (negative when new).

        ``into`` names the story it must join (the story of the article it copies).
        """
        if into is None:
            key = best_story(article, self.candidates(article), self.params, self._near_closes)
        else:
            key = into
        if key is None:
            key = self._next_key
            self._next_key -= 1
            self._put(single(article, key))
        else:
            self._put(add_article(self.stories[key], article))
        return key

    def resolve(self, key: int) -> int:
        """The story ``key`` now belongs to, following merges."""
        while key in self.absorbed:
            key = self.absorbed[key]
        return key

    def merge_pass(self, touched: Iterable[int]) -> None:
        """Merge stories, starting from ``touched``, closest pair first, while a pair is linked
        closely enough (average link, as the offline reference does).

        The older story (a stored one before a new one) keeps its identity, so
        stored ids survive and new stories fold into them.
        """
        heap: list[_Link] = []
        # No story changes before the first pop: a pair weighed from one side needs no
        # weighing from the other (the same link, and a second entry that would pop stale).
        weighed: set[tuple[int, int]] = set()
        for key in sorted(set(touched)):
            self._queue_links(heap, key, weighed)
        while heap:
            _, a, b, _, first, second = heapq.heappop(heap)
            if self.stories.get(a) is not first or self.stories.get(b) is not second:
                continue  # one of them changed since the pair was queued
            keep, drop = _survivor(first, second)
            self.absorbed[drop.key] = keep.key
            del self.stories[drop.key]
            self._put(combine(keep, drop, keep.key))
            self._queue_links(heap, keep.key)

    def _queue_links(self, heap: list[_Link], key: int, weighed: set[tuple[int, int]] | None = None) -> None:
        story = self.stories.get(key)
        if story is None:
            return
        near, closes = self._near_closes, self._closes
        for other_key in self._near(story.total, MERGE_SHARED):
            if other_key == key:
                continue
            if weighed is not None:
                pair = (key, other_key) if key < other_key else (other_key, key)
                if pair in weighed:
                    continue
                weighed.add(pair)
            other = self.stories[other_key]
            if story.first_seen <= near[other_key] and other.first_seen <= near[key]:
                least = self.params.merge_threshold
            elif story.first_seen <= closes[other_key] and other.first_seen <= closes[key]:
                least = self.params.far_merge
            else:
                continue
            link = linkage(story, other)
            if link >= least:
                a, b = (story, other) if key < other_key else (other, story)
                heapq.heappush(heap, (-link, a.key, b.key, len(heap), a, b))


def _survivor(a: StoryProfile, b: StoryProfile) -> tuple[StoryProfile, StoryProfile]:
    """Which of two merging stories keeps its key: a stored one over a new one, then the older."""

    def rank(s: StoryProfile) -> tuple[bool, datetime, int]:
        return (s.key < 0, s.first_seen, abs(s.key))

    return (a, b) if rank(a) <= rank(b) else (b, a)


def cluster(articles: Iterable[ArticleFeatures], params: ClusterParams = DEFAULT_PARAMS) -> dict[int, int]:
    """Cluster from scratch: article id -> story key, articles taken in publication order."""
    clusterer = Clusterer(params=params)
    ordered = sorted(articles, key=lambda a: (a.published, a.article_id))
    placed = {a.article_id: clusterer.add(a) for a in ordered}
    clusterer.merge_pass(clusterer.stories)
    return {article_id: clusterer.resolve(key) for article_id, key in placed.items()}
