"""Backup, restore and migrate-to on a database of real-world articles; storage per article.

    python bench/transfer.py                 # also: --feeds 200 (the corpus of bench/ingest.py)

Builds a SQLite database by ingesting N feeds served from 127.0.0.1 (bench/ingest.py's
corpus and server; full-text fetching off), then times, on the same data:

* SQLite: ``newsstand backup`` (online backup API), restore into a new file;
* migrate-to PostgreSQL (rows/s), then PostgreSQL ``backup`` (the portable archive)
  beside ``pg_dump -Fc`` of the same database as the baseline, and restore of the
  archive into a new database beside ``pg_restore`` of the dump;
* bytes per article on each database (tables, indexes and full-text index included).

Needs PostgreSQL on 127.0.0.1:5432 (trust); its throwaway databases are dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import build_corpus, serve
from newsstand.config import load_settings
from newsstand.ingest.pipeline import Ingestor
from newsstand.model import Feed, Publisher
from newsstand.store import SqlStore, open_url
from newsstand.store.sql import backup, transfer

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def ingest_into(path: Path, urls: list[str]) -> SqlStore:
    settings = load_settings(environ={}).replace(
        data_dir=str(path.parent),
        allow_private_addresses="127.0.0.1/32",
        fetch_full_text=False,
        per_host_concurrency=16,
        read_timeout=120,
        total_timeout=300,
    )
    store = open_url(f"sqlite:///{path}")
    store.add_publisher(Publisher("bench", "Bench", "https://bench.example", "GB", "en"))
    feeds = [store.add_feed(Feed(url, "bench", "world")) for url in urls]
    asyncio.run(Ingestor(store, settings).run_once(feeds))
    return store


def create_db(name: str) -> str:
    engine = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return sa.make_url(ADMIN).set(database=name).render_as_string(hide_password=False)


def drop_db(name: str) -> None:
    engine = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


def pg_bytes(store: SqlStore) -> int:
    with store.engine.connect() as conn:
        return int(
            conn.exec_driver_sql(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
            ).scalar_one()
        )


def fetch_record_bytes(store: SqlStore) -> float:
    """Average stored size of one fetch_records row (one per poll), its data alone."""
    with store.engine.connect() as conn:
        return float(
            conn.exec_driver_sql("SELECT avg(pg_column_size(f.*)) FROM fetch_records f").scalar_one()
        )


def timed(label: str, rows: int, fn: Any, *args: Any, **kw: Any) -> Any:
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    s = time.perf_counter() - t0
    print(f"{label:<44} {s:>7.2f} s {rows / s:>9.0f} rows/s")
    return out


def sqlite_steps(source: SqlStore, folder: Path, rows: int) -> Any:
    none = transfer.NoProgress()
    made = timed("SQLite backup (online backup API)", rows, backup.backup, source, folder / "a.backup", none)
    _, restored = timed("SQLite restore into a new file", rows, backup.restore, folder / "a.backup",
                        f"sqlite:///{folder / 'restored.db'}", replace=False, progress=none)  # fmt: skip
    restored.close()
    return made


def postgres_steps(source: SqlStore, folder: Path, rows: int, names: list[str]) -> tuple[SqlStore, Any]:
    none = transfer.NoProgress()
    url_a, url_b = create_db(names[0]), create_db(names[1])
    _, target = timed("migrate-to PostgreSQL", rows, transfer.migrate_to, source, url_a,
                      replace=False, progress=none)  # fmt: skip
    archive = timed("PostgreSQL backup (portable archive)", rows, backup.backup, target,
                    folder / "b.backup", none)  # fmt: skip
    dump = folder / "b.dump"
    if shutil.which("pg_dump"):
        cmd = ["pg_dump", "-Fc", "-f", str(dump), "-h", "127.0.0.1", "-U", "postgres", names[0]]
        timed("baseline: pg_dump -Fc of the same database", rows, subprocess.run, cmd, check=True)
        sizes = f"archive {archive.size / 1e6:.1f} MB, pg_dump {dump.stat().st_size / 1e6:.1f} MB"
        print(f"{'':<44} {sizes}")
    _, restored = timed("PostgreSQL restore of the archive", rows, backup.restore, folder / "b.backup",
                        url_b, replace=False, progress=none)  # fmt: skip
    restored.close()
    if shutil.which("pg_restore") and dump.exists():
        create_db(names[2])
        cmd = ["pg_restore", "-h", "127.0.0.1", "-U", "postgres", "-d", names[2], str(dump)]
        timed("baseline: pg_restore into a new database", rows, subprocess.run, cmd, check=True)
    return target, archive


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--feeds", type=int, default=200)
    args = ap.parse_args()
    docs, kind = build_corpus(args.feeds)
    ctx = mp.get_context("spawn")
    ports = ctx.Queue()
    server = ctx.Process(target=serve, args=(docs, ports), daemon=True)
    server.start()
    port = ports.get(timeout=60)
    run = secrets.token_hex(4)
    names = [f"nst_{run}_a", f"nst_{run}_b", f"nst_{run}_c"]
    folder = Path(tempfile.mkdtemp(prefix="nst-"))
    try:
        source = ingest_into(
            folder / "news.db", [f"http://127.0.0.1:{port}/feed/{i}" for i in range(len(docs))]
        )
        server.terminate()
        with transfer.read_snapshot(source.engine) as conn:
            rows = sum(s.rows for s in transfer.snapshot(conn).tables)
        articles = source.count_articles()
        print(f"{len(docs)} feeds ({kind}): {articles} articles, {rows} rows in all")
        print(f"{'step':<44} {'time':>9} {'rate':>15}")
        made = sqlite_steps(source, folder, rows)
        target, archive = postgres_steps(source, folder, rows, names)
        print(
            f"\nper article: SQLite {(folder / 'news.db').stat().st_size / articles:,.0f} B (file, FTS5 "
            f"included), PostgreSQL {pg_bytes(target) / articles:,.0f} B (tables, indexes, TOAST, "
            f"article_search); SQLite backup {made.size / articles:,.0f} B, "
            f"archive {archive.size / articles:,.0f} B"
        )
        print(
            f"one fetch_records row (one per poll): {fetch_record_bytes(target):.0f} B of data on PostgreSQL"
        )
        target.close()
        source.close()
    finally:
        server.terminate()
        for name in names:
            drop_db(name)
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
