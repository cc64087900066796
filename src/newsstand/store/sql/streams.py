"""A reader's streams as reader apps page them: articles of followed publishers and sections,
saved articles and the reading history, in either order, by keyset."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from newsstand.model import StreamQuery, StreamSource
from newsstand.store.sql import schema as t
from newsstand.store.sql.engine import SqlBase
from newsstand.store.sql.reading import reading_history, saved_articles


def _page(
    query: StreamQuery, stmt: sa.Select[Any], at: sa.ColumnElement[datetime], aid: sa.ColumnElement[int]
) -> sa.Select[Any]:
    """``stmt`` bounded by the query's times and key, in its order, at most ``limit`` rows."""
    if query.since is not None:
        stmt = stmt.where(at >= query.since)
    if query.until is not None:
        stmt = stmt.where(at < query.until)
    if query.after is not None:
        key, last = sa.tuple_(at, aid), sa.tuple_(query.after[0], query.after[1])
        stmt = stmt.where(key > last if query.oldest_first else key < last)
    order = (at.asc(), aid.asc()) if query.oldest_first else (at.desc(), aid.desc())
    return stmt.order_by(*order).limit(query.limit)


def _unread(reader_id: int, aid: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    h = reading_history.c
    return ~sa.select(h.article_id).where(h.reader_id == reader_id, h.article_id == aid).exists()


def _ranges(reader_id: int, query: StreamQuery) -> list[sa.Select[Any]]:
    """One statement per index range the stream reads (each already in order and limited)."""
    A, S = t.articles, t.article_sections
    if query.source is not StreamSource.ARTICLES:
        table = saved_articles if query.source is StreamSource.SAVED else reading_history
        at = table.c.saved if query.source is StreamSource.SAVED else table.c.read
        stmt = sa.select(table.c.article_id, at).where(table.c.reader_id == reader_id)
        if query.unread_since is not None:
            stmt = stmt.join(A, A.c.id == table.c.article_id).where(
                A.c.published >= query.unread_since, _unread(reader_id, table.c.article_id)
            )
        return [_page(query, stmt, at, table.c.article_id)]
    ranges = []
    if query.publisher_ids:
        stmt = sa.select(A.c.id, A.c.published).where(A.c.publisher_id.in_(list(query.publisher_ids)))
        ranges.append((stmt, A.c.published, A.c.id))
    if query.sections:
        # ix_article_sections_listing: the section's articles by published time
        # (``published`` is the article's, kept by triggers; never null once a row is written)
        stmt = sa.select(S.c.article_id, S.c.published).where(
            S.c.section.in_(list(query.sections)), S.c.published.is_not(None)
        )
        ranges.append((stmt, S.c.published, S.c.article_id))
    found = []
    for stmt, at, aid in ranges:
        if query.unread_since is not None:
            stmt = stmt.where(at >= query.unread_since, _unread(reader_id, aid))
        found.append(_page(query, stmt, at, aid))
    return found


class StreamsMixin(SqlBase):
    def stream_page(self, reader_id: int, query: StreamQuery) -> list[tuple[int, datetime]]:
        if query.limit <= 0:
            return []
        with self._read() as conn:
            rows = [(int(aid), at) for stmt in _ranges(reader_id, query) for aid, at in conn.execute(stmt)]
        # An article both of a followed publisher and in a followed section comes from both
        # ranges with the same time: once is enough.
        unique = dict(rows)
        ordered = sorted(unique.items(), key=lambda r: (r[1], r[0]), reverse=not query.oldest_first)
        return ordered[: query.limit]
