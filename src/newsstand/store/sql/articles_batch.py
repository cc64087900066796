"""Storing a whole fetch's articles with a handful of statements.

The same rules as ``ArticlesMixin._upsert_in`` applied item after item (match by
(publisher, GUID), then canonical URL; revision up only on a content change; page
text never replaced by a teaser; sections accumulate), but the look-ups are one
query per kind for the whole fetch, new articles are inserted with one multi-row
statement and section links with one more. Per-article statements cost more in
SQLAlchemy and driver overhead than the work they do, and storing was the slowest
step of ingestion.

Items are applied in order against an in-memory picture of the rows they can touch
(every row with one of the fetch's GUIDs or URLs, plus the rows this fetch adds), so
two entries of one fetch that are the same article still end as one article.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from newsstand.errors import NotFoundError
from newsstand.model import Article, UpsertResult
from newsstand.store.base import FeedItem
from newsstand.store.sql import schema as t
from newsstand.store.sql.articles import article_values, merged_update, section_target
from newsstand.store.sql.engine import among

A = t.articles


@dataclass
class _Row:
    """An article row as this fetch sees it: stored already, or to be inserted."""

    values: dict[str, Any]
    sections: list[str]  # listed sections, in position order
    new_links: list[tuple[str, int | None]] = field(default_factory=list)
    pending: bool = False  # not inserted yet

    @property
    def key(self) -> Any:
        return self.values.get("id")


@dataclass
class _Picture:
    by_guid: dict[tuple[str, str], _Row] = field(default_factory=dict)
    by_url: dict[str, _Row] = field(default_factory=dict)
    inserts: list[_Row] = field(default_factory=list)

    def find(self, a: Article) -> _Row | None:
        if a.guid and (a.publisher_id, a.guid) in self.by_guid:
            return self.by_guid[(a.publisher_id, a.guid)]
        return self.by_url.get(a.url)

    def index(self, row: _Row) -> None:
        v = row.values
        if v["guid"]:
            self.by_guid[(v["publisher_id"], v["guid"])] = row
        self.by_url[v["url"]] = row


def _feed_sections(conn: Connection, feed_ids: set[int]) -> dict[int, str]:
    stmt = sa.select(t.feeds.c.id, t.feeds.c.section).where(among(t.feeds.c.id, feed_ids))
    found = {r.id: r.section for r in conn.execute(stmt)}
    for fid in feed_ids - found.keys():
        raise NotFoundError("feed", fid)
    return found


def _load(conn: Connection, articles: list[Article]) -> _Picture:
    """Every stored row one of ``articles`` can match, with its sections."""
    pic = _Picture()
    guids: dict[str, list[str]] = {}
    for a in articles:
        if a.guid:
            guids.setdefault(a.publisher_id, []).append(a.guid)
    rows: dict[int, sa.Row[Any]] = {}
    for publisher, wanted in guids.items():
        # ``guid != ''`` repeats the partial unique index's condition (see articles._find).
        match = sa.and_(A.c.publisher_id == publisher, among(A.c.guid, sorted(set(wanted))), A.c.guid != "")
        rows.update((r.id, r) for r in conn.execute(sa.select(A).where(match)))
    urls = sorted({a.url for a in articles})
    if urls:
        rows.update((r.id, r) for r in conn.execute(sa.select(A).where(among(A.c.url, urls))))
    listed: dict[int, list[str]] = {i: [] for i in rows}
    if rows:
        stmt = (
            sa.select(t.article_sections.c.article_id, t.article_sections.c.section)
            .where(among(t.article_sections.c.article_id, sorted(rows)))
            .order_by(t.article_sections.c.article_id, t.article_sections.c.position)
        )
        for aid, section in conn.execute(stmt):
            listed[aid].append(section)
    for r in rows.values():
        pic.index(_Row(dict(r._mapping), listed[r.id]))
    return pic


def _list(row: _Row, sections: list[str], feed_id: int | None) -> None:
    """As ``articles.add_sections``: new sections after the listed ones, first-seen order."""
    for s in dict.fromkeys(sections):
        if s and s not in row.sections:
            row.sections.append(s)
            row.new_links.append((s, feed_id))


def _apply(
    conn: Connection, pic: _Picture, article: Article, sections: list[str], feed_id: int | None
) -> tuple[_Row, bool, bool]:
    """Apply one item; returns (row, created, changed). Updates of stored rows run now,
    inserts wait for ``_flush``."""
    old = pic.find(article)
    if old is None:
        row = _Row(article_values(replace(article, revision=1)), [], pending=True)
        pic.inserts.append(row)
        pic.index(row)
        _list(row, sections, feed_id)
        return row, True, True
    values, changed = merged_update(old.values, article)
    if values["url"] != old.values["url"] and values["url"] in pic.by_url:
        values["url"] = old.values["url"]  # taken by another article
    if any(old.values.get(k) != v for k, v in values.items()):
        if not old.pending:
            conn.execute(A.update().where(A.c.id == old.key).values(values))
        if pic.by_url.get(old.values["url"]) is old:
            del pic.by_url[old.values["url"]]
        old.values.update(values)
        pic.index(old)
    _list(old, sections, feed_id)
    return old, False, changed


def _flush(conn: Connection, pic: _Picture, touched: list[_Row]) -> None:
    """Insert the new articles (one statement, ids in order), then every new section link."""
    if pic.inserts:
        stmt = A.insert().returning(A.c.id, sort_by_parameter_order=True)
        ids = conn.execute(stmt, [row.values for row in pic.inserts]).scalars().all()
        for row, new_id in zip(pic.inserts, ids, strict=True):
            row.values["id"] = new_id
    links = []
    for row in {id(r): r for r in touched}.values():
        first = len(row.sections) - len(row.new_links)
        links += [
            {"article_id": row.key, "section": s, "feed_id": fid, "position": first + i}
            for i, (s, fid) in enumerate(row.new_links)
        ]
    if links:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        # A concurrent writer may have listed the same section meanwhile (PostgreSQL).
        conn.execute(dialect.insert(t.article_sections).on_conflict_do_nothing(), links)


def upsert_items(conn: Connection, items: Sequence[FeedItem]) -> list[UpsertResult]:
    """Store ``items`` in the caller's transaction, in order, as ``_upsert_in`` would one by
    one. Raises NotFoundError for an unknown feed; IntegrityError when a concurrent writer
    stored one of the articles meanwhile (the caller then falls back to one by one)."""
    if not items:
        return []
    feed_sections = _feed_sections(conn, {i.feed_id for i in items})
    targets = [(*section_target(i.article, feed_sections[i.feed_id]), i.feed_id) for i in items]
    pic = _load(conn, [a for a, _, _ in targets])
    applied = [_apply(conn, pic, a, sections, fid) for a, sections, fid in targets]
    _flush(conn, pic, [row for row, _, _ in applied])
    return [UpsertResult(row.key, created=created, changed=changed) for row, created, changed in applied]
