"""How PostgreSQL stores the search vectors (migration 0008), and the statistics the
search plans from: vectors stay inside their rows unless a row would not fit a
page, and the figures ANALYZE keeps are read once and reused."""

from __future__ import annotations

import random

import pytest

from newsstand.model import SearchQuery
from newsstand.store import SqlStore, open_url
from newsstand.store.sql import migrate, search_pg
from newsstand.store.sql.engine import make_engine

from .helpers import article, insert_as_old_schema, migrate_to

pytestmark = pytest.mark.postgres

_TABLE = "'article_search'::regclass"
_LANGUAGE = ("article_search", "language")
_OF_TABLE = "tablename = 'article_search'"


def _scalar(store: SqlStore, sql: str) -> object:
    with store.engine.connect() as conn:
        return conn.exec_driver_sql(sql).scalar_one()


def _rows(store: SqlStore, sql: str) -> list[tuple[object, ...]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(sql)]


def _toasted(store: SqlStore) -> int:
    """Live chunks in the search table's TOAST table."""
    toast = _scalar(store, f"SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = {_TABLE}")
    return int(str(_scalar(store, f"SELECT count(*) FROM {toast}")))


def _body(words: int, seed: int) -> str:
    rng = random.Random(seed)
    # Distinct invented words: each adds a lexeme and a position to the vector.
    vocabulary = [f"{rng.choice('bcdfgklmnprstvz')}{i:x}o{rng.randrange(999)}" for i in range(words)]
    return " ".join(vocabulary) + " fulmar"


def test_storage_settings(pg_store: SqlStore) -> None:
    storage = _scalar(
        pg_store,
        "SELECT attstorage::text || ' ' || attstattarget FROM pg_attribute"
        " WHERE attrelid = 'article_search'::regclass AND attname = 'search'",
    )
    assert storage == "m 1000"
    options = _scalar(pg_store, f"SELECT reloptions::text FROM pg_class WHERE oid = {_TABLE}")
    assert "toast_tuple_target=8160" in str(options)


def test_vectors_stay_in_their_rows_unless_too_long(pg_store: SqlStore) -> None:
    before = _toasted(pg_store)
    # About 250 words: a 4 kB vector, which the default settings moved out of the row.
    usual = pg_store.upsert_article(article(1, body_text=_body(250, 1))).article_id
    size = _scalar(pg_store, f"SELECT pg_column_size(search) FROM article_search WHERE article_id = {usual}")
    assert 2500 < int(str(size)) < 7000
    assert _toasted(pg_store) == before
    # A vector longer than a page still moves out, and is still searched.
    long = pg_store.upsert_article(article(2, body_text=_body(3000, 2))).article_id
    assert _toasted(pg_store) > before
    found = pg_store.search(SearchQuery("fulmar"))
    assert {h.article.id for h in found.hits} == {usual, long}


def test_common_values_are_read_once(pg_store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(40):
        pg_store.upsert_article(article(n, language="de" if n % 4 else "fr"))
    with pg_store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE article_search")
    monkeypatch.setattr(search_pg, "_stats_cache", {})
    with pg_store.engine.connect() as conn:
        shares = search_pg._value_share(conn, "article_search", "language", ["de", "xx"])
        # "xx" is not listed: nothing likely, at most as much as the rarest listed value.
        assert shares.likely == pytest.approx(0.75)
        assert shares.most == pytest.approx(1.0)
        assert search_pg._value_share(conn, "article_search", "language", []) == search_pg.ALL
    [(_, common)] = search_pg._stats_cache.values()
    assert common == pytest.approx({"de": 0.75, "fr": 0.25})
    # Reused until STATS_SECONDS pass, even after a new ANALYZE.
    for n in range(40, 80):
        pg_store.upsert_article(article(n, language="fr"))
    with pg_store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE article_search")
    with pg_store.engine.connect() as conn:
        assert search_pg._value_share(conn, *_LANGUAGE, ["fr"]).likely == pytest.approx(0.25)
        monkeypatch.setattr(search_pg, "STATS_SECONDS", 0.0)
        assert search_pg._value_share(conn, *_LANGUAGE, ["fr"]).likely == pytest.approx(0.625)


def test_migration_moves_existing_vectors_into_their_rows(fresh_pg_url: str) -> None:
    migrate_to(fresh_pg_url, "0007")
    # A store on the 0007 schema (opened without migrating): its vectors go to TOAST.
    old = SqlStore(make_engine(fresh_pg_url))
    ids = set(insert_as_old_schema(old, [article(n, body_text=_body(250, n)) for n in range(5)]))
    assert _toasted(old) > 0
    with old.engine.connect() as conn:  # the old schema's search, read directly
        found = "SELECT article_id FROM article_search WHERE search @@ to_tsquery('simple', 'fulmar')"
        before = {int(i) for i in conn.exec_driver_sql(found).scalars()}
    old.close()
    migrated = open_url(fresh_pg_url)
    try:
        assert migrate.current_revision(migrated.engine) == migrate.head_revision()
        assert _toasted(migrated) == 0  # CLUSTER rewrote every row with its vector inside
        after = migrated.search(SearchQuery("fulmar", limit=10))
        assert {h.article.id for h in after.hits} == before == ids
    finally:
        migrated.close()


def test_words_and_sections_share_one_index(pg_store: SqlStore) -> None:
    listed = _rows(pg_store, f"SELECT indexname, indexdef FROM pg_indexes WHERE {_OF_TABLE}")
    definitions = {str(name): str(definition) for name, definition in listed}
    gin = {name: d for name, d in definitions.items() if "USING gin" in d}
    assert list(gin) == ["ix_article_search_words"]
    assert gin["ix_article_search_words"].endswith("USING gin (search, sections)")
