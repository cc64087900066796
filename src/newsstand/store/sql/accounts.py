"""Readers, sessions, reset tokens, sign-in attempts and memberships.

The tables of migration 0002 are declared here (and in ``reading.py`` for what
readers keep), beside the queries that use them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection

from newsstand.errors import ConflictError, NotFoundError
from newsstand.model import (
    Facet,
    Membership,
    MembershipState,
    OutgoingMail,
    Reader,
    Role,
    SessionRecord,
    Trained,
)
from newsstand.store.sql import schema as t
from newsstand.store.sql.engine import SqlBase
from newsstand.store.sql.mail import enqueue, mail_queue


def _reader_fk(nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column[int]:
    return sa.Column(
        "reader_id", sa.Integer, sa.ForeignKey("readers.id", ondelete=ondelete), nullable=nullable
    )


readers = sa.Table(
    "readers",
    t.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("display_name", sa.Text, nullable=False, server_default=""),
    sa.Column("role", sa.String(16), nullable=False, server_default="reader"),
    sa.Column("created", t.UTCDateTime, nullable=False),
    sa.Column("time_zone", sa.String(64), nullable=False, server_default=""),
    sa.Column("email_verified", t.UTCDateTime, nullable=True),
)
sessions = sa.Table(
    "sessions",
    t.metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    _reader_fk(),
    sa.Column("created", t.UTCDateTime, nullable=False),
    sa.Column("expires", t.UTCDateTime, nullable=False),
    sa.Column("address", sa.Text, nullable=False, server_default=""),
)
reset_tokens = sa.Table(
    "reset_tokens",
    t.metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    _reader_fk(),
    sa.Column("created", t.UTCDateTime, nullable=False),
    sa.Column("expires", t.UTCDateTime, nullable=False),
)
auth_attempts = sa.Table(
    "auth_attempts",
    t.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(320), nullable=False),
    sa.Column("at", t.UTCDateTime, nullable=False),
)
memberships = sa.Table(
    "memberships",
    t.metadata,
    sa.Column("reader_id", sa.Integer, sa.ForeignKey("readers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("started", t.UTCDateTime, nullable=False),
    sa.Column("ends", t.UTCDateTime),
    sa.Column("provider", sa.String(32), nullable=False, server_default="manual"),
    sa.Column("cancelled", t.UTCDateTime),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
)
follows = sa.Table(
    "follows",
    t.metadata,
    _reader_fk(),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("value", sa.String(200), nullable=False),
    sa.PrimaryKeyConstraint("reader_id", "kind", "value"),
    # Who follows a story, when a merge moves its follows (migration 0021).
    sa.Index("ix_follows_kind_value", "kind", "value"),
)

# A follow is stored under its facet's name ("publisher", "story", ...); a trainer choice under
# "like_<facet>" or "hide_<facet>", so a signed-in request reads both in the one follows query.
LIKE, HIDE = "like_", "hide_"


def interests(rows: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The Reader fields for a reader's follows rows (kind, value)."""
    trained = []
    for kind, value in rows:
        for prefix, liked in ((LIKE, True), (HIDE, False)):
            if kind.startswith(prefix):
                trained.append(Trained(Facet(kind.removeprefix(prefix)), value, liked))
    return {
        "followed_publishers": tuple(v for k, v in rows if k == Facet.PUBLISHER),
        "followed_sections": tuple(v for k, v in rows if k == Facet.SECTION),
        "followed_stories": tuple(int(v) for k, v in rows if k == Facet.STORY and v.isdigit()),
        "followed_topics": tuple(v for k, v in rows if k == Facet.TOPIC),
        "trained": tuple(trained),
    }


def _follows_of(conn: Connection, reader_id: int) -> dict[str, Any]:
    rows = conn.execute(
        sa.select(follows.c.kind, follows.c.value)
        .where(follows.c.reader_id == reader_id)
        .order_by(follows.c.kind, follows.c.value)
    ).all()
    return interests([(str(k), str(v)) for k, v in rows])


_READER_COLUMNS = [
    readers.c[n] for n in ("id", "email", "display_name", "role", "created", "time_zone", "email_verified")
]


def _reader(row: sa.Row[Any], followed: dict[str, Any] | None = None) -> Reader:
    return Reader(
        id=row.id,
        email=row.email,
        created=row.created,
        display_name=row.display_name,
        role=Role(row.role),
        time_zone=row.time_zone,
        email_verified=row.email_verified,
        **(followed or {}),
    )


def _membership(row: sa.Row[Any]) -> Membership:
    return Membership(
        reader_id=row.reader_id,
        state=MembershipState(row.state),
        started=row.started,
        ends=row.ends,
        provider=row.provider,
        cancelled=row.cancelled,
        note=row.note,
    )


# What a signed-in request needs beside its session or token row: the reader and membership.
VIEWER_COLUMNS = (
    readers.c.email,
    readers.c.display_name,
    readers.c.role,
    readers.c.created.label("reader_created"),
    readers.c.time_zone,
    readers.c.email_verified,
    *(memberships.c[n] for n in ("state", "started", "ends", "provider", "cancelled", "note")),
)


def viewer_join(credentials: sa.Table) -> sa.Join:
    """``credentials`` (a table with reader_id) joined to its reader and (outer) membership."""
    return credentials.join(readers, readers.c.id == credentials.c.reader_id).outerjoin(
        memberships, memberships.c.reader_id == credentials.c.reader_id
    )


def viewer_of(conn: Connection, row: Any) -> tuple[Reader, Membership | None]:
    """The reader (follows read in) and membership of a row selected with VIEWER_COLUMNS."""
    reader = Reader(
        id=row.reader_id,
        email=row.email,
        created=row.reader_created,
        display_name=row.display_name,
        role=Role(row.role),
        time_zone=row.time_zone,
        email_verified=row.email_verified,
        **_follows_of(conn, row.reader_id),
    )
    if row.state is None:
        return reader, None
    membership = Membership(
        row.reader_id,
        MembershipState(row.state),
        row.started,
        row.ends,
        row.provider,
        row.cancelled,
        row.note,
    )
    return reader, membership


def insert_once(conn: Connection, statement: sa.Insert) -> None:
    """Run an insert that a concurrent writer may have beaten us to; theirs stands."""
    try:
        with conn.begin_nested():
            conn.execute(statement)
    except exc.IntegrityError:
        pass


def _require_reader(conn: Connection, reader_id: int) -> None:
    if conn.execute(sa.select(readers.c.id).where(readers.c.id == reader_id)).first() is None:
        raise NotFoundError("reader", reader_id)


def _membership_values(membership: Membership) -> dict[str, Any]:
    return {
        "reader_id": membership.reader_id,
        "state": membership.state.value,
        "started": membership.started,
        "ends": membership.ends,
        "provider": membership.provider,
        "cancelled": membership.cancelled,
        "note": membership.note,
    }


class AccountsMixin(SqlBase):
    # --- readers -----------------------------------------------------------------------

    def add_reader(
        self,
        email: str,
        password_hash: str,
        created: datetime,
        role: Role = Role.READER,
        display_name: str = "",
        first_membership: Callable[[int], Membership] | None = None,
        time_zone: str = "",
    ) -> Reader:
        values = {
            "email": email,
            "password_hash": password_hash,
            "created": created,
            "role": role.value,
            "display_name": display_name,
            "time_zone": time_zone,
        }
        with self._write() as conn:
            try:
                with conn.begin_nested():
                    new_id = conn.execute(
                        readers.insert().values(values).returning(readers.c.id)
                    ).scalar_one()
            except exc.IntegrityError as e:
                raise ConflictError("reader", email) from e
            if first_membership is not None:
                conn.execute(memberships.insert().values(_membership_values(first_membership(new_id))))
            row = conn.execute(sa.select(*_READER_COLUMNS).where(readers.c.id == new_id)).one()
        return _reader(row)

    def get_reader(self, reader_id: int) -> Reader:
        with self._read() as conn:
            row = conn.execute(sa.select(*_READER_COLUMNS).where(readers.c.id == reader_id)).first()
            if row is None:
                raise NotFoundError("reader", reader_id)
            followed = _follows_of(conn, reader_id)
        return _reader(row, followed)

    def session_reader(self, token_hash: str) -> tuple[SessionRecord, Reader, Membership | None]:
        stmt = (
            sa.select(sessions, *VIEWER_COLUMNS)
            .select_from(viewer_join(sessions))
            .where(sessions.c.token_hash == token_hash)
        )
        with self._read() as conn:
            row = conn.execute(stmt).first()
            if row is None:
                raise NotFoundError("session", token_hash[:8])
            reader, membership = viewer_of(conn, row)
        record = SessionRecord(row.token_hash, row.reader_id, row.created, row.expires, row.address)
        return record, reader, membership

    def get_reader_by_email(self, email: str) -> Reader:
        with self._read() as conn:
            found = conn.execute(sa.select(readers.c.id).where(readers.c.email == email)).scalar()
        if found is None:
            raise NotFoundError("reader", email)
        return self.get_reader(int(found))

    def list_readers(self) -> list[Reader]:
        with self._read() as conn:
            rows = conn.execute(sa.select(*_READER_COLUMNS).order_by(readers.c.email)).all()
        return [_reader(r) for r in rows]

    def password_hash(self, reader_id: int) -> str:
        with self._read() as conn:
            found = conn.execute(sa.select(readers.c.password_hash).where(readers.c.id == reader_id)).scalar()
        if found is None:
            raise NotFoundError("reader", reader_id)
        return str(found)

    def _update_reader(self, reader_id: int, **values: Any) -> None:
        with self._write() as conn:
            try:
                with conn.begin_nested():
                    result = conn.execute(readers.update().where(readers.c.id == reader_id).values(**values))
            except exc.IntegrityError as e:
                raise ConflictError("reader", values.get("email", reader_id)) from e
            if result.rowcount == 0:
                raise NotFoundError("reader", reader_id)

    def set_password_hash(self, reader_id: int, password_hash: str) -> None:
        self._update_reader(reader_id, password_hash=password_hash)

    def set_reader_email(self, reader_id: int, email: str) -> None:
        # A new address is unconfirmed until its owner follows the link sent to it.
        self._update_reader(reader_id, email=email, email_verified=None)

    def set_reader_role(self, reader_id: int, role: Role) -> None:
        self._update_reader(reader_id, role=role.value)

    def delete_reader(
        self,
        reader_id: int,
        pseudonym: str,
        attempt_keys: Sequence[str] = (),
        attempt_prefixes: Sequence[str] = (),
    ) -> None:
        from newsstand.store.sql import billing as bl
        from newsstand.store.sql import profile as pf
        from newsstand.store.sql import reading as rd
        from newsstand.store.sql.apitokens import api_tokens
        from newsstand.store.sql.apppasswords import app_passwords
        from newsstand.store.sql.titles import reader_labels, reader_titles

        with self._write() as conn:
            _require_reader(conn, reader_id)
            email = conn.execute(sa.select(readers.c.email).where(readers.c.id == reader_id)).scalar_one()
            if attempt_keys:
                conn.execute(auth_attempts.delete().where(auth_attempts.c.key.in_(list(attempt_keys))))
            for prefix in attempt_prefixes:
                conn.execute(
                    auth_attempts.delete().where(auth_attempts.c.key.startswith(prefix, autoescape=True))
                )
            # Mail to the reader names them: sent mail kept for operators and mail still queued.
            recipient = sa.func.lower(mail_queue.c.recipient)
            conn.execute(mail_queue.delete().where(recipient.contains(email.lower(), autoescape=True)))
            # Reads and payments keep one pseudonym, so the month's payouts still match them.
            for records in (rd.reading_records, bl.payments):
                conn.execute(
                    records.update()
                    .where(records.c.reader_id == reader_id)
                    .values(reader_id=None, reader_ref=pseudonym)
                )
            conn.execute(rd.picks.update().where(rd.picks.c.picked_by == reader_id).values(picked_by=None))
            # Explicit deletes rather than trusting ON DELETE CASCADE alone: the data
            # must go even on a SQLite connection opened without foreign_keys=ON.
            for table in (
                sessions,
                reset_tokens,
                memberships,
                follows,
                rd.saved_articles,
                rd.reading_history,
                api_tokens,
                app_passwords,
                bl.billing_records,
                pf.email_tokens,
                pf.digest_subscriptions,
                reader_titles,
                reader_labels,
            ):
                conn.execute(table.delete().where(table.c.reader_id == reader_id))
            conn.execute(readers.delete().where(readers.c.id == reader_id))

    # --- sessions and reset tokens ---------------------------------------------------------

    def add_session(self, session: SessionRecord) -> None:
        values = {
            "token_hash": session.token_hash,
            "reader_id": session.reader_id,
            "created": session.created,
            "expires": session.expires,
            "address": session.address,
        }
        with self._write() as conn:
            conn.execute(sessions.insert().values(values))

    def delete_session(self, token_hash: str) -> None:
        with self._write() as conn:
            conn.execute(sessions.delete().where(sessions.c.token_hash == token_hash))

    def delete_sessions(self, reader_id: int, keep: str | None = None) -> int:
        query = sessions.delete().where(sessions.c.reader_id == reader_id)
        if keep is not None:
            query = query.where(sessions.c.token_hash != keep)
        with self._write() as conn:
            return int(conn.execute(query).rowcount)

    def purge_expired_sessions(self, now: datetime) -> int:
        with self._write() as conn:
            gone = conn.execute(sessions.delete().where(sessions.c.expires <= now)).rowcount
            gone += conn.execute(reset_tokens.delete().where(reset_tokens.c.expires <= now)).rowcount
        return int(gone)

    def add_reset_token(
        self,
        token_hash: str,
        reader_id: int,
        created: datetime,
        expires: datetime,
        mails: Sequence[OutgoingMail] = (),
    ) -> None:
        values = {"token_hash": token_hash, "reader_id": reader_id, "created": created, "expires": expires}
        with self._write() as conn:
            conn.execute(reset_tokens.insert().values(values))
            enqueue(conn, mails, created)

    def peek_reset_token(self, token_hash: str) -> tuple[int, datetime]:
        query = sa.select(reset_tokens.c.reader_id, reset_tokens.c.expires)
        with self._read() as conn:
            row = conn.execute(query.where(reset_tokens.c.token_hash == token_hash)).first()
        if row is None:
            raise NotFoundError("reset token", token_hash[:8])
        return int(row.reader_id), row.expires

    def take_reset_token(self, token_hash: str) -> tuple[int, datetime]:
        query = (
            reset_tokens.delete()
            .where(reset_tokens.c.token_hash == token_hash)
            .returning(reset_tokens.c.reader_id, reset_tokens.c.expires)
        )
        with self._write() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFoundError("reset token", token_hash[:8])
        return int(row.reader_id), row.expires

    # --- sign-in attempts -------------------------------------------------------------------

    def record_attempt(self, key: str, at: datetime) -> None:
        with self._write() as conn:
            conn.execute(auth_attempts.insert().values(key=key, at=at))

    def attempt_times(self, key: str, since: datetime) -> list[datetime]:
        query = sa.select(auth_attempts.c.at).where(auth_attempts.c.key == key, auth_attempts.c.at > since)
        with self._read() as conn:
            return list(conn.execute(query.order_by(auth_attempts.c.at)).scalars())

    def prune_attempts(self, before: datetime) -> int:
        with self._write() as conn:
            return int(conn.execute(auth_attempts.delete().where(auth_attempts.c.at < before)).rowcount)

    # --- memberships --------------------------------------------------------------------------

    def get_membership(self, reader_id: int) -> Membership | None:
        with self._read() as conn:
            row = conn.execute(sa.select(memberships).where(memberships.c.reader_id == reader_id)).first()
        return None if row is None else _membership(row)

    def put_membership(self, membership: Membership) -> None:
        with self._write() as conn:
            _require_reader(conn, membership.reader_id)
            conn.execute(memberships.delete().where(memberships.c.reader_id == membership.reader_id))
            conn.execute(memberships.insert().values(_membership_values(membership)))

    def list_memberships(self) -> list[Membership]:
        with self._read() as conn:
            rows = conn.execute(sa.select(memberships).order_by(memberships.c.reader_id)).all()
        return [_membership(r) for r in rows]

    def memberships_ending(
        self, state: MembershipState, start: datetime, end: datetime
    ) -> list[tuple[Reader, Membership]]:
        m = memberships.c
        query = (
            sa.select(*_READER_COLUMNS, *(c for c in memberships.c if c.name != "reader_id"))
            .select_from(readers.join(memberships, m.reader_id == readers.c.id))
            .where(m.state == state.value, m.ends > start, m.ends <= end)
            .order_by(m.ends, readers.c.id)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [
            (
                _reader(r),
                Membership(
                    r.id, MembershipState(r.state), r.started, r.ends, r.provider, r.cancelled, r.note
                ),
            )
            for r in rows
        ]

    # --- follows ---------------------------------------------------------------------------------

    def follow(self, reader_id: int, kind: str, value: str) -> None:
        key = (follows.c.reader_id == reader_id, follows.c.kind == kind, follows.c.value == value)
        with self._write() as conn:
            _require_reader(conn, reader_id)
            if conn.execute(sa.select(follows.c.kind).where(*key)).first() is None:
                insert_once(conn, follows.insert().values(reader_id=reader_id, kind=kind, value=value))

    def unfollow(self, reader_id: int, kind: str, value: str) -> None:
        with self._write() as conn:
            conn.execute(
                follows.delete().where(
                    follows.c.reader_id == reader_id, follows.c.kind == kind, follows.c.value == value
                )
            )

    def train(self, reader_id: int, trained: Trained) -> None:
        kind = f"{LIKE if trained.liked else HIDE}{trained.facet.value}"
        opposite = f"{HIDE if trained.liked else LIKE}{trained.facet.value}"
        f = follows.c
        with self._write() as conn:
            _require_reader(conn, reader_id)
            conn.execute(
                follows.delete().where(f.reader_id == reader_id, f.kind == opposite, f.value == trained.value)
            )
            key = (f.reader_id == reader_id, f.kind == kind, f.value == trained.value)
            if conn.execute(sa.select(f.kind).where(*key)).first() is None:
                insert_once(
                    conn, follows.insert().values(reader_id=reader_id, kind=kind, value=trained.value)
                )

    def untrain(self, reader_id: int, facet: Facet, value: str) -> None:
        f = follows.c
        kinds = (f"{LIKE}{facet.value}", f"{HIDE}{facet.value}")
        with self._write() as conn:
            conn.execute(
                follows.delete().where(f.reader_id == reader_id, f.kind.in_(kinds), f.value == value)
            )
