"""One round of story assignment, as a pure function from articles to story writes.

The service loads the articles still without a story ("pending"), the stories
still open around them with their stored profiles, and the store's document
frequencies of the pending articles' terms; ``plan_update`` decides, and the
service stores the writes and the round's own document frequencies together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice

from newsstand.model import ArticleText, CopyCandidates, CopyIndex, OpenStory, StoryWrite, TermCounts
from newsstand.stories.cluster import (
    DEFAULT_PARAMS,
    INDEX_TERMS,
    Clusterer,
    ClusterParams,
    StoryProfile,
    open_until,
)
from newsstand.stories.copies import article_keys, find_copies
from newsstand.stories.text import ArticleFeatures, Rarity, article_terms, features, round_frequencies

NO_CANDIDATES = CopyCandidates({}, {})


@dataclass(frozen=True, slots=True)
class RoundPlan:
    """What one round stores: the story writes and the round's document frequencies."""

    writes: list[StoryWrite]
    counts: TermCounts
    copies: CopyIndex = field(default_factory=CopyIndex)


def open_since(pending: Sequence[ArticleText], params: ClusterParams = DEFAULT_PARAMS) -> datetime | None:
    """Stories open at or after this time can matter to ``pending`` (None if nothing is pending)."""
    if not pending:
        return None
    return min(a.published for a in pending) - params.window


@dataclass(frozen=True, slots=True)
class Reading:
    """A round's pending articles as read once: each one's weighted term counts
    (``text.article_terms``) and band keys (``copies.article_keys``), in the order given."""

    pending: Sequence[ArticleText]
    counts: list[Mapping[str, float]]
    keys: dict[int, tuple[int, ...]]

    def terms(self) -> set[str]:
        """Every term whose stored document frequency the round needs."""
        return {t for c in self.counts for t in c}

    def band_keys(self) -> list[int]:
        """Every band key of the round, for the copies stored earlier."""
        return [k for keys in self.keys.values() for k in keys]


def read(pending: Sequence[ArticleText]) -> Reading:
    """Read a round's pending articles once, for ``weigh`` and ``plan_update``."""
    return Reading(
        pending, [article_terms(a) for a in pending], {a.article_id: article_keys(a) for a in pending}
    )


@dataclass(frozen=True, slots=True)
class Weighed:
    """A round's pending articles as term vectors, and the round's own document frequencies."""

    features: dict[int, ArticleFeatures]
    counts: TermCounts


def weigh(reading: Reading, stored: Rarity) -> Weighed:
    """Term vectors of a round's articles (as ``read``), words weighed by ``stored`` counts
    plus the round's own and general usage (``Rarity.general``), whatever ``stored`` says of it."""
    articles, counts = reading.pending, reading.counts
    df, documents = round_frequencies(counts)
    # General usage always counts here: a round and a rebuild then weigh words alike
    # however few articles the store has counted (docs/decisions.md, "Stories").
    rarities = replace(stored.plus(df, documents), general=True).weights(counts)
    vectors = {a.article_id: features(a, c, rarities) for a, c in zip(articles, counts, strict=True)}
    return Weighed(vectors, TermCounts(df, documents))


def search_terms(weighed: Weighed) -> list[tuple[str, ...]]:
    """For each of the round's articles, the terms under which the stories it could join are
    indexed (its strongest ``INDEX_TERMS``); a store looks up, per article, the open stories
    sharing ``MIN_SHARED`` of them, at most ``MAX_CANDIDATES``."""
    return [tuple(islice(f.vector, INDEX_TERMS)) for f in weighed.features.values()]


def profile(story: OpenStory) -> StoryProfile:
    """A stored story as the clusterer holds it."""
    return StoryProfile(
        key=story.story_id,
        first_seen=story.first_seen,
        last_updated=story.last_updated,
        size=story.size,
        total=story.terms,  # stored heaviest first (never changed: combine makes a new one)
        lead_article_id=story.lead_article_id,
        lead_score=story.lead_score,
    )


def plan_update(
    stories: Sequence[OpenStory],
    pending: Sequence[ArticleText],
    stored: Rarity,
    now: datetime,
    params: ClusterParams = DEFAULT_PARAMS,
    candidates: CopyCandidates = NO_CANDIDATES,
    weighed: Weighed | None = None,
    keys: Mapping[int, tuple[int, ...]] | None = None,
) -> RoundPlan:
    """Which story each pending article joins and which stories merge, as one write per story.

    ``stored`` holds the store's document frequencies (at least of the pending
    articles' terms); the round's articles are added to them before weighing.
    A write with a negative key is a story to create. An article dated in the
    future counts as published ``now``. A near copy of an earlier article
    (``candidates`` are the stored ones sharing band keys with pending articles)
    joins its original's story when that story is open. ``weighed`` is
    ``weigh(read(pending), stored)`` and ``keys`` the pending articles' band keys (``read``)
    when the caller has them already.
    """
    ordered = sorted(pending, key=lambda a: (a.published, a.article_id))
    if weighed is None or keys is None:
        reading = read(ordered)
        weighed = weighed or weigh(reading, stored)
        keys = reading.keys if keys is None else keys
    copy_of = find_copies(keys, candidates.holders, [a.article_id for a in ordered])
    clusterer = Clusterer((profile(s) for s in stories), params)
    joined: dict[int, list[int]] = defaultdict(list)
    placed: dict[int, int] = dict(candidates.story_of)
    titles = {a.article_id: a.title for a in ordered}
    for article in ordered:
        feats = weighed.features[article.article_id]
        if feats.published > now:
            feats = replace(feats, published=now)
        original = copy_of.get(article.article_id)
        into = clusterer.resolve(placed[original]) if original in placed else None
        key = clusterer.add(feats, into if into in clusterer.stories else None)
        placed[article.article_id] = key
        joined[key].append(article.article_id)
    clusterer.merge_pass(joined)
    writes = _writes(clusterer, joined, titles, params)
    published = {a.article_id: a.published for a in ordered}
    return RoundPlan(writes, weighed.counts, CopyIndex(copy_of, keys, published))


def _writes(
    clusterer: Clusterer,
    joined: Mapping[int, list[int]],
    titles: Mapping[int, str],
    params: ClusterParams,
) -> list[StoryWrite]:
    placed: dict[int, list[int]] = defaultdict(list)
    for key, article_ids in joined.items():
        placed[clusterer.resolve(key)] += article_ids
    absorbs: dict[int, list[int]] = defaultdict(list)
    for gone in clusterer.absorbed:
        if gone >= 0:
            absorbs[clusterer.resolve(gone)].append(gone)
    writes = []
    for key in sorted(set(placed) | set(absorbs)):
        story = clusterer.stories[key]
        assert story.lead_article_id is not None
        writes.append(
            StoryWrite(
                key=key,
                title=titles.get(story.lead_article_id, ""),
                first_seen=story.first_seen,
                last_updated=story.last_updated,
                lead_article_id=story.lead_article_id,
                article_ids=tuple(sorted(placed.get(key, ()))),
                absorbs=tuple(sorted(absorbs.get(key, ()))),
                size=story.size,
                terms=story.total,
                lead_score=story.lead_score,
                open_until=open_until(story, params),
                index_terms=tuple(islice(story.total, INDEX_TERMS)),
            )
        )
    return writes
