"""Search on PostgreSQL: a weighted, generated ``tsvector`` column with a GIN index,
``websearch_to_tsquery`` and ``ts_rank_cd``, both on the 'simple' configuration."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newsstand.model import SearchQuery
from newsstand.store.sql.articles import filter_clauses
from newsstand.store.sql.schema import articles
from newsstand.store.sql.search import MARK_END, MARK_START, ParsedQuery, to_websearch

# Weights for D (body), C (unused), B (standfirst, authors), A (title).
WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
_HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)
_SEARCH: sa.ColumnElement[str] = sa.literal_column("articles.search")


def _tsquery(parsed: ParsedQuery) -> sa.ColumnElement[object]:
    return sa.func.websearch_to_tsquery(sa.literal_column("'simple'::regconfig"), to_websearch(parsed))


class PostgresSearch:
    def candidates(
        self, conn: Connection, parsed: ParsedQuery, query: SearchQuery, high: int | None, window: int
    ) -> list[tuple[int, float]]:
        tsq = _tsquery(parsed)
        ids = (
            sa.select(articles.c.id)
            .where(_SEARCH.op("@@")(tsq))
            .where(*filter_clauses(query.publisher_ids, query.sections, query.languages, query.since,
                                   query.until))
            .order_by(articles.c.id.desc())
            .limit(window)
        )  # fmt: skip
        if high is not None:
            ids = ids.where(articles.c.id <= high)
        window_ids = ids.cte("window_ids")
        # Rank only the window's rows: ts_rank_cd reads each row's whole vector.
        rank = sa.func.ts_rank_cd(sa.literal_column(f"'{WEIGHTS}'::float4[]"), _SEARCH, tsq)
        stmt = (
            sa.select(articles.c.id, rank)
            .join(window_ids, window_ids.c.id == articles.c.id)
            .order_by(articles.c.id.desc())
        )
        return [(int(i), float(r)) for i, r in conn.execute(stmt)]

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
