"""Search on SQLite: an FTS5 index over the articles table, ranked with bm25.

The FTS table has a fifth column, ``facets``, holding each article's publisher,
language and publication month as single words (see migration 0001). Publisher
and language filters become part of the MATCH expression, and a date range adds
its months, so FTS5 skips non-matching articles inside its index instead of the
store looking up every match's row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newsstand.model import SearchQuery, utc, utcnow
from newsstand.store.sql.articles import filter_clauses
from newsstand.store.sql.schema import articles
from newsstand.store.sql.search import MARK_END, MARK_START, ParsedQuery, to_fts5

# Column weights for bm25, in the FTS table's column order: a match in the title
# counts most, then standfirst and authors, then the body; facets never count.
WEIGHTS = (10.0, 4.0, 1.0, 4.0, 0.0)
TEXT_COLUMNS = "{title standfirst body_text authors}"
MAX_MONTHS = 24  # a longer date range barely narrows the match; filter it by rows alone
_FTS = sa.table("articles_fts", sa.column("rowid", sa.Integer))
_MATCH = sa.literal_column("articles_fts").op("MATCH")
_SNIPPET_TOKENS = 24


def _bm25() -> sa.ColumnElement[float]:
    args: list[sa.ColumnElement[float]] = [sa.literal_column(str(w)) for w in WEIGHTS]
    return sa.func.bm25(sa.literal_column("articles_fts"), *args)


def _facet(prefix: str, value: str) -> str:
    return '"' + prefix + value.encode().hex() + '"'


def _months(since: datetime | None, until: datetime | None) -> list[str]:
    """Month words covering [since, until), or [] when the range is open or too long."""
    if since is None:
        return []
    start = utc(since)
    # An open range ends a month from now: articles dated slightly ahead still count.
    end = utc(until) if until is not None else max(utcnow() + timedelta(days=31), start)
    months: list[str] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month) and len(months) <= MAX_MONTHS:
        months.append(f'"m{year:04d}{month:02d}"')
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months if len(months) <= MAX_MONTHS else []


def match_expression(parsed: ParsedQuery, query: SearchQuery) -> str:
    """The MATCH text: the words in the text columns, and the facet filters."""
    parts = [f"{TEXT_COLUMNS} : ({to_fts5(parsed)})"]
    if query.publisher_ids:
        parts.append("facets : (" + " OR ".join(_facet("p", p) for p in query.publisher_ids) + ")")
    if query.languages:
        parts.append("facets : (" + " OR ".join(_facet("l", x) for x in query.languages) + ")")
    months = _months(query.since, query.until)
    if months:
        parts.append("facets : (" + " OR ".join(months) + ")")
    return " AND ".join(parts)


class SqliteSearch:
    def candidates(
        self, conn: Connection, parsed: ParsedQuery, query: SearchQuery, high: int | None, window: int
    ) -> list[tuple[int, float]]:
        rowid = _FTS.c.rowid
        # FTS5 walks its index in rowid order itself, so "newest first, first N" stops
        # early and bm25 is computed for at most N rows.
        stmt = sa.select(rowid, _bm25()).select_from(_FTS).where(_MATCH(match_expression(parsed, query)))
        # Publisher and language are exact in the facets; sections and exact times need the row.
        filters = filter_clauses((), query.sections, (), query.since, query.until)
        if filters:
            stmt = stmt.join(articles, articles.c.id == rowid).where(*filters)
        if high is not None:
            stmt = stmt.where(rowid <= high)
        stmt = stmt.order_by(rowid.desc()).limit(window)
        # bm25 is lower for better matches; the store's rank is higher for better.
        return [(int(i), -float(score)) for i, score in conn.execute(stmt)]

    def snippets(self, conn: Connection, parsed: ParsedQuery, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        fts: sa.ColumnElement[str] = sa.literal_column("articles_fts")

        def snippet(column: int) -> sa.ColumnElement[str]:
            return sa.func.snippet(fts, column, MARK_START, MARK_END, "…", _SNIPPET_TOKENS)

        match = f"{TEXT_COLUMNS} : ({to_fts5(parsed)})"
        stmt = (
            sa.select(_FTS.c.rowid, snippet(2), snippet(1), snippet(0))
            .select_from(_FTS)
            .where(_MATCH(match), _FTS.c.rowid.in_(ids))
        )
        out: dict[int, str] = {}
        for aid, *candidates in conn.execute(stmt):
            # Prefer a marked passage of the body, then the standfirst, then the title.
            marked = [c for c in candidates if c and MARK_START in c]
            if marked:
                out[int(aid)] = marked[0]
        return out
