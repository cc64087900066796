"""API rate limits in the database: the sign-in limiter's attempt rows against a token bucket.

    python bench/ratelimit.py [--requests 600] [--db sqlite|postgresql|both]

Both count every API request of one client in the database, so every process shares the count.
The baseline is what accounts already had for sign-ins: one ``auth_attempts`` row per request,
and a read of the client's rows in the last minute to decide (``ratelimit.retry_after``). The
candidate is one ``rate_buckets`` row per client, read and rewritten in one transaction
(``ratelimit.take``). Requests arrive evenly over a minute at the limit, the worst case for the
baseline (a full minute of rows to read). Prints the cost per request and the rows kept.
PostgreSQL is NEWSSTAND_BENCH_PG_URL (default: the test server's admin URL), in a database made
and dropped here.
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from newsstand.accounts import ratelimit
from newsstand.store import SqlStore, open_url

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PG = os.environ.get("NEWSSTAND_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def attempts(store: SqlStore, requests: int, per_minute: int) -> float:
    """Microseconds a request with the attempt-row limiter (check, then record)."""
    start = time.perf_counter()
    for i in range(requests):
        now = T0 + timedelta(seconds=60 * i / per_minute)
        times = store.attempt_times("api:bench", now - ratelimit.WINDOW)
        if ratelimit.retry_after(times, now, per_minute) == 0:
            store.record_attempt("api:bench", now)
    return (time.perf_counter() - start) / requests * 1e6


def bucket(store: SqlStore, requests: int, per_minute: int) -> float:
    """Microseconds a request with the token bucket."""
    start = time.perf_counter()
    for i in range(requests):
        now = T0 + timedelta(seconds=60 * i / per_minute)
        store.take_from_bucket("api:bench", now, lambda b, now=now: ratelimit.take(b, now, per_minute))
    return (time.perf_counter() - start) / requests * 1e6


def rows(store: SqlStore, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def pg_database() -> tuple[str, sa.Engine, str]:
    admin = sa.create_engine(PG, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"ns_bench_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return sa.make_url(PG).set(database=name).render_as_string(hide_password=False), admin, name


def run(db: str, requests: int) -> None:
    for per_minute in (60, 600):
        cleanup = None
        if db == "sqlite":
            url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
        else:
            url, admin, name = pg_database()
            cleanup = (admin, name)
        store = open_url(url)
        try:
            base = attempts(store, requests, per_minute)
            cand = bucket(store, requests, per_minute)
            cells = (f"{per_minute}/min", f"{base:.0f}", f"{cand:.0f}", f"{base / cand:.1f}x",
                     str(rows(store, "auth_attempts")), str(rows(store, "rate_buckets")))  # fmt: skip
            print(f"{db:11} " + " ".join(f"{c:>12}" for c in cells))
        finally:
            store.close()
            if cleanup:
                with cleanup[0].connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE "{cleanup[1]}" WITH (FORCE)')
                cleanup[0].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    print(f"{args.requests} requests of one client, evenly over the limit's minute; µs a request\n")
    heads = ("limit", "attempt rows", "bucket", "ratio", "rows kept", "buckets")
    print(f"{'database':11} " + " ".join(f"{h:>12}" for h in heads))
    for db in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        run(db, args.requests)


if __name__ == "__main__":
    main()
