"""How well a clustering matches labelled events: B-cubed and the adjusted Rand index.

Also reads the shared labelled corpus and replays it through the same steps the
service takes, so the quality gate measures what readers get.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import comb
from pathlib import Path
from typing import Any

from newsstand.errors import InvalidDataError
from newsstand.model import ArticleText, CopyCandidates, OpenStory, StoryWrite, utc
from newsstand.model.postings import StoryPostings
from newsstand.stories.cluster import DEFAULT_PARAMS, MAX_CANDIDATES, MIN_SHARED, ClusterParams
from newsstand.stories.plan import RoundPlan, open_since, plan_update, read, search_terms, weigh
from newsstand.stories.text import Rarity


@dataclass(frozen=True, slots=True)
class ClusterScores:
    precision: float
    recall: float
    f1: float
    ari: float
    clusters: int
    items: int
    gold_clusters: int = 0


def _check(predicted: Mapping[Any, Hashable], gold: Mapping[Any, Hashable]) -> None:
    if set(predicted) != set(gold):
        raise InvalidDataError("predicted and gold clusterings must cover the same items")
    if not gold:
        raise InvalidDataError("cannot score an empty clustering")


def bcubed(predicted: Mapping[Any, Hashable], gold: Mapping[Any, Hashable]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 (Bagga and Baldwin) of item -> cluster maps.

    Raises InvalidDataError when the maps do not cover the same items.
    """
    _check(predicted, gold)
    pairs = Counter((predicted[i], gold[i]) for i in gold)
    pred_size = Counter(predicted.values())
    gold_size = Counter(gold.values())
    # Every item of one (predicted, gold) cell shares the same per-item scores.
    precision = sum(n * n / pred_size[p] for (p, _), n in pairs.items()) / len(gold)
    recall = sum(n * n / gold_size[g] for (_, g), n in pairs.items()) / len(gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def adjusted_rand(predicted: Mapping[Any, Hashable], gold: Mapping[Any, Hashable]) -> float:
    """Adjusted Rand index (Hubert and Arabie): 1 for identical clusterings, about 0 for chance.

    Raises InvalidDataError when the maps do not cover the same items.
    """
    _check(predicted, gold)
    cells = sum(comb(n, 2) for n in Counter((predicted[i], gold[i]) for i in gold).values())
    rows = sum(comb(n, 2) for n in Counter(predicted.values()).values())
    cols = sum(comb(n, 2) for n in Counter(gold.values()).values())
    expected = rows * cols / comb(len(gold), 2) if len(gold) > 1 else 0.0
    best = (rows + cols) / 2
    if best == expected:
        return 1.0
    return (cells - expected) / (best - expected)


def score(predicted: Mapping[Any, Hashable], gold: Mapping[Any, Hashable]) -> ClusterScores:
    """All scores of a clustering against gold labels."""
    precision, recall, f1 = bcubed(predicted, gold)
    return ClusterScores(
        precision=precision,
        recall=recall,
        f1=f1,
        ari=adjusted_rand(predicted, gold),
        clusters=len(set(predicted.values())),
        items=len(gold),
        gold_clusters=len(set(gold.values())),
    )


def read_labelled(path: Path) -> tuple[list[ArticleText], dict[int, Hashable]]:
    """Articles and gold event labels from a JSON-lines file of the shared stories corpus.

    Each line has ``title``, ``description``, ``text``, ``publisher``, ``date_publish``
    (ISO, taken as UTC when naive) and ``event_id``. Raises InvalidDataError on a bad line.
    """
    articles: list[ArticleText] = []
    gold: dict[int, Hashable] = {}
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                row = json.loads(line)
                published = utc(datetime.fromisoformat(row["date_publish"]))
                article = ArticleText(
                    article_id=number,
                    publisher_id=str(row["publisher"]),
                    published=published,
                    title=row.get("title") or "",
                    standfirst=row.get("description") or "",
                    body_text=row.get("text") or "",
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise InvalidDataError(f"{path}:{number}: not a labelled article ({exc})") from exc
            articles.append(article)
            gold[number] = row["event_id"]
    return articles, gold


class MemoryStories:
    """What the store keeps of stories, in memory: the replay's stand-in for a database.

    It applies a ``RoundPlan`` as ``save_stories`` does (new stories get the next
    ids, merged stories move their articles) and answers the same questions.
    """

    def __init__(self) -> None:
        self.assigned: dict[int, int] = {}
        self.stories: dict[int, tuple[OpenStory, datetime]] = {}
        self.df: Counter[str] = Counter()
        self.bands: dict[int, list[int]] = {}
        self.index = StoryPostings()
        self.documents = 0
        self._next_id = 1

    def open_stories(self, since: datetime, lookups: Iterable[Iterable[str]]) -> list[OpenStory]:
        """As the store answers: per lookup, the open stories sharing ``MIN_SHARED`` of its
        terms, at most ``MAX_CANDIDATES``, those sharing most first (``StoryPostings``)."""
        keys: set[int] = set()
        for terms in lookups:
            keys.update(self.index.lookup(terms, since, MIN_SHARED, MAX_CANDIDATES))
        return [self.stories[k][0] for k in sorted(keys)]

    def rarity(self) -> Rarity:
        return Rarity(self.df, self.documents)

    def candidates(self, band_keys: Iterable[int]) -> CopyCandidates:
        keys = set(band_keys)
        holders = {k: tuple(self.bands[k]) for k in keys if k in self.bands}
        originals = {a for ids in holders.values() for a in ids}
        return CopyCandidates(holders, {a: self.assigned[a] for a in originals if a in self.assigned})

    def apply(self, plan: RoundPlan) -> None:
        self.df.update(plan.counts.df)
        for article_id, keys in plan.copies.keys.items():
            if article_id not in plan.copies.copy_of:
                for key in keys:
                    self.bands.setdefault(key, []).append(article_id)
        self.documents += plan.counts.documents
        written: list[tuple[int, StoryWrite]] = []
        for write in plan.writes:
            story_id = write.key
            if story_id < 0:
                story_id, self._next_id = self._next_id, self._next_id + 1
            gone = set(write.absorbs)
            for article_id, current in self.assigned.items():
                if current in gone:
                    self.assigned[article_id] = story_id
            for old in gone:
                self.stories.pop(old, None)
            for article_id in write.article_ids:
                self.assigned[article_id] = story_id
            story = OpenStory(
                story_id,
                write.first_seen,
                write.last_updated,
                write.size,
                write.terms,
                write.lead_article_id,
                write.lead_score,
            )
            self.stories[story_id] = (story, write.open_until or write.last_updated)
            written.append((story_id, write))
        # Indexed as the store does: merged-away stories leave, the round's in id order.
        for write in plan.writes:
            for old in write.absorbs:
                self.index.drop(old)
        for story_id, write in sorted(written, key=lambda w: w[0]):
            self.index.put(story_id, write.index_terms, self.stories[story_id][1])


def _rounds(ordered: Sequence[ArticleText], round_length: timedelta | None, batch: int) -> Iterable[int]:
    """Where each round ends in ``ordered``: a span of time, or ``batch`` articles."""
    start = 0
    while start < len(ordered):
        stop = start + 1
        if round_length is None:
            stop = min(start + batch, len(ordered))
        else:
            end_time = ordered[start].published + round_length
            while stop < len(ordered) and ordered[stop].published < end_time:
                stop += 1
        yield stop
        start = stop


def replay(
    articles: Sequence[ArticleText],
    round_length: timedelta | None,
    params: ClusterParams = DEFAULT_PARAMS,
    batch: int = 5000,
) -> dict[int, int]:
    """Cluster as the service would if articles arrived in rounds of ``round_length``.

    With ``round_length`` None, as a rebuild does: every article is already
    there and rounds take ``batch`` articles in publication order. Returns
    article id -> story id.
    """
    ordered = sorted(articles, key=lambda a: (a.published, a.article_id))
    memory = MemoryStories()
    start = 0
    last = max((a.published for a in ordered), default=None)
    for stop in _rounds(ordered, round_length, batch):
        pending = ordered[start:stop]
        now = pending[-1].published + round_length if round_length else last
        assert now is not None
        since = open_since(pending, params)
        assert since is not None
        rarity = memory.rarity()
        reading = read(pending)
        weighed = weigh(reading, rarity)
        stories = memory.open_stories(since, search_terms(weighed))
        candidates = memory.candidates(reading.band_keys())
        memory.apply(plan_update(stories, pending, rarity, now, params, candidates, weighed, reading.keys))
        start = stop
    return dict(memory.assigned)
