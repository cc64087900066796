"""Migrations: applied on an empty database, idempotent on reopen, numbered to chain."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from newsstand.config import load_settings
from newsstand.store import open_store, open_url
from newsstand.store.sql import migrate
from newsstand.store.sql.migrate import pending
from newsstand.store.sql.schema import metadata

from .helpers import article, migrate_to


def _check_migrated(url: str) -> None:
    store = open_url(url)
    try:
        assert migrate.current_revision(store.engine) == migrate.head_revision()
        tables = set(sa.inspect(store.engine).get_table_names())
        assert set(metadata.tables) <= tables
        store.upsert_article(article(1))
    finally:
        store.close()
    again = open_url(url)  # reopening migrates nothing and keeps the data
    try:
        assert again.count_articles() == 1
        assert migrate.current_revision(again.engine) == migrate.head_revision()
    finally:
        again.close()


def test_sqlite_fresh_database_and_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "nested" / "data"
    settings = load_settings(environ={"NEWSSTAND_DATA_DIR": str(data)})
    store = open_store(settings)
    store.close()
    assert (data / "newsstand.db").is_file()
    _check_migrated(settings.effective_database_url)


def test_sqlite_is_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    store = open_url(f"sqlite:///{tmp_path / 'x.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()


def test_postgresql_fresh_database(fresh_pg_url: str) -> None:
    _check_migrated(fresh_pg_url)


def test_revisions_are_numbered_and_chain() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    revisions = list(script.walk_revisions())
    ids = sorted(r.revision for r in revisions)
    assert ids[0] == "0001"
    assert all(len(i) == 4 and i.isdigit() for i in ids)
    # One line, numbered without gaps: each revision revises the one numbered just below it.
    for r in revisions:
        if r.revision != "0001":
            assert r.down_revision == f"{int(r.revision) - 1:04d}"
    assert len(script.get_heads()) == 1


def test_pending_migrations_are_announced_before_they_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate_to(url, "0006")
    heard: list[str] = []
    store = open_url(url, heard.append)
    store.close()
    # One line per migration, oldest first, each with what it does.
    expected = [f"Upgrading the database to {revision}" for revision, _ in pending("0006")]
    assert expected[:2] == ["Upgrading the database to 0007", "Upgrading the database to 0008"]
    assert [line.split(":")[0] for line in heard] == expected
    doc = "PostgreSQL keeps vectors inside their rows, lists more words, indexes words with sections."
    assert heard[1].endswith(doc)
    # Nothing to say when there is nothing to do, nor when a new database is created.
    open_url(url, heard.append).close()
    open_url(f"sqlite:///{tmp_path / 'new.db'}", heard.append).close()
    assert len(heard) == len(expected)


def test_cli_tells_the_operator_about_an_upgrade(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from newsstand.cli import main

    data = tmp_path / "data"
    data.mkdir()
    migrate_to(f"sqlite:///{data / 'newsstand.db'}", "0007")
    result = CliRunner().invoke(main, ["sources", "list"], env={"NEWSSTAND_DATA_DIR": str(data)})
    assert result.exit_code == 0, result.output
    assert "Upgrading the database to 0008: Search:" in result.stderr
    assert "Upgrading" not in result.stdout


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_0009_lists_sections_in_publication_order_from_the_link_table(
    db: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from datetime import timedelta

    from newsstand.model import ArticleFilter
    from newsstand.store import SqlStore
    from newsstand.store.sql.engine import make_engine
    from newsstand.store.sql.schema import articles as schema_articles

    from .helpers import T0, publisher

    url = f"sqlite:///{tmp_path / 'old.db'}" if db == "sqlite" else request.getfixturevalue("fresh_pg_url")
    migrate_to(url, "0008")
    old = SqlStore(make_engine(url))  # the store as 0008 left it: no published time on the links
    old.add_publisher(publisher("daily"))
    # Rows written as 0008's columns (the current store writes columns later migrations add).
    ids = []
    with old.engine.begin() as conn:
        for n in range(3):
            when = sa.bindparam("p", T0 + timedelta(hours=n), type_=schema_articles.c.published.type)
            row = {"publisher_id": "daily", "url": f"https://daily.example/{n}", "title": f"Article {n}"}
            stmt = sa.insert(schema_articles.c.publisher_id.table).values(
                **row, section="World", published=when
            )
            aid = conn.execute(stmt.returning(schema_articles.c.id)).scalar_one()
            for position, section in enumerate(("World", "Europe")):
                conn.execute(
                    sa.text(
                        "INSERT INTO article_sections (article_id, section, position) VALUES (:a, :s, :p)"
                    ),
                    {"a": aid, "s": section, "p": position},
                )
            ids.append(aid)
    old.close()
    store = open_url(url)
    try:
        newest = [a.id for a in store.list_articles(ArticleFilter(sections=("Europe",), limit=10))]
        assert newest == ids[::-1]
        # A corrected publication time (upserts keep the first one; a repair may not) moves the
        # article in every section it is listed in.
        with store.engine.begin() as conn:
            later = sa.bindparam("p", T0 + timedelta(hours=9), type_=schema_articles.c.published.type)
            conn.execute(
                sa.update(schema_articles).where(schema_articles.c.id == ids[0]).values(published=later)
            )
        for section in ("World", "Europe"):
            listed = [a.id for a in store.list_articles(ArticleFilter(sections=(section,), limit=10))]
            assert listed == [ids[0], ids[2], ids[1]], section
        # Paging from the last one seen, and two sections at once without duplicates.
        page = store.list_articles(ArticleFilter(sections=("World", "Europe"), limit=2))
        rest = store.list_articles(
            ArticleFilter(sections=("World", "Europe"), limit=2, before_id=page[-1].id)
        )
        assert [a.id for a in page + rest] == [ids[0], ids[2], ids[1]]
    finally:
        store.close()


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_0023_carries_every_articles_band_keys_over_to_one_sketch_row(
    db: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from newsstand.store import SqlStore
    from newsstand.store.sql.copywindow import SKETCHES, unpack
    from newsstand.store.sql.engine import make_engine

    from .helpers import T0, publisher

    url = f"sqlite:///{tmp_path / 'old.db'}" if db == "sqlite" else request.getfixturevalue("fresh_pg_url")
    migrate_to(url, "0022")
    old = SqlStore(make_engine(url))  # the store as 0022 left it: band keys one row each
    old.add_publisher(publisher("daily"))
    ids = [old.upsert_article(article(n)).article_id for n in range(3)]
    keys = {ids[0]: [-(2**62), 5, 2**62], ids[1]: [7], ids[2]: [5, 11]}  # a key two articles share
    with old.engine.begin() as conn:
        for article_id, held in keys.items():
            for band in held:
                conn.execute(
                    sa.text("INSERT INTO article_bands (band, article_id) VALUES (:b, :a)"),
                    {"b": band, "a": article_id},
                )
    old.close()
    store = open_url(url)
    try:
        with store.engine.connect() as conn:
            carried = {a: list(unpack(blob)) for a, blob in conn.execute(sa.select(SKETCHES))}
        assert carried == {a: sorted(k) for a, k in keys.items()}
        assert "article_bands" not in sa.inspect(store.engine).get_table_names()
        found = store.copy_candidates([5, 7, 99], T0 - timedelta(days=1))
        assert found.holders == {5: (ids[0], ids[2]), 7: (ids[1],)}
    finally:
        store.close()


def test_0023_reads_the_band_keys_in_batches_that_never_split_an_article() -> None:
    import importlib.util

    path = Path(migrate.__file__).parent.parent / "migrations/versions/0023_article_sketches.py"
    spec = importlib.util.spec_from_file_location("m0023", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module._ROWS = 5  # batches of five rows: articles of three keys straddle every boundary
    engine = sa.create_engine("sqlite://")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE article_bands (band BIGINT, article_id INTEGER)")
        rows = [
            (band, article_id) for article_id in range(1, 8) for band in (article_id * 10, -article_id, 3)
        ]
        conn.exec_driver_sql("INSERT INTO article_bands VALUES (?, ?)", rows)
        batches = list(module._carried(conn))
    assert all(len(batch) <= 5 for batch in batches)
    carried = {row["article_id"]: row["band_keys"] for batch in batches for row in batch}
    assert carried == {a: module._pack([a * 10, -a, 3]) for a in range(1, 8)}


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_0024_carries_each_storys_index_terms_into_its_row(
    db: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from newsstand.store.sql.engine import make_engine
    from newsstand.store.sql.storycache import load

    from .helpers import T0

    url = f"sqlite:///{tmp_path / 'old.db'}" if db == "sqlite" else request.getfixturevalue("fresh_pg_url")
    migrate_to(url, "0023")
    engine = make_engine(url)  # the store as 0023 left it: one story_index row per term and story
    closes = T0 + timedelta(days=30)
    with engine.begin() as conn:
        for story_id, until in ((1, closes), (2, closes), (3, None)):
            conn.execute(
                sa.text(
                    "INSERT INTO stories (id, title, first_seen, last_updated, open_until, touched)"
                    " VALUES (:i, '', :t, :t, :u, :i)"
                ),
                {"i": story_id, "t": T0, "u": until},
            )
        held = {1: ["aldora", "ferry", "kessel"], 2: ["ferry"], 3: ["chess"]}
        for story_id, terms in held.items():
            for term in terms:
                conn.execute(
                    sa.text("INSERT INTO story_index (term, story_id) VALUES (:t, :s)"),
                    {"t": term, "s": story_id},
                )
    engine.dispose()
    store = open_url(url)
    try:
        with store.engine.connect() as conn:
            rows = dict(conn.execute(sa.text("SELECT id, index_terms FROM stories")).all())
            postings = load(conn)
        assert {k: sorted(v.split()) for k, v in rows.items()} == held
        assert "story_index" not in sa.inspect(store.engine).get_table_names()
        # The index of open stories loads from them: the closed story (no closing time) is left out.
        assert postings.state() == ({"aldora": [1], "ferry": [1, 2], "kessel": [1]}, {1: closes, 2: closes})
    finally:
        store.close()
