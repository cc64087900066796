"""Soak test: the reader under steady mixed load while it ingests, for half an hour.

Run from the repository root:

    python bench/soak.py                      # 30 minutes on SQLite
    python bench/soak.py --minutes 2          # a quick run
    python bench/soak.py --database-url postgresql+psycopg://user@127.0.0.1/db

Everything runs on 127.0.0.1. A feed server started here publishes ``--feeds`` RSS
feeds whose newest item changes every ``--item-seconds``; ``newsstand serve`` runs in a
child process with its service loop polling them (full-text page fetches off, so the
load is the reader's and the feeds'). A live blog gains an entry every 15 seconds,
written from this process as an import would. Clients then send a fixed rate of
requests (``--rate`` a second, open loop: a slow answer does not slow the sending)
mixing the front page, articles, sections, publishers, searches, live-blog pages and
signing in, while ``--streams`` live-blog event streams stay open (reconnecting every
minute).

Every ``--report-seconds`` a line gives the requests, errors (any answer other than the
expected status, and any timeout or broken connection), latency percentiles and the
server's resident memory; at the end a summary gives the totals, the memory trend and
the live-blog events the streams received. The trend is the least-squares slope of each
minute's median over the last two thirds of the run (the first third is warm-up), in MB
per 10 minutes, for the resident set, Python's blocks and malloc's bytes in use; memory
is "flat" when the resident set's slope is under ``FLAT_MB_PER_10MIN``. It stops by
itself and exits 1 when any request failed. Targets: 0 errors, memory flat.

``--trace-dir DIR`` runs the server with tracemalloc from ``--trace-after`` minutes on,
a snapshot every ``--trace-every`` minutes, and ends with what grew between the first
and the last snapshot, by traceback (Python's allocations only: a C library's, SQLite's
for one, show in malloc's figures instead).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from newsstand.app import build_services
from newsstand.app.catalog import SEEDED_KEY
from newsstand.config import Settings, load_settings
from newsstand.model import Article, ArticleKind, Feed, LicenceTier, LiveEntry, LiveMergeScope, Publisher
from newsstand.store import SqlStore, open_store

WORDS = [
    "harbour",
    "storm",
    "council",
    "election",
    "battery",
    "glacier",
    "ferry",
    "river",
    "budget",
    "hospital",
    "school",
    "market",
    "festival",
    "bridge",
    "railway",
    "drought",
    "flood",
    "vaccine",
    "museum",
    "orchestra",
    "stadium",
    "climate",
    "housing",
    "tariff",
    "satellite",
    "volcano",
    "forest",
    "wildfire",
    "airport",
    "strike",
    "union",
    "court",
    "minister",
]
PASSWORD = "soak test password"
METRICS_TOKEN = "soak-metrics-token"
READERS = 20


# --- the feed server ------------------------------------------------------------------------


@dataclass
class FeedSite:
    feeds: int
    item_seconds: float
    started: float = field(default_factory=time.time)
    requests: int = 0

    def rss(self, n: int, base: str) -> bytes:
        """Feed ``n``: its 20 newest items, a new one every ``item_seconds`` since the start."""
        self.requests += 1
        newest = int((time.time() - self.started) / self.item_seconds)
        items = []
        for k in range(newest, max(-1, newest - 20), -1):
            rng = random.Random(n * 100_003 + k)
            words = rng.sample(WORDS, 4)
            when = datetime.fromtimestamp(self.started + k * self.item_seconds, UTC)
            paragraphs = "".join(
                f"<p>{' '.join(rng.choice(WORDS) for _ in range(40))}.</p>" for _ in range(4)
            )
            items.append(
                f"<item><title>{words[0].title()} {words[1]} and the {words[2]} of {words[3]}</title>"
                f"<link>{base}/a/{n}/{k}</link><guid>{base}/a/{n}/{k}</guid>"
                f"<pubDate>{format_datetime(when)}</pubDate>"
                f"<description><![CDATA[{paragraphs}]]></description></item>"
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Soak feed {n}</title><link>{base}/</link><description>Invented news</description>"
            + "".join(items)
            + "</channel></rss>"
        ).encode()


def start_feed_site(site: FeedSite) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            match = re.fullmatch(r"/feed/(\d+)\.xml", self.path)
            if not match:
                self.send_error(404)
                return
            body = site.rss(int(match.group(1)), base)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, base


# --- the store before the server starts -------------------------------------------------------


def settings_for(data_dir: Path, database_url: str) -> Settings:
    return load_settings(environ=environment(data_dir, database_url, 8080), config_file=None)


def environment(data_dir: Path, database_url: str, port: int) -> dict[str, str]:
    return {
        "NEWSSTAND_DATA_DIR": str(data_dir),
        "NEWSSTAND_DATABASE_URL": database_url,
        "NEWSSTAND_SECRET_KEY": "soak-secret-key",
        "NEWSSTAND_LOG_LEVEL": "WARNING",
        "NEWSSTAND_PORT": str(port),
        "NEWSSTAND_ALLOW_PRIVATE_ADDRESSES": "127.0.0.0/8",
        "NEWSSTAND_POLL_MIN_SECONDS": "20",
        "NEWSSTAND_POLL_MAX_SECONDS": "120",
        "NEWSSTAND_FETCH_FULL_TEXT": "false",
        "NEWSSTAND_METRICS_TOKEN": METRICS_TOKEN,
    }


def prepare(settings: Settings, feeds: int, feed_base: str) -> int:
    """Publishers and feeds of the feed site, a live blog with entries, readers; returns the blog's id."""
    store = open_store(settings)
    try:
        store.set_meta(SEEDED_KEY, "soak: no default catalog")
        tiers = (LicenceTier.OPEN, LicenceTier.PARTNER, LicenceTier.PREMIUM)
        for p in range(4):
            pid = f"soak-{p}"
            store.add_publisher(
                Publisher(
                    pid, f"Soak Times {p}", f"{feed_base}/{p}", "GB", "en",
                    sections=("World", "Sport"), licence_tier=tiers[p % 3],
                )
            )  # fmt: skip
        for n in range(feeds):
            store.add_feed(Feed(f"{feed_base}/feed/{n}.xml", f"soak-{n % 4}", ("World", "Sport")[n % 2]))
        now = datetime.now(UTC)
        live = Article(
            publisher_id="soak-1",
            url=f"{feed_base}/live/1",
            title="Storm over the harbour: live",
            standfirst="Updates as they come.",
            published=now - timedelta(hours=1),
            kind=ArticleKind.LIVEBLOG,
            section="World",
            sections=("World",),
            language="en",
        )
        live_id = store.upsert_article(live).article_id
        add_entries(store, live_id, 0, 12)
        services = build_services(settings, store)
        for r in range(READERS):
            services.accounts.sign_up(f"reader{r}@soak.example", PASSWORD, start_trial=r % 2 == 0)
        return live_id
    finally:
        store.close()


def add_entries(store: SqlStore, live_id: int, first: int, count: int) -> None:
    now = datetime.now(UTC)
    entries = [
        LiveEntry(
            f"e{n}",
            now - timedelta(seconds=count - 1 - i),
            f"Update {n}",
            f"<p>Update number {n} on the {random.choice(WORDS)}.</p>",
            f"Update number {n}.",
            key_event=n % 5 == 0,
        )
        for i, n in enumerate(range(first, first + count))
    ]
    store.merge_live_entries(live_id, entries, scope=LiveMergeScope.ADD_ONLY)


# --- the load ---------------------------------------------------------------------------------


@dataclass
class Sample:
    at: float  # seconds since the start
    action: str
    seconds: float
    ok: bool
    detail: str = ""


@dataclass
class Run:
    base: str
    live_id: int
    started: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)
    memory: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MB)
    # (seconds, Python's blocks in thousands, malloc in use MB, malloc free MB) from /metrics
    heap: list[tuple[float, float, float, float]] = field(default_factory=list)
    stream_events: int = 0
    stream_errors: list[str] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, action: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.samples.append(Sample(time.monotonic() - self.started, action, seconds, ok, detail))


def action_plan(run: Run) -> list[tuple[str, int]]:
    return [
        ("home", 22), ("article", 22), ("section", 8), ("publisher", 5),
        ("search", 20), ("live", 13), ("signin", 5), ("publishers", 5),
    ]  # fmt: skip


def do(run: Run, client: httpx.Client, action: str) -> None:
    started = time.perf_counter()
    try:
        ok, detail = _request(run, client, action)
    except httpx.HTTPError as exc:
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    run.record(action, time.perf_counter() - started, ok, detail)


def _request(run: Run, client: httpx.Client, action: str) -> tuple[bool, str]:
    rng = random.Random()
    if action == "home":
        r = client.get(run.base + "/")
    elif action == "article":
        with run.lock:
            ids = list(run.article_ids[-200:])
        path = f"/article/{rng.choice(ids)}" if ids else "/"
        r = client.get(run.base + path)
    elif action == "section":
        r = client.get(run.base + f"/section/{rng.choice(['World', 'Sport'])}")
    elif action == "publisher":
        r = client.get(run.base + f"/publisher/soak-{rng.randrange(4)}")
    elif action == "search":
        words = " ".join(rng.sample(WORDS, rng.choice([1, 1, 2])))
        params = {"q": words, **({"sort": "newest"} if rng.random() < 0.3 else {})}
        r = client.get(run.base + "/search", params=params)
    elif action == "live":
        r = client.get(run.base + f"/live/{run.live_id}")
    elif action == "publishers":
        r = client.get(run.base + "/publishers")
    else:
        return _sign_in(run, rng)
    if r.status_code != 200:
        return False, f"{action} answered {r.status_code}"
    return True, ""


def _sign_in(run: Run, rng: random.Random) -> tuple[bool, str]:
    with httpx.Client(timeout=15, follow_redirects=False) as own:
        problem = sign_in(own, run.base, f"reader{rng.randrange(READERS)}@soak.example")
        if problem:
            return False, problem
        home = own.get(run.base + "/")
        return (home.status_code == 200, f"home after sign-in answered {home.status_code}")


def sign_in(client: httpx.Client, base: str, email: str) -> str:
    """Sign ``client`` in; "" when it worked, else what went wrong."""
    page = client.get(base + "/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if not token:
        return "sign-in page without a CSRF field"
    form = {"csrf_token": token.group(1), "email": email, "password": PASSWORD, "next": "/"}
    r = client.post(base + "/signin", data=form)
    return "" if r.status_code == 303 else f"sign-in answered {r.status_code}"


def stream(run: Run, stop: threading.Event, number: int) -> None:
    """As a member on the free trial (the blog is a partner's), hold a live-blog event stream
    open, reconnecting every minute; count its events."""
    while not stop.is_set():
        try:
            with httpx.Client(timeout=httpx.Timeout(10, read=90)) as client:
                problem = sign_in(client, run.base, f"reader{2 * (number % (READERS // 2))}@soak.example")
                if problem:
                    run.stream_errors.append(problem)
                    stop.wait(5)
                    continue
                _hold(run, client, stop)
        except httpx.HTTPError as exc:
            if not stop.is_set():
                run.stream_errors.append(f"{type(exc).__name__}: {exc}")
                stop.wait(2)


def _hold(run: Run, client: httpx.Client, stop: threading.Event) -> None:
    """One connection to the stream, for up to a minute; counts the entries it brings."""
    with client.stream("GET", f"{run.base}/live/{run.live_id}/events") as response:
        if response.status_code != 200:
            run.stream_errors.append(f"stream answered {response.status_code}")
            stop.wait(5)
            return
        opened = time.monotonic()
        for line in response.iter_lines():
            if line.startswith("event: entry"):
                with run.lock:
                    run.stream_events += 1
            if stop.is_set() or time.monotonic() - opened > 60:
                return


def resident_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def server_heap(base: str) -> tuple[float, float, float] | None:
    """The server's own figures (web/memory.py): Python's blocks (thousands), malloc's bytes in
    use and kept free (MB); None when /metrics did not answer."""
    try:
        auth = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        text = httpx.get(base + "/metrics", headers=auth, timeout=10).text
    except httpx.HTTPError:
        return None
    samples = dict(line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))
    try:
        return (
            float(samples["newsstand_python_allocated_blocks"]) / 1000,
            float(samples.get('newsstand_malloc_bytes{state="in_use"}', "nan")) / 2**20,
            float(samples.get('newsstand_malloc_bytes{state="free"}', "nan")) / 2**20,
        )
    except (KeyError, ValueError):
        return None


def watch(run: Run, settings: Settings, live_id: int, pid: int, stop: threading.Event) -> None:
    """Every 5 s: the server's memory; every 15 s: a live-blog entry; the newest article ids."""
    store = open_store(settings)
    n, last_entry = 100, 0.0
    try:
        while not stop.wait(5):
            run.memory.append((time.monotonic() - run.started, resident_mb(pid)))
            heap = server_heap(run.base)
            if heap is not None:
                run.heap.append((time.monotonic() - run.started, *heap))
            if time.monotonic() - last_entry >= 15:
                add_entries(store, live_id, n, 1)
                n, last_entry = n + 1, time.monotonic()
            ids = _newest_ids(store)
            with run.lock:
                run.article_ids = ids
    finally:
        store.close()


def _newest_ids(store: SqlStore) -> list[int]:
    from newsstand.model import ArticleFilter

    newest = store.list_articles(ArticleFilter(kind=ArticleKind.ARTICLE, limit=200))
    return [a.id for a in newest if a.id is not None]


# --- reporting --------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report_line(run: Run, since: float, until: float) -> str:
    window = [s for s in run.samples if since <= s.at < until]
    times = [s.seconds * 1000 for s in window]
    errors = sum(not s.ok for s in window)
    memory = [mb for at, mb in run.memory if since <= at < until] or [0.0]
    heap = [h for h in run.heap if since <= h[0] < until] or [(0.0, 0.0, 0.0, 0.0)]
    return (
        f"{until / 60:6.1f} min {len(window):6d} req {errors:4d} err "
        f"p50 {percentile(times, 0.5):6.1f} p95 {percentile(times, 0.95):7.1f} "
        f"p99 {percentile(times, 0.99):7.1f} max {max(times, default=0):7.1f} ms   "
        f"RSS {memory[-1]:6.1f} MB  py {heap[-1][1]:5.0f}k blocks  malloc {heap[-1][2]:5.1f} used "
        f"{heap[-1][3]:5.1f} free MB"
    )


WARM_UP_SHARE = 1 / 3  # the slope is measured after the first third of the run
# Flat: the resident set grows less than this per 10 minutes after the warm-up. A sign-in maps
# Argon2's 19 MiB for its ~100 ms, so samples are taken as each minute's median first.
FLAT_MB_PER_10MIN = 5.0


def per_minute(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Each minute's median (at the minute's middle): a sign-in's momentary 19 MiB, or a
    page being made, does not move it."""
    minutes: dict[int, list[float]] = {}
    for at, value in points:
        minutes.setdefault(int(at // 60), []).append(value)
    return [(m * 60 + 30, statistics.median(v)) for m, v in sorted(minutes.items())]


def slope_mb_per_10min(points: list[tuple[float, float]]) -> float:
    """Least-squares slope, per 10 minutes, of the per-minute medians after the warm-up
    (the last two thirds of the run); 0.0 with fewer than three minutes to fit."""
    if not points:
        return 0.0
    start = points[-1][0] * WARM_UP_SHARE
    kept = [p for p in per_minute(points) if p[0] >= start]
    if len(kept) < 3:
        return 0.0
    xs, ys = [p[0] for p in kept], [p[1] for p in kept]
    return statistics.linear_regression(xs, ys).slope * 600


def quarters(points: list[tuple[float, float]]) -> list[float]:
    """The median of each quarter of the run: a trend that a momentary peak does not fake."""
    if not points:
        return []
    end = points[-1][0]
    parts = [[v for at, v in points if q * end / 4 <= at <= (q + 1) * end / 4] for q in range(4)]
    return [round(statistics.median(p), 1) for p in parts if p]


def memory_flat(run: Run) -> bool:
    """Flat: the resident set's slope after the warm-up under FLAT_MB_PER_10MIN."""
    return abs(slope_mb_per_10min(run.memory)) < FLAT_MB_PER_10MIN


def summary(run: Run, site: FeedSite, articles: int) -> dict[str, Any]:
    times = [s.seconds * 1000 for s in run.samples]
    by_action = {
        a: {
            "requests": sum(1 for s in run.samples if s.action == a),
            "p50_ms": round(percentile([s.seconds * 1000 for s in run.samples if s.action == a], 0.5), 1),
            "p99_ms": round(percentile([s.seconds * 1000 for s in run.samples if s.action == a], 0.99), 1),
        }
        for a in sorted({s.action for s in run.samples})
    }
    memory = [mb for _, mb in run.memory]
    return {
        "requests": len(run.samples),
        "errors": sum(not s.ok for s in run.samples),
        "error_kinds": dict(Counter(s.detail for s in run.samples if not s.ok).most_common(10)),
        "p50_ms": round(percentile(times, 0.5), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "p99_ms": round(percentile(times, 0.99), 1),
        "by_action": by_action,
        "rss_first_mb": round(memory[0], 1) if memory else None,
        "rss_last_mb": round(memory[-1], 1) if memory else None,
        "rss_max_mb": round(max(memory), 1) if memory else None,
        "rss_slope_mb_per_10min_after_warm_up": round(slope_mb_per_10min(run.memory), 2),
        "rss_median_mb_by_quarter": quarters(run.memory),
        "python_kblocks_slope_per_10min_after_warm_up": round(
            slope_mb_per_10min([(h[0], h[1]) for h in run.heap]), 2
        ),
        "malloc_in_use_slope_mb_per_10min_after_warm_up": round(
            slope_mb_per_10min([(h[0], h[2]) for h in run.heap]), 2
        ),
        "malloc_in_use_mb_last": round(run.heap[-1][2], 1) if run.heap else None,
        "malloc_free_mb_last": round(run.heap[-1][3], 1) if run.heap else None,
        "flat_tolerance_mb_per_10min": FLAT_MB_PER_10MIN,
        "memory_flat": memory_flat(run),
        "stream_events": run.stream_events,
        "stream_errors": len(run.stream_errors),
        "feed_requests": site.requests,
        "articles_stored": articles,
    }


# --- the run ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(base: str, proc: subprocess.Popen[bytes], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(base + "/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not start")


# The server's own code when --trace-dir is given: tracemalloc starts after the warm-up (imports
# traced would take minutes) and a snapshot is written every --trace-every minutes; the summary
# then diffs the first and the last by traceback. Only this benchmark starts it.
TRACED_SERVER = """
import sys, threading, time, tracemalloc
def _trace(out, after, every, frames):
    time.sleep(after)
    tracemalloc.start(frames)
    n = 0
    while True:
        time.sleep(every)
        tracemalloc.take_snapshot().dump(f"{out}/snapshot-{n:03d}.trace")
        n += 1
out, after, every, frames = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
del sys.argv[1:5]
threading.Thread(target=_trace, args=(out, after, every, frames), daemon=True).start()
from newsstand.cli import main
main()
"""


def server_command(args: argparse.Namespace) -> list[str]:
    serve = ["serve", "--host", "127.0.0.1"]
    if args.trace_dir is None:
        return [sys.executable, "-c", "from newsstand.cli import main; main()", *serve]
    args.trace_dir.mkdir(parents=True, exist_ok=True)
    for old in args.trace_dir.glob("snapshot-*.trace"):
        old.unlink()
    timing = [str(args.trace_after * 60), str(args.trace_every * 60), str(args.trace_frames)]
    return [sys.executable, "-c", TRACED_SERVER, str(args.trace_dir), *timing, *serve]


def trace_report(trace_dir: Path, top: int = 25) -> str:
    """What grew between the server's first and last snapshots, by traceback, largest first."""
    import tracemalloc

    paths = sorted(trace_dir.glob("snapshot-*.trace"))
    if len(paths) < 2:
        return f"tracemalloc: {len(paths)} snapshot(s), two are needed for a difference"
    first, last = (tracemalloc.Snapshot.load(str(p)) for p in (paths[0], paths[-1]))
    noise = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen *>")]
    stats = last.filter_traces(noise).compare_to(first.filter_traces(noise), "traceback")
    lines = [f"tracemalloc: {paths[0].name} to {paths[-1].name}, largest growth first"]
    for stat in stats[:top]:
        lines.append(f"+{stat.size_diff / 1024:9.1f} KiB {stat.count_diff:+7d} blocks")
        lines += [
            "      " + line for line in stat.traceback.format(limit=stat.traceback.total_nframe or 1)[-16:]
        ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=12.0, help="requests a second (open loop)")
    parser.add_argument("--streams", type=int, default=4, help="live-blog event streams held open")
    parser.add_argument("--feeds", type=int, default=24)
    parser.add_argument("--item-seconds", type=float, default=45.0, help="a new item per feed this often")
    parser.add_argument("--report-seconds", type=float, default=60.0)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (empty: SQLite)")
    parser.add_argument("--json", type=Path, help="also write the summary here")
    parser.add_argument(
        "--trace-dir", type=Path, help="trace the server's memory (tracemalloc), snapshots here"
    )
    parser.add_argument("--trace-after", type=float, default=3.0, help="minutes before tracing starts")
    parser.add_argument("--trace-every", type=float, default=5.0, help="minutes between snapshots")
    parser.add_argument("--trace-frames", type=int, default=20, help="frames kept per allocation")
    args = parser.parse_args()

    site = FeedSite(args.feeds, args.item_seconds)
    feed_server, feed_base = start_feed_site(site)
    with tempfile.TemporaryDirectory(prefix="newsstand-soak-") as tmp:
        data_dir = Path(tmp) / "data"
        settings = settings_for(data_dir, args.database_url)
        live_id = prepare(settings, args.feeds, feed_base)
        port = free_port()
        env = {**os.environ, **environment(data_dir, args.database_url, port)}
        # The server's log goes to a file: a pipe nobody reads fills up and stalls the server.
        server_log = (Path(tmp) / "server.log").open("wb")
        server = subprocess.Popen(
            server_command(args),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=server_log,
        )
        base = f"http://127.0.0.1:{port}"
        run = Run(base, live_id)
        stop = threading.Event()
        try:
            wait_until_up(base, server)
            run.started = time.monotonic()
            threads = [threading.Thread(target=watch, args=(run, settings, live_id, server.pid, stop))]
            threads += [threading.Thread(target=stream, args=(run, stop, n)) for n in range(args.streams)]
            for t in threads:
                t.start()
            database = "PostgreSQL" if args.database_url else "SQLite"
            print(
                f"Soak: {args.minutes:g} min at {args.rate:g} requests/s, {args.streams} streams, "
                f"{args.feeds} feeds, {database}",
                flush=True,
            )
            plan = action_plan(run)
            actions, weights = [a for a, _ in plan], [w for _, w in plan]
            end = run.started + args.minutes * 60
            next_report = args.report_seconds
            interval = 1.0 / args.rate
            tick = run.started
            with (
                httpx.Client(timeout=15, limits=httpx.Limits(max_connections=64)) as client,
                ThreadPoolExecutor(32) as pool,
            ):
                while True:
                    tick += interval
                    now = time.monotonic()
                    if tick >= end:
                        break
                    if tick > now:
                        time.sleep(tick - now)
                    pool.submit(do, run, client, random.choices(actions, weights)[0])
                    elapsed = time.monotonic() - run.started
                    if elapsed >= next_report:
                        print(report_line(run, next_report - args.report_seconds, next_report), flush=True)
                        next_report += args.report_seconds
            stop.set()
        finally:
            stop.set()
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
            feed_server.shutdown()
        store = open_store(settings)
        try:
            articles = store_count(store)
        finally:
            store.close()
    result = summary(run, site, articles)
    print(json.dumps(result, indent=2))
    print(
        f"Memory {'flat' if result['memory_flat'] else 'NOT flat'}: RSS slope "
        f"{result['rss_slope_mb_per_10min_after_warm_up']} MB per 10 min over the last two thirds "
        f"(flat below {FLAT_MB_PER_10MIN:g}; medians by quarter {result['rss_median_mb_by_quarter']} MB); "
        f"Python's blocks {result['python_kblocks_slope_per_10min_after_warm_up']}k, malloc in use "
        f"{result['malloc_in_use_slope_mb_per_10min_after_warm_up']} MB per 10 min",
        flush=True,
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    if args.trace_dir is not None:
        print(trace_report(args.trace_dir), flush=True)
    return 1 if result["errors"] else 0


def store_count(store: SqlStore) -> int:
    import sqlalchemy as sa

    with store.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM articles")).scalar_one())


if __name__ == "__main__":
    sys.exit(main())
