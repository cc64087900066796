"""Copying every row of one database into another: the core of backup, restore and migrate-to.

A copy reads the source in one snapshot (a deferred read transaction on SQLite,
REPEATABLE READ on PostgreSQL) and writes the target in one transaction, so the
target ends up with all of a consistent state or, on any error, with nothing.

What each database derives from other rows is not copied but rebuilt by the
target's own triggers as the rows arrive: the full-text index (``articles_fts``
and ``search_pending`` on SQLite, ``article_search`` on PostgreSQL) and the
SQLite-only ``articles.facets`` and ``articles.section_words`` columns. Any other
difference between the two schemas stops the copy before it writes a row, so
nothing is silently left behind. Ids are copied as they are, and each table's next
id is carried over (stories never reuse an id, see migration 0003).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from newsstand.errors import TransferError
from newsstand.model import SearchQuery
from newsstand.store.sql.engine import _READONLY, index_pending, translated
from newsstand.store.sql.store import SqlStore, open_url

BATCH_ROWS = 1000

# Tables a database keeps for itself or derives from the others, and the running processes'
# coordination (leases, claims), which means nothing in another database or after a restore.
_DERIVED_TABLES = frozenset(
    {"alembic_version", "article_search", "search_pending", "leases", "feed_claims", "host_slots"}
)
_DERIVED_PREFIXES = ("sqlite_", "articles_fts")
_DERIVED_COLUMNS = frozenset({("articles", "facets"), ("articles", "section_words")})

Row = tuple[Any, ...]


class Progress(Protocol):
    """What a long copy reports as it goes (the CLI draws a progress bar)."""

    def table(self, name: str, rows: int) -> None:
        """Copying of table ``name`` (``rows`` rows) begins."""

    def advance(self, rows: int) -> None:
        """``rows`` more rows of the current table were copied."""


class NoProgress:
    def table(self, name: str, rows: int) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One copied table: its columns in order, their portable kinds, its row count."""

    name: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    rows: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": list(self.columns),
            "kinds": list(self.kinds),
            "rows": self.rows,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableSpec:
        return cls(str(data["name"]), tuple(data["columns"]), tuple(data["kinds"]), int(data["rows"]))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a copy carries besides the rows: the schema revision, the tables in
    foreign-key order with their row counts, and each table's next id."""

    dialect: str
    revision: str
    tables: tuple[TableSpec, ...]
    next_ids: dict[str, int]


# --- reading ------------------------------------------------------------------------------


def is_derived(table: str) -> bool:
    return table in _DERIVED_TABLES or table.startswith(_DERIVED_PREFIXES)


def reflect(conn: Connection) -> list[sa.Table]:
    """The copied tables of the database, parents before children."""
    names = [n for n in sa.inspect(conn).get_table_names() if not is_derived(n)]
    meta = sa.MetaData()
    meta.reflect(bind=conn, only=names)
    return list(meta.sorted_tables)


def _kind(table: str, column: sa.Column[Any]) -> str:
    t = column.type
    for kind, types in (
        ("bool", (sa.Boolean,)),
        ("datetime", (sa.DateTime,)),
        ("int", (sa.Integer,)),
        ("float", (sa.Float, sa.Numeric)),
        ("bytes", (sa.LargeBinary,)),
        ("text", (sa.String,)),
    ):
        if isinstance(t, types):
            return kind
    raise TransferError(f"cannot copy column {table}.{column.name} of type {t}")


def copied_columns(table: sa.Table) -> list[sa.Column[Any]]:
    return [c for c in table.columns if (table.name, c.name) not in _DERIVED_COLUMNS]


def snapshot(conn: Connection) -> Snapshot:
    """Describe the database as ``conn``'s transaction sees it (counts included)."""
    specs = []
    for table in reflect(conn):
        cols = copied_columns(table)
        count = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        specs.append(
            TableSpec(
                table.name,
                tuple(c.name for c in cols),
                tuple(_kind(table.name, c) for c in cols),
                int(count),
            )
        )
    revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return Snapshot(conn.dialect.name, str(revision or ""), tuple(specs), next_ids(conn))


def read_rows(conn: Connection, spec: TableSpec) -> Iterator[list[Row]]:
    """The rows of a table in primary-key order, in batches, with values made portable
    (aware UTC datetimes, real booleans)."""
    table = sa.Table(spec.name, sa.MetaData(), autoload_with=conn)
    cols = [table.c[name] for name in spec.columns]
    order = list(table.primary_key.columns) or cols
    result = conn.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(
        sa.select(*cols).order_by(*order)
    )
    converters = [_reader(k) for k in spec.kinds]
    for part in result.partitions():
        yield [tuple(f(v) for f, v in zip(converters, row, strict=True)) for row in part]


def _reader(kind: str) -> Callable[[Any], Any]:
    if kind == "datetime":
        return _aware
    if kind == "bool":
        return lambda v: None if v is None else bool(v)
    return lambda v: v


def _aware(value: Any) -> Any:
    if value is None or not isinstance(value, datetime):
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@contextmanager
def read_snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction that sees one state of the whole database: REPEATABLE
    READ on PostgreSQL, a deferred transaction on SQLite (WAL keeps its snapshot)."""
    with translated(), engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                yield conn
        else:
            conn.execution_options(**{_READONLY: True})  # a deferred BEGIN, no write lock
            with conn.begin():
                yield conn


def next_ids(conn: Connection) -> dict[str, int]:
    """Per table with a counter, the id its counter gives next (``finish_target`` takes
    the larger of that and the table's highest id + 1)."""
    found: dict[str, int] = {}
    if conn.dialect.name == "postgresql":
        for table, _column, sequence in _pg_serials(conn):
            last, called = conn.exec_driver_sql(f"SELECT last_value, is_called FROM {sequence}").one()
            found[table] = int(last) + 1 if called else int(last)
    elif _has_table(conn, "sqlite_sequence"):
        for name, seq in conn.exec_driver_sql("SELECT name, seq FROM sqlite_sequence"):
            found[str(name)] = int(seq) + 1
    return found


def _pg_serials(conn: Connection) -> list[tuple[str, str, str]]:
    rows = conn.exec_driver_sql(
        "SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) "
        "FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND column_default LIKE 'nextval(%%'"
    )
    return [(str(t), str(c), str(s)) for t, c, s in rows if s and not is_derived(str(t))]


def _has_table(conn: Connection, name: str) -> bool:
    # Asked of sqlite_master: SQLAlchemy's inspector leaves out SQLite's own tables.
    found = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return found.first() is not None


# --- writing ------------------------------------------------------------------------------


def prepare_target(conn: Connection, snap: Snapshot, *, replace: bool) -> dict[str, sa.Table]:
    """Check that the target has the snapshot's revision and tables, and is empty (or,
    with ``replace``, empty it); return its tables by name. Raises TransferError."""
    revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    if revision != snap.revision:
        raise TransferError(
            f"the source is at schema revision {snap.revision or 'none'} and the target at "
            f"{revision or 'none'}; both must be at the same one"
        )
    tables = {t.name: t for t in reflect(conn)}
    for spec in snap.tables:
        target = tables.get(spec.name)
        have = {c.name for c in copied_columns(target)} if target is not None else set()
        if have != set(spec.columns):
            raise TransferError(f"table {spec.name} differs between source and target: {sorted(have)}")
    if extra := set(tables) - {s.name for s in snap.tables}:
        raise TransferError(f"the target has tables the source lacks: {', '.join(sorted(extra))}")
    held = {name: n for name, t in tables.items() if (n := _count(conn, t))}
    if held and not replace:
        listed = ", ".join(f"{name} ({n} rows)" for name, n in sorted(held.items()))
        raise TransferError(f"the target database is not empty: {listed}; pass --replace to empty it first")
    if held:
        _empty(conn, list(tables.values()))
    return tables


def _count(conn: Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _empty(conn: Connection, tables: list[sa.Table]) -> None:
    if conn.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        return
    # Children first; the triggers keep the full-text index in step row by row.
    for table in reversed(tables):
        conn.execute(table.delete())
    if _has_table(conn, "sqlite_sequence"):
        conn.exec_driver_sql("DELETE FROM sqlite_sequence")


def load_table(
    conn: Connection, table: sa.Table, spec: TableSpec, batches: Iterable[list[Row]], progress: Progress
) -> None:
    """Insert a table's rows; raises TransferError when their number is not the expected one."""
    progress.table(spec.name, spec.rows)
    naive = conn.dialect.name == "sqlite"
    fix = [_naive if (k == "datetime" and naive) else None for k in spec.kinds]
    stmt = table.insert()
    loaded = 0
    for batch in batches:
        if not batch:
            continue
        rows = [
            {c: (f(v) if f else v) for c, f, v in zip(spec.columns, fix, row, strict=True)} for row in batch
        ]
        conn.execute(stmt, rows)
        loaded += len(rows)
        progress.advance(len(rows))
    if loaded != spec.rows:
        raise TransferError(f"table {spec.name}: {loaded} rows copied where {spec.rows} were expected")


def _naive(value: Any) -> Any:
    # SQLite keeps naive UTC text (schema.UTCDateTime); a reflected DATETIME ignores tzinfo.
    return value.astimezone(UTC).replace(tzinfo=None) if isinstance(value, datetime) else value


def finish_target(conn: Connection, tables: dict[str, sa.Table], ids: dict[str, int]) -> None:
    """Carry each table's next id over and make the copied articles searchable."""
    if conn.dialect.name == "postgresql":
        for table, column, sequence in _pg_serials(conn):
            top = conn.execute(sa.select(sa.func.max(tables[table].c[column]))).scalar()
            n = max(ids.get(table, 1), int(top or 0) + 1)
            conn.exec_driver_sql(f"SELECT setval('{sequence}', {max(n - 1, 1)}, {str(n > 1).lower()})")
        return
    for name in _sqlite_autoincrement(conn):
        top = conn.execute(sa.select(sa.func.max(tables[name].c.id))).scalar()
        n = max(ids.get(name, 1), int(top or 0) + 1)
        conn.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (name,))
        conn.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, n - 1))
    index_pending(conn)


def _sqlite_autoincrement(conn: Connection) -> list[str]:
    rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
    return [str(n) for n, sql in rows if sql and "AUTOINCREMENT" in sql.upper() and not is_derived(str(n))]


def analyze(engine: Engine) -> None:
    """Fresh statistics after a bulk load (PostgreSQL's search planning reads them)."""
    if engine.dialect.name == "postgresql":
        with translated(), engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


# --- database to database -----------------------------------------------------------------


def copy_database(source: Engine, target: Engine, *, replace: bool, progress: Progress) -> Snapshot:
    """Copy every row of ``source`` into ``target`` (both migrated to the same revision),
    in one target transaction. Raises TransferError or StorageError; on any error
    the target is left as it was."""
    if source.url == target.url:
        raise TransferError("the source and the target are the same database")
    with read_snapshot(source) as src:
        snap = snapshot(src)
        with translated(), target.begin() as dst:
            tables = prepare_target(dst, snap, replace=replace)
            for spec in snap.tables:
                load_table(dst, tables[spec.name], spec, read_rows(src, spec), progress)
            finish_target(dst, tables, snap.next_ids)
    analyze(target)
    return snap


def migrate_to(
    source: SqlStore,
    url: str,
    *,
    replace: bool,
    progress: Progress,
    announce: Callable[[str], None] | None = None,
) -> tuple[Snapshot, SqlStore]:
    """Copy every row of ``source`` (a SqlStore) into the database at ``url``, whose
    schema is created or migrated first; return what was copied and the target
    store, open. Raises TransferError (a non-empty target without ``replace``,
    differing schemas) or StorageError; on an error the target keeps what it had."""
    target = open_url(url, announce)
    try:
        snap = copy_database(source.engine, target.engine, replace=replace, progress=progress)
    except BaseException:
        target.close()
        raise
    return snap, target


# --- checking a copy ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CopyCheck:
    """Row counts expected and found per table, and whether a search found its article."""

    counts: dict[str, tuple[int, int]]
    search_text: str
    search_found: bool

    @property
    def ok(self) -> bool:
        return self.search_found and all(a == b for a, b in self.counts.values())

    def mismatches(self) -> list[str]:
        return [f"{t}: {a} expected, {b} found" for t, (a, b) in self.counts.items() if a != b]


def check_copy(snap: Snapshot, target: SqlStore) -> CopyCheck:
    """Compare the target's row counts with the snapshot's and search the target for
    the newest titled article by its title's words."""
    with read_snapshot(target.engine) as conn:
        tables = {t.name: t for t in reflect(conn)}
        counts = {s.name: (s.rows, _count(conn, tables[s.name])) for s in snap.tables if s.name in tables}
        probe = conn.exec_driver_sql(
            "SELECT id, title FROM articles WHERE title <> '' ORDER BY id DESC LIMIT 1"
        ).first()
    if probe is None:
        return CopyCheck(counts, "", True)  # nothing to search for: no article was copied
    text = search_text(str(probe[1]))
    return CopyCheck(counts, text, _finds(target, text, int(probe[0])))


def search_text(title: str) -> str:
    """A phrase query of a title's words (letters and digits only, as both indexes see them)."""
    words = re.findall(r"[^\W_]+", title)[:8]
    return '"' + " ".join(words) + '"' if words else ""


def _finds(store: SqlStore, text: str, article_id: int) -> bool:
    if not text:
        return True
    page = store.search(SearchQuery(text, limit=100))
    return any(hit.article.id == article_id for hit in page.hits)
