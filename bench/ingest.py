"""End-to-end feed ingestion benchmark, with lemon24/reader as the baseline.

    python bench/ingest.py --feeds 200            # also: --feeds 1000, --workers 16, --skip-reader

N feeds of real-world shape are served from 127.0.0.1 by a separate process: copies of
the 200 real-world feeds in ../shared/data/feeds/real-world (each copy's links and
entry ids rewritten so every feed and entry is unique), or generated feeds when that
folder is absent. Each system runs in its own child process on a fresh SQLite file:

* Newsstand: ``Ingestor.run_once`` over all feeds (fetch, parse, sanitize, dedup,
  store, full-text index), full-text page fetching off; then a second pass, where
  the server answers the conditional requests with 304.
* reader: ``add_feed`` for each URL, ``update_feeds(workers=K)``, ``enable_search()``,
  ``update_search()``; then the same second pass.

Printed: entries/s, feeds/s and peak memory (peak RSS of each child), the second
pass's speed-up and Newsstand's entries/s over reader's.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import hashlib
import multiprocessing as mp
import queue
import random
import re
import resource
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "feeds" / "real-world"


# --- corpus ---------------------------------------------------------------------------------

_REWRITES = [
    (re.compile(rb"(<link\b[^>]*>\s*(?:<!\[CDATA\[)?\s*https?://)"), rb"\1c%d-"),
    (re.compile(rb"(<link\b[^>]*\bhref=[\"']https?://)"), rb"\1c%d-"),
    (re.compile(rb"(<guid\b[^>]*>\s*(?:<!\[CDATA\[)?\s*)"), rb"\1c%d-"),
    (re.compile(rb"(<id>\s*)"), rb"\1c%d-"),
    (re.compile(rb"(rdf:about=[\"']https?://)"), rb"\1c%d-"),
    (re.compile(rb"(\"id\"\s*:\s*\")"), rb"\1c%d-"),
    (re.compile(rb"(\"url\"\s*:\s*\"https?://)"), rb"\1c%d-"),
]


def unique_copy(doc: bytes, i: int) -> bytes:
    """``doc`` with its links and entry ids made unique to copy ``i`` (namespaces untouched)."""
    for pattern, repl in _REWRITES:
        doc = pattern.sub(repl.replace(b"%d", str(i).encode()), doc)
    return doc


_WORDS = [
    "council", "market", "river", "minister", "report", "season", "vote", "storm", "school", "energy",
    "court", "health", "city", "price", "team", "science", "film", "policy", "union", "election",
]  # fmt: skip


def generated_feed(i: int, items: int = 30) -> bytes:
    """A realistic RSS 2.0 feed (made-up text) for when the real-world corpus is absent."""
    rng = random.Random(i)
    parts = []
    for n in range(items):
        words = " ".join(rng.choice(_WORDS) for _ in range(250))
        paras = "".join(f"<p>{words[k : k + 400]}</p>" for k in range(0, len(words), 400))
        parts.append(
            f"<item><title>{rng.choice(_WORDS).title()} {rng.choice(_WORDS)} {n}</title>"
            f"<link>https://gen{i}.example/{n}</link><guid>gen{i}-{n}</guid>"
            f"<pubDate>Tue, 03 Jun 2025 {n % 24:02d}:00:00 GMT</pubDate>"
            f"<description>{words[:200]}</description><content:encoded><![CDATA[{paras}]]></content:encoded></item>"
        )
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>Generated {i}</title><link>https://gen{i}.example/</link>{''.join(parts)}</channel></rss>"
    ).encode()


def build_corpus(n: int) -> tuple[list[bytes], str]:
    sources = sorted(SHARED.glob("*.gz")) if SHARED.is_dir() else []
    if not sources:
        return [generated_feed(i) for i in range(n)], "generated"
    originals = [gzip.decompress(p.read_bytes()) for p in sources]
    return [unique_copy(originals[i % len(originals)], i) for i in range(n)], "real-world copies"


# --- server (own process, so it does not share a GIL with the ingesters) ---------------------


def serve(docs: list[bytes], port_queue: Any) -> None:
    etags = [f'"{hashlib.sha1(d).hexdigest()[:16]}"' for d in docs]  # an ETag, not security

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            m = re.fullmatch(r"/feed/(\d+)", self.path)
            if not m or int(m.group(1)) >= len(docs):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            i = int(m.group(1))
            if self.headers.get("If-None-Match") == etags[i]:
                self.send_response(304)
                self.send_header("ETag", etags[i])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = docs[i]
            self.send_response(200)
            kind = "application/feed+json" if body.lstrip()[:1] == b"{" else "application/xml"
            self.send_header("Content-Type", kind)
            self.send_header("ETag", etags[i])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

    httpd = Server(("127.0.0.1", 0), Handler)
    port_queue.put(httpd.server_address[1])
    httpd.serve_forever()


# --- the two systems -----------------------------------------------------------------------


def _peak_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: on Linux ru_maxrss survives exec, so a
    spawned child would report the parent's peak (the parent holds the whole corpus)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_newsstand(parse_processes: int, urls: list[str], workers: int, folder: str, out: Any) -> None:
    import asyncio

    from newsstand.config import load_settings
    from newsstand.ingest.pipeline import Ingestor
    from newsstand.model import Feed, Publisher, SearchQuery
    from newsstand.store import open_store

    settings = load_settings(environ={}).replace(
        data_dir=folder,
        allow_private_addresses="127.0.0.1/32",
        fetch_full_text=False,
        fetch_concurrency=workers,
        per_host_concurrency=workers,  # every bench feed is on 127.0.0.1; real feeds spread over hosts
        parse_processes=parse_processes,
        read_timeout=120,
        total_timeout=300,
    )
    store = open_store(settings)
    store.add_publisher(Publisher("bench", "Bench", "https://bench.example", "GB", "en"))
    feeds = [store.add_feed(Feed(url, "bench", "world")) for url in urls]
    ingestor = Ingestor(store, settings)
    start = time.perf_counter()
    first = asyncio.run(ingestor.run_once(feeds))
    first_s = time.perf_counter() - start
    start = time.perf_counter()
    second = asyncio.run(ingestor.run_once(feeds))
    second_s = time.perf_counter() - start
    hits = len(store.search(SearchQuery("the", limit=100)).hits)
    out.put(
        {
            "first_s": first_s,
            "entries": first.new_entries,
            "failed": first.count("failed"),
            "second_s": second_s,
            "second_new": second.new_entries,
            "not_modified": second.count("not_modified"),
            "articles": store.count_articles(),
            "search_hits": hits,
            "peak_mb": _peak_mb(),
        }
    )
    store.close()


def run_reader(urls: list[str], workers: int, folder: str, out: Any) -> None:
    from reader import make_reader

    reader = make_reader(str(Path(folder) / "reader.sqlite"))
    for url in urls:
        reader.add_feed(url)
    start = time.perf_counter()
    reader.update_feeds(workers=workers, scheduled=False)
    reader.enable_search()
    reader.update_search()
    first_s = time.perf_counter() - start
    entries = reader.get_entry_counts().total
    start = time.perf_counter()
    reader.update_feeds(workers=workers, scheduled=False)
    reader.update_search()
    second_s = time.perf_counter() - start
    broken = sum(1 for f in reader.get_feeds() if f.last_exception)
    hits = sum(1 for _ in reader.search_entries("the", limit=100))
    out.put(
        {
            "first_s": first_s,
            "entries": entries,
            "failed": broken,
            "second_s": second_s,
            "second_new": reader.get_entry_counts().total - entries,
            "articles": entries,
            "search_hits": hits,
            "peak_mb": _peak_mb(),
        }
    )
    reader.close()


def in_child(target: Any, urls: list[str], workers: int) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    with tempfile.TemporaryDirectory() as folder:
        proc = ctx.Process(target=target, args=(urls, workers, folder, out))
        proc.start()
        while True:
            try:
                result: dict[str, float] = out.get(timeout=5)
                break
            except queue.Empty:
                if not proc.is_alive():
                    raise RuntimeError(
                        f"{getattr(target, '__name__', 'newsstand')} died (exit code {proc.exitcode})"
                    ) from None
        proc.join()
    return result


# --- report ------------------------------------------------------------------------------


def _row(name: str, r: dict[str, float]) -> str:
    rate = r["entries"] / r["first_s"]
    feeds_s = r["feeds"] / r["first_s"]
    speedup = r["first_s"] / max(r["second_s"], 1e-9)
    return (
        f"{name:<10} {r['feeds']:>6.0f} {r['failed']:>6.0f} {r['entries']:>8.0f} {r['first_s']:>9.2f} "
        f"{rate:>10.0f} {feeds_s:>8.1f} {r['second_s']:>9.2f} {speedup:>7.1f}x {r['peak_mb']:>8.0f}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description="Feed ingestion benchmark (Newsstand vs reader).")
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--workers", type=int, default=16, help="concurrent fetches for both systems")
    ap.add_argument("--skip-reader", action="store_true", help="measure Newsstand only")
    ap.add_argument(
        "--parse-processes",
        type=int,
        default=2,
        help="Newsstand's parse_processes setting (0: parse in a thread)",
    )
    args = ap.parse_args()

    docs, kind = build_corpus(args.feeds)
    ctx = mp.get_context("spawn")
    ports = ctx.Queue()
    server = ctx.Process(target=serve, args=(docs, ports), daemon=True)
    server.start()
    port = ports.get(timeout=60)
    urls = [f"http://127.0.0.1:{port}/feed/{i}" for i in range(len(docs))]
    megabytes = sum(map(len, docs)) / 1e6
    print(
        f"{len(docs)} feeds ({kind}, {megabytes:.0f} MB), {args.workers} workers, served from 127.0.0.1, "
        f"newsstand parse_processes={args.parse_processes}"
    )
    try:
        newsstand = functools.partial(run_newsstand, args.parse_processes)
        results = {"newsstand": in_child(newsstand, urls, args.workers)}
        if not args.skip_reader:
            results["reader"] = in_child(run_reader, urls, args.workers)
    finally:
        server.terminate()
    header = (
        f"{'system':<10} {'feeds':>6} {'failed':>6} {'entries':>8} {'pass 1 s':>9} "
        f"{'entries/s':>10} {'feeds/s':>8} {'pass 2 s':>9} {'2nd/1st':>8} {'peak MB':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        r["feeds"] = len(docs)
        print(_row(name, r))
    ours = results["newsstand"]
    print(
        f"newsstand: {ours['articles']:.0f} articles stored, {ours['not_modified']:.0f} feeds not modified "
        f"on pass 2, search 'the' gives a full page ({ours['search_hits']:.0f} of 100)"
    )
    if "reader" in results:
        theirs = results["reader"]
        ratio = (ours["entries"] / ours["first_s"]) / (theirs["entries"] / theirs["first_s"])
        print(f"newsstand entries/s over reader entries/s: {ratio:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
