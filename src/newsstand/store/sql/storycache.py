"""The story index in memory: the open stories' ``index_terms`` as a ``StoryPostings``, kept
between rounds.

Looking up the open stories of a round's articles in SQL, one grouped query per
article, cost more the more stories the store held (a common word's postings
grow with the store). The store instead keeps the index in memory, loaded once
and then changed by its own ``save_stories`` as they commit. It is a cache of
the tables only: every ``save_stories`` and ``clear_stories`` counts one more
generation in ``store_meta`` (in its transaction), and a lookup that finds a
generation other than the one the cache holds (another process wrote stories)
loads the index again. Each term's stories are ordered by ``stories.touched``
(the generation that last wrote a story), then id: the order the cache keeps,
so a process that starts afresh answers every lookup as the one that ran before.

It keeps no story profiles: a round reads its candidates' stored terms from the table
each time. A cache of 20,000 profiles saved a round a fiftieth of its time at a million
stored articles, but its churn (thousands of profiles of some 7 KB in and out each round)
fragmented the process's heap until every allocation cost more: after 60 rounds a fixed
workload ran 16% slower in that process than in a fresh one, and rounds 7% slower than
without the cache (docs/decisions.md, "fourth pass").
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from newsstand.model import StoryWrite
from newsstand.model.postings import StoryPostings
from newsstand.store.sql.meta import store_meta

# The store_meta key counting the writes of stories (save_stories and clear_stories calls).
GENERATION_KEY = "story_generation"


def generation(conn: Connection) -> int:
    """How many times stories were written so far."""
    stmt = sa.select(store_meta.c.value).where(store_meta.c.key == GENERATION_KEY)
    return int(conn.execute(stmt).scalar() or 0)


def next_generation(conn: Connection) -> int:
    """Count one more write of stories, in the caller's transaction; returns its number.
    The upsert takes the row's lock, so concurrent writers get distinct numbers."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(store_meta).values(key=GENERATION_KEY, value="1")
    bumped = sa.cast(sa.cast(store_meta.c.value, sa.Integer) + 1, sa.Text)
    conn.execute(insert.on_conflict_do_update(index_elements=["key"], set_={"value": bumped}))
    return generation(conn)


@dataclass(frozen=True, slots=True)
class Indexed:
    """What one ``save_stories`` changed in the stories' index terms, to apply to the cache after
    commit."""

    generation: int
    gone: tuple[int, ...]  # stories merged away
    written: tuple[tuple[int, tuple[str, ...], datetime | None], ...]  # id, terms, open_until
    pruned: tuple[datetime | None, datetime] | None  # stories closing in [since, until) left


class StoryCache:
    """The store's index of open stories in memory, for one generation of the stories;
    thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._postings: StoryPostings | None = None
        self._generation = -1

    def current(self, conn: Connection) -> StoryPostings:
        """The index as of the store's current generation, loading it when stale. Hold ``lock``."""
        now = generation(conn)  # read before the index: a write in between only forces a reload
        if self._postings is None or self._generation != now:
            self._postings = load(conn)
            self._generation = now
        return self._postings

    def apply(self, change: Indexed) -> None:
        """Apply a committed write: incrementally when the cache was current just before it,
        else forget everything (another process wrote meanwhile)."""
        with self.lock:
            postings = self._postings
            if postings is None or self._generation != change.generation - 1:
                self.forget()
                return
            for story_id in change.gone:
                postings.drop(story_id)
            for story_id, terms, closes in sorted(change.written, key=lambda w: w[0]):
                if closes is None:
                    postings.drop(story_id)
                else:
                    postings.put(story_id, terms, closes)
            if change.pruned is not None:
                # The same stories _prune_index took out of the table: closing in [since, until).
                since, until = change.pruned
                postings.drop_closed(until, since)
            self._generation = change.generation

    def as_of(self, before: int) -> StoryPostings | None:
        """The index as the table held it at generation ``before``, or None when the cache
        holds another generation. For a writer whose transaction counted the generation after
        ``before``: no other write can change the index until it commits."""
        with self.lock:
            return self._postings if self._generation == before else None

    def forget(self) -> None:
        """Drop the cache; the next lookup loads the index again."""
        with self.lock:
            self._postings = None
            self._generation = -1


def load(conn: Connection) -> StoryPostings:
    """The open stories' index terms as postings, each term's stories in the order they were
    last written."""
    from newsstand.store.sql.stories import S

    postings = StoryPostings()
    stmt = (
        sa.select(S.c.id, S.c.open_until, S.c.index_terms)
        .where(S.c.open_until.is_not(None), S.c.index_terms != "")
        .order_by(S.c.touched, S.c.id)
    )
    for story_id, closes, terms in conn.execute(stmt):
        postings.put(story_id, terms.split(), closes)
    return postings


def written(
    ids: dict[int, int], writes: Sequence[StoryWrite], max_term: int
) -> tuple[tuple[int, tuple[str, ...], datetime | None], ...]:
    """The stories a save wrote, as indexed: final id, index terms kept, closing time."""
    return tuple(
        (
            ids.get(w.key, w.key),
            tuple(t for t in dict.fromkeys(w.index_terms) if len(t) <= max_term),
            w.open_until,
        )
        for w in writes
    )
