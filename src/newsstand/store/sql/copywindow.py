"""Near-copy lookups in memory: the band keys of the articles of the last days.

A round asks which stored articles share band keys with its new ones
(``newsstand.stories.copies``). The keys are random numbers, so an index of them
on disk took each round's inserts to as many different pages as there were keys:
at a million stored articles that was most of what a story round wrote. The
store keeps the keys in ``article_sketches`` instead, one row per original in
article order, and answers lookups from this index in memory, which holds the
keys of the articles published since the window's start (``copies.COPY_WINDOW``
before the round's oldest article): wire copy and re-posts follow their original
within days.

The index lives in an SQLite database in memory (B-trees in C: 63 MB for the 2.2
million keys of a week at 20,000 articles a day, loaded in 2.7 s of CPU; a Python
dict of them took three times the memory). It is a cache of the table under the
rule ``storycache`` follows: it holds one generation of the stories (the count of
``save_stories`` calls), takes the keys its own process writes as they commit,
and loads again from the table when another process wrote meanwhile. A lookup
reads only keys of articles published since the time asked, so a process that
starts afresh answers as one that ran before.
"""

from __future__ import annotations

import sqlite3
import struct
import threading
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newsstand.store.sql import schema as t
from newsstand.store.sql.storycache import generation

# Stored articles' sketches: their band keys packed big-endian, 8 bytes each (migration 0023).
article_sketches = sa.Table(
    "article_sketches",
    t.metadata,
    sa.Column("article_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("band_keys", sa.LargeBinary, nullable=False),
)
SKETCHES = article_sketches
# Keys older than the window are dropped once it has moved on this much (a scan of the index).
PRUNE_STEP = timedelta(days=1)


def pack(keys: Iterable[int]) -> bytes:
    """Band keys as stored: sorted, each a signed 64-bit big-endian integer."""
    ordered = sorted(set(keys))
    assert len(ordered) <= _MOST_KEYS, "more band keys than a sketch has"
    return struct.pack(f">{len(ordered)}q", *ordered)


def unpack(blob: bytes) -> tuple[int, ...]:
    return tuple(k for (k,) in struct.iter_unpack(">q", blob))


@dataclass(frozen=True, slots=True)
class Sketched:
    """Originals one ``save_stories`` stored: id, band keys, publication time."""

    generation: int
    articles: tuple[tuple[int, tuple[int, ...], datetime], ...]


# The index in memory: each original's publication time, and its keys as 8-byte blobs (as
# ``pack`` writes them: a stored sketch is cut into keys by SQLite, not by a Python loop).
_SCHEMA = (
    "CREATE TABLE originals (article_id INTEGER PRIMARY KEY, published REAL NOT NULL)",
    # One B-tree by key, without a rowid table beside an index: half the memory, and a
    # round's keys (sorted first) go in at two thirds of the cost.
    "CREATE TABLE bands (band BLOB NOT NULL, article_id INTEGER NOT NULL,"
    " PRIMARY KEY (band, article_id)) WITHOUT ROWID",
    "CREATE TABLE incoming (article_id INTEGER NOT NULL, published REAL NOT NULL, band_keys BLOB NOT NULL)",
    "CREATE TABLE slots (i INTEGER PRIMARY KEY)",  # 0 .. the most keys a sketch may hold
)
# The most keys one sketch may hold (a sketch has ``copies.BANDS``, 16) and the most keys one
# lookup statement reads (a round's are read in parts this size).
_MOST_KEYS = 256
_TAKE_IN = (  # an original already held is not taken in twice
    "INSERT OR IGNORE INTO bands SELECT substr(n.band_keys, 8 * s.i + 1, 8), n.article_id"
    " FROM incoming AS n JOIN slots AS s ON s.i < length(n.band_keys) / 8"
    " WHERE NOT EXISTS (SELECT 1 FROM originals AS o WHERE o.article_id = n.article_id)"
    " ORDER BY 1, 2",
    "INSERT OR IGNORE INTO originals SELECT article_id, published FROM incoming",
    "DELETE FROM incoming",
)
_LOOKUP = (
    "SELECT b.band, b.article_id FROM slots AS s"
    " JOIN bands AS b ON b.band = substr(:keys, 8 * s.i + 1, 8)"
    " JOIN originals AS o ON o.article_id = b.article_id"
    " WHERE s.i < :count AND o.published >= :since ORDER BY b.band, b.article_id"
)
_PRUNE = (
    "DELETE FROM bands WHERE article_id IN (SELECT article_id FROM originals WHERE published < :since)",
    "DELETE FROM originals WHERE published < :since",
)


class CopyWindow:
    """Band keys of recently published originals, by key, in memory; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Autocommit off: the driver opens a transaction before each batch of inserts (one
        # commit per batch, not per row) and the explicit commits below end it.
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        for statement in _SCHEMA:
            self._db.execute(statement)
        self._db.executemany("INSERT INTO slots VALUES (?)", ((i,) for i in range(_MOST_KEYS)))
        self._db.commit()
        self._generation = -1
        self._since: datetime | None = None  # every stored key of articles published since is held

    def holders(self, conn: Connection, keys: Collection[int], since: datetime) -> dict[int, list[int]]:
        """The stored originals published at ``since`` or later holding each of ``keys``
        (keys none holds are left out), loading the index when stale."""
        with self._lock:
            current = generation(conn)
            if self._generation != current or self._since is None:
                self._load(conn, since)
                self._generation = current
            elif since < self._since:
                # A round reaching further back (an article published late, a rebuild): only
                # the keys of the days it adds are read.
                self._load(conn, since, self._since)
            elif since - self._since >= PRUNE_STEP:
                for statement in _PRUNE:
                    self._db.execute(statement, {"since": since.timestamp()})
                self._db.commit()
                self._since = since
            found: dict[int, list[int]] = defaultdict(list)
            wanted = sorted(set(keys))
            for start in range(0, len(wanted), _MOST_KEYS):
                part = wanted[start : start + _MOST_KEYS]
                args = {"keys": pack(part), "count": len(part), "since": since.timestamp()}
                for band, article_id in self._db.execute(_LOOKUP, args):
                    found[int.from_bytes(band, "big", signed=True)].append(article_id)
            return found

    def _load(self, conn: Connection, since: datetime, until: datetime | None = None) -> None:
        """Hold the keys of the originals published since ``since``: all of them afresh, or
        with ``until`` (the start of what is held) those published before it."""
        a = t.articles
        stmt = (
            sa.select(SKETCHES.c.article_id, a.c.published, SKETCHES.c.band_keys)
            .select_from(a.join(SKETCHES, SKETCHES.c.article_id == a.c.id))
            .where(a.c.published >= since)
        )
        if until is not None:
            stmt = stmt.where(a.c.published < until)
        rows = (
            (article_id, published.timestamp(), blob) for article_id, published, blob in conn.execute(stmt)
        )
        db = self._db
        if until is None:
            db.execute("DELETE FROM bands")
            db.execute("DELETE FROM originals")
        self._take_in(rows)
        db.commit()
        self._since = since

    def _take_in(self, rows: Iterable[tuple[int, float, bytes]]) -> None:
        self._db.executemany("INSERT INTO incoming VALUES (?, ?, ?)", rows)
        for statement in _TAKE_IN:
            self._db.execute(statement)

    def apply(self, change: Sketched) -> None:
        """Take the keys a committed ``save_stories`` stored: incrementally when the index was
        current just before it, else forget it all (another process wrote meanwhile)."""
        with self._lock:
            if self._generation != change.generation - 1:
                if self._since is not None:  # a process that never looked copies up holds nothing
                    self._forget()
                return
            self._take_in((a, published.timestamp(), pack(keys)) for a, keys, published in change.articles)
            self._db.commit()
            self._generation = change.generation

    def forget(self) -> None:
        """Drop the index; the next lookup loads it again."""
        with self._lock:
            self._forget()

    def _forget(self) -> None:
        self._db.execute("DELETE FROM bands")
        self._db.execute("DELETE FROM originals")
        self._db.commit()
        self._generation = -1
        self._since = None


def sketch_rows(articles: Sequence[tuple[int, tuple[int, ...], datetime]]) -> list[dict[str, object]]:
    """The ``article_sketches`` rows of originals, in article order."""
    return [{"article_id": a, "band_keys": pack(keys)} for a, keys, _ in sorted(articles)]
