"""Distributed task queues compared: Celery and Dramatiq on RabbitMQ, procrastinate on PostgreSQL.

    pip install -e ".[queue-bench]"        # Celery, Dramatiq and procrastinate
    python bench/queues.py                 # also: --rounds 1 --tasks 400 --cpu-ms 2 --skip-kill

The task is shaped like one feed's ingestion without the network (bench/queue_workers/):
a payload of one feed id, a short piece of CPU work, one small idempotent write to
PostgreSQL. Measured in one run, with direct in-process calls of the same task as
the baseline:

* latency: enqueue -> dequeue -> run -> completion seen, one task at a time, 1 worker;
* throughput: tasks/s with 1 and 2 worker processes (each runs one task at a time),
  and how fast one client enqueues; per-task overhead = 1/rate - 1/direct rate;
* memory: resident memory of every process a worker deployment starts;
* at-least-once: a worker SIGKILLed mid-task; is the task run again, and after how long?
  Celery with its defaults and with acks_late + reject_on_worker_lost; Dramatiq with
  its defaults (ack after the actor returns); procrastinate with its stalled-job retry
  (heartbeats, and a periodic get_stalled_jobs + retry_job, run here by the benchmark).

Needs RabbitMQ on 127.0.0.1:5672 (guest/guest) and PostgreSQL on 127.0.0.1:5432 (trust);
creates a throwaway database and queues named nsq-<random>, removed at the end, and
starts every worker in its own session so that exactly those processes are stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import multiprocessing as mp
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

BENCH = Path(__file__).resolve().parent
PG = "host=127.0.0.1 port=5432 user=postgres"
AMQP = "amqp://guest:guest@127.0.0.1:5672/%2F"
RUN = secrets.token_hex(4)
DB = f"nsq_{RUN}"
DSN = f"{PG} dbname={DB}"
LIBS = ("celery", "dramatiq", "procrastinate")


# --- set-up -------------------------------------------------------------------------------


def base_env(cpu_ms: float) -> dict[str, str]:
    return {
        "NSQ_DSN": DSN,
        "NSQ_AMQP": AMQP,
        "NSQ_CPU_MS": str(cpu_ms),
        "PYTHONPATH": str(BENCH),
    }


def create_database() -> None:
    with psycopg.connect(f"{PG} dbname=test", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{DB}"')
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute("CREATE TABLE done (feed_id int PRIMARY KEY, pid int, digest text, runs int NOT NULL)")
        conn.execute("CREATE TABLE attempts (id serial PRIMARY KEY, feed_id int NOT NULL, pid int NOT NULL)")


def drop_database() -> None:
    with psycopg.connect(f"{PG} dbname=test", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


def delete_queues(names: list[str]) -> None:
    """Remove this run's queues and exchanges (a missing one closes only its channel)."""
    import pika

    conn = pika.BlockingConnection(pika.URLParameters(AMQP))
    try:
        for name in names:
            for queue in (name, f"{name}.DQ", f"{name}.XQ"):
                _quietly(conn, lambda ch, q=queue: ch.queue_delete(q))
            _quietly(conn, lambda ch, n=name: ch.exchange_delete(n))
    finally:
        conn.close()


def _quietly(conn: Any, action: Callable[[Any], Any]) -> None:
    import pika.exceptions

    try:
        channel = conn.channel()
        action(channel)
        channel.close()
    except pika.exceptions.ChannelClosedByBroker:
        pass


def reset_tables() -> None:
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute("TRUNCATE done, attempts")


# --- clients ------------------------------------------------------------------------------


@dataclass
class Client:
    """Enqueues the task on one library, from this process."""

    lib: str
    send: Callable[..., None]
    close: Callable[[], None] = lambda: None


def client(lib: str) -> Client:
    os.environ["NSQ_QUEUE"] = queue_name(lib)
    module = importlib.import_module(f"queue_workers.{lib}_app")
    if lib == "celery":
        return Client(lib, lambda i, hold=0.0: module.ingest.apply_async((i, hold)))
    if lib == "dramatiq":
        return Client(lib, lambda i, hold=0.0: module.ingest.send(i, hold), module.broker.close)
    app = module.app
    app.open()
    return Client(lib, lambda i, hold=0.0: module.ingest.defer(feed_id=i, hold_s=hold), app.close)


def queue_name(lib: str) -> str:
    return f"nsq-{RUN}-{lib}" if lib != "procrastinate" else "nsq"


def apply_procrastinate_schema() -> None:
    os.environ["NSQ_QUEUE"] = queue_name("procrastinate")
    module = importlib.import_module("queue_workers.procrastinate_app")
    with module.app.open():
        module.app.schema_manager.apply_schema()


# --- workers ------------------------------------------------------------------------------


@dataclass
class Workers:
    """One worker deployment: its processes, each leading its own session."""

    lib: str
    procs: int
    env: dict[str, str]
    popens: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def commands(self) -> list[list[str]]:
        py = sys.executable
        if self.lib == "celery":
            return [
                [py, "-m", "celery", "-A", "queue_workers.celery_app", "worker", "-P", "prefork",
                 "-c", str(self.procs), "-Q", queue_name("celery"), "-l", "WARNING",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"]
            ]  # fmt: skip
        if self.lib == "dramatiq":
            return [
                [py, "-m", "dramatiq", "queue_workers.dramatiq_app", "--processes", str(self.procs),
                 "--threads", "1"]
            ]  # fmt: skip
        return [[py, "-m", "queue_workers.procrastinate_app"] for _ in range(self.procs)]

    def start(self) -> Workers:
        env = {**os.environ, **self.env, "NSQ_QUEUE": queue_name(self.lib)}
        for cmd in self.commands():
            self.popens.append(
                subprocess.Popen(
                    cmd,
                    env=env,
                    cwd=BENCH,
                    start_new_session=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        return self

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.popens)

    def rss_mb(self) -> float:
        """Resident memory of every process in the workers' sessions."""
        sessions = {p.pid for p in self.popens}
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[3]) in sessions:  # field 6 of stat: the session id
                    total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, IndexError, ValueError):
                continue
        return total / 2**20

    def kill(self) -> None:
        """SIGKILL every process of the deployment at once."""
        for p in self.popens:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=10)

    def stop(self) -> None:
        for p in self.popens:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.popens:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)


# --- waiting for completions --------------------------------------------------------------


class Completions:
    """Completion notices (NOTIFY nsq_done) as the tasks commit their writes."""

    def __init__(self) -> None:
        self.conn = psycopg.connect(DSN, autocommit=True)
        self.conn.execute("LISTEN nsq_done")

    def wait(self, count: int, timeout: float) -> int:
        """Wait for ``count`` completions; returns how many came within ``timeout``."""
        seen = 0
        deadline = time.monotonic() + timeout
        while seen < count and time.monotonic() < deadline:
            left = deadline - time.monotonic()
            for _ in self.conn.notifies(timeout=min(left, 1.0), stop_after=count - seen):
                seen += 1
        return seen

    def wait_for(self, feed_id: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for n in self.conn.notifies(timeout=min(deadline - time.monotonic(), 1.0), stop_after=1):
                if n.payload == str(feed_id):
                    return True
        return False

    def close(self) -> None:
        self.conn.close()


def wait_ready(workers: Workers, cl: Client, done: Completions) -> None:
    """Warm-up tasks (ids below 0) until each worker process has had time to start."""
    cl.send(-1)
    if not done.wait_for(-1, 60):
        raise RuntimeError(f"{workers.lib} workers did not start")
    if workers.lib == "procrastinate":
        deadline = time.monotonic() + 30
        with psycopg.connect(DSN, autocommit=True) as conn:
            while time.monotonic() < deadline:
                row = conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone()
                if row and row[0] >= workers.procs:
                    break
                time.sleep(0.1)
    time.sleep(1.0)  # pool processes of Celery and Dramatiq start with their parent


# --- measurements -------------------------------------------------------------------------


def direct_rate(tasks: int, procs: int, env: dict[str, str]) -> tuple[float, float, float]:
    """Tasks/s for the task called in-process by ``procs`` processes; ms per call; child RSS MB."""
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    start = ctx.Event()
    children = [
        ctx.Process(target=_direct_child, args=(k, tasks // procs, env, start, out)) for k in range(procs)
    ]
    for c in children:
        c.start()
    time.sleep(2.0)  # let every child import and connect before the clock starts
    start.set()
    results = [out.get(timeout=120) for _ in children]
    for c in children:
        c.join()
    wall = max(r[0] for r in results)
    per_call = statistics.median(r[1] for r in results)
    return tasks / wall, per_call, max(r[2] for r in results)


def _direct_child(k: int, n: int, env: dict[str, str], start: Any, out: Any) -> None:
    os.environ.update(env)
    sys.path.insert(0, env["PYTHONPATH"])
    from queue_workers.common import connection, ingest_feed

    connection()
    start.wait()
    t0 = time.perf_counter()
    for i in range(n):
        ingest_feed(10_000_000 + k * 1_000_000 + i)
    wall = time.perf_counter() - t0
    rss = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    out.put((wall, wall / n * 1000, rss))


def latency_ms(cl: Client, done: Completions, count: int) -> list[float]:
    """Enqueue-to-completion times, one task at a time."""
    times = []
    for i in range(count):
        t0 = time.perf_counter()
        cl.send(1_000 + i)
        if not done.wait_for(1_000 + i, 30):
            raise RuntimeError(f"{cl.lib}: task {1_000 + i} did not complete")
        times.append((time.perf_counter() - t0) * 1000)
    return times


def rows_written() -> int:
    """Rows inserted, updated and deleted so far in the benchmark database (every table)."""
    time.sleep(1.2)  # backends flush their table statistics about once a second
    with psycopg.connect(DSN, autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables"
        ).fetchone()
    return int(row[0]) if row else 0


def throughput(cl: Client, done: Completions, tasks: int, base: int) -> tuple[float, float]:
    """(tasks/s from first enqueue to last completion, enqueues/s of this one client)."""
    t0 = time.perf_counter()
    for i in range(tasks):
        cl.send(base + i)
    enqueue_s = time.perf_counter() - t0
    got = done.wait(tasks, 180)
    if got < tasks:
        raise RuntimeError(f"{cl.lib}: only {got} of {tasks} tasks completed")
    return tasks / (time.perf_counter() - t0), tasks / enqueue_s


@dataclass
class LibResult:
    """Every round's figures; the report gives medians."""

    lat: list[float] = field(default_factory=list)
    rate: dict[int, list[float]] = field(default_factory=dict)
    enqueue: list[float] = field(default_factory=list)
    rss: dict[int, list[float]] = field(default_factory=dict)
    rows: list[float] = field(default_factory=list)  # database rows written per task


def measure_lib(lib: str, cl: Client, args: argparse.Namespace, env: dict[str, str], res: LibResult) -> None:
    """One round for ``lib``: latency with 1 worker process, throughput with 1 and 2."""
    extra = {"NSQ_ACKS_LATE": "1"} if lib == "celery" else {}
    for procs in (1, 2):
        reset_tables()
        workers = Workers(lib, procs, {**env, **extra}).start()
        done = Completions()
        try:
            wait_ready(workers, cl, done)
            if procs == 1:
                res.lat += latency_ms(cl, done, args.latency)
            before = rows_written() if procs == 1 else 0
            rate, enqueue = throughput(cl, done, args.tasks, 100_000 * procs)
            if procs == 1:
                res.rows.append((rows_written() - before) / args.tasks)
            res.rate.setdefault(procs, []).append(rate)
            res.enqueue.append(enqueue)
            res.rss.setdefault(procs, []).append(workers.rss_mb())
        finally:
            done.close()
            workers.stop()


# --- SIGKILL mid-task ---------------------------------------------------------------------


@dataclass
class KillCase:
    name: str
    lib: str
    env: dict[str, str]
    whole: bool  # kill the whole worker (every process of it), not only the one running the task


@dataclass
class KillResult:
    case: KillCase
    rerun: bool
    after_s: float
    runs: int
    note: str


def kill_cases() -> list[KillCase]:
    late = {"NSQ_ACKS_LATE": "1", "NSQ_PREFETCH": "1"}
    return [
        KillCase("celery defaults, pool child killed", "celery", {}, whole=False),
        KillCase("celery defaults, whole worker killed", "celery", {}, whole=True),
        KillCase("celery acks_late+reject_on_worker_lost, child killed", "celery", late, whole=False),
        KillCase("celery acks_late+reject_on_worker_lost, whole worker", "celery", late, whole=True),
        KillCase("dramatiq defaults, worker process killed", "dramatiq", {}, whole=False),
        KillCase("procrastinate, worker killed, stalled-job retry", "procrastinate", {}, whole=True),
    ]


def kill_test(case: KillCase, cl: Client, env: dict[str, str], hold_s: float, wait_s: float) -> KillResult:
    reset_tables()
    workers = Workers(case.lib, 1, {**env, **case.env}).start()
    done = Completions()
    replacement: Workers | None = None
    try:
        wait_ready(workers, cl, done)
        pid = _send_and_find(cl, hold_s)
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        if case.whole:
            workers.kill()  # the rest of the deployment goes too: a lost host
        rerun = False
        while not rerun and time.monotonic() < killed_at + wait_s:
            if replacement is None and not workers.alive():
                # What a supervisor (systemd, a container runtime) does.
                replacement = Workers(case.lib, 1, {**env, **case.env}).start()
            if case.lib == "procrastinate":
                asyncio.run(_retry_stalled())
            rerun = done.wait_for(7, 0.5)
        after = time.monotonic() - killed_at - hold_s
        with psycopg.connect(DSN, autocommit=True) as conn:
            row = conn.execute("SELECT runs FROM done WHERE feed_id = 7").fetchone()
        note = "" if replacement is None else "the worker exited; a new one was started"
        return KillResult(case, rerun, after, row[0] if row else 0, note)
    finally:
        done.close()
        workers.stop()
        if replacement is not None:
            replacement.stop()


def _send_and_find(cl: Client, hold_s: float) -> int:
    """Enqueue task 7 with a hold; return the pid of the process that started it."""
    cl.send(7, hold_s)
    deadline = time.monotonic() + 30
    with psycopg.connect(DSN, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT pid FROM attempts WHERE feed_id = 7").fetchone()
            if row:
                return int(row[0])
            time.sleep(0.02)
    raise RuntimeError("the task to kill never started")


async def _retry_stalled() -> None:
    """What a deployment runs every few seconds (a periodic task or the scheduler):
    jobs of workers whose heartbeat stopped go back in the queue."""
    module = importlib.import_module("queue_workers.procrastinate_app")
    async with module.app.open_async():
        for job in await module.app.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=3 * module.HEARTBEAT_S
        ):
            await module.app.job_manager.retry_job(job)


# --- report -------------------------------------------------------------------------------


def med(values: list[float]) -> float:
    return statistics.median(values)


def report(
    args: argparse.Namespace,
    direct: dict[int, list[tuple[float, float, float]]],
    results: dict[str, LibResult],
) -> None:
    d1 = med([r[0] for r in direct[1]])
    d2 = med([r[0] for r in direct[2]])
    call_ms = med([r[1] for r in direct[1]])
    rss = med([r[2] for r in direct[1]])
    print(
        f"\nper task: {args.cpu_ms} ms CPU + one idempotent write; medians of {args.rounds} rounds, "
        f"{args.tasks} tasks per throughput run"
    )
    head = (
        f"{'system':<14} {'lat p50':>8} {'lat p95':>8} {'1 proc/s':>9} {'2 proc/s':>9} {'x direct1':>9} "
        f"{'ovh ms':>7} {'enq/s':>7} {'RSS1 MB':>8} {'RSS2 MB':>8} {'rows/task':>9}"
    )
    print(head)
    print("-" * len(head))
    print(
        f"{'direct calls':<14} {call_ms:>8.2f} {'':>8} {d1:>9.0f} {d2:>9.0f} {1.0:>9.2f} "
        f"{0.0:>7.2f} {'':>7} {rss:>8.0f} {2 * rss:>8.0f} {1.0:>9.1f}"
    )
    for lib, r in results.items():
        r1, r2 = med(r.rate[1]), med(r.rate[2])
        mem = f"{med(r.rss[1]):>8.0f} {med(r.rss[2]):>8.0f}"
        p95 = statistics.quantiles(r.lat, n=20)[-1]
        print(
            f"{lib:<14} {med(r.lat):>8.2f} {p95:>8.2f} {r1:>9.0f} {r2:>9.0f} {r1 / d1:>9.2f} "
            f"{1000 / r1 - 1000 / d1:>7.2f} {med(r.enqueue):>7.0f} {mem} {med(r.rows):>9.1f}"
        )
    print(
        "lat: enqueue to completion seen, one at a time, ms (direct: one call); N proc/s: tasks/s with N "
        "worker processes;\novh: 1/rate - 1/direct rate, ms per task; enq/s: one client enqueuing one "
        "message at a time; RSS: every process of the\ndeployment with 1 and 2 worker processes "
        "(direct: one bare process running the task, and two);\nrows/task: rows the database wrote per task "
        "(the task's own write is 1; the rest is the queue's)"
    )


def report_kills(kills: list[KillResult]) -> None:
    print(f"\n{'SIGKILL mid-task':<56} {'run again':>9} {'after s':>8} {'runs':>5}  note")
    for k in kills:
        print(
            f"{k.case.name:<56} {('yes' if k.rerun else 'LOST'):>9} "
            f"{(f'{k.after_s:.1f}' if k.rerun else '-'):>8} {k.runs:>5}  {k.note}"
        )
    print(
        "after s: from the kill until the task started again (its completion, less the task's own wait);\n"
        "runs: how often the task's write was applied (the killed run never reached it)"
    )


def procrastinate_batch_rate(jobs: int) -> float:
    """Jobs/s deferred in batches of 100 (how a scheduler would enqueue due feeds)."""
    module = importlib.import_module("queue_workers.procrastinate_app")
    task = module.ingest.configure(queue="nsq-batch")  # a queue no worker listens to
    t0 = time.perf_counter()
    for first in range(0, jobs, 100):
        task.batch_defer(*({"feed_id": i} for i in range(first, min(first + 100, jobs))))
    return jobs / (time.perf_counter() - t0)


def run(args: argparse.Namespace, libs: list[str], env: dict[str, str], clients: dict[str, Client]) -> None:
    direct: dict[int, list[tuple[float, float, float]]] = {1: [], 2: []}
    results = {lib: LibResult() for lib in libs}
    if not args.skip_throughput:
        for n in range(args.rounds):
            print(f"round {n + 1} of {args.rounds}", flush=True)
            for procs in (1, 2):
                direct[procs].append(direct_rate(args.tasks, procs, env))
            for lib in libs:
                measure_lib(lib, clients[lib], args, env, results[lib])
        report(args, direct, results)
    if "procrastinate" in libs:
        print(f"procrastinate batch_defer, 100 a batch: {procrastinate_batch_rate(2000):.0f} jobs/s")
    if not args.skip_kill:
        cases = [c for c in kill_cases() if c.lib in libs]
        report_kills([kill_test(c, clients[c.lib], env, args.hold, 20.0) for c in cases])


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--tasks", type=int, default=400, help="tasks per throughput run")
    ap.add_argument("--latency", type=int, default=50, help="sequential tasks for latency, per round")
    ap.add_argument("--rounds", type=int, default=3, help="rounds over every system (medians reported)")
    ap.add_argument("--cpu-ms", type=float, default=2.0, help="CPU work per task")
    ap.add_argument("--hold", type=float, default=3.0, help="seconds a task waits before it is killed")
    ap.add_argument("--only", choices=LIBS, action="append", help="measure only these libraries")
    ap.add_argument("--skip-kill", action="store_true")
    ap.add_argument("--skip-throughput", action="store_true")
    args = ap.parse_args()
    libs = args.only or list(LIBS)
    env = base_env(args.cpu_ms)
    os.environ.update(env)
    sys.path.insert(0, str(BENCH))
    print(f"run {RUN}: {os.cpu_count()} CPUs shared with other work; broker and database on this machine")
    create_database()
    clients: dict[str, Client] = {}
    try:
        if "procrastinate" in libs:
            apply_procrastinate_schema()
        clients = {lib: client(lib) for lib in libs}
        run(args, libs, env, clients)
    finally:
        for cl in clients.values():
            cl.close()
        delete_queues([queue_name(lib) for lib in libs if lib != "procrastinate"])
        drop_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
