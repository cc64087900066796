"""Unread counts for reader apps: one query of ids (``unread_refs``) against loading articles;
with ``--streams``, a page of a reader's stream (``stream_page``) against one OR query.

    python bench/readerapps.py [--publishers 20] [--per-publisher 250] [--db sqlite|postgresql|both]
    python bench/readerapps.py --streams [...]

Google Reader and Fever clients ask for unread counts on every sync. The candidate is what
``SubscriptionService.unread_counts`` does: one query for the ids, publishers and times of the
unread articles of what the reader follows (``store.unread_refs``). The baseline is the obvious
way over the listings the web pages use: each followed publisher's newest articles
(``list_articles``, whole articles) and the reader's marks for them (``article_marks``). The
reader follows half the publishers and has read a third of their articles. Prints milliseconds
per count (best of 5). PostgreSQL is NEWSSTAND_BENCH_PG_URL, in a database made and dropped here.

``--streams``: the reader follows every ``--follow-every``-th publisher (default: half) and the
section World, in which one publisher in twice as many lists its articles. The candidate is
``stream_page``: one index range for the followed publishers and one for the followed sections,
each ordered and limited, merged in Python. The baseline is one statement over articles with
the publishers OR the sections (as ``unread_refs`` asks), ordered and limited. Each pages 50
items newest first and oldest first, from the start and from the middle of the stream (a
continuation).
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


def fill_streams(store: SqlStore, publishers: int, per: int, every: int) -> int:
    reader = store.add_reader("streams@example.org", "x", NOW).id
    for p in range(publishers):
        pid = f"pub-{p}"
        store.add_publisher(Publisher(pid, f"Publisher {p}", f"https://{pid}.example", "GB", "en"))
        section = "World" if p % (every * 2) == 1 else "Sport"
        for i in range(per):
            when = NOW - timedelta(minutes=i * 7 + p)
            article = Article(pid, f"https://{pid}.example/{i}", f"Title {i}", when, section=section)
            store.upsert_article(article)
        if p % every == 0:
            store.follow(reader, "publisher", pid)
    store.follow(reader, "section", "World")
    return reader


def run_streams(store: SqlStore, label: str, publishers: int, per: int, every: int = 2) -> None:
    from newsstand.model import StreamQuery, StreamSource
    from newsstand.store.sql import schema as t
    from newsstand.store.sql.reading import _followed

    reader_id = fill_streams(store, publishers, per, every)
    reader = store.get_reader(reader_id)
    pubs, secs = reader.followed_publishers, reader.followed_sections
    A = t.articles
    every = store.stream_page(reader_id, StreamQuery(StreamSource.ARTICLES, pubs, secs, limit=100_000))
    middle = every[len(every) // 2]
    key = (middle[1], middle[0])

    def one_or(oldest: bool, after: tuple[datetime, int] | None) -> list[tuple[int, datetime]]:
        stmt = sa.select(A.c.id, A.c.published).where(_followed(pubs, secs))
        order = (A.c.published.asc(), A.c.id.asc()) if oldest else (A.c.published.desc(), A.c.id.desc())
        if after is not None:
            k, last = sa.tuple_(A.c.published, A.c.id), sa.tuple_(after[0], after[1])
            stmt = stmt.where(k > last if oldest else k < last)
        with store.engine.connect() as conn:
            return [(int(i), at) for i, at in conn.execute(stmt.order_by(*order).limit(50))]

    for oldest in (False, True):
        for after in (None, key):
            query = StreamQuery(StreamSource.ARTICLES, pubs, secs, limit=50, after=after, oldest_first=oldest)
            assert store.stream_page(reader_id, query) == one_or(oldest, after)
            c = best(lambda q=query: store.stream_page(reader_id, q))  # type: ignore[misc]
            b = best(lambda o=oldest, a=after: one_or(o, a))  # type: ignore[misc]
            where = "middle" if after else "start"
            order = "oldest first" if oldest else "newest first"
            print(
                f"{label}: {len(every)} of {publishers * per} articles in the stream, {order}, "
                f"from the {where}: one OR query {b:.2f} ms, stream_page {c:.2f} ms"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", action="store_true", help="Time stream pages instead.")
    parser.add_argument("--follow-every", type=int, default=2, help="--streams: follow every Nth publisher.")
    parser.add_argument("--publishers", type=int, default=20)
    parser.add_argument("--per-publisher", type=int, default=250)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()

    def go(store: SqlStore, label: str) -> None:
        if args.streams:
            run_streams(store, label, args.publishers, args.per_publisher, args.follow_every)
        else:
            run(store, label, args.publishers, args.per_publisher)

    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            store = open_url(f"sqlite:///{Path(folder) / 'bench.db'}")
            go(store, "SQLite")
            store.close()
    if args.db in ("postgresql", "both"):
        name = f"bench_{secrets.token_hex(4)}"
        admin = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
        try:
            store = open_url(PG.rsplit("/", 1)[0] + f"/{name}")
            go(store, "PostgreSQL")
            store.close()
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
            admin.dispose()


if __name__ == "__main__":
    main()
