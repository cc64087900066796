"""Backups of a whole database, and restoring them into an empty one.

SQLite: the backup is itself a SQLite database, copied page by page with SQLite's
online backup API while one read transaction pins a snapshot, so writers carry on
and the copy neither restarts nor mixes states. Restoring copies its pages back.

PostgreSQL: the backup is a portable archive read in one REPEATABLE READ
transaction: gzip-compressed JSON lines, first a header (format, schema revision,
tables with their columns, kinds and row counts, next ids), then each table's rows
as JSON arrays, then an end line with the counts again. A restore refuses a file
that stops early, so a truncated backup is never half restored. No client tools
(pg_dump) are needed, and the archive restores into SQLite as well.

Either kind restores into either database; a backup is written under a temporary
name and renamed when complete.
"""

from __future__ import annotations

import base64
import gzip
import json
import shutil
import sqlite3
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from newsstand.errors import StorageError, TransferError
from newsstand.store.sql import migrate, transfer
from newsstand.store.sql.engine import BUSY_TIMEOUT_MS, make_engine, translated
from newsstand.store.sql.store import SqlStore, open_url
from newsstand.store.sql.transfer import Progress, Row, Snapshot, TableSpec

ARCHIVE_FORMAT = "newsstand-backup"
ARCHIVE_VERSION = 1
_SQLITE_MAGIC = b"SQLite format 3\x00"
_GZIP_MAGIC = b"\x1f\x8b"
_PAGES_PER_STEP = 1024


@dataclass(frozen=True, slots=True)
class BackupResult:
    kind: str  # "sqlite" or "archive"
    path: Path
    snapshot: Snapshot
    size: int


def backup(store: SqlStore, path: Path, progress: Progress) -> BackupResult:
    """Write a consistent backup of the store's database to ``path`` (which must not
    exist). Raises TransferError for an unusable path, StorageError when the database fails."""
    if path.exists():
        raise TransferError(f"{path} already exists; choose a new file name")
    if not path.parent.is_dir():
        raise TransferError(f"{path.parent} is not a folder")
    partial = path.with_name(path.name + ".partial")
    try:
        if store.is_sqlite:
            snap, kind = _backup_sqlite(store.engine, partial, progress), "sqlite"
        else:
            snap, kind = _backup_archive(store.engine, partial, progress), "archive"
        partial.replace(path)
    except OSError as e:
        raise TransferError(f"cannot write {path}: {e}") from e
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(kind, path, snap, path.stat().st_size)


def _sqlite_file(engine: Engine) -> str:
    name = engine.url.database
    if not name or name == ":memory:":
        raise TransferError("an in-memory SQLite database cannot be backed up")
    return name


def _backup_sqlite(engine: Engine, partial: Path, progress: Progress) -> Snapshot:
    src = sqlite3.connect(_sqlite_file(engine), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    dst = sqlite3.connect(partial, isolation_level=None)
    try:
        # The read transaction pins one snapshot (WAL): every step copies pages of it,
        # and writes by other connections neither wait for the copy nor restart it.
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        _copy_pages(src, dst, progress)
        src.execute("COMMIT")
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    except sqlite3.Error as e:
        raise StorageError(f"SQLite backup failed: {e}") from e
    finally:
        dst.close()
        src.close()
    return _file_snapshot(partial)


def _file_snapshot(path: Path) -> Snapshot:
    """What a SQLite backup file holds (opened read-only)."""
    engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", poolclass=sa.pool.NullPool)
    try:
        with translated(), engine.connect() as conn:
            return transfer.snapshot(conn)
    finally:
        engine.dispose()


def _copy_pages(src: sqlite3.Connection, dst: sqlite3.Connection, progress: Progress) -> None:
    done = [0]

    def step(_status: int, remaining: int, total: int) -> None:
        if done[0] == 0:
            progress.table("database pages", total)
        progress.advance(total - remaining - done[0])
        done[0] = total - remaining

    src.backup(dst, pages=_PAGES_PER_STEP, progress=step)


# --- the portable archive -----------------------------------------------------------------


def _backup_archive(engine: Engine, partial: Path, progress: Progress) -> Snapshot:
    with (
        transfer.read_snapshot(engine) as conn,
        gzip.open(partial, "wt", encoding="utf-8", compresslevel=5) as out,
    ):
        snap = transfer.snapshot(conn)
        _write_line(out, _header(snap))
        for spec in snap.tables:
            progress.table(spec.name, spec.rows)
            encode = [_encoder(k) for k in spec.kinds]
            for batch in transfer.read_rows(conn, spec):
                out.writelines(
                    json.dumps([f(v) for f, v in zip(encode, row, strict=True)], ensure_ascii=False) + "\n"
                    for row in batch
                )
                progress.advance(len(batch))
        _write_line(out, {"end": True, "rows": {s.name: s.rows for s in snap.tables}})
    return snap


def _header(snap: Snapshot) -> dict[str, Any]:
    return {
        "format": ARCHIVE_FORMAT,
        "version": ARCHIVE_VERSION,
        "database": snap.dialect,
        "revision": snap.revision,
        "tables": [s.as_dict() for s in snap.tables],
        "next_ids": snap.next_ids,
    }


def _write_line(out: IO[str], data: dict[str, Any]) -> None:
    out.write(json.dumps(data, ensure_ascii=False) + "\n")


def _encoder(kind: str) -> Callable[[Any], Any]:
    if kind == "datetime":
        return lambda v: v.isoformat() if isinstance(v, datetime) else v
    if kind == "bytes":
        return lambda v: base64.b64encode(v).decode("ascii") if v is not None else None
    return lambda v: v


def _decoder(kind: str) -> Callable[[Any], Any]:
    if kind == "datetime":
        return lambda v: datetime.fromisoformat(v) if v is not None else None
    if kind == "bytes":
        return lambda v: base64.b64decode(v) if v is not None else None
    return lambda v: v


class _Archive:
    """Reads an archive line by line; every malformed or missing part is a TransferError."""

    def __init__(self, stream: IO[str], path: Path) -> None:
        self._stream = stream
        self._path = path
        header = self._json()
        if not isinstance(header, dict) or header.get("format") != ARCHIVE_FORMAT:
            raise TransferError(f"{path} is not a Newsstand backup")
        if header.get("version") != ARCHIVE_VERSION:
            raise TransferError(
                f"{path} is a backup of format version {header.get('version')}, not {ARCHIVE_VERSION}"
            )
        self.snapshot = Snapshot(
            str(header["database"]),
            str(header["revision"]),
            tuple(TableSpec.from_dict(t) for t in header["tables"]),
            {str(k): int(v) for k, v in header["next_ids"].items()},
        )

    def _json(self) -> Any:
        try:
            line = self._stream.readline()
        except (OSError, EOFError, zlib.error, UnicodeDecodeError) as e:
            raise TransferError(f"{self._path} is damaged or incomplete: {e}") from e
        if not line:
            raise TransferError(f"{self._path} ends early: the backup is incomplete")
        try:
            return json.loads(line)
        except json.JSONDecodeError as e:
            raise TransferError(f"{self._path} is damaged: {e}") from e

    def rows(self, spec: TableSpec) -> Iterator[list[Row]]:
        decode = [_decoder(k) for k in spec.kinds]
        left = spec.rows
        while left:
            batch = []
            for _ in range(min(left, transfer.BATCH_ROWS)):
                values = self._json()
                if not isinstance(values, list) or len(values) != len(decode):
                    raise TransferError(f"{self._path}: a row of {spec.name} does not match its columns")
                batch.append(tuple(f(v) for f, v in zip(decode, values, strict=True)))
            left -= len(batch)
            yield batch

    def finish(self) -> None:
        end = self._json()
        expected = {s.name: s.rows for s in self.snapshot.tables}
        if not isinstance(end, dict) or end.get("end") is not True or end.get("rows") != expected:
            raise TransferError(f"{self._path} does not end as a complete backup does")


@contextmanager
def _open_archive(path: Path) -> Iterator[_Archive]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            yield _Archive(stream, path)
    except OSError as e:
        raise TransferError(f"cannot read {path}: {e}") from e


# --- restore ------------------------------------------------------------------------------


def restore(
    path: Path,
    url: str,
    *,
    replace: bool,
    progress: Progress,
    announce: Callable[[str], None] | None = None,
) -> tuple[Snapshot, SqlStore]:
    """Restore the backup at ``path`` into the database at ``url``, which must hold no
    rows unless ``replace``; return what was restored and the store, open and
    migrated to the newest revision. Raises TransferError or StorageError; on
    an error the target keeps what it had."""
    kind = _kind_of(path)
    target = make_engine(url)
    try:
        if kind == "sqlite" and target.dialect.name == "sqlite":
            snap = _restore_pages(path, target, replace=replace, progress=progress)
        elif kind == "sqlite":
            snap = _restore_sqlite_rows(path, target, replace=replace, progress=progress)
        else:
            snap = _restore_archive(path, target, replace=replace, progress=progress)
    finally:
        target.dispose()
    return snap, open_url(url, announce)


def _kind_of(path: Path) -> str:
    try:
        with path.open("rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except OSError as e:
        raise TransferError(f"cannot read {path}: {e}") from e
    if head == _SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(_GZIP_MAGIC):
        return "archive"
    raise TransferError(f"{path} is not a Newsstand backup (neither a SQLite file nor an archive)")


def _restore_pages(path: Path, target: Engine, *, replace: bool, progress: Progress) -> Snapshot:
    """SQLite into SQLite: check the backup, then copy its pages over the target."""
    snap = _checked_snapshot(path)
    _require_empty(target, replace=replace)
    target.dispose()  # no pooled connection may hold the old pages
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    dst = sqlite3.connect(_sqlite_file(target), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        _copy_pages(src, dst, progress)
    except sqlite3.Error as e:
        raise StorageError(f"SQLite restore failed: {e}") from e
    finally:
        dst.close()
        src.close()
    return snap


def _checked_snapshot(path: Path) -> Snapshot:
    try:
        snap = _file_snapshot(path)
    except StorageError as e:
        raise TransferError(f"{path} is a SQLite file but not a Newsstand backup: {e}") from e
    if not any(s.name == "articles" for s in snap.tables):
        raise TransferError(f"{path} is a SQLite database but not a Newsstand one")
    _check_revision(snap, path)
    return snap


def _check_revision(snap: Snapshot, path: Path) -> None:
    if snap.revision not in {r for r, _doc in migrate.pending(None)}:
        raise TransferError(
            f"{path} is at schema revision {snap.revision}, unknown to this version of Newsstand"
        )


def _require_empty(target: Engine, *, replace: bool) -> None:
    if replace or migrate.current_revision(target) is None:
        return
    with transfer.read_snapshot(target) as conn:
        held = [s for s in transfer.snapshot(conn).tables if s.rows]
    if held:
        listed = ", ".join(f"{s.name} ({s.rows} rows)" for s in held)
        raise TransferError(f"the target database is not empty: {listed}; pass --replace to empty it first")


def _restore_sqlite_rows(path: Path, target: Engine, *, replace: bool, progress: Progress) -> Snapshot:
    """A SQLite backup into PostgreSQL: a working copy is brought to the newest
    revision (the backup itself is never changed), then its rows are copied."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder) / "restore.db"
        try:
            shutil.copyfile(path, work)
        except OSError as e:
            raise TransferError(f"cannot copy {path}: {e}") from e
        source = open_url(f"sqlite:///{work}")
        try:
            migrate.upgrade(target)
            return transfer.copy_database(source.engine, target, replace=replace, progress=progress)
        finally:
            source.close()


def _restore_archive(path: Path, target: Engine, *, replace: bool, progress: Progress) -> Snapshot:
    """An archive into either database. A database with no schema yet is first
    brought to the archive's revision (so an older backup restores), and to the
    newest after the rows are in; otherwise both must be at the same revision."""
    with _open_archive(path) as archive:
        snap = archive.snapshot
        _check_revision(snap, path)
        if migrate.current_revision(target) is None:
            migrate.upgrade(target, to=snap.revision)
        else:
            migrate.upgrade(target)
            if snap.revision != migrate.head_revision():
                raise TransferError(
                    f"{path} is a backup at schema revision {snap.revision}, older than this database's; "
                    "restore it into a new database with no tables, which is brought up to date after"
                )
        with translated(), target.begin() as conn:
            tables = transfer.prepare_target(conn, snap, replace=replace)
            for spec in snap.tables:
                transfer.load_table(conn, tables[spec.name], spec, archive.rows(spec), progress)
            archive.finish()
            transfer.finish_target(conn, tables, snap.next_ids)
    transfer.analyze(target)
    return snap
