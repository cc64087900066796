"""Which story an article joins: pure decisions, and an incremental clusterer.

A story is summarised by the centroid of its articles' term vectors. A new
article joins the story whose centroid it is most similar to, provided the
similarity clears a threshold that rises with the time between the article and
the story (reports days apart rarely describe the same event) and the article
falls inside the story's time window at all. An article that is a near copy of
one member (a syndicated agency report, a publisher's re-post) joins that
member's story even when the centroid has drifted, whoever published it.

``Clusterer`` applies ``assign`` one article at a time, in publication order, so
new articles join existing stories without re-clustering what is stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice

from newsstand.stories.text import ArticleFeatures, cosine, top_terms


@dataclass(frozen=True, slots=True)
class ClusterParams:
    """Thresholds of the decision; see docs/decisions.md ("Stories") for why these values."""

    # Cosine to a story's centroid at which an article joins it, when published
    # within the story's span.
    join_threshold: float = 0.25
    # Added to the threshold per day between the article and the story's span.
    threshold_per_day: float = 0.05
    # Beyond this distance from a story's span an article never joins it.
    window: timedelta = timedelta(hours=72)
    # Cosine to a single member above which the article is a copy of it.
    duplicate_threshold: float = 0.70


DEFAULT_PARAMS = ClusterParams()

# Stories are indexed, and articles looked up, under this many of their strongest
# terms: two reports of one event share at least one of their names or rarest words.
INDEX_TERMS = 12
# How many of the nearest stories are searched for a near copy of an article.
COPY_CHECKS = 3


@dataclass(frozen=True, slots=True)
class StoryProfile:
    """What the clusterer knows of a story: its span, members and centroid.

    ``key`` is the stored story's id, or a negative number for a story the
    clusterer has only just opened.
    """

    key: int
    first_seen: datetime
    last_updated: datetime
    members: tuple[ArticleFeatures, ...]
    total: Mapping[str, float] = field(repr=False)
    centroid: Mapping[str, float] = field(repr=False)

    def with_article(self, article: ArticleFeatures) -> StoryProfile:
        """A copy of this story with ``article`` added."""
        total = dict(self.total)
        for term, weight in article.vector.items():
            total[term] = total.get(term, 0.0) + weight
        return StoryProfile(
            key=self.key,
            first_seen=min(self.first_seen, article.published),
            last_updated=max(self.last_updated, article.published),
            members=(*self.members, article),
            total=total,
            centroid=top_terms(total),
        )


def new_profile(
    key: int,
    members: Sequence[ArticleFeatures],
    first_seen: datetime | None = None,
    last_updated: datetime | None = None,
) -> StoryProfile:
    """A story made of ``members`` (at least one); the span widens to cover them all."""
    total: dict[str, float] = defaultdict(float)
    for member in members:
        for term, weight in member.vector.items():
            total[term] += weight
    times = [m.published for m in members]
    return StoryProfile(
        key=key,
        first_seen=min([*times, first_seen] if first_seen else times),
        last_updated=max([*times, last_updated] if last_updated else times),
        members=tuple(members),
        total=dict(total),
        centroid=top_terms(total),
    )


def time_gap(at: datetime, story: StoryProfile) -> timedelta:
    """How far ``at`` lies outside the story's span (zero inside it)."""
    if at < story.first_seen:
        return story.first_seen - at
    if at > story.last_updated:
        return at - story.last_updated
    return timedelta(0)


def join_bar(gap: timedelta, params: ClusterParams = DEFAULT_PARAMS) -> float | None:
    """The centroid similarity needed to join a story ``gap`` away; None beyond the window."""
    if gap > params.window:
        return None
    return params.join_threshold + params.threshold_per_day * (gap / timedelta(days=1))


def is_copy(article: ArticleFeatures, story: StoryProfile, params: ClusterParams = DEFAULT_PARAMS) -> bool:
    """Whether ``article`` is a near copy of one of the story's members."""
    return any(cosine(article.vector, m.vector) >= params.duplicate_threshold for m in story.members)


def assign(
    article: ArticleFeatures,
    candidates: Iterable[StoryProfile],
    now: datetime,
    params: ClusterParams = DEFAULT_PARAMS,
) -> int | None:
    """The key of the story ``article`` joins, or None when it starts a new one.

    The story whose centroid clears its bar by most wins; failing that, a story
    holding a near copy of the article. An article dated in the future counts
    as published ``now``.
    """
    at = min(article.published, now)
    scored: list[tuple[float, int, StoryProfile]] = []
    for story in candidates:
        bar = join_bar(time_gap(at, story), params)
        if bar is not None:
            scored.append((cosine(article.vector, story.centroid) - bar, story.key, story))
    scored.sort(key=lambda item: (-item[0], item[1]))
    if scored and scored[0][0] >= 0:
        return scored[0][1]
    # A copy is close to its story's centroid too, so only the nearest few are searched.
    for _, key, story in scored[:COPY_CHECKS]:
        if is_copy(article, story, params):
            return key
    return None


def lead_article(story: StoryProfile) -> int:
    """The member closest to the centroid (earliest on a tie): the story's best summary."""
    ranked = sorted(story.members, key=lambda m: (-cosine(m.vector, story.centroid), m.published))
    return ranked[0].article_id


class Clusterer:
    """Assigns articles to stories one at a time, keeping an index from terms to stories.

    Only stories sharing one of their strongest terms with the article are
    compared, which keeps each assignment cheap however many stories are open.
    """

    def __init__(self, stories: Iterable[StoryProfile] = (), params: ClusterParams = DEFAULT_PARAMS):
        self.params = params
        self.stories: dict[int, StoryProfile] = {}
        self._postings: dict[str, set[int]] = defaultdict(set)
        self._next_key = -1
        for story in stories:
            self._put(story)

    def _put(self, story: StoryProfile) -> None:
        self.stories[story.key] = story
        # Terms that later drop out of a story's strongest stay indexed: a stale
        # entry only costs one comparison more.
        for term in islice(story.centroid, INDEX_TERMS):
            self._postings[term].add(story.key)

    def candidates(self, article: ArticleFeatures, at: datetime) -> list[StoryProfile]:
        """Open stories sharing a strong term with ``article`` and within reach in time."""
        keys: set[int] = set()
        for term in islice(article.vector, INDEX_TERMS):
            keys.update(self._postings.get(term, ()))
        reach = self.params.window
        return [s for k in keys if (s := self.stories[k]).first_seen - reach <= at <= s.last_updated + reach]

    def add(self, article: ArticleFeatures, now: datetime) -> int:
        """Put ``article`` into a story and return that story's key (negative when new)."""
        at = min(article.published, now)
        key = assign(article, self.candidates(article, at), now, self.params)
        if key is None:
            key = self._next_key
            self._next_key -= 1
            self._put(new_profile(key, [article]))
        else:
            self._put(self.stories[key].with_article(article))
        return key


def cluster(
    articles: Iterable[ArticleFeatures], now: datetime, params: ClusterParams = DEFAULT_PARAMS
) -> dict[int, int]:
    """Cluster from scratch: article id -> story key, articles taken in publication order."""
    clusterer = Clusterer(params=params)
    ordered = sorted(articles, key=lambda a: (a.published, a.article_id))
    return {a.article_id: clusterer.add(a, now) for a in ordered}
