"""Unread counts for reader apps: one query of ids (``unread_refs``) against loading articles.

    python bench/readerapps.py [--publishers 20] [--per-publisher 250] [--db sqlite|postgresql|both]

Google Reader and Fever clients ask for unread counts on every sync. The candidate is what
``SubscriptionService.unread_counts`` does: one query for the ids, publishers and times of the
unread articles of what the reader follows (``store.unread_refs``). The baseline is the obvious
way over the listings the web pages use: each followed publisher's newest articles
(``list_articles``, whole articles) and the reader's marks for them (``article_marks``). The
reader follows half the publishers and has read a third of their articles. Prints milliseconds
per count (best of 5). PostgreSQL is NEWSSTAND_BENCH_PG_URL, in a database made and dropped here.
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from newsstand.model import Article, ArticleFilter, Publisher, ReadRecord
from newsstand.store import SqlStore, open_url

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PG = os.environ.get("NEWSSTAND_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def fill(store: SqlStore, publishers: int, per: int) -> tuple[int, list[str]]:
    reader = store.add_reader("bench@example.org", "x", NOW).id
    followed = []
    for p in range(publishers):
        pid = f"pub-{p}"
        store.add_publisher(Publisher(pid, f"Publisher {p}", f"https://{pid}.example", "GB", "en"))
        for i in range(per):
            body = "<p>" + "words " * 80 + "</p>"
            article = Article(
                pid,
                f"https://{pid}.example/{i}",
                f"Title {i}",
                NOW - timedelta(minutes=i * 7 + p),
                section="World",
                sections=("World",),
                body_html=body * 6,
                body_text="words " * 480,
            )
            aid = store.upsert_article(article).article_id
            if p % 2 == 0 and i % 3 == 0:
                store.record_reads([ReadRecord(reader, aid, NOW, None, True)])
        if p % 2 == 0:
            followed.append(pid)
            store.follow(reader, "publisher", pid)
    return reader, followed


def best(fn: Callable[[], object], rounds: int = 5) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def run(store: SqlStore, label: str, publishers: int, per: int) -> None:
    reader, followed = fill(store, publishers, per)
    since = NOW - timedelta(days=30)

    def baseline() -> dict[str, int]:
        counts = {}
        for pid in followed:
            articles = store.list_articles(ArticleFilter(publisher_ids=(pid,), since=since, limit=1000))
            read, _ = store.article_marks(reader, [a.id for a in articles if a.id])
            counts[pid] = sum(1 for a in articles if a.id not in read)
        return counts

    def candidate() -> dict[str, int]:
        counts: dict[str, int] = {}
        for ref in store.unread_refs(reader, followed, (), since, 10_000):
            counts[ref.publisher_id] = counts.get(ref.publisher_id, 0) + 1
        return counts

    assert baseline() == candidate()
    b, c = best(baseline), best(candidate)
    total = sum(candidate().values())
    print(
        f"{label}: {publishers * per} articles, {len(followed)} followed, {total} unread: "
        f"baseline {b:.1f} ms, unread_refs {c:.1f} ms ({b / c:.1f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--publishers", type=int, default=20)
    parser.add_argument("--per-publisher", type=int, default=250)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            store = open_url(f"sqlite:///{Path(folder) / 'bench.db'}")
            run(store, "SQLite", args.publishers, args.per_publisher)
            store.close()
    if args.db in ("postgresql", "both"):
        name = f"bench_{secrets.token_hex(4)}"
        admin = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
        try:
            store = open_url(PG.rsplit("/", 1)[0] + f"/{name}")
            run(store, "PostgreSQL", args.publishers, args.per_publisher)
            store.close()
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
            admin.dispose()


if __name__ == "__main__":
    main()
