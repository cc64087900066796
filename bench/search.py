"""Search benchmark: indexing time, index size and query latency on SQLite and PostgreSQL,
with lemon24's ``reader`` library on the same articles as a baseline.

    python bench/search.py --articles 100000 [--db sqlite|postgresql|both] [--reader-baseline N]

Articles are invented by the benchmark (no copied text): words made of syllables,
drawn from a Zipf distribution so a few words are in nearly every article and most
are rare; bodies of a few hundred words built from a pool of generated sentences.
The seed is fixed, so two runs load the same articles and ask the same queries.
Queries go through ``Store.search`` (ranking, snippets and loading the hits included).
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from newsstand.model import SearchQuery
from newsstand.store import SqlStore, open_url
from newsstand.store.sql.schema import article_sections, articles
from newsstand.store.sql.searchwords import text_keys

SYLLABLES = [
    "ba",
    "ce",
    "di",
    "fo",
    "gu",
    "ha",
    "ji",
    "ko",
    "lu",
    "ma",
    "ne",
    "pi",
    "qua",
    "ro",
    "su",
    "ta",
    "ve",
    "wi",
    "xo",
    "yu",
    "za",
    "bre",
    "cli",
    "dro",
    "fla",
    "gri",
    "plo",
    "sta",
    "tru",
]
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
SECTIONS = ["world", "politics", "business", "sport", "culture", "science", "technology",
            "opinion", "environment", "health", "education", "media"]  # fmt: skip
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BATCH = 2000
PG_WRITERS = 2


class Corpus:
    """A deterministic generator of invented articles."""

    def __init__(
        self, seed: int = 20240501, vocabulary: int = 60_000, sentences: int = 150_000, *, keys: bool = True
    ) -> None:
        self.keys = keys
        self.rng = random.Random(seed)
        words: dict[str, None] = {}
        while len(words) < vocabulary:
            length = self.rng.choice((1, 2, 2, 3, 3, 4))
            words["".join(self.rng.choice(SYLLABLES) for _ in range(length))] = None
        self.words = list(words)  # index = Zipf rank - 1
        self.cum = list(itertools.accumulate(1.0 / (r**1.07) for r in range(1, vocabulary + 1)))
        self.sentences = [self._sentence() for _ in range(sentences)]
        self.authors = [f"{self._name()} {self._name()}" for _ in range(3000)]
        pub_weights = [1.0 / r for r in range(1, 101)]
        self.publishers = [f"pub{n:03d}" for n in range(100)]
        self.pub_cum = list(itertools.accumulate(pub_weights))

    def _name(self) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(2)).capitalize()

    def _draw(self, k: int, skip_top: int = 0) -> list[str]:
        out = []
        total = self.cum[-1]
        low = self.cum[skip_top - 1] if skip_top else 0.0
        for _ in range(k):
            out.append(self.words[bisect.bisect_left(self.cum, low + self.rng.random() * (total - low))])
        return out

    def _sentence(self) -> str:
        text = " ".join(self._draw(self.rng.randint(8, 20)))
        return text[0].upper() + text[1:] + "."

    def article(self, n: int, total: int) -> tuple[dict[str, Any], str]:
        """The articles row for article ``n`` of ``total``, and its section."""
        rng = self.rng
        title = " ".join(self._draw(rng.randint(5, 10), skip_top=60)).capitalize()
        body = " ".join(rng.choice(self.sentences) for _ in range(rng.randint(15, 35)))
        publisher = self.publishers[bisect.bisect_left(self.pub_cum, rng.random() * self.pub_cum[-1])]
        section = rng.choice(SECTIONS)
        lang = rng.choices(("en", "de", "fr"), (85, 8, 7))[0]
        authors = rng.sample(self.authors, rng.choice((1, 1, 1, 2)))
        published = START + SPAN * (n / total) + timedelta(seconds=rng.randint(0, 600))
        row = {
            "publisher_id": publisher,
            "url": f"https://{publisher}.example/{section}/{n}",
            "guid": f"g{n}",
            "title": title,
            "standfirst": rng.choice(self.sentences) + " " + rng.choice(self.sentences),
            "authors": '["' + '", "'.join(authors) + '"]',
            "section": section,
            "body_html": "",  # not indexed; left empty to keep the database small
            "body_text": body,
            "images": "[]",
            "published": published,
            "language": lang,
            "kind": "article",
            "tags": "[]",
            "revision": 1,
            "full_text": True,
        }
        if self.keys:  # what the store writes with every article (migration 0013)
            names = " ".join(authors)
            row["search_keys"] = text_keys(lang, title, row["standfirst"], names, body)
        return row, section


@dataclass
class Queries:
    """Named groups of queries, each group a list of (text, filters)."""

    groups: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)


def make_queries(corpus: Corpus, per_group: int, seed: int = 7) -> Queries:
    rng = random.Random(seed)
    w = corpus.words

    def pick(lo: int, hi: int) -> str:
        return w[rng.randint(lo, hi) - 1]

    def phrase() -> str:
        words = rng.choice(corpus.sentences).rstrip(".").split()
        i = rng.randrange(len(words) - 1)
        return f'"{words[i]} {words[i + 1]}"'

    recent = START + SPAN - timedelta(days=30)
    g: dict[str, list[tuple[str, dict[str, Any]]]] = {
        "common word": [(pick(1, 50), {}) for _ in range(per_group)],
        "mid word": [(pick(200, 2000), {}) for _ in range(per_group)],
        "rare word": [(pick(5000, 50000), {}) for _ in range(per_group)],
        "two words": [(f"{pick(50, 500)} {pick(500, 5000)}", {}) for _ in range(per_group)],
        "phrase": [(phrase(), {}) for _ in range(per_group)],
        "common + publisher": [
            (pick(1, 50), {"publisher_ids": (rng.choice(corpus.publishers[20:]),)}) for _ in range(per_group)
        ],
        "mid + section": [(pick(200, 2000), {"sections": (rng.choice(SECTIONS),)}) for _ in range(per_group)],
        "common + last 30 days": [(pick(1, 50), {"since": recent}) for _ in range(per_group)],
        "rare + language": [(pick(5000, 50000), {"languages": ("de",)}) for _ in range(per_group)],
    }
    return Queries(g)


def _drop_search_indexes(engine: sa.Engine) -> list[str]:
    """Drop the PostgreSQL search table's secondary indexes; return their definitions.

    Building a GIN index once over a loaded table is many times faster than
    updating it row by row; the definitions are read from the catalog, so the
    indexes rebuilt after the load are exactly the ones the migrations created.
    The product's trigger still fills ``article_search`` row by row.
    """
    if engine.dialect.name != "postgresql":
        return []
    with engine.begin() as conn:
        rows = conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'article_search'"
            " AND indexname <> 'article_search_pkey'"
        ).all()
        for name, _ in rows:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [str(d) for _, d in rows]


def _create_indexes(engine: sa.Engine, definitions: list[str]) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '1GB'")
        for definition in definitions:
            conn.exec_driver_sql(definition)


def _insert(engine: sa.Engine, rows: list[dict[str, Any]], links: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        conn.execute(articles.insert(), rows)
        conn.execute(article_sections.insert(), links)


def load(store: SqlStore, corpus: Corpus, total: int) -> float:
    """Insert ``total`` articles in bulk; return the seconds it took (indexing included)."""
    started = time.perf_counter()
    engine = store.engine
    deferred = _drop_search_indexes(engine)
    # PostgreSQL computes each article's vector in the product's trigger, which is
    # the slow part of its load: two connections do that on both cores.
    writers = PG_WRITERS if engine.dialect.name == "postgresql" else 1
    with ThreadPoolExecutor(writers) as pool:
        pending: list[Future[None]] = []
        for first in range(0, total, BATCH):
            rows = []
            links = []
            for n in range(first, min(total, first + BATCH)):
                row, section = corpus.article(n, total)
                row["id"] = n + 1
                rows.append(row)
                links.append({"article_id": n + 1, "section": section, "feed_id": None, "position": 0})
            pending.append(pool.submit(_insert, engine, rows, links))
            while len(pending) > writers:
                pending.pop(0).result()
            if first and first % (BATCH * 25) == 0:
                rate = first / (time.perf_counter() - started)
                print(f"  {first:>9,} articles  {rate:,.0f}/s", file=sys.stderr, flush=True)
        for f in pending:
            f.result()
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT setval('articles_id_seq', (SELECT max(id) FROM articles))")
    # SQLite: the rows were noted for indexing (migration 0007); index them in one go.
    indexed = store.index_search()
    if indexed:
        print(f"  indexed {indexed:,} articles for search", file=sys.stderr, flush=True)
    if deferred:
        print(f"  building {len(deferred)} search indexes", file=sys.stderr, flush=True)
        _create_indexes(engine, deferred)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE articles")
            conn.exec_driver_sql("VACUUM ANALYZE article_search")
            conn.exec_driver_sql("VACUUM ANALYZE article_sections")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def index_size(store: SqlStore) -> tuple[int, int]:
    """(bytes of the full-text index, bytes of the whole database)."""
    with store.engine.connect() as conn:
        if store.engine.dialect.name == "postgresql":
            # The search table: vectors (with their TOAST), the GIN index and the filter indexes.
            fts = conn.exec_driver_sql("SELECT pg_total_relation_size('article_search')").scalar_one()
            whole = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
            return int(fts), int(whole)
        fts = conn.exec_driver_sql(
            "SELECT (SELECT coalesce(sum(length(block)), 0) FROM articles_fts_data)"
            " + (SELECT count(*) * 24 FROM articles_fts_idx)"
            " + (SELECT coalesce(sum(length(sz)), 0) + count(*) * 8 FROM articles_fts_docsize)"
        ).scalar_one()
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
        size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
        return int(fts), int(pages) * int(size)


def run_queries(store: SqlStore, queries: Queries) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for name, items in queries.groups.items():
        times = []
        for text, filters in items:
            t = time.perf_counter()
            store.search(SearchQuery(text, limit=20, **filters))
            times.append((time.perf_counter() - t) * 1000)
        out[name] = times
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Result:
    label: str
    articles: int
    load_s: float
    index_bytes: int
    db_bytes: int
    latencies: dict[str, list[float]]


def bench_store(label: str, url: str, corpus: Corpus, total: int, queries: Queries) -> Result:
    store = open_url(url)
    try:
        have = store.count_articles()
        if have == 0:
            print(f"[{label}] loading {total:,} articles", file=sys.stderr, flush=True)
            load_s = load(store, corpus, total)
        elif have == total:
            print(f"[{label}] reusing {have:,} articles already loaded", file=sys.stderr)
            load_s = float("nan")
        else:
            raise SystemExit(f"{url} holds {have} articles, not {total}: use an empty database")
        idx, whole = index_size(store)
        run_queries(store, Queries({k: v[:5] for k, v in queries.groups.items()}))  # warm the cache
        print(f"[{label}] querying", file=sys.stderr, flush=True)
        return Result(label, total, load_s, idx, whole, run_queries(store, queries))
    finally:
        store.close()


def bench_reader(path: Path, corpus_seed: int, total: int, count: int, queries: Queries) -> Result:
    """lemon24/reader on the first ``count`` of the same articles (unfiltered queries only)."""
    from reader import make_reader

    corpus = Corpus(corpus_seed)
    reader = make_reader(str(path))
    reader.add_feed("bench:feed", allow_invalid_url=True)
    print(f"[reader] adding {count:,} entries", file=sys.stderr, flush=True)
    started = time.perf_counter()
    for n in range(count):
        row, _ = corpus.article(n, total)
        reader.add_entry(
            {
                "feed_url": "bench:feed",
                "id": row["guid"],
                "title": row["title"],
                "link": row["url"],
                "author": row["authors"].strip('[]"').replace('", "', ", "),
                "published": row["published"],
                "updated": row["published"],
                "summary": row["standfirst"],
                "content": [{"value": row["body_text"], "type": "text/plain"}],
            }
        )
    reader.enable_search()
    reader.update_search()
    load_s = time.perf_counter() - started
    out: dict[str, list[float]] = {}
    for name, items in queries.groups.items():
        if any(filters for _, filters in items):
            continue
        times = []
        for text, _ in items:
            t = time.perf_counter()
            list(reader.search_entries(text, limit=20))
            times.append((time.perf_counter() - t) * 1000)
        out[name] = times
    reader.close()
    size = path.stat().st_size + sum(p.stat().st_size for p in path.parent.glob(path.name + "-*"))
    return Result("reader", count, load_s, 0, size, out)


def report(results: list[Result]) -> None:
    print()
    print(f"{'store':<11}{'articles':>11}{'load+index s':>14}{'docs/s':>9}{'FTS index':>11}{'database':>11}")
    for r in results:
        rate = r.articles / r.load_s if r.load_s == r.load_s else float("nan")
        fts = f"{r.index_bytes / 2**20:,.0f} MiB" if r.index_bytes else "-"
        print(f"{r.label:<11}{r.articles:>11,}{r.load_s:>14.1f}{rate:>9,.0f}{fts:>11}"
              f"{r.db_bytes / 2**20:>7,.0f} MiB")  # fmt: skip
    groups = list(dict.fromkeys(g for r in results for g in r.latencies))
    print()
    print(f"{'query (20 hits, p50 / p99 ms)':<30}" + "".join(f"{r.label:>20}" for r in results))
    for g in groups:
        cells = []
        for r in results:
            t = r.latencies.get(g)
            cells.append(f"{pct(t, 50):>9.1f} / {pct(t, 99):>6.1f}" if t else f"{'-':>20}")
        print(f"{g:<30}" + "".join(f"{c:>20}" for c in cells))
    print(f"{'all':<30}" + "".join(
        f"{pct(all_t, 50):>9.1f} / {pct(all_t, 99):>6.1f}"
        for all_t in ([x for v in r.latencies.values() for x in v] for r in results)
    ))  # fmt: skip
    base = next((r for r in results if r.label == "reader"), None)
    if base:
        shared = [g for g in groups if g in base.latencies]
        for r in results:
            if r is base:
                continue
            ours = [x for g in shared for x in r.latencies[g]]
            theirs = [x for g in shared for x in base.latencies[g]]
            print(
                f"\nreader ({base.articles:,} articles) / {r.label} ({r.articles:,} articles), unfiltered "
                f"queries: p50 {pct(theirs, 50) / pct(ours, 50):.1f}x, "
                f"p99 {pct(theirs, 99) / pct(ours, 99):.1f}x"
            )
    print()


def pg_database(keep: bool) -> Iterator[str]:
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"ns_bench_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            print(f"kept PostgreSQL database {name}", file=sys.stderr)
        else:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--reader-baseline", type=int, default=27_000, help="articles for reader; 0 skips it")
    parser.add_argument("--queries", type=int, default=100, help="queries per group")
    parser.add_argument("--dir", type=Path, help="keep the SQLite files here (reused when already loaded)")
    parser.add_argument("--pg-url", help="use this PostgreSQL database instead of a throwaway one")
    parser.add_argument("--keep-pg", action="store_true", help="do not drop the throwaway database")
    args = parser.parse_args(argv)

    seed = 20240501
    t = time.perf_counter()
    corpus = Corpus(seed)
    queries = make_queries(corpus, args.queries)
    print(f"vocabulary and sentence pool in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    results = []
    with tempfile.TemporaryDirectory(prefix="ns-bench-") as tmp:
        folder = args.dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if args.db in ("sqlite", "both"):
            url = f"sqlite:///{folder / f'bench-{args.articles}.db'}"
            results.append(bench_store("sqlite", url, Corpus(seed), args.articles, queries))
        if args.db in ("postgresql", "both"):
            if args.pg_url:
                results.append(bench_store("postgresql", args.pg_url, Corpus(seed), args.articles, queries))
            else:
                for url in pg_database(args.keep_pg):
                    results.append(bench_store("postgresql", url, Corpus(seed), args.articles, queries))
        if args.reader_baseline:
            count = min(args.reader_baseline, args.articles)
            results.append(bench_reader(Path(tmp) / "reader.sqlite", seed, args.articles, count, queries))
    report(results)


if __name__ == "__main__":
    main()
