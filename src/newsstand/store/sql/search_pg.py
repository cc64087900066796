"""Search on PostgreSQL: a weighted ``tsvector`` on the 'simple' configuration with a
GIN index, ``websearch_to_tsquery``, ``ts_rank_cd`` and ``ts_headline``.

The vectors live in ``article_search``, a narrow table a trigger keeps in step with
``articles`` (migration 0001): finding the newest matches reads small rows, not
wide article rows. Its ``sections`` array (0006, kept by triggers on
``article_sections``) has a GIN index of its own, so a section filter is one more
bitmap ANDed with the words' one. Phrases are checked only on the newest articles holding all
their words, a window at a time (see ``PostgresSearch.candidates``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.engine import Connection

from newsstand.model import SearchQuery
from newsstand.store.sql.schema import UTCDateTime, articles
from newsstand.store.sql.search import MARK_END, MARK_START, Clause, ParsedQuery, Window, to_websearch

DENSE_SHARE = 0.05  # queries likely to match more than this share of articles walk the newest rows
# Weights for D (body), C (unused), B (standfirst, authors), A (title).
WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
_HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)

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


def _tsquery(parsed: ParsedQuery) -> sa.ColumnElement[object]:
    return sa.func.websearch_to_tsquery(sa.literal_column("'simple'::regconfig"), to_websearch(parsed))


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
        # A GIN bitmap ANDed with the words' one before any row is read; an EXISTS on
        # the link table joined every match of each (migration 0006).
        wanted = sa.cast(sa.literal(list(query.sections), ARRAY(sa.Text)), ARRAY(sa.Text))
        clauses.append(S.c.sections.op("&&")(wanted))
    return clauses


def _share(conn: Connection, q: ParsedQuery) -> float:
    """The share of articles the query (without exclusions) is likely to match, from
    the word frequencies ANALYZE keeps for the vectors; 0 for words it did not list."""
    words = sorted({w for g in q.groups for c in g if not c.negated for w in c.words})
    stmt = sa.text(
        "SELECT u.word, u.freq FROM pg_stats,"
        " unnest(most_common_elems::text::text[], most_common_elem_freqs) AS u(word, freq)"
        " WHERE schemaname = current_schema() AND tablename = 'article_search' AND attname = 'search'"
        " AND u.word = ANY(:words)"
    )
    freq = {str(w): float(f) for w, f in conn.execute(stmt, {"words": words})}
    share = 0.0
    for group in q.groups:
        part = 1.0
        for w in {w for c in group if not c.negated for w in c.words}:
            part *= freq.get(w, 0.0)
        share += part
    return min(share, 1.0)


def _filter_share(conn: Connection, query: SearchQuery) -> float:
    """The share of the newest rows a walk keeps after the filters it tests row by row:
    sections and languages. (Publishers have an index in id order, and a date range
    keeps the newest articles, so a walk passes over few rows they remove.)"""
    share = 1.0
    for table, column, values in (
        ("article_sections", "section", query.sections),
        ("article_search", "language", query.languages),
    ):
        if values:
            stmt = sa.text(
                "SELECT coalesce(sum(u.freq), 0) FROM pg_stats,"
                " unnest(most_common_vals::text::text[], most_common_freqs) AS u(val, freq)"
                " WHERE schemaname = current_schema() AND tablename = :table AND attname = :column"
                " AND u.val = ANY(:values)"
            )
            params = {"table": table, "column": column, "values": list(values)}
            share *= float(conn.execute(stmt, params).scalar_one())
    return share


def _plan_for(conn: Connection, *, dense: bool) -> None:
    """Steer the planner, which cannot see that testing a row against a tsquery means
    reading (and decompressing) its whole vector. For a query matching a large share
    of articles, walking the newest rows and testing each stops after a few thousand
    (4 ms for a word in every article at 1M, against 230 ms for the bitmap of all its
    matches). Otherwise a bitmap plan asks the GIN index and the filter indexes,
    where a walk would test nearly every row (700 ms for a phrase at 100k)."""
    # psycopg prepares a statement run five times, and PostgreSQL may then reuse a
    # generic plan made under other settings and without the query's words: plan each time.
    conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    conn.exec_driver_sql(f"SET LOCAL enable_indexscan = {'on' if dense else 'off'}")
    conn.exec_driver_sql(f"SET LOCAL enable_bitmapscan = {'off' if dense else 'on'}")
    conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")  # keep a bitmap exact, not lossy


def loosened(parsed: ParsedQuery) -> ParsedQuery:
    """The query with phrases read as their words and excluded phrases dropped: it
    matches every article the query matches, and the GIN index answers it exactly."""
    groups = []
    for group in parsed.groups:
        clauses: list[Clause] = []
        for c in group:
            if not c.negated:
                clauses.extend(Clause((w,)) for w in c.words)
            elif len(c.words) == 1:
                clauses.append(c)
        groups.append(tuple(dict.fromkeys(clauses)))
    return ParsedQuery(tuple(groups))


class PostgresSearch:
    def candidates(
        self, conn: Connection, parsed: ParsedQuery, query: SearchQuery, high: int | None, window: int
    ) -> Window:
        # Candidates come from the query without phrases, which the index answers
        # without reading a single vector; phrases are then checked on the window's
        # candidates only. Checking them in the bitmap scan read the vector of every
        # article holding the words: 1.7 s for two common words at 100k articles.
        loose = loosened(parsed)
        share = _share(conn, loose)
        dense = share * _filter_share(conn, query) >= DENSE_SHARE
        _plan_for(conn, dense=dense)
        return self._window(conn, parsed, loose, query, high, window)

    def _window(
        self,
        conn: Connection,
        parsed: ParsedQuery,
        loose: ParsedQuery,
        query: SearchQuery,
        high: int | None,
        window: int,
    ) -> Window:
        """The window of the newest ``window`` candidates with ids up to ``high``."""
        stmt = (
            sa.select(S.c.article_id)
            .where(S.c.search.op("@@")(_tsquery(loose)), *_filters(query))
            .order_by(S.c.article_id.desc())
            .limit(window)
        )
        if high is not None:
            stmt = stmt.where(S.c.article_id <= high)
        window_ids = stmt.cte("window_ids")
        tsq = _tsquery(parsed)
        # Rank only the window's rows: ts_rank_cd reads each row's whole vector. One
        # statement: sending the ids back made every window a new query to plan.
        rank: sa.ColumnElement[float | None] = sa.func.ts_rank_cd(
            sa.literal_column(f"'{WEIGHTS}'::float4[]"), S.c.search, tsq
        )
        if loose != parsed:
            rank = sa.case((S.c.search.op("@@")(tsq), rank), else_=sa.null())
        ranked = sa.select(S.c.article_id, rank).join(window_ids, window_ids.c.article_id == S.c.article_id)
        rows = [(int(i), None if r is None else float(r)) for i, r in conn.execute(ranked)]
        if not rows:
            return Window([], None, None, True)
        ids = [i for i, _ in rows]
        hits = [(i, r) for i, r in rows if r is not None]
        return Window(hits, max(ids), min(ids), len(ids) < window)

    def snippets(self, conn: Connection, parsed: ParsedQuery, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        tsq = _tsquery(parsed)
        simple: sa.ColumnElement[str] = sa.literal_column("'simple'::regconfig")

        def headline(column: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
            return sa.func.ts_headline(simple, column, tsq, _HEADLINE_OPTIONS)

        stmt = sa.select(
            articles.c.id,
            headline(articles.c.body_text),
            headline(articles.c.standfirst),
            headline(articles.c.title),
        ).where(articles.c.id.in_(ids))
        out: dict[int, str] = {}
        for aid, *candidates in conn.execute(stmt):
            marked = [c for c in candidates if c and MARK_START in c]
            if marked:
                out[int(aid)] = marked[0]
        return out
