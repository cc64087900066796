"""Story clustering benchmark: speed of ``update_stories`` and quality on the labelled corpus.

    python bench/stories.py --articles 10000 [--db sqlite|postgresql|both] [--quality]

Generates invented news (no copied text): events told by several publishers,
each article mixing its event's names and words with common words drawn from a
Zipf distribution. Loads them, then times (1) the first ``update_stories`` over
all of them and (2) one incremental round of ``--round`` new articles on top.
``--quality`` also prints the B-cubed/ARI figures of the shared labelled corpus.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from newsstand.app.stories import related_articles, top_stories, update_stories
from newsstand.model import Article
from newsstand.store import SqlStore, open_url
from newsstand.stories.evaluate import score
from newsstand.stories.quality import measure, standard_sets, table
from newsstand.stories.text import article_terms

START = datetime(2026, 1, 5, tzinfo=UTC)
_SYLLABLE_TEXT = "ka lo mi ne ru sa te vo an el is or ul by dra ken mor tal vin zet"
SYLLABLES = _SYLLABLE_TEXT.split()
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


class Generator:
    """Invented events and the articles publishers write about them."""

    def __init__(self, seed: int = 7, vocabulary: int = 20_000, publishers: int = 200) -> None:
        self.rng = random.Random(seed)
        self.common = [_word(self.rng) for _ in range(vocabulary)]
        self.weights = [1 / (rank + 1) for rank in range(vocabulary)]  # Zipf, s = 1
        self.publishers = [f"pub-{i:03d}" for i in range(publishers)]
        self.serial = 0

    def _commons(self, n: int) -> list[str]:
        return self.rng.choices(self.common, self.weights, k=n)

    def articles(self, count: int, days: float, start: datetime = START) -> list[tuple[Article, int]]:
        """``count`` articles over ``days`` days from ``start``, each with its event number."""
        out: list[tuple[Article, int]] = []
        event = 0
        while len(out) < count:
            event += 1
            names = [_word(self.rng).capitalize() for _ in range(3)]
            words = [_word(self.rng) for _ in range(8)]
            at = start + timedelta(days=self.rng.uniform(0, days))
            size = min(1 + int(self.rng.expovariate(0.4)), 12, count - len(out))
            for publisher in self.rng.sample(self.publishers, size):
                out.append((self._article(publisher, names, words, at), event))
        return out

    def _article(self, publisher: str, names: list[str], words: list[str], at: datetime) -> Article:
        rng = self.rng
        self.serial += 1
        title = " ".join(rng.sample(names, 2) + rng.sample(words, 3) + self._commons(3))
        body = []
        for _ in range(6):
            sentence = rng.sample(names, 1) + rng.sample(words, 3) + self._commons(16)
            rng.shuffle(sentence)
            body.append(" ".join(sentence).capitalize() + ".")
        return Article(
            publisher_id=publisher,
            url=f"https://{publisher}.example/a/{self.serial}",
            title=title.capitalize(),
            published=at + timedelta(hours=rng.expovariate(1 / 3)),
            body_text="\n".join(body),
        )


def _load(store: SqlStore, items: list[tuple[Article, int]]) -> dict[int, int]:
    """Insert in bulk (the benchmark measures clustering, not upserts); article id -> event."""
    from newsstand.store.sql.articles import article_values
    from newsstand.store.sql.schema import articles

    with store.engine.begin() as conn:
        result = conn.execute(
            articles.insert().returning(articles.c.id, sort_by_parameter_order=True),
            [article_values(a) for a, _ in items],
        )
        ids = list(result.scalars())
    return {aid: event for aid, (_, event) in zip(ids, items, strict=True)}


def _assigned(store: SqlStore, ids: list[int]) -> dict[int, int]:
    from newsstand.store.sql.schema import articles

    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(articles.c.id, articles.c.story_id).where(articles.c.id.in_(ids)))
        return {row.id: row.story_id for row in rows}


def run(db: str, url: str, count: int, round_size: int) -> None:
    gen = Generator()
    store = open_url(url)
    try:
        items = gen.articles(count, days=7)
        started = time.perf_counter()
        gold = _load(store, items)
        print(f"[{db}] loaded {len(gold)} articles in {time.perf_counter() - started:.1f} s")
        now = START + timedelta(days=8)
        started = time.perf_counter()
        placed = update_stories(store, now)
        first = time.perf_counter() - started
        result = score(_assigned(store, list(gold)), gold)
        print(f"[{db}] first update: {placed} articles in {first:.2f} s ({first / placed * 1e3:.2f} ms each)")
        print(f"[{db}]   synthetic: B3 F1 {result.f1:.3f}, ARI {result.ari:.3f}, {result.clusters} stories")
        # A round as after one ingestion: new articles of the last hours, and a cold
        # process (the CLI, or a restarted worker) with nothing cached.
        _load(store, gen.articles(round_size, days=0.1, start=START + timedelta(days=7)))
        article_terms.cache_clear()
        started = time.perf_counter()
        placed = update_stories(store, now)
        cold = time.perf_counter() - started
        more = _load(store, gen.articles(round_size, days=0.1, start=START + timedelta(days=7.1)))
        started = time.perf_counter()
        placed += update_stories(store, now)
        warm = time.perf_counter() - started
        print(
            f"[{db}] incremental rounds of {round_size} recent articles: {cold:.2f} s cold, {warm:.2f} s warm"
        )
        started = time.perf_counter()
        top = top_stories(store, now - timedelta(days=1), limit=10)
        print(f"[{db}] top_stories: {len(top)} in {(time.perf_counter() - started) * 1000:.0f} ms")
        started = time.perf_counter()
        related_articles(store, next(iter(more)), limit=6)
        print(f"[{db}] related_articles: {(time.perf_counter() - started) * 1000:.0f} ms")
    finally:
        store.close()


def quality(corpus: Path) -> None:
    """The quality table: baseline, rebuild and hourly rounds on every labelled set."""
    cases = Path(__file__).resolve().parents[1] / "tests/stories/cases"
    print(table(measure(standard_sets(corpus, cases), time.perf_counter)))


def _shared() -> Path:
    root = os.environ.get("NEWSSTAND_SHARED_DIR")
    base = Path(root) if root else Path(__file__).resolve().parents[1].parent / "shared"
    return base / "data/stories/giveme5w1h_newscluster.jsonl"


def _pg_database() -> tuple[str, sa.Engine, str]:
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"ns_bench_stories_{random.randrange(10**8)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False), admin, name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--round", type=int, default=200, help="articles in the incremental round")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both", "none"], default="sqlite")
    parser.add_argument("--quality", action="store_true", help="score the shared labelled corpus too")
    args = parser.parse_args()
    if args.quality:
        quality(_shared())
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run("sqlite", f"sqlite:///{tmp}/bench.db", args.articles, args.round)
    if args.db in ("postgresql", "both"):
        url, admin, name = _pg_database()
        try:
            run("postgresql", url, args.articles, args.round)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
