"""Open stories by their indexed terms: which stories a round's articles could join.

Pure and in memory. Each term keeps the stories indexed under it in the order
they were last written, most recent last. A lookup counts, for each of an
article's terms, only the ``REACH`` most recently written stories among those
still open: a word held by thousands of stories (a topic's name, a common word
that ranks high in short texts) then costs the same to look up in a store of a
million articles as in one of a thousand, and the stories it still brings are
the ones active lately, where another report of an ongoing event belongs. A
story from long ago is still found through the rarer words it shares.

The SQL store keeps one of these as a cache of its stories' ``index_terms`` (in
the same order, from the stories' ``touched`` round), and the quality harness
(``evaluate.MemoryStories``) uses it too, so both answer lookups alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from itertools import chain, islice

# A lookup reads at most this many open stories per term, the most recently written.
REACH = 64


class StoryPostings:
    """Stories indexed under terms, in the order they were last written, with when each closes."""

    def __init__(self) -> None:
        self._postings: dict[str, dict[int, None]] = {}
        self._terms: dict[int, tuple[str, ...]] = {}  # every term each story is indexed under
        self._closes: dict[int, datetime] = {}
        # No story closes before this (a lower bound): a lookup since then skips the check.
        self._earliest: datetime | None = None

    def __len__(self) -> int:
        return len(self._closes)

    def __contains__(self, story_id: object) -> bool:
        return story_id in self._closes

    def state(self) -> tuple[dict[str, list[int]], dict[int, datetime]]:
        """Every posting in order and every closing time: two indexes with equal states
        answer every lookup alike."""
        return {t: list(p) for t, p in self._postings.items()}, dict(self._closes)

    def ids(self) -> Iterable[int]:
        """Every story indexed."""
        return self._closes.keys()

    def terms_of(self, story_id: int) -> tuple[str, ...]:
        """Every term the story is indexed under (empty when it is not)."""
        return self._terms.get(story_id, ())

    def closes(self, story_id: int) -> datetime | None:
        """When the story closes, or None when it is not indexed."""
        return self._closes.get(story_id)

    def put(self, story_id: int, terms: Iterable[str], closes: datetime) -> None:
        """Index a story as the one written last, under ``terms`` as well as those it had
        (a term it no longer ranks high on stays: it costs one comparison more)."""
        held = tuple(dict.fromkeys((*self._terms.get(story_id, ()), *terms)))
        postings = self._postings
        for term in held:
            posting = postings.get(term)
            if posting is None:
                postings[term] = {story_id: None}
            else:
                posting.pop(story_id, None)
                posting[story_id] = None  # to the recent end
        self._terms[story_id] = held
        self._closes[story_id] = closes
        if self._earliest is None or closes < self._earliest:
            self._earliest = closes

    def drop(self, story_id: int) -> None:
        """Forget a story (merged away, or closed); unknown ids are ignored."""
        for term in self._terms.pop(story_id, ()):
            posting = self._postings.get(term)
            if posting is not None:
                posting.pop(story_id, None)
                if not posting:
                    del self._postings[term]
        self._closes.pop(story_id, None)

    def drop_closed(self, before: datetime, after: datetime | None = None) -> None:
        """Forget the stories closing before ``before`` (and at or after ``after``, when given):
        no lookup from then on finds them."""
        for story_id in [
            k for k, until in self._closes.items() if until < before and (after is None or until >= after)
        ]:
            self.drop(story_id)
        self._earliest = min(self._closes.values(), default=None)

    def lookup(self, terms: Iterable[str], since: datetime, shared: int, limit: int) -> set[int]:
        """Stories open at ``since`` (closing then or later) that share at least ``shared`` of
        ``terms``, counting for each term its ``REACH`` most recently written open stories;
        at most ``limit``: when more share as many, those sharing most, then the lower ids."""
        closes = self._closes
        every_open = self._earliest is None or self._earliest >= since  # the usual case
        held: list[Collection[int]] = []  # each term's stories counted
        for term in dict.fromkeys(terms):
            posting = self._postings.get(term)
            if posting is None:
                continue
            if every_open:
                held.append(
                    posting.keys() if len(posting) <= REACH else list(islice(reversed(posting), REACH))
                )
                continue
            opened = (k for k in reversed(posting) if closes[k] >= since)
            held.append(list(opened if len(posting) <= REACH else islice(opened, REACH)))
        return sharing(held, shared, limit)


def sharing(held: Sequence[Collection[int]], shared: int, limit: int) -> set[int]:
    """The ids found in at least ``shared`` of ``held`` (each a collection of distinct ids); at
    most ``limit``, those found most often first, then the lower ids."""
    if shared == 2:
        # Counted by set operations in C: a round looks up thousands of articles, each with
        # up to 16 terms of 64 stories, and a count per story in Python was most of a lookup.
        once: set[int] = set()
        found: set[int] = set()
        for ids in held:
            if once:
                found.update(once.intersection(ids))
            once.update(ids)
    else:
        hits = Counter(chain.from_iterable(held))
        found = {k for k, n in hits.items() if n >= shared}
    if len(found) <= limit:
        return found
    counts: Counter[int] = Counter()
    for ids in held:
        counts.update(found.intersection(ids))
    # Those found most first, then the lower id: two sorts in C, the second stable.
    ranked = sorted(counts)
    ranked.sort(key=counts.__getitem__, reverse=True)
    return set(ranked[:limit])
