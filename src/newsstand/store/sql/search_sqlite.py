"""Search on SQLite: an FTS5 index over the articles table, ranked with bm25."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newsstand.model import SearchQuery
from newsstand.store.sql.articles import filter_clauses
from newsstand.store.sql.schema import articles
from newsstand.store.sql.search import MARK_END, MARK_START, ParsedQuery, to_fts5

# Column weights for bm25, in the FTS table's column order: a match in the title
# counts most, then standfirst and authors, then the body.
WEIGHTS = (10.0, 4.0, 1.0, 4.0)
_FTS = sa.table("articles_fts", sa.column("rowid", sa.Integer))
_MATCH = sa.literal_column("articles_fts").op("MATCH")
_SNIPPET_TOKENS = 24


def _bm25() -> sa.ColumnElement[float]:
    args: list[sa.ColumnElement[float]] = [sa.literal_column(str(w)) for w in WEIGHTS]
    return sa.func.bm25(sa.literal_column("articles_fts"), *args)


class SqliteSearch:
    def candidates(
        self, conn: Connection, parsed: ParsedQuery, query: SearchQuery, high: int | None, window: int
    ) -> list[tuple[int, float]]:
        rowid = _FTS.c.rowid
        # FTS5 walks its index in rowid order itself, so "newest first, first N" stops
        # early and bm25 is computed for at most N rows.
        stmt = sa.select(rowid, _bm25()).select_from(_FTS).where(_MATCH(to_fts5(parsed)))
        filters = filter_clauses(
            query.publisher_ids, query.sections, query.languages, query.since, query.until
        )
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

        stmt = (
            sa.select(_FTS.c.rowid, snippet(2), snippet(1), snippet(0))
            .select_from(_FTS)
            .where(_MATCH(to_fts5(parsed)), _FTS.c.rowid.in_(ids))
        )
        out: dict[int, str] = {}
        for aid, *candidates in conn.execute(stmt):
            # Prefer a marked passage of the body, then the standfirst, then the title.
            marked = [c for c in candidates if c and MARK_START in c]
            if marked:
                out[int(aid)] = marked[0]
        return out
