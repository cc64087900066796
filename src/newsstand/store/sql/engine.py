"""Engines, transactions and error translation shared by every store module.

SQLite is tuned for several writers on one machine: WAL so readers never
block, ``foreign_keys`` on, a generous ``busy_timeout``, and write
transactions opened with ``BEGIN IMMEDIATE`` so that two writers queue for
the lock up front instead of one failing with "database is locked" when it
tries to upgrade a read lock halfway through.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

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


class _ValueList(sa.types.TypeDecorator[list[Any]]):
    """A list of values bound as ONE parameter: JSON text on SQLite (read by ``json_each``),
    an array on PostgreSQL."""

    impl = sa.types.Text
    cache_ok = True

    def __init__(self, element: sa.types.TypeEngine[Any]) -> None:
        super().__init__()
        self.element = element

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            # bigint[] for any integer column: an id too large for it then matches nothing, as
            # with IN, instead of failing the statement.
            element = sa.types.BigInteger() if isinstance(self.element, sa.types.Integer) else self.element
            return dialect.type_descriptor(postgresql.ARRAY(element))
        return dialect.type_descriptor(sa.types.Text())

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> Any:
        if dialect.name == "postgresql" or value is None:
            return value
        return json.dumps(value)


class _Among(sa.sql.expression.ColumnElement[Any]):
    """``column`` is one of a list of values, written with one parameter whatever the list's
    length (see ``among``)."""

    # Not Boolean: SQLAlchemy would write "... = 1" after it on SQLite, which no index serves.
    type = sa.types.NullType()
    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's own declaration)
        ("column", InternalTraversal.dp_clauseelement),
        ("values", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: sa.ColumnElement[Any], values: list[Any]) -> None:
        self.column = column
        self.values = sa.bindparam(None, values, type_=_ValueList(column.type), unique=True)


@compiles(_Among, "sqlite")
def _among_sqlite(element: _Among, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} IN (SELECT value FROM json_each({values}))"


@compiles(_Among)
def _among_default(element: _Among, compiler: SQLCompiler, **kw: Any) -> str:
    column, values = compiler.process(element.column, **kw), compiler.process(element.values, **kw)
    return f"{column} = ANY({values})"


def among(column: sa.ColumnElement[Any], values: Iterable[Any]) -> sa.ColumnElement[Any]:
    """``column IN values`` as one statement whatever the number of values.

    SQLAlchemy writes ``in_`` with one placeholder per value, so every length of list is a
    different SQL text, and each connection's driver keeps its last 128 prepared statements:
    lists whose lengths follow the data (a search's window of hits, an article's sections,
    a round's story terms and bands) filled every pooled SQLite connection with statements
    of hundreds of placeholders, 30 to 140 KB each, and the soak's memory grew with them
    (docs/decisions.md, "Memory under the soak"). Here the list is one JSON parameter read
    by ``json_each`` on SQLite and one array on PostgreSQL: one statement, one plan. No
    limit on the list's length either (SQLite allows 32,766 placeholders)."""
    return _Among(column, list(values))


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
