"""Stories: their table, the articles' ``story_id``, top and related stories.

The clustering itself is pure (``newsstand.stories``); this module only reads
what it needs and stores what it decided, each write in one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from newsstand.errors import NotFoundError
from newsstand.model import (
    Article,
    ArticleKind,
    ArticleText,
    CopyCandidates,
    CopyIndex,
    Facet,
    OpenStory,
    Story,
    StoryStats,
    StoryWrite,
    TermCounts,
)
from newsstand.model.postings import StoryPostings
from newsstand.store.sql import schema as t
from newsstand.store.sql.accounts import HIDE, LIKE, follows
from newsstand.store.sql.articles import load_articles
from newsstand.store.sql.copywindow import SKETCHES, CopyWindow, Sketched, sketch_rows
from newsstand.store.sql.engine import SqlBase, among
from newsstand.store.sql.meta import store_meta
from newsstand.store.sql.storycache import Indexed, StoryCache, next_generation, written

A = t.articles

stories = sa.Table(
    "stories",
    t.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("first_seen", t.UTCDateTime, nullable=False),
    sa.Column("last_updated", t.UTCDateTime, nullable=False),
    sa.Column("lead_article_id", sa.Integer, nullable=True),
    sa.Column("size", sa.Integer, nullable=False, server_default="0"),
    sa.Column("terms", sa.Text, nullable=False, server_default="{}"),
    sa.Column("lead_score", sa.Float, nullable=False, server_default="0"),
    sa.Column("open_until", t.UTCDateTime, nullable=True),
    # The save_stories call that last wrote the story (see GENERATION_KEY), migration 0021.
    sa.Column("touched", sa.Integer, nullable=False, server_default="0"),
    # The terms the story is indexed under, space-separated ("" once it closed), migration 0024:
    # the store's index of open stories (``storycache``) is loaded from them.
    sa.Column("index_terms", sa.Text, nullable=False, server_default=""),
    sa.Index("ix_stories_last_updated", "last_updated"),
    sa.Index("ix_stories_open_until", "open_until"),
    sqlite_autoincrement=True,
)
S = stories

# How many clustered articles hold each term: word rarity for the whole store.
story_terms = sa.Table(
    "story_terms",
    t.metadata,
    sa.Column("term", sa.String(200), primary_key=True),
    sa.Column("df", sa.Integer, nullable=False),
)
TERMS = story_terms

# Which earlier article each near copy repeats.
article_copies = sa.Table(
    "article_copies",
    t.metadata,
    sa.Column("article_id", sa.Integer, primary_key=True),
    sa.Column("copy_of", sa.Integer, nullable=False),
)
COPIES = article_copies

# Where a story folded into another by a merge pass now lives (kept one step deep).
story_merges = sa.Table(
    "story_merges",
    t.metadata,
    sa.Column("story_id", sa.Integer, primary_key=True),
    sa.Column("merged_into", sa.Integer, nullable=False),
    sa.Index("ix_story_merges_merged_into", "merged_into"),
)
MERGES = story_merges
# The follows kinds whose value is a story id: a follow and the trainer's like and hide.
STORY_FOLLOW_KINDS = (Facet.STORY.value, LIKE + Facet.STORY.value, HIDE + Facet.STORY.value)
# The store_meta key counting the articles whose terms are in ``story_terms``.
DOCUMENTS_KEY = "story_documents"
# The store_meta key of the time up to which closed stories left the index (``index_terms``).
PRUNED_KEY = "story_index_pruned"
# Terms longer than this are not counted (no word of news is).
MAX_TERM = 200
# A story's stored terms are JSON text; msgspec reads and writes it four to six times faster
# than the standard library, and a round reads thousands of profiles (docs/decisions.md).
_TERMS_IN = msgspec.json.Decoder(dict[str, float])
_TERMS_OUT = msgspec.json.Encoder()


def _text_columns(lead_chars: int) -> list[Any]:
    return [
        A.c.id,
        A.c.publisher_id,
        A.c.published,
        A.c.title,
        A.c.standfirst,
        sa.func.substr(A.c.body_text, 1, lead_chars).label("lead"),
        A.c.story_id,
        A.c.kind,
        A.c.section,
        A.c.tags,
        A.c.url,
        A.c.updated,
    ]


def _text(row: sa.Row[Any]) -> ArticleText:
    return ArticleText(
        article_id=row.id,
        publisher_id=row.publisher_id,
        published=row.published,
        title=row.title,
        standfirst=row.standfirst,
        body_text=row.lead or "",
        story_id=row.story_id,
        kind=ArticleKind(row.kind),
        section=row.section,
        tags=t.load_strings(row.tags),
        url=row.url,
        updated=row.updated,
    )


def _profile(write: StoryWrite) -> dict[str, Any]:
    """The columns of a story that the clusterer reads back (its term weights to five places)."""
    terms = {t: round(w, 5) for t, w in write.terms.items()}
    return {
        "first_seen": write.first_seen,
        "last_updated": write.last_updated,
        "size": write.size,
        "terms": _TERMS_OUT.encode(terms).decode(),
        "lead_score": write.lead_score,
        "open_until": write.open_until,
    }


def _open_story(r: sa.Row[Any]) -> OpenStory:
    return OpenStory(
        story_id=r.id,
        first_seen=r.first_seen,
        last_updated=r.last_updated,
        size=r.size,
        terms=_TERMS_IN.decode(r.terms),
        lead_article_id=r.lead_article_id,
        lead_score=r.lead_score,
    )


def _load_stories(conn: Connection, story_ids: Sequence[int]) -> list[Story]:
    """Stories with these ids, in the order asked; unknown ids are left out."""
    if not story_ids:
        return []
    heads = {r.id: r for r in conn.execute(sa.select(S).where(among(S.c.id, story_ids)))}
    members: dict[int, list[tuple[int, str]]] = defaultdict(list)
    stmt = (
        sa.select(A.c.story_id, A.c.id, A.c.publisher_id)
        .where(among(A.c.story_id, story_ids))
        .order_by(A.c.story_id, A.c.published, A.c.id)
    )
    for story_id, article_id, publisher_id in conn.execute(stmt):
        members[story_id].append((article_id, publisher_id))
    return [
        Story(
            id=sid,
            title=heads[sid].title,
            first_seen=heads[sid].first_seen,
            last_updated=heads[sid].last_updated,
            article_ids=tuple(a for a, _ in members[sid]),
            lead_article_id=heads[sid].lead_article_id,
            publisher_ids=tuple(dict.fromkeys(p for _, p in members[sid])),
        )
        for sid in story_ids
        if sid in heads
    ]


def _execute_many(conn: Connection, stmt: sa.UpdateBase, rows: Sequence[dict[str, Any]]) -> int:
    """Run ``stmt`` once for each of ``rows``; returns how many rows it changed.

    On SQLite the statement is compiled once and the driver runs it for plain tuples: for a
    round's tens of thousands of small rows (band keys, index terms, word counts) SQLAlchemy's
    parameter handling per row cost more than SQLite's own work. Only for statements whose
    parameters all come from ``rows`` and need no conversion (integers, text). PostgreSQL
    takes the usual path, where SQLAlchemy sends many rows in one statement.
    """
    if not rows:
        return 0
    if conn.dialect.name != "sqlite":
        return conn.execute(stmt, rows).rowcount
    compiled = stmt.compile(dialect=conn.dialect)
    names = compiled.positiontup or ()
    params = [tuple(row[name] for name in names) for row in rows]
    return conn.exec_driver_sql(compiled.string, params).rowcount


class StoriesMixin(SqlBase):
    """``StoryStore`` on SQLAlchemy Core, with the story index cached in memory (``storycache``)."""

    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(engine)
        self._story_cache = StoryCache()
        self._copy_window = CopyWindow()

    def articles_without_story(self, lead_chars: int, limit: int = 5000) -> list[ArticleText]:
        stmt = (
            sa.select(*_text_columns(lead_chars))
            .where(A.c.story_id.is_(None))
            .order_by(A.c.published, A.c.id)
            .limit(limit)
        )
        with self._read() as conn:
            return [_text(r) for r in conn.execute(stmt)]

    def clustered_articles(self, since: datetime, until: datetime, lead_chars: int) -> list[ArticleText]:
        stmt = (
            sa.select(*_text_columns(lead_chars))
            .where(A.c.story_id.is_not(None), A.c.published >= since, A.c.published <= until)
            .order_by(A.c.published, A.c.id)
        )
        with self._read() as conn:
            return [_text(r) for r in conn.execute(stmt)]

    def articles_before(self, until: datetime, limit: int, lead_chars: int) -> list[ArticleText]:
        stmt = (
            sa.select(*_text_columns(lead_chars))
            .where(A.c.published < until)
            .order_by(A.c.published.desc(), A.c.id.desc())
            .limit(limit)
        )
        with self._read() as conn:
            return [_text(r) for r in conn.execute(stmt)]

    def open_stories(
        self,
        since: datetime,
        lookups: Sequence[Collection[str]] | None = None,
        *,
        shared: int = 2,
        limit: int = 48,
    ) -> list[OpenStory]:
        if lookups is None:
            stmt = sa.select(S).where(S.c.open_until >= since).order_by(S.c.id)
            with self._read() as conn:
                return [_open_story(r) for r in conn.execute(stmt)]
        cache = self._story_cache
        with self._read() as conn:
            # The stories each article could join, from the index in memory (the lock held only
            # for that); then their profiles, each row once, in the same read.
            ids: set[int] = set()
            with cache.lock:
                postings = cache.current(conn)
                for terms in lookups:
                    wanted = [t for t in dict.fromkeys(terms) if len(t) <= MAX_TERM]
                    if len(wanted) >= shared:
                        ids.update(postings.lookup(wanted, since, shared, limit))
            if not ids:
                return []
            stmt = sa.select(S).where(among(S.c.id, sorted(ids))).order_by(S.c.id)
            return [_open_story(r) for r in conn.execute(stmt)]

    def term_counts(self, terms: Collection[str]) -> TermCounts:
        wanted = sorted(t for t in terms if len(t) <= MAX_TERM)
        with self._read() as conn:
            stmt = sa.select(TERMS.c.term, TERMS.c.df).where(among(TERMS.c.term, wanted))
            df: dict[str, int] = dict(conn.execute(stmt).all()) if wanted else {}
            documents = conn.execute(
                sa.select(store_meta.c.value).where(store_meta.c.key == DOCUMENTS_KEY)
            ).scalar()
        return TermCounts(df, int(documents or 0))

    def copy_candidates(self, keys: Collection[int], since: datetime) -> CopyCandidates:
        story_of: dict[int, int] = {}
        with self._read() as conn:
            holders = self._copy_window.holders(conn, keys, since)
            originals = sorted({a for ids in holders.values() for a in ids})
            if originals:
                stmt = sa.select(A.c.id, A.c.story_id).where(among(A.c.id, originals))
                story_of = dict(conn.execute(stmt.where(A.c.story_id.is_not(None))).all())
        return CopyCandidates({k: tuple(v) for k, v in holders.items()}, story_of)

    def copy_origins(self, article_ids: Collection[int]) -> dict[int, int]:
        wanted = sorted(set(article_ids))
        if not wanted:
            return {}
        stmt = sa.select(COPIES.c.article_id, COPIES.c.copy_of).where(among(COPIES.c.article_id, wanted))
        with self._read() as conn:
            return dict(conn.execute(stmt).all())

    def save_stories(
        self,
        writes: Sequence[StoryWrite],
        counts: TermCounts | None = None,
        copies: CopyIndex | None = None,
    ) -> int:
        with self._write() as conn:
            generation = next_generation(conn)
            new = [w for w in writes if w.key < 0]
            ids = self._insert_stories(conn, new, generation)
            self._widen_stories(conn, [w for w in writes if w.key >= 0], generation)
            moved = [{"gone": g, "into": ids.get(w.key, w.key)} for w in writes for g in w.absorbs]
            if moved:
                into = sa.bindparam("into", type_=sa.Integer)
                conn.execute(
                    A.update().where(A.c.story_id == sa.bindparam("gone")).values(story_id=into), moved
                )
                conn.execute(S.delete().where(among(S.c.id, [m["gone"] for m in moved])))
                self._record_merges(conn, moved)
            rows = [{"aid": a, "sid": ids.get(w.key, w.key)} for w in writes for a in w.article_ids]
            placed = 0
            if rows:
                stmt = (
                    A.update()
                    .where(A.c.id == sa.bindparam("aid"), A.c.story_id.is_(None))
                    .values(story_id=sa.bindparam("sid", type_=sa.Integer))
                )
                placed = _execute_many(conn, stmt, sorted(rows, key=lambda r: r["aid"]))
            if placed < len(rows) and ids:
                # Another process clustered some articles first: drop new stories left empty.
                kept = sa.select(A.c.story_id).where(among(A.c.story_id, list(ids.values())))
                conn.execute(S.delete().where(among(S.c.id, list(ids.values())), S.c.id.not_in(kept)))
            self._retitle(conn, [ids.get(w.key, w.key) for w in writes])
            before = self._story_cache.as_of(generation - 1)
            self._index_stories(conn, [(ids.get(w.key, w.key), w) for w in writes], before)
            pruned = self._prune_index(conn, writes)
            if counts is not None:
                self._count_terms(conn, counts)
            originals: tuple[tuple[int, tuple[int, ...], datetime], ...] = ()
            if copies is not None:
                originals = self._index_copies(conn, copies)
        if placed < len(rows):
            self._story_cache.forget()  # another process is clustering too: reload next time
            self._copy_window.forget()
        else:
            self._copy_window.apply(Sketched(generation, originals))
            gone = tuple(m["gone"] for m in moved)
            indexed = Indexed(generation, gone, written(ids, writes, MAX_TERM), pruned)
            self._story_cache.apply(indexed)
        return placed

    @staticmethod
    def _record_merges(conn: Connection, moved: Sequence[dict[str, int]]) -> None:
        """Remember where each merged-away story went (earlier merges into it follow it, so
        one lookup answers) and move readers' follows of it to the story it joined."""
        into = sa.bindparam("into", type_=sa.Integer)
        gone = sa.bindparam("gone", type_=sa.Integer)
        conn.execute(MERGES.update().where(MERGES.c.merged_into == gone).values(merged_into=into), moved)
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(MERGES)
        conn.execute(
            insert.on_conflict_do_update(
                index_elements=["story_id"], set_={"merged_into": insert.excluded.merged_into}
            ),
            [{"story_id": m["gone"], "merged_into": m["into"]} for m in moved],
        )
        f = follows.c
        for m in moved:
            old, new = str(m["gone"]), str(m["into"])
            rows = conn.execute(
                sa.select(f.reader_id, f.kind).where(f.kind.in_(STORY_FOLLOW_KINDS), f.value == old)
            ).all()
            for reader_id, kind in rows:
                key = (f.reader_id == reader_id, f.kind == kind)
                has_new = conn.execute(sa.select(f.reader_id).where(*key, f.value == new)).first()
                if has_new is None:
                    conn.execute(follows.update().where(*key, f.value == old).values(value=new))
                else:
                    conn.execute(follows.delete().where(*key, f.value == old))

    def story_merged_into(self, story_id: int) -> int | None:
        with self._read() as conn:
            stmt = sa.select(MERGES.c.merged_into).where(MERGES.c.story_id == story_id)
            into: int | None = conn.execute(stmt).scalar()
        return into

    @staticmethod
    def _index_copies(
        conn: Connection, copies: CopyIndex
    ) -> tuple[tuple[int, tuple[int, ...], datetime], ...]:
        """Note which article each copy repeats; store the originals' band keys (a copy is
        found through its original, so its own keys are not kept). Returns the originals
        stored (id, keys, publication time), for the index in memory."""
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        pairs = [{"article_id": c, "copy_of": o} for c, o in sorted(copies.copy_of.items())]
        _execute_many(conn, dialect.insert(COPIES).on_conflict_do_nothing(), pairs)
        originals = tuple(
            (article_id, keys, copies.published[article_id])
            for article_id, keys in sorted(copies.keys.items())
            if keys and article_id not in copies.copy_of
        )
        _execute_many(conn, dialect.insert(SKETCHES).on_conflict_do_nothing(), sketch_rows(originals))
        return originals

    @staticmethod
    def _prune_index(
        conn: Connection, writes: Sequence[StoryWrite]
    ) -> tuple[datetime | None, datetime] | None:
        """Take stories that closed since the last round out of the index, so that a lookup
        reads postings of open stories only, however many stories the store has kept.
        Returns the span of closing times taken out (None when nothing was written)."""
        times = [w.last_updated for w in writes]
        if not times:
            return None
        until = min(times)
        stmt = sa.select(store_meta.c.value).where(store_meta.c.key == PRUNED_KEY)
        last = conn.execute(stmt).scalar()
        since = datetime.fromisoformat(last) if last else None
        closed = S.update().where(S.c.open_until < until, S.c.index_terms != "")
        if since is not None:
            closed = closed.where(S.c.open_until >= since)
        conn.execute(closed.values(index_terms=""))
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        mark = dialect.insert(store_meta).values(key=PRUNED_KEY, value=until.isoformat())
        conn.execute(mark.on_conflict_do_update(index_elements=["key"], set_={"value": until.isoformat()}))
        return since, until

    @staticmethod
    def _index_stories(
        conn: Connection, written: Sequence[tuple[int, StoryWrite]], indexed: StoryPostings | None = None
    ) -> None:
        """Index stories under their strongest terms, beside those they were indexed under
        (a term a story no longer ranks high on stays: it costs one comparison more), as
        ``StoryPostings.put`` does. ``indexed`` is the index as the table holds it, when known;
        otherwise the stories' terms are read."""
        if indexed is None:
            ids = [story_id for story_id, _ in written]
            read = sa.select(S.c.id, S.c.index_terms).where(among(S.c.id, ids))
            held = {i: tuple(terms.split()) for i, terms in conn.execute(read)} if ids else {}
        else:
            held = {story_id: indexed.terms_of(story_id) for story_id, _ in written}
        rows = []
        for story_id, w in sorted(written, key=lambda item: item[0]):
            terms = (t for t in w.index_terms if len(t) <= MAX_TERM)
            rows.append({"key": story_id, "held": " ".join(dict.fromkeys((*held.get(story_id, ()), *terms)))})
        update = S.update().where(S.c.id == sa.bindparam("key")).values(index_terms=sa.bindparam("held"))
        _execute_many(conn, update, rows)

    @staticmethod
    def _retitle(conn: Connection, story_ids: Sequence[int]) -> None:
        """A story's title is its lead article's."""
        lead_title = sa.select(A.c.title).where(A.c.id == S.c.lead_article_id).scalar_subquery()
        if story_ids:
            retitled = S.update().where(among(S.c.id, story_ids))
            conn.execute(retitled.values(title=sa.func.coalesce(lead_title, S.c.title)))

    @staticmethod
    def _count_terms(conn: Connection, counts: TermCounts) -> None:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        rows = [{"term": term, "df": n} for term, n in sorted(counts.df.items()) if len(term) <= MAX_TERM]
        insert = dialect.insert(TERMS)
        added = {"df": TERMS.c.df + insert.excluded.df}
        _execute_many(conn, insert.on_conflict_do_update(index_elements=["term"], set_=added), rows)
        meta = dialect.insert(store_meta).values(key=DOCUMENTS_KEY, value=str(counts.documents))
        total = sa.cast(sa.cast(store_meta.c.value, sa.Integer) + counts.documents, sa.Text)
        conn.execute(meta.on_conflict_do_update(index_elements=["key"], set_={"value": total}))

    @staticmethod
    def _insert_stories(conn: Connection, new: Sequence[StoryWrite], touched: int) -> dict[int, int]:
        """Insert new stories; returns their keys mapped to the ids they got."""
        if not new:
            return {}
        rows = [
            {
                "title": w.title,
                "lead_article_id": w.lead_article_id,
                "touched": touched,
                **_profile(w),
            }
            for w in new
        ]
        result = conn.execute(S.insert().returning(S.c.id, sort_by_parameter_order=True), rows)
        return {w.key: story_id for w, story_id in zip(new, result.scalars(), strict=True)}

    @staticmethod
    def _widen_stories(conn: Connection, writes: Sequence[StoryWrite], touched: int) -> None:
        """Widen stored stories' spans and replace their profiles, in one statement. Raises
        NotFoundError for an unknown story."""
        if not writes:
            return
        wanted = [w.key for w in writes]
        known = set(conn.execute(sa.select(S.c.id).where(among(S.c.id, wanted))).scalars())
        for key in wanted:
            if key not in known:
                raise NotFoundError("story", key)
        first = sa.bindparam("first", type_=S.c.first_seen.type)
        last = sa.bindparam("last", type_=S.c.last_updated.type)
        stmt = (
            S.update()
            .where(S.c.id == sa.bindparam("key"))
            .values(
                lead_article_id=sa.bindparam("lead"),
                first_seen=sa.case((S.c.first_seen > first, first), else_=S.c.first_seen),
                last_updated=sa.case((S.c.last_updated < last, last), else_=S.c.last_updated),
                size=sa.bindparam("size_"),
                terms=sa.bindparam("terms_"),
                lead_score=sa.bindparam("score"),
                open_until=sa.bindparam("until", type_=S.c.open_until.type),
                touched=touched,
            )
        )
        rows = []
        for w in writes:
            profile = _profile(w)
            rows.append(
                {
                    "key": w.key,
                    "lead": w.lead_article_id,
                    "first": w.first_seen,
                    "last": w.last_updated,
                    "size_": profile["size"],
                    "terms_": profile["terms"],
                    "score": profile["lead_score"],
                    "until": profile["open_until"],
                }
            )
        conn.execute(stmt, rows)

    def clear_stories(self) -> None:
        with self._write() as conn:
            conn.execute(A.update().where(A.c.story_id.is_not(None)).values(story_id=None))
            conn.execute(S.delete())
            conn.execute(TERMS.delete())
            conn.execute(SKETCHES.delete())
            conn.execute(COPIES.delete())
            conn.execute(MERGES.delete())
            conn.execute(store_meta.delete().where(store_meta.c.key.in_([DOCUMENTS_KEY, PRUNED_KEY])))
            next_generation(conn)  # other processes' caches see the change
        self._story_cache.forget()
        self._copy_window.forget()

    def story(self, story_id: int) -> Story:
        with self._read() as conn:
            found = _load_stories(conn, [story_id])
        if not found:
            raise NotFoundError("story", story_id)
        return found[0]

    def story_articles(self, story_id: int) -> list[Article]:
        with self._read() as conn:
            if conn.execute(sa.select(S.c.id).where(S.c.id == story_id)).first() is None:
                raise NotFoundError("story", story_id)
            stmt = sa.select(A).where(A.c.story_id == story_id).order_by(A.c.published.desc(), A.c.id.desc())
            return load_articles(conn, list(conn.execute(stmt)))

    def story_coverage(self, story_id: int, other_than: str, limit: int) -> list[Article]:
        order = (A.c.published.desc(), A.c.id.desc())
        rank = sa.func.row_number().over(partition_by=A.c.publisher_id, order_by=order)
        newest = (
            sa.select(A.c.id, A.c.published, rank.label("rank"))
            .where(A.c.story_id == story_id, A.c.publisher_id != other_than)
            .subquery()
        )
        ids = (
            sa.select(newest.c.id)
            .where(newest.c.rank == 1)
            .order_by(newest.c.published.desc(), newest.c.id.desc())
            .limit(limit)
        )
        with self._read() as conn:
            rows = list(conn.execute(sa.select(A).where(A.c.id.in_(ids)).order_by(*order)))
            return load_articles(conn, rows)

    def recent_stories(self, limit: int = 20, before: tuple[datetime, int] | None = None) -> list[Story]:
        stmt = sa.select(S.c.id)
        if before is not None:
            stmt = stmt.where(sa.tuple_(S.c.last_updated, S.c.id) < sa.tuple_(before[0], before[1]))
        stmt = stmt.order_by(S.c.last_updated.desc(), S.c.id.desc()).limit(limit)
        with self._read() as conn:
            return _load_stories(conn, list(conn.execute(stmt).scalars()))

    def stories(self, story_ids: Sequence[int]) -> list[Story]:
        with self._read() as conn:
            return _load_stories(conn, story_ids)

    def story_stats(self, since: datetime, until: datetime, min_publishers: int) -> list[StoryStats]:
        publishers = sa.func.count(sa.distinct(A.c.publisher_id))
        stmt = (
            sa.select(A.c.story_id, publishers, sa.func.count(), sa.func.max(A.c.published))
            .where(A.c.story_id.is_not(None), A.c.published >= since, A.c.published <= until)
            .group_by(A.c.story_id)
            .having(publishers >= min_publishers)
        )
        with self._read() as conn:
            return [StoryStats(sid, pubs, n, last) for sid, pubs, n, last in conn.execute(stmt)]

    def article_text(self, article_id: int, lead_chars: int) -> ArticleText:
        with self._read() as conn:
            row = conn.execute(sa.select(*_text_columns(lead_chars)).where(A.c.id == article_id)).first()
        if row is None:
            raise NotFoundError("article", article_id)
        return _text(row)

    def article_texts(self, article_ids: Collection[int], lead_chars: int) -> list[ArticleText]:
        ids = sorted(set(article_ids))
        if not ids:
            return []
        with self._read() as conn:
            rows = conn.execute(sa.select(*_text_columns(lead_chars)).where(among(A.c.id, ids)))
            return [_text(r) for r in rows]

    def story_leads_near(
        self, at: datetime, reach: timedelta, limit: int, lead_chars: int, exclude_story: int | None = None
    ) -> list[ArticleText]:
        stmt = (
            sa.select(*_text_columns(lead_chars))
            .select_from(S.join(A, A.c.id == S.c.lead_article_id))
            .where(S.c.last_updated >= at - reach, S.c.first_seen <= at + reach)
            .order_by(S.c.last_updated.desc(), S.c.id.desc())
            .limit(limit)
        )
        if exclude_story is not None:
            stmt = stmt.where(S.c.id != exclude_story)
        with self._read() as conn:
            return [_text(r) for r in conn.execute(stmt)]
