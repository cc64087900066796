"""Backup, restore and migrate-to: every table's rows arrive unchanged, ids and next ids
carry over, search works on the copy, and a refused or broken copy writes nothing."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from newsstand.errors import TransferError
from newsstand.model import SearchQuery
from newsstand.sample.edition import load_sample_edition
from newsstand.store import SqlStore, open_url
from newsstand.store.sql import accounts, backup, reading, transfer
from newsstand.store.sql import schema as t
from newsstand.store.sql.meta import store_meta
from newsstand.store.sql.stories import stories
from newsstand.store.sql.transfer import NoProgress, Row

NOW = datetime(2025, 6, 3, 12, 0, 0, 123456, tzinfo=UTC)

# The tables fill() puts rows in; a table added later is copied all the same, but
# should be given rows here so that this test covers it.
FILLED = {
    "publishers", "feeds", "feed_states", "fetch_records", "articles", "article_sections",
    "live_entries", "readers", "sessions", "reset_tokens", "auth_attempts", "memberships",
    "follows", "saved_articles", "reading_history", "reading_records", "picks", "stories",
    "store_meta",
}  # fmt: skip
QUERIES = ["aguacate", "the", '"live"', "council OR market", "weather -storm"]


def fill(store: SqlStore) -> None:
    """Rows in every table: the sample edition plus accounts, reading and stories,
    with non-ASCII text, NULLs, booleans and microseconds. The newest story is
    deleted, so the next story id is above the highest one left (ids are never reused)."""
    load_sample_edition(store, NOW)
    with store.engine.begin() as conn:
        feed_id = conn.execute(sa.select(sa.func.min(t.feeds.c.id))).scalar_one()
        article_ids = list(conn.execute(sa.select(t.articles.c.id).order_by(t.articles.c.id)).scalars())
        _fill_feeds(conn, feed_id)
        _fill_accounts(conn, article_ids)
        story_ids = [
            conn.execute(
                stories.insert().values(
                    title=f"Story {n} – ñ", first_seen=NOW, last_updated=NOW, lead_article_id=article_ids[n]
                )
            ).inserted_primary_key[0]
            for n in (1, 2, 3)
        ]
        conn.execute(stories.delete().where(stories.c.id == story_ids[2]))
        conn.execute(
            t.articles.update().where(t.articles.c.id == article_ids[1]).values(story_id=story_ids[0])
        )
        conn.execute(store_meta.insert().values(key="transfer-test", value="ünïcode"))


def _fill_feeds(conn: sa.Connection, feed_id: int) -> None:
    conn.execute(
        t.feed_states.insert().values(
            feed_id=feed_id,
            etag='"abc"',
            last_fetched=NOW,
            next_poll=NOW + timedelta(minutes=15),
            failing=True,
        )
    )
    conn.execute(
        t.fetch_records.insert().values(
            feed_id=feed_id, at=NOW, status=None, latency_ms=12.5, bytes=0, error="timed out"
        )
    )


def _fill_accounts(conn: sa.Connection, article_ids: list[int]) -> None:
    rid = conn.execute(
        accounts.readers.insert().values(email="zoë@example.org", password_hash="x", created=NOW)
    ).inserted_primary_key[0]
    later = NOW + timedelta(days=30)
    conn.execute(
        accounts.sessions.insert().values(token_hash="s" * 64, reader_id=rid, created=NOW, expires=later)
    )
    conn.execute(
        accounts.reset_tokens.insert().values(token_hash="r" * 64, reader_id=rid, created=NOW, expires=later)
    )
    conn.execute(accounts.auth_attempts.insert().values(key="ip:127.0.0.1", at=NOW))
    conn.execute(accounts.memberships.insert().values(reader_id=rid, state="trial", started=NOW, ends=later))
    conn.execute(accounts.follows.insert().values(reader_id=rid, kind="publisher", value="sample-times"))
    conn.execute(reading.saved_articles.insert().values(reader_id=rid, article_id=article_ids[0], saved=NOW))
    conn.execute(reading.reading_history.insert().values(reader_id=rid, article_id=article_ids[0], read=NOW))
    conn.execute(
        reading.reading_records.insert().values(
            reader_id=None, reader_ref="anon-1", article_id=article_ids[0], publisher_id="gone", at=NOW
        )
    )
    conn.execute(reading.picks.insert().values(article_id=article_ids[2], note="Editor's pick", picked=NOW))


def contents(store: SqlStore) -> dict[str, list[Row]]:
    """Every copied table's rows in key order, as portable values."""
    with transfer.read_snapshot(store.engine) as conn:
        snap = transfer.snapshot(conn)
        return {s.name: [r for batch in transfer.read_rows(conn, s) for r in batch] for s in snap.tables}


def next_story_id(store: SqlStore) -> int:
    """The id the next story will get; checked to be above every story id there is."""
    with transfer.read_snapshot(store.engine) as conn:
        top = conn.execute(sa.select(sa.func.max(stories.c.id))).scalar_one()
        found = transfer.next_ids(conn)["stories"]
    assert found > top + 1  # the deleted newest story's id stays used
    return found


def hits(store: SqlStore, text: str) -> list[int]:
    return [h.article.id for h in store.search(SearchQuery(text, limit=100)).hits if h.article.id is not None]


@pytest.fixture
def target_url(store: SqlStore, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty database of the same kind as ``store`` (never migrated)."""
    if store.is_sqlite:
        return f"sqlite:///{tmp_path / 'restored.db'}"
    url: str = request.getfixturevalue("fresh_pg_url")
    return url


@pytest.fixture
def filled(store: SqlStore) -> Iterator[SqlStore]:
    fill(store)
    source = contents(store)
    assert {name for name, rows in source.items() if rows} >= FILLED
    yield store


@pytest.mark.slow
def test_backup_and_restore_round_trip(filled: SqlStore, target_url: str, tmp_path: Path) -> None:
    path = tmp_path / "news.backup"
    made = backup.backup(filled, path, NoProgress())
    assert made.kind == ("sqlite" if filled.is_sqlite else "archive")
    assert not path.with_name("news.backup.partial").exists()

    snap, restored = backup.restore(path, target_url, replace=False, progress=NoProgress())
    try:
        assert contents(restored) == contents(filled)
        assert next_story_id(restored) == next_story_id(filled)
        assert transfer.check_copy(snap, restored).ok
        for text in QUERIES:
            assert hits(restored, text) == hits(filled, text), text
        assert hits(restored, "aguacate")
    finally:
        restored.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_migrate_sqlite_to_postgresql(tmp_path: Path, fresh_pg_url: str) -> None:
    source = open_url(f"sqlite:///{tmp_path / 'news.db'}")
    try:
        fill(source)
        snap, target = transfer.migrate_to(source, fresh_pg_url, replace=False, progress=NoProgress())
        try:
            assert contents(target) == contents(source)
            check = transfer.check_copy(snap, target)
            assert check.ok and check.search_text
            assert next_story_id(target) == next_story_id(source)
            for text in QUERIES:  # ranked differently by the two engines, same matches
                assert set(hits(target, text)) == set(hits(source, text)), text
            with pytest.raises(TransferError, match="not empty"):
                transfer.migrate_to(source, fresh_pg_url, replace=False, progress=NoProgress())
            _, second = transfer.migrate_to(source, fresh_pg_url, replace=True, progress=NoProgress())
            assert contents(second) == contents(source)
            second.close()
        finally:
            target.close()
    finally:
        source.close()


@pytest.mark.slow
def test_restore_refuses_a_database_with_rows(filled: SqlStore, tmp_path: Path) -> None:
    path = tmp_path / "news.backup"
    backup.backup(filled, path, NoProgress())
    before = contents(filled)
    url = filled.engine.url.render_as_string(hide_password=False)
    with pytest.raises(TransferError, match=r"not empty.*--replace"):
        backup.restore(path, url, replace=False, progress=NoProgress())
    assert contents(filled) == before
    with pytest.raises(TransferError, match="already exists"):
        backup.backup(filled, path, NoProgress())


@pytest.mark.postgres
def test_a_truncated_archive_restores_nothing(fresh_pg_url: str, tmp_path: Path) -> None:
    source = open_url(fresh_pg_url)
    try:
        fill(source)
        path = tmp_path / "news.backup"
        backup.backup(source, path, NoProgress())
        expected_next = next_story_id(source)
    finally:
        source.close()
    lines = gzip.decompress(path.read_bytes()).decode().splitlines(keepends=True)
    short = tmp_path / "short.backup"
    short.write_bytes(gzip.compress("".join(lines[: len(lines) * 2 // 3]).encode()))
    target_url = f"sqlite:///{tmp_path / 'target.db'}"
    with pytest.raises(TransferError, match=r"ends early|does not match"):
        backup.restore(short, target_url, replace=False, progress=NoProgress())
    left = open_url(target_url)
    try:
        assert not any(contents(left).values())
    finally:
        left.close()
    # The whole archive restores into SQLite too (PostgreSQL to SQLite).
    snap, restored = backup.restore(
        path, f"sqlite:///{tmp_path / 'other.db'}", replace=False, progress=NoProgress()
    )
    try:
        assert transfer.check_copy(snap, restored).ok
        assert next_story_id(restored) == expected_next
    finally:
        restored.close()


def test_not_a_backup(tmp_path: Path) -> None:
    junk = tmp_path / "junk.backup"
    junk.write_text("hello")
    with pytest.raises(TransferError, match="not a Newsstand backup"):
        backup.restore(junk, f"sqlite:///{tmp_path / 'x.db'}", replace=False, progress=NoProgress())


class _WritingProgress:
    """Stores an article through another connection after every step of the copy."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.writes = 0

    def table(self, name: str, rows: int) -> None:
        pass

    def advance(self, rows: int) -> None:
        self.writes += 1
        with self.store.engine.begin() as conn:
            conn.execute(
                sa.update(t.articles).where(t.articles.c.id == 1).values(title=f"Changed {self.writes}")
            )
            conn.execute(store_meta.insert().values(key=f"during-{self.writes}", value=""))


def test_sqlite_backup_is_one_snapshot_while_others_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_url(f"sqlite:///{tmp_path / 'live.db'}")
    try:
        fill(store)
        before = contents(store)
        monkeypatch.setattr(backup, "_PAGES_PER_STEP", 1)
        writer = _WritingProgress(store)
        backup.backup(store, tmp_path / "live.backup", writer)
        assert writer.writes > 10
        _, copy = backup.restore(
            tmp_path / "live.backup",
            f"sqlite:///{tmp_path / 'copy.db'}",
            replace=False,
            progress=NoProgress(),
        )
        try:
            assert contents(copy) == before
            assert contents(store) != before  # the writes went on meanwhile
        finally:
            copy.close()
    finally:
        store.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_an_older_archive_restores_into_a_new_database(
    fresh_pg_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A backup made at revision 0007 goes into a database with no tables: migrated to 0007,
    loaded, then brought to the newest revision."""
    from newsstand.model import Feed
    from newsstand.store.sql.engine import make_engine

    from .helpers import article, insert_as_old_schema, migrate_to, publisher

    migrate_to(fresh_pg_url, "0007")
    old = SqlStore(make_engine(fresh_pg_url))  # not opened through open_url: it stays at 0007
    try:
        old.add_publisher(publisher())
        old.add_feed(Feed("https://daily.example/feed", "daily", "world"))
        insert_as_old_schema(old, [article(n, title=f"Harbour crane number {n}") for n in range(3)])
        path = tmp_path / "old.backup"
        backup.backup(old, path, NoProgress())
    except BaseException:
        old.close()
        raise
    target_url: str = request.getfixturevalue("pg_url")  # at the newest revision
    with pytest.raises(TransferError, match="older than this database"):
        backup.restore(path, target_url, replace=True, progress=NoProgress())

    with old.engine.begin() as conn:  # the same database, now with no tables at all
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    snap, restored = backup.restore(path, fresh_pg_url, replace=False, progress=NoProgress())
    try:
        assert snap.revision == "0007"
        assert transfer.check_copy(snap, restored).ok
        assert len(hits(restored, "crane")) == 3
        with transfer.read_snapshot(restored.engine) as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() != "0007"
    finally:
        restored.close()
        old.close()
