"""Articles and the sections (via feeds) they are listed in.

Upsert rules, in one place: an article is matched by (publisher, GUID) when it
has a GUID, else by canonical URL; a match is updated in place, its revision
raised only when its content changed; sections accumulate; a full text taken
from the page is never replaced by a later feed teaser.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from newsstand.errors import NotFoundError
from newsstand.model import Article, ArticleFilter, ArticleKind, UpsertResult
from newsstand.store.sql import schema as t
from newsstand.store.sql.engine import SqlBase, among
from newsstand.store.sql.searchwords import text_keys

A = t.articles

# Fields whose change makes a new revision. Sections and fetch time are not content.
_CONTENT = ("title", "standfirst", "authors", "body_html", "body_text", "images", "updated", "tags")


def article_values(a: Article) -> dict[str, Any]:
    """The articles row for ``a`` (sections live in their own table)."""
    return {
        "publisher_id": a.publisher_id,
        "url": a.url,
        "guid": a.guid,
        "title": a.title,
        "standfirst": a.standfirst,
        "authors": t.dump_strings(a.authors),
        "section": a.section,
        "body_html": a.body_html,
        "body_text": a.body_text,
        "images": t.dump_images(a.images),
        "published": a.published,
        "updated": a.updated,
        "language": a.language,
        "kind": a.kind.value,
        "tags": t.dump_strings(a.tags),
        "revision": a.revision,
        "full_text": a.full_text,
        "fetched": a.fetched,
        "story_id": a.story_id,
        "search_keys": search_keys(a.language, a.title, a.standfirst, " ".join(a.authors), a.body_text),
    }


def search_keys(language: str, title: str, standfirst: str, authors: str, body_text: str) -> str:
    """``articles.search_keys`` for an article's text (searchwords.py)."""
    return text_keys(language, title, standfirst, authors, body_text)


def article_from_row(row: sa.Row[Any], sections: tuple[str, ...]) -> Article:
    return Article(
        id=row.id,
        publisher_id=row.publisher_id,
        url=row.url,
        guid=row.guid,
        title=row.title,
        standfirst=row.standfirst,
        authors=t.load_strings(row.authors),
        section=row.section,
        sections=sections,
        body_html=row.body_html,
        body_text=row.body_text,
        images=t.load_images(row.images),
        published=row.published,
        updated=row.updated,
        language=row.language,
        kind=ArticleKind(row.kind),
        tags=t.load_strings(row.tags),
        revision=row.revision,
        full_text=bool(row.full_text),
        fetched=row.fetched,
        story_id=row.story_id,
    )


def load_articles(conn: Connection, rows: list[sa.Row[Any]]) -> list[Article]:
    """Build Articles from rows of the articles table, fetching their sections in one query."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    by_id: dict[int, list[str]] = defaultdict(list)
    stmt = (
        sa.select(t.article_sections.c.article_id, t.article_sections.c.section)
        .where(among(t.article_sections.c.article_id, ids))
        .order_by(t.article_sections.c.article_id, t.article_sections.c.position)
    )
    for aid, section in conn.execute(stmt):
        by_id[aid].append(section)
    return [article_from_row(r, tuple(by_id[r.id])) for r in rows]


def _find(conn: Connection, a: Article) -> sa.Row[Any] | None:
    if a.guid:
        # ``guid != ''`` repeats the partial unique index's condition: without it SQLite
        # cannot prove the index applies and scans every article of the publisher.
        match = sa.and_(A.c.publisher_id == a.publisher_id, A.c.guid == a.guid, A.c.guid != "")
        row = conn.execute(sa.select(A).where(match)).first()
        if row is not None:
            return row
    return conn.execute(sa.select(A).where(A.c.url == a.url)).first()


def _merge(old: Mapping[Any, Any], new: Article) -> dict[str, Any]:
    """The row values to store when ``new`` is seen again as ``old`` (a row's mapping)."""
    values = article_values(new)
    if old["full_text"] and not new.full_text:
        # A feed re-poll carries the teaser; keep the text extracted from the page.
        values.update(body_html=old["body_html"], body_text=old["body_text"], full_text=True)
    # The first sighting decides who published it and when; a URL seen again in
    # another publisher's feed (syndication) stays with its publisher.
    values["published"] = old["published"]
    values["publisher_id"] = old["publisher_id"]
    values["guid"] = old["guid"] or new.guid
    values["section"] = old["section"] or new.section
    values["story_id"] = new.story_id if new.story_id is not None else old["story_id"]
    values["fetched"] = new.fetched or old["fetched"]
    if not new.language:
        values["language"] = old["language"]
    if values["body_text"] != new.body_text or values["language"] != new.language:
        authors = " ".join(t.load_strings(values["authors"]))
        values["search_keys"] = search_keys(
            values["language"], values["title"], values["standfirst"], authors, values["body_text"]
        )
    return values


def _changed(old: Mapping[Any, Any], values: dict[str, Any]) -> bool:
    return any(old[name] != values[name] for name in _CONTENT)


def merged_update(old: Mapping[Any, Any], new: Article) -> tuple[dict[str, Any], bool]:
    """The values to store for ``new`` seen again as ``old``, the revision raised when the
    content changed, and whether it did (the URL is not yet checked for being taken)."""
    values = _merge(old, new)
    changed = _changed(old, values)
    values["revision"] = old["revision"] + 1 if changed else old["revision"]
    return values, changed


def section_target(article: Article, feed_section: str) -> tuple[Article, list[str]]:
    """``article`` with its primary section filled in, and the sections to list it under."""
    if not article.section and (feed_section or article.sections):
        article = replace(article, section=feed_section or article.sections[0])
    return article, [article.section, *article.sections, feed_section]


def add_sections(conn: Connection, article_id: int, sections: list[str], feed_id: int | None) -> None:
    """List the article under each section, keeping the order in which they were first seen."""
    listed = sa.select(t.article_sections.c.section).where(t.article_sections.c.article_id == article_id)
    have = set(conn.execute(listed).scalars())
    wanted = [s for s in dict.fromkeys(sections) if s and s not in have]
    if not wanted:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    rows = [
        {"article_id": article_id, "section": s, "feed_id": feed_id, "position": len(have) + i}
        for i, s in enumerate(wanted)
    ]
    # A concurrent writer may have listed the same section meanwhile (PostgreSQL).
    conn.execute(dialect.insert(t.article_sections).on_conflict_do_nothing(), rows)


class ArticlesMixin(SqlBase):
    def _upsert_in(self, conn: Connection, article: Article, feed_id: int | None) -> UpsertResult:
        """Store one article inside the caller's transaction."""
        feed_section = ""
        if feed_id is not None:
            found = conn.execute(sa.select(t.feeds.c.section).where(t.feeds.c.id == feed_id)).first()
            if found is None:
                raise NotFoundError("feed", feed_id)
            feed_section = found.section
        article, sections = section_target(article, feed_section)
        old = _find(conn, article)
        if old is None:
            try:
                with conn.begin_nested():
                    new_id = conn.execute(
                        A.insert().values(article_values(replace(article, revision=1))).returning(A.c.id)
                    ).scalar_one()
            except exc.IntegrityError:
                # Another writer stored it between our look-up and insert (PostgreSQL).
                old = _find(conn, article)
                if old is None:
                    raise
            else:
                add_sections(conn, new_id, sections, feed_id)
                return UpsertResult(new_id, created=True, changed=True)
        return self._update_in(conn, old, article, sections, feed_id)

    def _update_in(
        self, conn: Connection, old: sa.Row[Any], article: Article, sections: list[str], feed_id: int | None
    ) -> UpsertResult:
        values, changed = merged_update(old._mapping, article)
        if values["url"] != old.url:
            taken = conn.execute(sa.select(A.c.id).where(A.c.url == values["url"])).first()
            if taken is not None:
                values["url"] = old.url
        unchanged = all(getattr(old, k) == v for k, v in values.items())
        if not unchanged:
            conn.execute(A.update().where(A.c.id == old.id).values(values))
        add_sections(conn, old.id, sections, feed_id)
        return UpsertResult(old.id, created=False, changed=changed)

    def upsert_article(self, article: Article, feed_id: int | None = None) -> UpsertResult:
        """As the Protocol says. Raises NotFoundError for an unknown feed."""
        with self._write() as conn:
            return self._upsert_in(conn, article, feed_id)

    def get_article(self, article_id: int) -> Article:
        with self._read() as conn:
            rows = list(conn.execute(sa.select(A).where(A.c.id == article_id)))
            found = load_articles(conn, rows)
        if not found:
            raise NotFoundError("article", article_id)
        return found[0]

    def get_article_by_url(self, url: str) -> Article:
        with self._read() as conn:
            found = load_articles(conn, list(conn.execute(sa.select(A).where(A.c.url == url))))
        if not found:
            raise NotFoundError("article", url)
        return found[0]

    def get_articles(self, article_ids: Sequence[int]) -> list[Article]:
        if not article_ids:
            return []
        with self._read() as conn:
            found = load_articles(conn, list(conn.execute(sa.select(A).where(among(A.c.id, article_ids)))))
        by_id = {a.id: a for a in found}
        return [by_id[i] for i in article_ids if i in by_id]

    def list_articles(self, flt: ArticleFilter) -> list[Article]:
        """As the Protocol says; ``flt.extra`` is not used by this store.
        Raises NotFoundError when ``before_id`` names no article."""
        with self._read() as conn:
            pivot = None
            if flt.before_id is not None:
                pivot = conn.execute(sa.select(A.c.published).where(A.c.id == flt.before_id)).first()
                if pivot is None:
                    raise NotFoundError("article", flt.before_id)
            if flt.sections and not (flt.publisher_ids or flt.kind or flt.since or flt.until):
                ids = _newest_in_sections(conn, flt, pivot.published if pivot else None)
                by_id = {
                    a.id: a
                    for a in load_articles(conn, list(conn.execute(sa.select(A).where(among(A.c.id, ids)))))
                }
                return [by_id[i] for i in ids if i in by_id]
            stmt = sa.select(A).where(
                *filter_clauses(flt.publisher_ids, flt.sections, (), flt.since, flt.until)
            )
            if flt.kind is not None:
                stmt = stmt.where(A.c.kind == flt.kind.value)
            if pivot is not None:
                stmt = stmt.where(
                    sa.tuple_(A.c.published, A.c.id) < sa.tuple_(pivot.published, flt.before_id)
                )
            stmt = stmt.order_by(A.c.published.desc(), A.c.id.desc()).limit(flt.limit)
            return load_articles(conn, list(conn.execute(stmt)))

    def count_articles(self) -> int:
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(A)).scalar_one())

    def articles_without_full_text(self, limit: int = 100) -> list[Article]:
        stmt = (
            sa.select(A)
            .where(A.c.full_text.is_(False))
            .order_by(A.c.published.desc(), A.c.id.desc())
            .limit(limit)
        )
        with self._read() as conn:
            return load_articles(conn, list(conn.execute(stmt)))


def _newest_in_sections(conn: Connection, flt: ArticleFilter, before: Any) -> list[int]:
    """Ids of the newest articles listed in any of ``flt.sections`` (older than ``before`` and
    ``flt.before_id`` when given), newest first: one index range per section, read newest first
    (ix_article_sections_listing), merged in one statement."""
    S = t.article_sections
    ranges = []
    for name in dict.fromkeys(flt.sections):
        q = sa.select(S.c.article_id, S.c.published).where(S.c.section == name)
        if before is not None:
            q = q.where(sa.tuple_(S.c.published, S.c.article_id) < sa.tuple_(before, flt.before_id))
        ranges.append(q.order_by(S.c.published.desc(), S.c.article_id.desc()).limit(flt.limit))
    if len(ranges) == 1:
        rows = conn.execute(ranges[0]).all()
    else:
        merged = sa.union_all(*(sa.select(r.subquery()) for r in ranges)).subquery()
        order = (merged.c.published.desc(), merged.c.article_id.desc())
        rows = conn.execute(sa.select(merged).order_by(*order).limit(flt.limit * len(ranges))).all()
    return list(dict.fromkeys(r.article_id for r in rows))[: flt.limit]


def filter_clauses(
    publisher_ids: tuple[str, ...],
    sections: tuple[str, ...],
    languages: tuple[str, ...],
    since: Any,
    until: Any,
) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses shared by listings and search. ``until`` is exclusive."""
    clauses: list[sa.ColumnElement[bool]] = []
    if publisher_ids:
        clauses.append(A.c.publisher_id.in_(publisher_ids))
    if sections:
        listed = sa.select(t.article_sections.c.article_id).where(
            t.article_sections.c.article_id == A.c.id, t.article_sections.c.section.in_(sections)
        )
        clauses.append(sa.or_(A.c.section.in_(sections), listed.exists()))
    if languages:
        clauses.append(A.c.language.in_(languages))
    if since is not None:
        clauses.append(A.c.published >= since)
    if until is not None:
        clauses.append(A.c.published < until)
    return clauses
