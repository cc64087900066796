"""Engines, transactions and error translation shared by every store module.

SQLite is tuned for several writers on one machine: WAL so readers never
block, ``foreign_keys`` on, a generous ``busy_timeout``, and write
transactions opened with ``BEGIN IMMEDIATE`` so that two writers queue for
the lock up front instead of one failing with "database is locked" when it
tries to upgrade a read lock halfway through.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine

from newsstand.errors import NewsstandError, StorageError, refuse_to_wait

BUSY_TIMEOUT_MS = 60_000
_READONLY = "newsstand_readonly"
# A connection that runs one statement and needs no transaction around it (see SqlBase._read_one).
_SINGLE = "newsstand_single_statement"


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``. Raises StorageError for an unusable URL."""
    try:
        parsed = sa.engine.make_url(url)
    except exc.ArgumentError as e:
        raise StorageError(f"not a database URL: {e}") from e
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed)
        # Connections beyond pool_size are closed when returned and opened again on the next
        # burst: under a web server's 40 threads that churn cost more than the queries.
        return sa.create_engine(parsed, pool_pre_ping=True, pool_size=20, max_overflow=20)
    except (exc.SQLAlchemyError, ImportError) as e:
        raise StorageError(f"cannot create a database engine: {e}") from e


def _sqlite_engine(url: sa.URL) -> Engine:
    engine = sa.create_engine(
        url,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        # One kept connection per thread the web server may run store calls in (anyio's 40):
        # a SQLite connection costs little to keep and an open with four PRAGMAs to remake.
        pool_size=40,
        max_overflow=40,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get(_SINGLE):
            return  # one statement sees one snapshot by itself: no BEGIN round trip
        if options.get(_READONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class SqlBase:
    """What every store module needs: the engine and transaction helpers."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self._dialect == "sqlite"

    @contextmanager
    def _write(self, *, defer_search: bool = False) -> Iterator[Connection]:
        """One write transaction; committed on success, rolled back on any error. On
        SQLite, articles it stored are indexed for search before the commit unless
        ``defer_search`` leaves that to a later ``index_search`` (migration 0007)."""
        with translated(), self._engine.connect() as conn, conn.begin():
            yield conn
            if self.is_sqlite and not defer_search:
                index_pending(conn)

    def index_search(self) -> int:
        """Index every article whose indexing was deferred; returns how many. A no-op
        on PostgreSQL, which indexes each article as it is stored."""
        if not self.is_sqlite:
            return 0
        with translated(), self._engine.connect() as conn, conn.begin():
            return index_pending(conn)

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A read-only transaction (on SQLite a deferred one that takes no write lock)."""
        with translated(), self._engine.connect() as conn:
            conn.execution_options(**{_READONLY: True})
            with conn.begin():
                yield conn

    @contextmanager
    def _read_one(self) -> Iterator[Connection]:
        """A connection for a read of ONE statement, which needs no transaction to see one
        consistent state: on SQLite it skips the BEGIN that ``_read`` sends, a round trip that
        was 7% of a member's article page (the pages' per-reader reads are single statements)."""
        if not self.is_sqlite:
            with self._read() as conn:
                yield conn
            return
        with translated(), self._engine.connect() as conn:
            conn.execution_options(**{_SINGLE: True})
            yield conn

    def close(self) -> None:
        self._engine.dispose()


# The columns of articles_fts (migrations 0004 and 0016), in its order.
_FTS_COLUMNS = "title, standfirst, body_text, authors, facets, search_keys"
_INDEX_PENDING = (
    f"INSERT INTO articles_fts(rowid, {_FTS_COLUMNS}) SELECT a.id, "
    + ", ".join(f"a.{c.strip()}" for c in _FTS_COLUMNS.split(","))
    + " FROM search_pending AS p JOIN articles AS a ON a.id = p.article_id"
)


def index_pending(conn: Connection) -> int:
    """Index the articles noted in search_pending (SQLite), in the caller's
    transaction, with one statement: cheaper per article than a trigger per row."""
    if conn.exec_driver_sql("SELECT 1 FROM search_pending LIMIT 1").first() is None:
        return 0
    conn.exec_driver_sql(_INDEX_PENDING)
    return int(conn.exec_driver_sql("DELETE FROM search_pending").rowcount)


@contextmanager
def translated() -> Iterator[None]:
    """Let Newsstand errors through; turn database errors into StorageError. Inside
    ``memory_only()`` nothing reaches the database: WouldBlock."""
    refuse_to_wait("storage")
    try:
        yield
    except NewsstandError:
        raise
    except exc.SQLAlchemyError as e:
        raise StorageError(f"database error: {_short(e)}") from e


def _short(e: exc.SQLAlchemyError) -> str:
    orig = getattr(e, "orig", None)
    return str(orig if orig is not None else e).splitlines()[0]
