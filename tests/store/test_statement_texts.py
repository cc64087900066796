"""Reads of a list of ids send one SQL text whatever the list's length.

Each distinct text is a statement the driver prepares and keeps (the last 128 per pooled
SQLite connection): with one text per list length, a server's connections filled with
statements of hundreds of placeholders, 30 to 140 KB each, and its memory grew for as
long as the data did (bench/soak.py; docs/decisions.md, "Memory under the soak").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import event
from tests.store.helpers import article, publisher

from newsstand.model import ArticleFilter, SearchQuery
from newsstand.store import SqlStore
from newsstand.store.sql.engine import among


@contextmanager
def statement_texts(store: SqlStore) -> Iterator[set[str]]:
    """The distinct SELECT texts the store sends while the block runs."""
    texts: set[str] = set()

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            texts.add(statement)

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        yield texts
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)


def _stored(store: SqlStore, count: int) -> list[int]:
    store.add_publisher(publisher())
    ids = []
    for n in range(count):
        stored = store.upsert_article(article(n, title=f"Harbour report {n}", sections=("world", "europe")))
        ids.append(stored.article_id)
    return ids


def test_articles_by_id_one_text_for_every_length(store: SqlStore) -> None:
    ids = _stored(store, 60)
    with statement_texts(store) as texts:
        for length in range(1, 61):
            wanted = ids[-length:]
            found = store.get_articles(wanted)
            assert [a.id for a in found] == wanted
            assert all(a.sections == ("world", "europe") for a in found)
    # The articles, then their sections: two texts (there were 120, two per length).
    assert len(texts) == 2, sorted(texts)


def test_search_newest_first_one_text_per_read_as_matches_grow(store: SqlStore) -> None:
    store.add_publisher(publisher())
    texts: set[str] = set()
    for n in range(40):
        store.upsert_article(article(n, title=f"Harbour report {n}"))
        store.index_search()
        with statement_texts(store) as these:
            page = store.search(SearchQuery("harbour", sort="newest", limit=50))
        texts |= these
        assert len(page.hits) == n + 1
        published = [h.article.published for h in page.hits]
        assert published == sorted(published, reverse=True)
    # Each read the search makes has one text, whether the window holds 1 match or 40
    # (there were two per number of matches).
    assert len(texts) <= 8, sorted(texts)


def test_section_listing_one_text_whatever_it_finds(store: SqlStore) -> None:
    _stored(store, 30)
    with statement_texts(store) as texts:
        for limit in range(1, 31):
            assert len(store.list_articles(ArticleFilter(sections=("europe",), limit=limit))) == limit
    assert len(texts) <= 3, sorted(texts)


def test_among_matches_like_in_on_both_databases(store: SqlStore) -> None:
    ids = _stored(store, 12)
    table = sa.table("articles", sa.column("id", sa.Integer), sa.column("url", sa.Text))
    with store.engine.connect() as conn:
        for wanted in ([], ids[:1], ids[3:9], [*ids, 10**12]):
            got = conn.execute(sa.select(table.c.id).where(among(table.c.id, wanted))).scalars().all()
            assert sorted(got) == sorted(i for i in wanted if i in ids)
        urls = ["https://daily.example/a/2", "https://daily.example/a/5", "nowhere"]
        got = conn.execute(sa.select(table.c.url).where(among(table.c.url, urls))).scalars().all()
        assert sorted(got) == urls[:2]


def test_a_batch_of_reads_is_decided_with_two_texts_whatever_its_size(store: SqlStore) -> None:
    from datetime import UTC, datetime

    from newsstand.app.reading import decide_read
    from newsstand.model import ReadRecord

    ids = _stored(store, 30)
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    reader = store.add_reader("reads@example.org", "not a real hash", at)
    with statement_texts(store) as texts:
        for size in range(1, 31):
            wanted = [ReadRecord(reader.id, aid, at, "daily", True) for aid in ids[:size]]
            store.record_new_reads(wanted, decide_read)
    # The batch's last reads and last paid reads: one text each (were one per batch size).
    assert len(texts) == 2, sorted(texts)
