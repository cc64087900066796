"""Search on PostgreSQL: a weighted ``tsvector`` on the 'simple' configuration with a
GIN index, ``websearch_to_tsquery`` and ``ts_rank_cd``; snippets are marked in Python.

The vectors live in ``article_search``, a table a trigger keeps in step with
``articles`` (migration 0001), inside their rows (0008): the row a search visits
brings its vector along, with no TOAST lookups. Its ``sections`` array (0006,
kept by triggers on ``article_sections``) shares the vectors' GIN index (0008), so
a section filter is intersected with the words inside one index scan. Phrases are checked only on
the newest articles holding all their words, a window at a time (see
``PostgresSearch.candidates``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.engine import Connection

from newsstand.model import Article, SearchQuery
from newsstand.store.sql.schema import UTCDateTime
from newsstand.store.sql.search import Clause, ParsedQuery, Window, highlight, to_tsquery_text

DENSE_SHARE = 0.05  # queries likely to match more than this share of articles walk the newest rows
BOUND_SLACK = 1.5  # a bounded window's id span: this many times what it should need
BOUND_GROWTH = 4  # the span's growth after it held too few candidates
BOUND_TRIES = 2
PROBE_SPAN_WINDOWS = 10  # ids counted (in windows) for a query too rare for the statistics
# Below this many matches in all, one bitmap over every match is cheaper than a
# primary-key range bitmap wide enough to hold a window (both measured at 1M).
BOUND_MIN_MATCHES = 8000
# Weights for D (body), C (unused), B (standfirst, authors), A (title).
WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"

S = sa.Table(
    "article_search",
    sa.MetaData(),
    sa.Column("article_id", sa.Integer, primary_key=True),
    sa.Column("publisher_id", sa.String(100)),
    sa.Column("language", sa.String(16)),
    sa.Column("published", UTCDateTime),
    sa.Column("search", TSVECTOR),
    sa.Column("sections", ARRAY(sa.Text)),  # every section the article is listed in (0006)
)
_CTID: sa.ColumnClause[object] = sa.literal_column("article_search.ctid")  # a row's address in the table
_HIT = S.alias("hit")  # a window's row, revisited to rank it
_HIT_CTID: sa.ColumnClause[object] = sa.literal_column("hit.ctid")


def _tsquery(parsed: ParsedQuery) -> sa.ColumnElement[object]:
    return sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), to_tsquery_text(parsed))


def _filters(query: SearchQuery) -> list[sa.ColumnElement[bool]]:
    clauses: list[sa.ColumnElement[bool]] = []
    if query.publisher_ids:
        clauses.append(S.c.publisher_id.in_(query.publisher_ids))
    if query.languages:
        clauses.append(S.c.language.in_(query.languages))
    if query.since is not None:
        clauses.append(S.c.published >= query.since)
    if query.until is not None:
        clauses.append(S.c.published < query.until)
    if query.sections:
        # Answered with the words by their shared GIN index (0008) before any row is
        # read; an EXISTS on the link table joined every match of each (before 0006).
        wanted = sa.cast(sa.literal(list(query.sections), ARRAY(sa.Text)), ARRAY(sa.Text))
        clauses.append(S.c.sections.op("&&")(wanted))
    return clauses


@dataclass(frozen=True, slots=True)
class Shares:
    """The share of articles a query or filter is likely to match, and the most it
    can: ANALYZE lists only the commonest words and values, so one it did not list
    counts as 0 in the first and as the rarest one it listed in the second."""

    likely: float
    most: float

    def __mul__(self, other: Shares) -> Shares:
        return Shares(self.likely * other.likely, self.most * other.most)


ALL = Shares(1.0, 1.0)


def _share(conn: Connection, q: ParsedQuery) -> Shares:
    """The share of articles the query (without exclusions) matches, from the word
    frequencies ANALYZE keeps for the vectors."""
    freq = _word_frequencies(conn)
    floor = freq.get(_RAREST, 1.0)
    likely = most = 0.0
    for group in q.groups:
        part = ALL
        # A word matching by its keys too matches at least as often as its commonest form;
        # a phrase's words must all match.
        terms = {(*c.words, *c.keys) if c.keys else (w,) for c in group if not c.negated for w in c.words}
        for forms in terms:
            part *= Shares(max(freq.get(w, 0.0) for w in forms), max(freq.get(w, floor) for w in forms))
        likely += part.likely
        most += part.most
    return Shares(min(likely, 1.0), min(most, 1.0))


STATS_SECONDS = 300.0  # how long the word frequencies ANALYZE keeps are reused
_RAREST = ""  # never a word: holds the lowest frequency ANALYZE listed
_stats_cache: dict[str, tuple[float, dict[str, float]]] = {}


def _cached(key: str, read: Callable[[], dict[str, float]]) -> dict[str, float]:
    """``read()``'s figures, kept under ``key`` for STATS_SECONDS."""
    cached = _stats_cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < STATS_SECONDS:
        return cached[1]
    figures = read()
    _stats_cache[key] = (time.monotonic(), figures)
    return figures


def _word_frequencies(conn: Connection) -> dict[str, float]:
    """The frequent words ANALYZE lists for the vectors, read once per STATS_SECONDS per
    database: reading and unnesting the 10,000 of them takes about 11 ms. Stale
    figures only steer the plan; every plan returns the same windows."""

    def read() -> dict[str, float]:
        stmt = sa.text(
            "SELECT u.word, u.freq FROM pg_stats,"
            " unnest(most_common_elems::text::text[], most_common_elem_freqs) AS u(word, freq)"
            " WHERE schemaname = current_schema() AND tablename = 'article_search' AND attname = 'search'"
        )
        # The frequency array ends with three summary figures that pair with no word:
        # the lowest frequency listed, the highest, and the share of empty vectors.
        rows = list(conn.execute(stmt))
        freq = {str(w): float(f) for w, f in rows if w is not None}
        unpaired = [float(f) for w, f in rows if w is None]
        if unpaired:
            freq[_RAREST] = unpaired[0]
        return freq

    return _cached(str(conn.engine.url), read)


def _filter_share(conn: Connection, query: SearchQuery) -> Shares:
    """The share of the newest rows a walk keeps after the filters it tests row by row:
    sections and languages. (Publishers have an index in id order, and a date range
    keeps the newest articles, so a walk passes over few rows they remove.)"""
    sections = _value_share(conn, "article_sections", "section", query.sections)
    return sections * _value_share(conn, "article_search", "language", query.languages)


def _publisher_share(conn: Connection, query: SearchQuery) -> Shares:
    """The share of articles from the filter's publishers (all without the filter)."""
    return _value_share(conn, "article_search", "publisher_id", query.publisher_ids)


def _value_share(conn: Connection, table: str, column: str, values: Sequence[str]) -> Shares:
    """The share of ``table``'s rows whose ``column`` is one of ``values``, from the
    most common values ANALYZE keeps; all rows without values."""
    if not values:
        return ALL
    common = _common_values(conn, table, column)
    floor = min(common.values(), default=1.0)
    wanted = set(values)
    return Shares(
        min(1.0, sum(common.get(v, 0.0) for v in wanted)), min(1.0, sum(common.get(v, floor) for v in wanted))
    )


def _common_values(conn: Connection, table: str, column: str) -> dict[str, float]:
    """The most common values ANALYZE lists for a column and their shares, read once
    per STATS_SECONDS (each read was a 0.5-1.2 ms statement on every filtered search)."""

    def read() -> dict[str, float]:
        stmt = sa.text(
            "SELECT u.val, u.freq FROM pg_stats,"
            " unnest(most_common_vals::text::text[], most_common_freqs) AS u(val, freq)"
            " WHERE schemaname = current_schema() AND tablename = :table AND attname = :column"
        )
        return {str(v): float(f) for v, f in conn.execute(stmt, {"table": table, "column": column})}

    return _cached(f"{conn.engine.url}|{table}.{column}", read)


def _plan_for(conn: Connection, *, dense: bool) -> None:
    """Steer the planner, which cannot see that testing a row against a tsquery means
    reading (and decompressing) its whole vector. For a query matching a large share
    of articles, walking the newest rows and testing each stops after a few thousand
    (4 ms for a word in every article at 1M, against 230 ms for the bitmap of all its
    matches). Otherwise a bitmap plan asks the GIN index and the filter indexes,
    where a walk would test nearly every row (700 ms for a phrase at 100k)."""
    # psycopg prepares a statement run five times, and PostgreSQL may then reuse a
    # generic plan made under other settings and without the query's words: plan each time.
    # work_mem: keeps a bitmap exact, not lossy. One statement: each is a round trip.
    settings = {
        "plan_cache_mode": "force_custom_plan",
        "enable_seqscan": "off",
        "enable_indexscan": "on" if dense else "off",
        "enable_bitmapscan": "off" if dense else "on",
        # A walk needs no sort; without this a date filter made the planner read every
        # article of the range through its index and sort them (100+ ms at 1M).
        "enable_sort": "off" if dense else "on",
        "work_mem": "64MB",
    }
    calls = ", ".join(f"set_config('{name}', '{value}', true)" for name, value in settings.items())
    conn.exec_driver_sql(f"SELECT {calls}")


def loosened(parsed: ParsedQuery) -> ParsedQuery:
    """The query with phrases read as their words and excluded phrases dropped: it
    matches every article the query matches, and the GIN index answers it exactly."""
    groups = []
    for group in parsed.groups:
        clauses: list[Clause] = []
        for c in group:
            if c.keys:
                clauses.append(c)
            elif not c.negated:
                clauses.extend(Clause((w,)) for w in c.words)
            elif len(c.words) == 1:
                clauses.append(c)
        groups.append(tuple(dict.fromkeys(clauses)))
    return ParsedQuery(tuple(groups))


@dataclass(frozen=True, slots=True)
class _IdRange:
    """The article ids a window can come from, and how densely articles fill them."""

    top: int
    bottom: int
    per_id: float  # articles per id (deletions leave gaps)
    analyzed: float  # articles the last ANALYZE counted
    unanalyzed: float  # at most this many came after it

    @classmethod
    def read(cls, conn: Connection, high: int | None) -> _IdRange | None:
        row = conn.execute(
            sa.text(
                "SELECT max(article_id), min(article_id), (SELECT reltuples FROM pg_class"
                " WHERE oid = 'article_search'::regclass) FROM article_search"
            )
        ).one()
        if row[0] is None:
            return None
        newest, oldest = int(row[0]), int(row[1])
        span = newest - oldest + 1.0
        analyzed = max(0.0, float(row[2] or 0))  # -1 before the first ANALYZE
        rows = analyzed or span
        top = newest if high is None else min(high, newest)
        # Ids past the count ANALYZE saw are new articles or gaps: at most that many are new.
        return cls(top, oldest, min(1.0, rows / span), analyzed, max(0.0, span - analyzed))

    @property
    def articles(self) -> float:
        """About how many articles there are (up to ``top``)."""
        return self.per_id * (self.top - self.bottom + 1)

    def span_for(self, window: int, share: float) -> int:
        """Ids that should hold BOUND_SLACK windows of a query matching ``share`` of articles."""
        return int(BOUND_SLACK * window / (share * self.per_id)) + 1


class PostgresSearch:
    def candidates(
        self, conn: Connection, parsed: ParsedQuery, query: SearchQuery, high: int | None, window: int
    ) -> Window:
        # Candidates come from the query without phrases, which the index answers
        # without reading a single vector; phrases are then checked on the window's
        # candidates only. Checking them in the bitmap scan read the vector of every
        # article holding the words: 1.7 s for two common words at 100k articles.
        loose = loosened(parsed)
        share = _share(conn, loose) * _filter_share(conn, query)
        if share.likely >= DENSE_SHARE:
            _plan_for(conn, dense=True)
            return self._window(conn, parsed, loose, query, high, window)
        ids = _IdRange.read(conn, high)  # before _plan_for: min and max need the primary key
        _plan_for(conn, dense=False)
        if ids is not None:
            shares = share * _publisher_share(conn, query)
            bounded = self._bounded(conn, parsed, loose, query, ids, window, shares)
            if bounded is not None:
                return bounded
        return self._window(conn, parsed, loose, query, high, window)

    def _bounded(
        self,
        conn: Connection,
        parsed: ParsedQuery,
        loose: ParsedQuery,
        query: SearchQuery,
        ids: _IdRange,
        window: int,
        shares: Shares,
    ) -> Window | None:
        """The window from the newest ids only, or None when the query is too rare for
        a bound to pay (the caller then asks without one).

        A bitmap plan reads the row of every match to find the newest ``window``: 35 to
        80 ms for a word in 1 to 5 % of a million articles. Bounding the ids to about
        1.5 times the span the window needs ANDs the words' bitmap with a primary-key
        range before any row is read. The span comes from the word statistics, or, for words
        too rare for them to list, from counting the matches in a short first span. A
        range bitmap costs in proportion to its span, so a query with few matches in
        all (under BOUND_MIN_MATCHES) is cheaper without one; the statistics tell that
        without counting when even the most the query can match is fewer. A span
        holding a full window gives exactly the unbounded window: every match outside
        it is older.
        """
        if shares.most * ids.analyzed + ids.unanalyzed < BOUND_MIN_MATCHES:
            return None
        if shares.likely > 0:
            if shares.likely * ids.articles < BOUND_MIN_MATCHES:
                return None
            span = ids.span_for(window, shares.likely)
        else:
            # A word too rare for the statistics to list: count in a short span first.
            probe = PROBE_SPAN_WINDOWS * window
            if ids.top - probe <= ids.bottom:
                return None
            count = self._count(conn, loose, query, ids.top, ids.top - probe, window)
            if count >= window:
                return self._full(
                    self._window(conn, parsed, loose, query, ids.top, window, low=ids.top - probe)
                )
            if count * ids.per_id * (ids.top - ids.bottom) / probe < BOUND_MIN_MATCHES:
                return None
            span = int(BOUND_SLACK * window * probe / count) + 1
        for _ in range(BOUND_TRIES):
            if ids.top - span <= ids.bottom:
                return None
            found = self._full(self._window(conn, parsed, loose, query, ids.top, window, low=ids.top - span))
            if found is not None:
                return found
            span *= BOUND_GROWTH
        return None

    @staticmethod
    def _full(window: Window) -> Window | None:
        """A bounded window that holds a full window of candidates, else None."""
        return None if window.last else window

    def _count(
        self, conn: Connection, loose: ParsedQuery, query: SearchQuery, top: int, low: int, limit: int
    ) -> int:
        """How many candidates have ids in (low, top], counting no further than ``limit``."""
        hits = (
            sa.select(sa.literal(1))
            .where(S.c.search.op("@@")(_tsquery(loose)), *_filters(query))
            .where(S.c.article_id > low, S.c.article_id <= top)
            .limit(limit)
            .subquery()
        )
        return int(conn.execute(sa.select(sa.func.count()).select_from(hits)).scalar_one())

    def _window(
        self,
        conn: Connection,
        parsed: ParsedQuery,
        loose: ParsedQuery,
        query: SearchQuery,
        high: int | None,
        window: int,
        low: int | None = None,
    ) -> Window:
        """The window of the newest ``window`` candidates with ids up to ``high`` (and
        above ``low``: then a window that is not full only says the span was short)."""
        stmt = (
            sa.select(_CTID)
            .where(S.c.search.op("@@")(_tsquery(loose)), *_filters(query))
            .order_by(S.c.article_id.desc())
            .limit(window)
        )
        if high is not None:
            stmt = stmt.where(S.c.article_id <= high)
        if low is not None:
            stmt = stmt.where(S.c.article_id > low)
        # The newest candidates are sorted as row addresses only: the vectors live in
        # the rows (0008), and carrying 1-2 thousand of them through the sort copied
        # megabytes. Ranking then revisits just the window's rows by address (a TID
        # scan of pages the search has just read). One statement: sending the ids back
        # made every window a new query to plan.
        tsq = _tsquery(parsed)
        rank: sa.ColumnElement[float | None] = sa.func.ts_rank_cd(
            sa.literal_column(f"'{WEIGHTS}'::float4[]"), _HIT.c.search, tsq
        )
        if loose != parsed:
            rank = sa.case((_HIT.c.search.op("@@")(tsq), rank), else_=sa.null())
        newest = sa.func.array(stmt.correlate(None).scalar_subquery())
        # Two arrays in one row: a thousand rows cost ~3 ms more to fetch one by one.
        ranked = sa.select(sa.func.array_agg(_HIT.c.article_id), sa.func.array_agg(rank)).where(
            _HIT_CTID.op("=")(sa.func.any(newest))
        )
        got_ids, got_ranks = conn.execute(ranked).one()
        rows = list(zip(got_ids or [], got_ranks or [], strict=True))
        if not rows:
            return Window([], None, None, True)
        ids = [i for i, _ in rows]
        hits = [(i, r) for i, r in rows if r is not None]
        return Window(hits, max(ids), min(ids), len(ids) < window)

    def snippets(self, conn: Connection, parsed: ParsedQuery, hits: list[Article]) -> dict[int, str]:
        # In Python from the loaded articles: ts_headline re-parsed each hit's whole body
        # in the database, 4-7 ms for a page of 20 at 1M articles, for the same marks.
        out: dict[int, str] = {}
        for a in hits:
            snippet = highlight(parsed, a.body_text, a.standfirst, a.title, language=a.language)
            if snippet is not None and a.id is not None:
                out[a.id] = snippet
        return out
