"""What readers keep and do with articles: saved articles, reading history,
reading records for publisher payment, and editors' picks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.dialects import postgresql, sqlite

from newsstand.errors import NotFoundError
from newsstand.model import PaidRead, Pick, ReadingSignal, ReadRecord, UnreadRef
from newsstand.store.base import DecideRead
from newsstand.store.sql import schema as t
from newsstand.store.sql.accounts import insert_once
from newsstand.store.sql.engine import SqlBase, among


def _reader_fk(nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column[int]:
    return sa.Column(
        "reader_id", sa.Integer, sa.ForeignKey("readers.id", ondelete=ondelete), nullable=nullable
    )


def _article_fk(nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column[int]:
    fk = sa.ForeignKey("articles.id", ondelete=ondelete)
    return sa.Column("article_id", sa.Integer, fk, nullable=nullable)


saved_articles = sa.Table(
    "saved_articles",
    t.metadata,
    _reader_fk(),
    _article_fk(),
    sa.Column("saved", t.UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("reader_id", "article_id"),
)
reading_history = sa.Table(
    "reading_history",
    t.metadata,
    _reader_fk(),
    _article_fk(),
    sa.Column("read", t.UTCDateTime, nullable=False),
    # Reading time the page reported since the latest read (every reader's, for For you).
    sa.Column("seconds", sa.Integer, nullable=False, server_default="0"),
    sa.PrimaryKeyConstraint("reader_id", "article_id"),
)
reading_records = sa.Table(
    "reading_records",
    t.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _reader_fk(nullable=True, ondelete="SET NULL"),
    sa.Column("reader_ref", sa.String(64), nullable=False),
    _article_fk(nullable=True, ondelete="SET NULL"),
    sa.Column("publisher_id", sa.String(100), nullable=False),
    sa.Column("at", t.UTCDateTime, nullable=False),
    sa.Column("seconds", sa.Integer, nullable=False, server_default="0"),
)
picks = sa.Table(
    "picks",
    t.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _article_fk(nullable=True),
    sa.Column("story_id", sa.Integer, nullable=True, unique=True),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("picked_by", sa.Integer, sa.ForeignKey("readers.id", ondelete="SET NULL"), nullable=True),
    sa.Column("picked", t.UTCDateTime, nullable=False),
)


def _pick(row: sa.Row[Any]) -> Pick:
    return Pick(
        id=row.id,
        picked=row.picked,
        article_id=row.article_id,
        story_id=row.story_id,
        note=row.note,
        picked_by=row.picked_by,
    )


def _read_values(reader_id: int, article_id: int, publisher_id: str, at: datetime) -> dict[str, Any]:
    return {
        "reader_id": reader_id,
        "reader_ref": f"reader:{reader_id}",
        "article_id": article_id,
        "publisher_id": publisher_id,
        "at": at,
    }


def _followed(publisher_ids: Sequence[str], sections: Sequence[str]) -> sa.ColumnElement[bool]:
    """Articles of the publishers or listed in the sections a reader follows."""
    A, S = t.articles, t.article_sections
    clauses: list[sa.ColumnElement[bool]] = []
    if publisher_ids:
        clauses.append(A.c.publisher_id.in_(list(publisher_ids)))
    if sections:
        listed = sa.select(S.c.article_id).where(S.c.article_id == A.c.id, S.c.section.in_(list(sections)))
        clauses += [A.c.section.in_(list(sections)), listed.exists()]
    return sa.or_(*clauses)


class ReadingMixin(SqlBase):
    # --- saved articles ------------------------------------------------------------------

    def save_article(self, reader_id: int, article_id: int, at: datetime) -> None:
        key = (saved_articles.c.reader_id == reader_id, saved_articles.c.article_id == article_id)
        with self._write() as conn:
            if conn.execute(sa.select(t.articles.c.id).where(t.articles.c.id == article_id)).first() is None:
                raise NotFoundError("article", article_id)
            if conn.execute(sa.select(saved_articles.c.saved).where(*key)).first() is None:
                insert = saved_articles.insert().values(reader_id=reader_id, article_id=article_id, saved=at)
                insert_once(conn, insert)

    def unsave_article(self, reader_id: int, article_id: int) -> None:
        with self._write() as conn:
            conn.execute(
                saved_articles.delete().where(
                    saved_articles.c.reader_id == reader_id, saved_articles.c.article_id == article_id
                )
            )

    def is_saved(self, reader_id: int, article_id: int) -> bool:
        query = sa.select(saved_articles.c.saved).where(
            saved_articles.c.reader_id == reader_id, saved_articles.c.article_id == article_id
        )
        with self._read() as conn:
            return conn.execute(query).first() is not None

    def saved_article_ids(self, reader_id: int) -> frozenset[int]:
        query = sa.select(saved_articles.c.article_id).where(saved_articles.c.reader_id == reader_id)
        with self._read_one() as conn:
            return frozenset(conn.execute(query).scalars())

    def saved_articles(
        self, reader_id: int, limit: int = 50, before: tuple[datetime, int] | None = None
    ) -> list[tuple[int, datetime]]:
        return self._kept(saved_articles, saved_articles.c.saved, reader_id, limit, before)

    def _kept(
        self,
        table: sa.Table,
        at: sa.Column[datetime],
        reader_id: int,
        limit: int,
        before: tuple[datetime, int] | None,
    ) -> list[tuple[int, datetime]]:
        """(article id, time) of a reader's saved articles or history, newest first, after ``before``."""
        query = sa.select(table.c.article_id, at).where(table.c.reader_id == reader_id)
        if before is not None:
            query = query.where(sa.tuple_(at, table.c.article_id) < sa.tuple_(before[0], before[1]))
        query = query.order_by(at.desc(), table.c.article_id.desc()).limit(limit)
        with self._read() as conn:
            return [(int(aid), when) for aid, when in conn.execute(query)]

    # --- reading history -------------------------------------------------------------------

    def reading_history(
        self, reader_id: int, limit: int = 50, before: tuple[datetime, int] | None = None
    ) -> list[tuple[int, datetime]]:
        return self._kept(reading_history, reading_history.c.read, reader_id, limit, before)

    def article_marks(
        self, reader_id: int, article_ids: Sequence[int]
    ) -> tuple[frozenset[int], frozenset[int]]:
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return frozenset(), frozenset()
        h, s = reading_history.c, saved_articles.c
        read_query = sa.select(h.article_id).where(h.reader_id == reader_id, among(h.article_id, ids))
        saved_query = sa.select(s.article_id).where(s.reader_id == reader_id, among(s.article_id, ids))
        with self._read() as conn:
            read = frozenset(int(r) for (r,) in conn.execute(read_query))
            saved = frozenset(int(r) for (r,) in conn.execute(saved_query))
        return read, saved

    def unread_refs(
        self,
        reader_id: int,
        publisher_ids: Sequence[str],
        sections: Sequence[str],
        since: datetime,
        limit: int,
    ) -> list[UnreadRef]:
        if not publisher_ids and not sections:
            return []
        A, S, h = t.articles, t.article_sections, reading_history.c
        followed = _followed(publisher_ids, sections)
        read = sa.select(h.article_id).where(h.reader_id == reader_id, h.article_id == A.c.id)
        query = (
            sa.select(A.c.id, A.c.publisher_id, A.c.published, A.c.section)
            .where(followed, A.c.published >= since, ~read.exists())
            .order_by(A.c.published.desc(), A.c.id.desc())
            .limit(limit)
        )
        wanted = set(sections)
        with self._read() as conn:
            rows = conn.execute(query).all()
            listed_in: dict[int, set[str]] = {}
            ids = [int(r.id) for r in rows]
            if ids and wanted:
                q = sa.select(S.c.article_id, S.c.section).where(
                    among(S.c.article_id, ids), among(S.c.section, list(wanted))
                )
                for aid, section in conn.execute(q):
                    listed_in.setdefault(int(aid), set()).add(section)
        return [
            UnreadRef(
                int(r.id),
                r.publisher_id,
                r.published,
                tuple(sorted(listed_in.get(int(r.id), set()) | ({r.section} & wanted))),
            )
            for r in rows
        ]

    def followed_article_ids(
        self,
        publisher_ids: Sequence[str],
        sections: Sequence[str],
        *,
        after_id: int | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> tuple[list[int], int]:
        if not publisher_ids and not sections:
            return [], 0
        A = t.articles
        followed = _followed(publisher_ids, sections)
        where = followed
        query = sa.select(A.c.id).where(where)
        if after_id is not None:
            query = query.where(A.c.id > after_id).order_by(A.c.id.asc())
        else:
            if before_id is not None:
                query = query.where(A.c.id < before_id)
            query = query.order_by(A.c.id.desc())
        with self._read() as conn:
            ids = [int(i) for (i,) in conn.execute(query.limit(limit))]
            total = int(conn.execute(sa.select(sa.func.count()).select_from(A).where(where)).scalar_one())
        return ids, total

    def forget_reads(self, reader_id: int, article_ids: Sequence[int]) -> None:
        h = reading_history.c
        ids = list(dict.fromkeys(article_ids))
        if not ids:
            return
        with self._write() as conn:
            conn.execute(reading_history.delete().where(h.reader_id == reader_id, among(h.article_id, ids)))

    def forget_read(self, reader_id: int, article_id: int) -> None:
        h = reading_history.c
        with self._write() as conn:
            conn.execute(reading_history.delete().where(h.reader_id == reader_id, h.article_id == article_id))

    def record_reads(self, reads: Sequence[ReadRecord]) -> None:
        if reads:
            with self._write(defer_search=True) as conn:  # no article stored: nothing to index
                self._insert_reads(conn, reads)

    def record_new_reads(self, wanted: Sequence[ReadRecord], decide: DecideRead) -> list[ReadRecord]:
        if not wanted:
            return []
        # The batch's readers and articles, each one list (one SQL text whatever the batch's
        # size: see engine.among); rows of other pairs of them are left out below.
        readers = sorted({w.reader_id for w in wanted})
        articles = sorted({w.article_id for w in wanted})
        h, r = reading_history.c, reading_records.c
        last_read = sa.select(h.reader_id, h.article_id, h.read).where(
            among(h.reader_id, readers), among(h.article_id, articles)
        )
        last_paid = (
            sa.select(r.reader_id, r.article_id, sa.func.max(r.at).label("at"))
            .where(among(r.reader_id, readers), among(r.article_id, articles))
            .group_by(r.reader_id, r.article_id)
        )
        # Decided and written in one transaction (no second writer between); no article is
        # stored, so there is nothing to index for search.
        with self._write(defer_search=True) as conn:
            read_at = {(row[0], row[1]): row[2] for row in conn.execute(last_read)}
            paid_at = {(row[0], row[1]): row[2] for row in conn.execute(last_paid)}
            kept = []
            for want in wanted:
                key = (want.reader_id, want.article_id)
                record = decide(want, read_at.get(key), paid_at.get(key))
                if record is None:
                    continue
                kept.append(record)
                if record.history:
                    read_at[key] = record.at
                if record.publisher_id:
                    paid_at[key] = record.at
            if kept:
                self._insert_reads(conn, kept)
        return kept

    def _insert_reads(self, conn: sa.Connection, reads: Sequence[ReadRecord]) -> None:
        dialect = postgresql if self._engine.dialect.name == "postgresql" else sqlite
        latest: dict[tuple[int, int], datetime] = {}
        for r in reads:
            if r.history:
                key = (r.reader_id, r.article_id)
                latest[key] = max(latest.get(key, r.at), r.at)
        h = dialect.insert(reading_history)
        upsert = h.on_conflict_do_update(
            index_elements=[reading_history.c.reader_id, reading_history.c.article_id],
            set_={"read": h.excluded.read, "seconds": 0},  # a new read starts its own reading time
        )
        paid = [
            _read_values(r.reader_id, r.article_id, r.publisher_id, r.at) for r in reads if r.publisher_id
        ]
        rows = [{"reader_id": rid, "article_id": aid, "read": at} for (rid, aid), at in latest.items()]
        if rows:
            conn.execute(upsert, rows)
        if paid:
            conn.execute(reading_records.insert(), paid)

    # --- reading records for publisher payment ----------------------------------------------

    def add_reading_time(
        self, reader_id: int, article_id: int, since: datetime, credit: Callable[[datetime, int], int]
    ) -> int | None:
        r = reading_records.c
        latest = (
            sa.select(r.id, r.at, r.seconds)
            .where(r.reader_id == reader_id, r.article_id == article_id, r.at >= since)
            .order_by(r.at.desc(), r.id.desc())
            .limit(1)
        )
        h = reading_history.c
        read = sa.select(h.read, h.seconds).where(
            h.reader_id == reader_id, h.article_id == article_id, h.read >= since
        )
        with self._write() as conn:
            history = conn.execute(read).first()
            if history is not None:
                credited = credit(history.read, int(history.seconds))
                if credited != history.seconds:
                    conn.execute(
                        reading_history.update()
                        .where(h.reader_id == reader_id, h.article_id == article_id)
                        .values(seconds=credited)
                    )
            row = conn.execute(latest).first()
            if row is None:
                return None
            seconds = credit(row.at, int(row.seconds))
            if seconds != row.seconds:
                conn.execute(reading_records.update().where(r.id == row.id).values(seconds=seconds))
        return seconds

    def reading_signals(self, reader_id: int, since: datetime, limit: int) -> list[ReadingSignal]:
        h, s = reading_history.c, saved_articles.c
        opened = sa.select(
            h.article_id, h.read.label("opened"), h.seconds, sa.null().label("saved"), h.read.label("at")
        ).where(h.reader_id == reader_id, h.read >= since)
        saved = sa.select(
            s.article_id,
            sa.null().label("opened"),
            sa.literal(0).label("seconds"),
            s.saved,
            s.saved.label("at"),
        ).where(s.reader_id == reader_id, s.saved >= since)
        both = sa.union_all(opened, saved).subquery()
        query = (
            sa.select(
                both.c.article_id,
                sa.type_coerce(sa.func.max(both.c.opened), t.UTCDateTime),
                sa.func.max(both.c.seconds),
                sa.type_coerce(sa.func.max(both.c.saved), t.UTCDateTime),
            )
            .group_by(both.c.article_id)
            .order_by(sa.func.max(both.c.at).desc(), both.c.article_id.desc())
            .limit(limit)
        )
        with self._read_one() as conn:
            return [
                ReadingSignal(int(aid), opened_at, int(seconds or 0), saved_at)
                for aid, opened_at, seconds, saved_at in conn.execute(query)
            ]

    def paid_reads(self, start: datetime, end: datetime) -> list[PaidRead]:
        r = reading_records.c
        query = (
            sa.select(r.reader_ref, r.publisher_id, r.at, r.seconds)
            .where(r.at >= start, r.at < end)
            .order_by(r.at, r.id)
        )
        with self._read() as conn:
            return [
                PaidRead(row.reader_ref, row.publisher_id, row.at, int(row.seconds))
                for row in conn.execute(query)
            ]

    def reading_counts(self, start: datetime, end: datetime) -> list[tuple[str, int, int]]:
        r = reading_records.c
        query = (
            sa.select(r.publisher_id, sa.func.count(), sa.func.count(sa.distinct(r.reader_ref)))
            .where(r.at >= start, r.at < end)
            .group_by(r.publisher_id)
            .order_by(r.publisher_id)
        )
        with self._read() as conn:
            return [(str(pid), int(reads), int(unique)) for pid, reads, unique in conn.execute(query)]

    # --- editors' picks ------------------------------------------------------------------------

    def put_pick(
        self, article_id: int | None, story_id: int | None, note: str, picked_by: int | None, at: datetime
    ) -> Pick:
        same = picks.c.article_id == article_id if article_id is not None else picks.c.story_id == story_id
        values = {"note": note, "picked_by": picked_by, "picked": at}
        with self._write() as conn:
            existing = conn.execute(sa.select(picks.c.id).where(same)).scalar()
            if existing is not None:
                conn.execute(picks.update().where(picks.c.id == existing).values(values))
            else:
                try:
                    with conn.begin_nested():
                        insert = picks.insert().values(article_id=article_id, story_id=story_id, **values)
                        conn.execute(insert)
                except exc.IntegrityError as e:
                    raise NotFoundError("article", article_id) from e
            row = conn.execute(sa.select(picks).where(same)).one()
        return _pick(row)

    def remove_pick(self, pick_id: int) -> None:
        with self._write() as conn:
            if conn.execute(picks.delete().where(picks.c.id == pick_id)).rowcount == 0:
                raise NotFoundError("pick", pick_id)

    def list_picks(self, limit: int = 10) -> list[Pick]:
        query = sa.select(picks).order_by(picks.c.picked.desc(), picks.c.id.desc()).limit(limit)
        with self._read() as conn:
            return [_pick(r) for r in conn.execute(query)]
