"""Ingestion through the queue against the in-process loop, end to end, in one run.

    pip install -e ".[queue]"
    python bench/scale.py                    # also: --feeds 200 --threads 8 --rounds 3

N feeds of real-world shape (bench/ingest.py's corpus: copies of ../shared/data's
real-world feeds, or generated ones) are served from 127.0.0.1 by a process of their
own. Each system starts from an empty PostgreSQL database with the feeds in its catalog:

* in-process: the service loop's poll step over every feed, in one child process
  (``ServiceLoop.poll``, what `newsstand run` does each pass);
* 1 worker and 2 workers: `newsstand worker` processes, started and idle first; then the
  scheduler's look (``FeedScheduler.look``, what `newsstand scheduler` does) marks every
  feed queued and sends it to RabbitMQ, and the clock runs until every feed has been
  polled and its articles stored.

Each system then polls every feed a second time, when each answers 304 Not Modified: the
cost of a poll that brings nothing, most polls in production.

Printed per system: entries stored, seconds, entries/s, CPU seconds of the ingesting
processes (PostgreSQL's, RabbitMQ's and the feed server's not counted) and entries per
CPU second; then the queue's figures against the in-process loop: entries/s with 1 and 2
workers over the loop's, entries per CPU second over the loop's (the target: at least
0.8) and the cost of the queue per entry and per feed in CPU milliseconds. The median of
``--rounds`` rounds. Needs PostgreSQL and RabbitMQ on 127.0.0.1 (as the tests do).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import queue
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ingest import build_corpus, serve

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("NEWSSTAND_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
AMQP = os.environ.get("NEWSSTAND_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
ENTRY = "from newsstand.cli import entry; entry()"
TICKS = os.sysconf("SC_CLK_TCK")


# --- databases --------------------------------------------------------------------------------


def create_database() -> tuple[str, Any]:
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"ns_scale_{secrets.token_hex(5)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False), drop


def settings_env(url: str, prefix: str, concurrency: int, per_host: int) -> dict[str, str]:
    return {
        "NEWSSTAND_DATABASE_URL": url,
        "NEWSSTAND_BROKER_URL": AMQP,
        "NEWSSTAND_QUEUE_PREFIX": prefix,
        "NEWSSTAND_ALLOW_PRIVATE_ADDRESSES": "127.0.0.1/32",
        "NEWSSTAND_FETCH_FULL_TEXT": "false",
        # Every bench feed is on 127.0.0.1; real feeds spread over many hosts.
        "NEWSSTAND_PER_HOST_CONCURRENCY": str(per_host),
        "NEWSSTAND_FETCH_CONCURRENCY": str(concurrency),
        "NEWSSTAND_READ_TIMEOUT": "120",
        "NEWSSTAND_TOTAL_TIMEOUT": "300",
        "NEWSSTAND_LOG_LEVEL": "WARNING",
    }


def prepare(url: str, urls: list[str]) -> None:
    from newsstand.app.catalog import SEEDED_KEY
    from newsstand.model import Feed, Publisher
    from newsstand.store import open_url

    store = open_url(url)
    try:
        store.set_meta(SEEDED_KEY, "bench")
        store.add_publisher(Publisher("bench", "Bench", "https://bench.example", "GB", "en"))
        for u in urls:
            store.add_feed(Feed(u, "bench", "world"))
    finally:
        store.close()


def progress(engine: sa.Engine) -> tuple[int, int, int]:
    """(fetches recorded, articles stored, fetches answered 304)."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM fetch_records), (SELECT count(*) FROM articles), "
                "(SELECT count(*) FROM fetch_records WHERE status = 304)"
            )
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


def make_all_due(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE feed_states SET next_poll = now() - interval '1 minute'"))


# --- in-process ---------------------------------------------------------------------------------


def run_loop(env: dict[str, str], out: Any) -> None:
    import asyncio

    from newsstand.app.loop import ServiceLoop
    from newsstand.config import load_settings
    from newsstand.store import open_url

    settings = load_settings(environ=env)
    store = open_url(env["NEWSSTAND_DATABASE_URL"])
    feeds = store.list_feeds()
    loop = ServiceLoop(store, settings)
    cpu0, start = _self_cpu(), time.perf_counter()

    async def once() -> Any:
        try:
            return await loop.poll(feeds)
        finally:
            loop.ingestor.close()

    summary = asyncio.run(once())
    seconds, cpu = time.perf_counter() - start, _self_cpu() - cpu0
    cpu0, start = _self_cpu(), time.perf_counter()
    again = asyncio.run(once())  # every feed answers 304 Not Modified
    out.put({"seconds": seconds, "cpu": cpu, "entries": summary.new_entries,
             "failed": summary.count("failed"), "seconds2": time.perf_counter() - start,
             "cpu2": _self_cpu() - cpu0, "not_modified": again.count("not_modified")})  # fmt: skip
    store.close()


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def in_process(env: dict[str, str]) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=run_loop, args=(env, out))
    proc.start()
    while True:
        try:
            result: dict[str, float] = out.get(timeout=5)
            break
        except queue.Empty:
            if not proc.is_alive():
                raise RuntimeError(f"the in-process loop died (exit code {proc.exitcode})") from None
    proc.join()
    return result


# --- through the queue ------------------------------------------------------------------------


def _cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def through_queue(
    env: dict[str, str], workers: int, threads: int, feeds: int, log_dir: Path
) -> dict[str, float]:
    from newsstand.app.distributed import FeedScheduler
    from newsstand.config import load_settings
    from newsstand.store import open_url
    from newsstand.worker.queue import connect

    full_env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSSTAND_")}
    full_env.update(env)
    full_env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), full_env.get("PYTHONPATH", "")])
    procs = []
    for i in range(workers):
        log = (log_dir / f"worker{i}.log").open("wb")
        procs.append(subprocess.Popen(
            [sys.executable, "-c", ENTRY, "worker", "--threads", str(threads)], env=full_env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        ))  # fmt: skip
    settings = load_settings(environ=env)
    store = open_url(env["NEWSSTAND_DATABASE_URL"])
    q = connect(settings)
    engine = sa.create_engine(env["NEWSSTAND_DATABASE_URL"], poolclass=sa.pool.NullPool)
    try:
        _wait_ready(log_dir, workers, procs)
        time.sleep(1.0)  # consumers declared and idle
        passes = []
        scheduler = FeedScheduler(store, settings, q.send_feeds, lambda: None)
        for number in (1, 2):  # the second: every feed due again, every one answers 304
            if number == 2:
                make_all_due(engine)
            cpu0 = sum(_cpu_of(p.pid) for p in procs)
            start = time.perf_counter()
            look = scheduler.look()
            assert look.queued == feeds, look
            while progress(engine)[0] < number * feeds:
                time.sleep(0.05)
            passes.append((time.perf_counter() - start, sum(_cpu_of(p.pid) for p in procs) - cpu0))
        _, articles, not_modified = progress(engine)
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            p.wait(30)
        q.close()
        store.close()
        engine.dispose()
    return {"seconds": passes[0][0], "cpu": passes[0][1], "entries": articles, "failed": 0,
            "seconds2": passes[1][0], "cpu2": passes[1][1], "not_modified": not_modified}  # fmt: skip


def _wait_ready(log_dir: Path, workers: int, procs: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        logs = [(log_dir / f"worker{i}.log").read_text(errors="replace") for i in range(workers)]
        if all("threads on" in text for text in logs):
            return
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("a worker died: " + " | ".join(logs))
        time.sleep(0.1)
    raise RuntimeError("workers did not start")


def delete_queues(prefix: str) -> None:
    import pika

    conn = pika.BlockingConnection(pika.URLParameters(AMQP))
    try:
        for base in ("feeds", "steps"):
            for suffix in ("", ".DQ", ".XQ"):
                channel = conn.channel()
                channel.queue_delete(f"{prefix}.{base}{suffix}")
                channel.close()
    finally:
        conn.close()


# --- the run ------------------------------------------------------------------------------------


def one_round(urls: list[str], threads: int, log_dir: Path) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    prefix = f"nsbench-{secrets.token_hex(4)}"
    try:
        for name, workers in (("in-process", 0), ("1 worker", 1), ("2 workers", 2)):
            url, drop = create_database()
            try:
                prepare(url, urls)
                # The in-process loop fetches as many feeds at once as two workers do; the
                # host limit (shared by the workers) never holds a worker back.
                env = settings_env(url, prefix, threads if workers else 2 * threads, 2 * threads)
                if workers:
                    results[name] = through_queue(env, workers, threads, len(urls), log_dir)
                else:
                    results[name] = in_process(env)
            finally:
                drop()
    finally:
        delete_queues(prefix)
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description="Ingestion through the queue vs the in-process loop.")
    ap.add_argument("--feeds", type=int, default=100)
    ap.add_argument("--threads", type=int, default=8, help="feeds a worker polls at once")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()

    docs, kind = build_corpus(args.feeds)
    ctx = mp.get_context("spawn")
    ports = ctx.Queue()
    server = ctx.Process(target=serve, args=(docs, ports), daemon=True)
    server.start()
    port = ports.get(timeout=60)
    urls = [f"http://127.0.0.1:{port}/feed/{i}" for i in range(len(docs))]
    print(f"{len(docs)} feeds ({kind}, {sum(map(len, docs)) / 1e6:.0f} MB) from 127.0.0.1, PostgreSQL, "
          f"RabbitMQ; {args.threads} threads a worker; in-process loop: {2 * args.threads} fetches at once; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    rounds = []
    log_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"nsbench-{secrets.token_hex(3)}"
    log_dir.mkdir(parents=True)
    try:
        for _ in range(args.rounds):
            rounds.append(one_round(urls, args.threads, log_dir))
    finally:
        server.terminate()
    report(rounds, len(urls))
    return 0


def report(rounds: list[dict[str, dict[str, float]]], feeds: int) -> None:
    names = list(rounds[0])

    def med(name: str, key: str) -> float:
        return statistics.median(r[name][key] for r in rounds)

    header = (
        f"{'system':<11} {'entries':>8} {'seconds':>8} {'entries/s':>10} {'CPU s':>7} {'entries/CPU s':>14}"
    )
    print(header)
    print("-" * len(header))
    rate = {n: med(n, "entries") / med(n, "seconds") for n in names}
    per_cpu = {n: med(n, "entries") / med(n, "cpu") for n in names}
    for n in names:
        print(f"{n:<11} {med(n, 'entries'):>8.0f} {med(n, 'seconds'):>8.2f} {rate[n]:>10.0f} "
              f"{med(n, 'cpu'):>7.2f} {per_cpu[n]:>14.0f}")  # fmt: skip
    print()
    print("second pass, every feed answering 304 Not Modified:")
    print(f"{'system':<11} {'304s':>6} {'seconds':>8} {'polls/s':>8} {'CPU s':>7} {'CPU ms/poll':>12}")
    for n in names:
        polls = med(n, "not_modified")
        print(f"{n:<11} {polls:>6.0f} {med(n, 'seconds2'):>8.2f} {feeds / med(n, 'seconds2'):>8.0f} "
              f"{med(n, 'cpu2'):>7.2f} {med(n, 'cpu2') / feeds * 1000:>12.2f}")  # fmt: skip
    print()
    base = "in-process"
    for n in names[1:]:
        extra_ms = (1 / per_cpu[n] - 1 / per_cpu[base]) * 1000
        per_feed = extra_ms * med(n, "entries") / feeds
        print(f"{n}: entries/s {rate[n] / rate[base]:.2f}x the in-process loop's; entries per CPU second "
              f"{per_cpu[n] / per_cpu[base]:.2f}x (target >= 0.80); the queue costs {extra_ms:+.2f} ms of "
              f"CPU per entry, {per_feed:+.1f} ms per feed; a 304 poll costs "
              f"{(med(n, 'cpu2') - med(base, 'cpu2')) / feeds * 1000:+.2f} ms more")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
