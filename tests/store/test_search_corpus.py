"""The same queries find the same articles on SQLite and PostgreSQL (shared corpus).

Both databases index runs of letters and digits, lower-cased, without stemming or
stop words, so their match sets must be identical; only the ranking formulas differ.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsstand.model import Article, SearchQuery
from newsstand.store import SqlStore

QUERIES = [
    "police",
    "the",
    "trump",
    '"white house"',
    "north korea",
    "election -trump",
    "merkel OR macron",
    "e-mail",
    "u.s.",
    "2017",
    "brexit vote",
    "apple iphone",
    '"prime minister" may',
    "hurricane -irma",
    "münchen",
    "don't",
    "world cup",
    "x",
]


def _corpus(shared_data: Path) -> list[Article]:
    out = []
    path = shared_data / "stories" / "giveme5w1h_newscluster.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        published = datetime.fromisoformat(row["date_publish"]).replace(tzinfo=UTC)
        out.append(
            Article(
                publisher_id=row["publisher"],
                url=row["url"],
                title=row["title"] or "",
                standfirst=row.get("description") or "",
                body_text=row.get("text") or "",
                published=published,
                language=row.get("language") or "",
            )
        )
    return out


def _all_urls(store: SqlStore, text: str) -> set[str]:
    urls: set[str] = set()
    cursor = None
    while True:
        page = store.search(SearchQuery(text, limit=100, cursor=cursor))
        urls |= {h.article.url for h in page.hits}
        cursor = page.next_cursor
        if cursor is None:
            return urls


@pytest.mark.slow
@pytest.mark.postgres
def test_same_matches_on_both_databases(
    shared_data: Path, sqlite_store: SqlStore, pg_store: SqlStore
) -> None:
    articles = _corpus(shared_data)
    for store in (sqlite_store, pg_store):
        for a in articles:
            store.upsert_article(a)
        assert store.count_articles() == len(articles)
    found_any = 0
    for text in QUERIES:
        on_sqlite = _all_urls(sqlite_store, text)
        on_pg = _all_urls(pg_store, text)
        assert on_sqlite == on_pg, (text, sorted(on_sqlite ^ on_pg)[:5])
        found_any += bool(on_sqlite)
    # The queries are chosen to hit: the comparison is not between two empty sets.
    assert found_any >= len(QUERIES) - 3
    # Filters agree too.
    q = SearchQuery("police", languages=("en",), since=datetime(2017, 6, 1, tzinfo=UTC), limit=100)
    assert {h.article.url for h in sqlite_store.search(q).hits} == {
        h.article.url for h in pg_store.search(q).hits
    }
