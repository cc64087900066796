"""Story clustering benchmark: articles assigned per second as the store grows, memory, quality.

    python bench/stories.py --store 100000 --store 1000000 [--db sqlite|postgresql] [--quality]
    python bench/stories.py --quality --db none      # the quality table only

Generates invented news (no copied text). Events belong to topics, and events of
one topic share names and words ("the Korlan missile test", then another one a
week later), so telling them apart is not free; a tenth of the articles are wire
copies of another outlet's report of the same event. The store is filled in
chunks, each clustered by ``update_stories`` as the service would after a large
import, in the story process the service loop uses (``app.storyworker.StoryProcess``,
replaced by a fresh one after ``--recycle`` articles, as ``stories_process_articles``
says); a process of its own generates and stores the articles (``Loader``). At every
size asked for, ``--rounds`` rounds of ``--round`` new articles are timed on top, after
one that is not. Columns: articles/s assigned while filling (wall clock, and CPU of the
story processes, their index loads included); the same over the whole life of the last
story process replaced while filling ("a process": from a fresh load to its
replacement, what a service meets on average at that size); the timed rounds' rate; the
articles the serving process had placed before the timed rounds ("age"); the largest
peak resident memory of a story process (the loader's and this process's are apart);
the seconds of CPU a fresh process took to load the story index and copy window
("cold s"); and the B-cubed quality of everything clustered so far against the
generator's events.
``--quality`` prints the table of ``newsstand.stories.quality``: the TF-IDF average-link
reference, rebuild and hourly rounds on the shared labelled corpus, its same-days construction and the
written cases, measured in the same run.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import pickle
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from newsstand.app.storyworker import StoryProcess
from newsstand.config import Settings
from newsstand.model import Article
from newsstand.store import SqlStore, open_url
from newsstand.stories.evaluate import score
from newsstand.stories.quality import measure, standard_sets, table

START = datetime(2026, 1, 5, tzinfo=UTC)
_SYLLABLE_TEXT = "ka lo mi ne ru sa te vo an el is or ul by dra ken mor tal vin zet pa gu"
SYLLABLES = _SYLLABLE_TEXT.split()
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PER_DAY = 20_000  # articles a day: a million is seven weeks of a large aggregator
CHUNK = 50_000  # articles loaded and clustered at a time while filling
DEFAULT_RECYCLE = Settings().stories_process_articles  # the service's own setting


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


@dataclass
class Event:
    names: list[str]
    words: list[str]
    start: datetime
    days: float
    reports: list[str] = field(default_factory=list)  # bodies written so far (for wire copies)


class Generator:
    """Invented topics, their events, and the articles publishers write about them."""

    def __init__(self, seed: int = 7, vocabulary: int = 30_000, topics: int = 3000, publishers: int = 300):
        self.rng = random.Random(seed)
        self.common = [_word(self.rng) for _ in range(vocabulary)]
        self.cum = list(accumulate(1 / (r + 1) for r in range(vocabulary)))  # Zipf, s = 1
        self.topics = [
            ([_word(self.rng).capitalize() for _ in range(4)], [_word(self.rng) for _ in range(12)])
            for _ in range(topics)
        ]
        self.publishers = [f"pub-{i:03d}" for i in range(publishers)]
        self.serial = 0
        self.events = 0

    def _commons(self, n: int) -> list[str]:
        return self.rng.choices(self.common, cum_weights=self.cum, k=n)

    def _event(self, start: datetime, days: float) -> Event:
        rng = self.rng
        names, words = rng.choice(self.topics)
        own_names = [_word(rng).capitalize() for _ in range(2)]
        own_words = [_word(rng) for _ in range(6)]
        running = rng.random() < 0.1  # a tenth run for days; the rest are done within one
        return Event(
            names=own_names + rng.sample(names, 1),
            words=own_words + rng.sample(words, 3),
            start=start + timedelta(days=rng.uniform(0, days)),
            days=rng.uniform(1, 10) if running else rng.uniform(0, 0.5),
        )

    def articles(self, count: int, days: float, start: datetime) -> Iterator[tuple[Article, int]]:
        """``count`` articles published over ``days`` days from ``start``, with their event."""
        made = 0
        while made < count:
            self.events += 1
            event = self._event(start, days)
            size = min(1 + int(self.rng.expovariate(0.35)), 15, count - made)
            for publisher in self.rng.sample(self.publishers, size):
                yield self._article(publisher, event), self.events
            made += size

    def _article(self, publisher: str, event: Event) -> Article:
        rng = self.rng
        self.serial += 1
        at = event.start + timedelta(days=rng.uniform(0, event.days))
        title = " ".join(rng.sample(event.names, 2) + rng.sample(event.words, 3) + self._commons(3))
        if event.reports and rng.random() < 0.1:
            body = rng.choice(event.reports)  # wire copy under this outlet's own headline
        else:
            sentences = []
            for _ in range(6):
                sentence = rng.sample(event.names, 1) + rng.sample(event.words, 3) + self._commons(14)
                rng.shuffle(sentence)
                sentences.append(" ".join(sentence).capitalize() + ".")
            body = " ".join(sentences)
            event.reports.append(body)
        return Article(
            publisher_id=publisher,
            url=f"https://{publisher}.example/a/{self.serial}",
            title=title.capitalize(),
            published=at,
            body_text=body,
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
    # Indexed for search now, as ingestion does when it stores articles: otherwise the first
    # write of the next story round would index them, and be timed as clustering.
    store.index_search()
    return {aid: event for aid, (_, event) in zip(ids, items, strict=True)}


State = tuple["Generator", dict[int, int], datetime]  # the generator, the answer key, the clock


class Loader:
    """The generator and the bulk loads in a process of their own.

    The service clusters articles that other code stored: a feed round's handful, or workers'
    in a deployment with a task queue. Generating and inserting 50,000 articles at a time in
    the timed process left its heap as no service's is (millions of short-lived objects between
    the long-lived ones), and later rounds there paid for part of it: with the loader apart, the
    full run's rounds at a million stored went from 817 to 871 articles/s of CPU
    (docs/decisions.md, "sixth pass"). Here the timed process only clusters, as the service
    does; the loader answers each request before the next round starts, so the two never write
    at once.
    """

    def __init__(self, url: str, kept: Path | None = None) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter, not a copy of this heap
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_loader, args=(child, url, kept), daemon=True)
        self._process.start()
        child.close()

    def _ask(self, *request: object) -> Any:
        self._pipe.send(request)
        answer = self._pipe.recv()
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def load(self, count: int) -> tuple[datetime, int]:
        """Generate and store ``count`` articles (``PER_DAY`` a day; none is a question); the
        clock after them and how many the store holds."""
        at, size = self._ask("load", count)
        return at, size

    def save(self, path: Path) -> None:
        """Write the generator's state to ``path`` (the loader's own, so that this process
        never holds the answer key while it times rounds)."""
        self._ask("save", path)

    def state(self) -> State:
        state: State = self._ask("state")
        return state

    def close(self) -> None:
        self._ask("stop")
        self._process.join(timeout=60)


def _loader(pipe: Connection, url: str, kept: Path | None) -> None:
    gen, gold, at = Generator(), {}, START
    if kept is not None:
        with kept.open("rb") as fh:
            gen, gold, at = pickle.load(fh)
    store = open_url(url)
    try:
        while True:
            request = pipe.recv()
            try:
                if request[0] == "stop":
                    pipe.send(None)
                    return
                if request[0] == "state":
                    pipe.send((gen, gold, at))
                    continue
                if request[0] == "save":
                    with request[1].open("wb") as fh:
                        pickle.dump((gen, gold, at), fh)
                    pipe.send(None)
                    continue
                count = request[1]
                if count:
                    days = count / PER_DAY
                    gold.update(_load(store, list(gen.articles(count, days, at))))
                    at += timedelta(days=days)
                pipe.send((at, len(gold)))
            except Exception as exc:  # the benchmark stops with the loader's error
                pipe.send(exc)
    finally:
        store.close()


def _assigned(store: SqlStore) -> dict[int, int]:
    from newsstand.store.sql.schema import articles

    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(articles.c.id, articles.c.story_id).where(articles.c.story_id.is_not(None))
        )
        return {row.id: row.story_id for row in rows}


@dataclass
class Timed:
    """The story process's rounds as the benchmark sees them: articles, wall-clock seconds, and
    the CPU seconds of the processes that ran them (their index loads included), with what
    each process that was replaced did in all (for the rate over a process's whole life)."""

    worker: StoryProcess
    articles: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    cold: float = 0.0  # the CPU of the last index load
    peak_mb: float = 0.0  # the largest peak resident memory a serving process reported
    lives: list[tuple[int, float]] = field(default_factory=list)  # (articles, CPU) per process replaced
    _life: tuple[int, float] = (0, 0.0)

    def update(self, now: datetime) -> None:
        started = time.perf_counter()
        placed = self.worker.update(now)
        self.seconds += time.perf_counter() - started
        cpu = placed.cpu + placed.warm_cpu
        self.articles += placed.articles
        self.cpu += cpu
        self.peak_mb = max(self.peak_mb, placed.peak_mb)
        if placed.warm_cpu:
            self.cold = placed.warm_cpu
        self._life = (self._life[0] + placed.articles, self._life[1] + cpu)
        if placed.articles and self.worker.placed == 0:  # the process that served it was replaced
            self.lives.append(self._life)
            self._life = (0, 0.0)

    def rates(self) -> tuple[float, float]:
        """Articles per second of wall-clock time and of CPU."""
        nan = float("nan")
        wall = self.articles / self.seconds if self.seconds else nan
        return wall, self.articles / self.cpu if self.cpu else nan


def _saved(keep: Path | None, size: int) -> tuple[Path, Path] | None:
    return (keep / f"store-{size}.db", keep / f"store-{size}.pickle") if keep else None


def _restore(keep: Path | None, sizes: list[int], url: str) -> Path | None:
    """The largest store kept in ``keep`` no larger than the smallest size asked for, copied
    over the (new, empty) SQLite file at ``url``; the file of its generator's state, or None."""
    kept = sorted(int(p.stem.split("-")[1]) for p in keep.glob("store-*.pickle")) if keep else []
    usable = [size for size in kept if size <= min(sizes)]
    paths = _saved(keep, usable[-1]) if usable else None
    if paths is None or not paths[0].exists():
        return None
    shutil.copyfile(paths[0], sa.make_url(url).database or "")
    print(f"(a store of {usable[-1]:,} articles, kept by --keep)", flush=True)
    return paths[1]


def _keep(keep: Path | None, url: str, stored: int, loader: Loader) -> None:
    paths = _saved(keep, stored)
    if paths is None or paths[0].exists():
        return
    paths[0].parent.mkdir(parents=True, exist_ok=True)
    # SQLite's backup: a consistent copy, the write-ahead log included.
    source = sqlite3.connect(sa.make_url(url).database or "")
    with closing(source), closing(sqlite3.connect(paths[0])) as copy:
        source.backup(copy)
    loader.save(paths[1])


def run(
    db: str,
    url: str,
    sizes: list[int],
    round_size: int,
    rounds: int,
    keep: Path | None = None,
    recycle: int = DEFAULT_RECYCLE,
) -> None:
    kept = _restore(keep, sizes, url) if db == "sqlite" else None
    store = open_url(url)  # migrates a new store before the loader opens it
    loader = Loader(url, kept)
    worker = StoryProcess(url, recycle)  # as the service loop runs the story step
    try:
        at, stored = loader.load(0)
        print(
            f"[{db}] {'store':>9} {'fill a/s (cpu)':>16} {'a process':>9} {'round a/s (cpu)':>16}"
            f" {'age':>7} {'peak MB':>7} {'cold s':>6}  quality"
        )
        for size in sorted(sizes):
            fill = Timed(worker)
            while stored < size:
                at, stored = loader.load(min(CHUNK, size - stored))
                fill.update(at + timedelta(hours=1))
            if db == "sqlite" and fill.articles:
                _keep(keep, url, stored, loader)
            # One round before the timed ones, not timed: a process that starts from a kept
            # store loads its index then (the "cold s" column is the CPU of that load alone).
            warm_up = Timed(worker)
            at, stored = loader.load(round_size)
            warm_up.update(at + timedelta(minutes=5))
            age = worker.placed
            timed = Timed(worker)
            for _ in range(rounds):
                at, stored = loader.load(round_size)
                timed.update(at + timedelta(minutes=5))
            cold = max(warm_up.cold, timed.cold, fill.cold)
            peak = max(fill.peak_mb, warm_up.peak_mb, timed.peak_mb)
            lives = fill.lives[-1:]  # the whole life of the last process replaced while filling
            life = f"{lives[0][0] / lives[0][1]:>9,.0f}" if lives else f"{'-':>9}"
            gen, gold, _ = loader.state()
            result = score(_assigned(store), gold)
            (fill_rate, fill_cpu), (round_rate, round_cpu) = fill.rates(), timed.rates()
            print(
                f"[{db}] {len(gold):>9,} {fill_rate:>7,.0f} ({fill_cpu:>6,.0f}) {life} "
                f"{round_rate:>7,.0f} ({round_cpu:>6,.0f}) {age:>7,} "
                f"{peak:>7,.0f} {cold:>6.1f}  B3 P {result.precision:.3f} R {result.recall:.3f} "
                f"F1 {result.f1:.3f} ARI {result.ari:.3f} ({result.clusters:,} stories, "
                f"{gen.events:,} events)",
                flush=True,
            )
            del gen, gold
    finally:
        worker.close()
        loader.close()
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
    parser.add_argument("--store", type=int, action="append", help="store sizes to measure at (repeat)")
    parser.add_argument("--round", type=int, default=2000, help="new articles per timed round")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds at each size")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both", "none"], default="sqlite")
    parser.add_argument("--quality", action="store_true", help="print the labelled quality table too")
    parser.add_argument(
        "--recycle",
        type=int,
        default=DEFAULT_RECYCLE,
        help="articles the story process places before a fresh one replaces it (stories_process_articles)",
    )
    parser.add_argument(
        "--keep", type=Path, help="SQLite: keep each filled store here, and start from it next time"
    )
    args = parser.parse_args()
    sizes = args.store or [100_000]
    if args.quality:
        quality(_shared())
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.db"
            run("sqlite", url, sizes, args.round, args.rounds, args.keep, args.recycle)
    if args.db in ("postgresql", "both"):
        url, admin, name = _pg_database()
        try:
            run("postgresql", url, sizes, args.round, args.rounds, recycle=args.recycle)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
