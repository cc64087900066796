"""Web reader benchmark: requests/s and p50/p99 latency under 64 connections from wrk.

Run from the repository root:

    python bench/web.py --articles 100000 [--duration 10] [--connections 64]

Generates a store of invented articles (the generator of bench/search.py), serves
the reader with uvicorn in a child process, and drives it with wrk (Debian package
``wrk``) on the home, article, live-blog and search pages, first as anonymous
readers (whose pages the micro-cache serves) and then as signed-in members: 200
members on a free trial, each following two publishers and a section, each wrk
request carrying one member's session cookie in turn, so every member page is
rendered for its reader (For you, the paywall decision, the reading record); a last run
has members open articles they have not read yet, so every read is stored. In the
same run a minimal ASGI app that returns a fixed page of the home page's size,
served the same way, is the ceiling. Prints a table with each page's share of the
ceiling's throughput, and checks the targets: anonymous home at least 0.50 of the
ceiling; every member page at least 0.20; p99 under 100 ms on every page.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import SECTIONS, Corpus, load

from newsstand.config import Settings, load_settings
from newsstand.errors import NotFoundError
from newsstand.model import Article, ArticleKind, Facet, LicenceTier, LiveEntry, Publisher, utcnow
from newsstand.store import SqlStore, open_store

WRK = shutil.which("wrk") or "/usr/bin/wrk"


def settings_for(data_dir: Path) -> Settings:
    return load_settings(
        environ={
            "NEWSSTAND_DATA_DIR": str(data_dir),
            "NEWSSTAND_SECRET_KEY": "bench-secret",
            "NEWSSTAND_LOG_LEVEL": "WARNING",
        },
        config_file=None,
    )


@dataclass
class Fixture:
    article_ids: list[int]
    live_id: int
    queries: list[str]
    sessions: list[str]


MEMBERS = 200
PASSWORD = "bench member password"


def build_store(data_dir: Path, total: int) -> Fixture:
    """Publishers, ``total`` generated articles, a live blog with 40 entries, and queries to ask.

    A data folder built by an earlier run with the same ``total`` is reused as it is.
    """
    store = open_store(settings_for(data_dir))
    try:
        corpus = Corpus()
        rng = random.Random(5)
        ids = rng.sample(range(total - 5000, total + 1), 200)
        queries = [corpus.words[rng.randint(200, 2000)] for _ in range(40)]
        if store.count_articles() == 0:
            fill(store, corpus, total, ids)
        live_id = store.get_article_by_url(LIVE_URL).id
        assert live_id is not None
        return Fixture(ids, live_id, queries, member_sessions(store, corpus))
    finally:
        store.close()


def member_sessions(store: SqlStore, corpus: Corpus) -> list[str]:
    """Session tokens of MEMBERS members on a trial, each following two publishers and a section
    (signed in afresh on every run: tokens are not kept anywhere but the cookie)."""
    from argon2 import PasswordHasher, Type

    from newsstand.app import build_services

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
    services = build_services(settings_for(Path(".")), store, hasher=cheap)
    tokens = []
    for n in range(MEMBERS):
        email = f"member{n}@bench.example"
        try:
            reader = services.accounts.get_reader_by_email(email)
        except NotFoundError:
            reader = services.accounts.sign_up(email, PASSWORD)
            for pub in (corpus.publishers[n % 7], corpus.publishers[(n * 3 + 1) % 7]):
                services.interests.follow(reader.id, Facet.PUBLISHER, pub)
            services.interests.follow(reader.id, Facet.SECTION, SECTIONS[n % 6])
        tokens.append(services.accounts.sign_in(reader.email, PASSWORD).token)
    return tokens


LIVE_URL = "https://pub000.example/live"


def fill(store: SqlStore, corpus: Corpus, total: int, ids: list[int]) -> None:
    for n, pub in enumerate(corpus.publishers):
        sections = tuple(SECTIONS[:6])  # spelled as the generated articles spell them
        # Half the publishers are partners: members read them in full and their reads are recorded.
        tier = LicenceTier.PARTNER if n % 2 == 0 else LicenceTier.OPEN
        store.add_publisher(
            Publisher(
                pub, f"Publisher {pub[3:]}", f"https://{pub}.example", "GB", "en", sections, licence_tier=tier
            )
        )
    print(f"loading {total:,} articles", file=sys.stderr, flush=True)
    seconds = load(store, corpus, total)
    print(f"loaded in {seconds:.0f} s", file=sys.stderr, flush=True)
    with store.engine.begin() as conn:  # the generator leaves bodies empty; give the sampled ones HTML
        conn.exec_driver_sql(
            "UPDATE articles SET body_html = '<p>' || replace(body_text, '. ', '.</p><p>') || '</p>' "
            f"WHERE id IN ({','.join(map(str, ids))})"
        )
    now = utcnow()
    live = Article(
        "pub000",
        LIVE_URL,
        "Live: the day in invented news",
        now,
        standfirst="Every update as it happens.",
        section="World",
        sections=("World",),
        kind=ArticleKind.LIVEBLOG,
    )
    live_id = store.upsert_article(live).article_id
    entries = [
        LiveEntry(
            f"e{i}",
            now - timedelta(minutes=5 * i),
            f"Update {i}",
            f"<p>{' '.join(corpus.sentences[i : i + 4])}</p>",
            corpus.sentences[i],
            key_event=i % 7 == 0,
            summary=i == 39,
        )
        for i in range(40)
    ]
    store.merge_live_entries(live_id, entries)


def serve_main(kind: str, data_dir: str, port: int) -> None:
    """Child process: serve the reader or the ceiling app with uvicorn."""
    import uvicorn

    if kind == "ceiling":
        body = (
            "<!doctype html><title>ceiling</title>" + "x" * int(os.environ.get("CEILING_BYTES", "10000"))
        ).encode()

        async def app(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
            if scope["type"] != "http":
                return
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,  # type: ignore[operator]
                    "headers": [(b"content-type", b"text/html; charset=utf-8")],
                }
            )
            await send({"type": "http.response.body", "body": body})  # type: ignore[operator]

        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    else:
        from newsstand.web import create_app

        uvicorn.run(
            create_app(settings_for(Path(data_dir))),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(kind: str, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", kind, "--data-dir", str(data_dir), "--port", str(port)]
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{kind} server did not start")


def lua_for(paths: list[str], folder: Path, sessions: list[str] | None = None, fresh: bool = False) -> Path:
    """A wrk script that cycles through ``paths`` so every request is not the same page, and with
    ``sessions`` sends each request with the next member's session cookie. Paths and members
    advance together, so a member comes back to the same page (a reload, which stores nothing);
    with ``fresh`` the path advances only after every member had it, so each request is a
    member's first read of that article (stored, and paid for), as many as there are pairs."""
    script = folder / f"paths{abs(hash((tuple(paths), tuple(sessions or ()), fresh)))}.lua"
    listed = ",\n".join(f'  "{p}"' for p in paths)
    # A member's browser sends back the CSRF cookie its first page set, beside the session's.
    cookies = ",\n".join(f'  "ns_session={t}; ns_csrf={csrf_cookie(t)}"' for t in sessions or [])
    script.write_text(
        "local paths = {\n" + listed + "\n}\nlocal cookies = {\n" + cookies + "\n}\n"
        "local i = 0\nlocal c = 0\nj = 0\n"
        "request = function()\n  i = i % #paths + 1\n"
        "  if #cookies == 0 then return wrk.format('GET', paths[i]) end\n"
        "  c = c % #cookies + 1\n"
        + ("  if c == 1 then j = j % #paths + 1 end\n  i = (j + c) % #paths + 1\n" if fresh else "")
        + "  return wrk.format('GET', paths[i], {Cookie = cookies[c]})\nend\n"
        # wrk's threads each run the script afresh: each starts at its own article, so two
        # threads do not make the same member's same read moments apart.
        + "local started = 0\nsetup = function(thread)\n  thread:set('j', started * 97)\n"
        "  started = started + 1\nend\n"
    )
    return script


def csrf_cookie(session_token: str) -> str:
    """A CSRF cookie value as the app sets it (43 url-safe characters), one per member."""
    return hashlib.sha256(session_token.encode()).hexdigest()[:43]


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class Figures:
    rps: float
    p50: float  # ms
    p99: float  # ms
    bad: int  # non-2xx/3xx responses
    cpu_ms: float  # the server process's CPU (user + system) per request


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(url: str, script: Path | None, duration: int, connections: int, pid: int) -> Figures:
    """wrk's --latency figures, and the server's CPU per request: that one holds steady when
    other work shares the machine, where requests/s do not."""
    cmd = [WRK, "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", str(script)]
    before = cpu_seconds(pid)
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    used = cpu_seconds(pid) - before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> float:
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(m.group(1)) * UNITS[m.group(2)] if m else float("nan")

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Figures(rps, pct("50"), pct("99"), int(bad.group(1)) if bad else 0, used * 1000 / max(total, 1))


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--data-dir", type=Path, help="reuse a data folder built by an earlier run")
    ap.add_argument("--serve", choices=("reader", "ceiling"), help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve:
        serve_main(args.serve, str(args.data_dir), args.port)
        return
    if not Path(WRK).exists():
        raise SystemExit("wrk is not installed (Debian package wrk)")
    work = Path(tempfile.mkdtemp(prefix="newsstand-web-bench-"))
    data_dir = args.data_dir or work / "data"
    fixture = build_store(data_dir, args.articles)
    pages = {
        "home": ["/"],
        "article": [f"/article/{i}" for i in fixture.article_ids],
        "live blog": [f"/live/{fixture.live_id}"],
        "search": [f"/search?q={q}" for q in fixture.queries],
    }
    results, home_bytes = measure_reader(pages, data_dir, work, args, fixture.sessions)
    os.environ["CEILING_BYTES"] = str(home_bytes)
    proc, url = start("ceiling", data_dir)
    try:
        run_wrk(url, None, 2, args.connections, proc.pid)
        ceiling = run_wrk(url, None, args.duration, args.connections, proc.pid)
    finally:
        stop(proc)
    report(args, results, ceiling, home_bytes)
    if not args.data_dir:
        print(f"(the generated store stays in {data_dir}; rerun faster with --data-dir {data_dir})")


def measure_reader(
    pages: dict[str, list[str]], data_dir: Path, work: Path, args: argparse.Namespace, sessions: list[str]
) -> tuple[dict[str, Figures], int]:
    """wrk figures for each page of the reader, anonymous and as members, and the size of the
    front page in bytes."""
    results: dict[str, Figures] = {}
    proc, url = start("reader", data_dir)
    try:
        home_bytes = len(urllib.request.urlopen(url + "/").read())
        readers = (("anonymous", None), ("member", sessions))
        runs = [
            (name, paths, who, cookies, False) for who, cookies in readers for name, paths in pages.items()
        ]
        # Members' first reads of articles: each one stored (history, payment) before the answer.
        runs.append(("article, first read", pages["article"], "member", sessions, True))
        for name, paths, who, cookies, fresh in runs:
            script = lua_for(paths, work, cookies, fresh)
            # Warmed up as long as it is measured: every member's For you and every search is
            # made once first (a server that has just started is not what readers meet).
            run_wrk(url, script, args.duration, args.connections, proc.pid)
            key = f"{name} ({who})"
            results[key] = run_wrk(url, script, args.duration, args.connections, proc.pid)
            print(f"{key}: {results[key].rps:,.0f} req/s", file=sys.stderr, flush=True)
    finally:
        stop(proc)
    return results, home_bytes


def report(args: argparse.Namespace, results: dict[str, Figures], ceiling: Figures, home_bytes: int) -> None:
    print(
        f"\nWeb reader, {args.articles:,} articles, SQLite, uvicorn (1 process), wrk -c{args.connections} "
        f"-d{args.duration}s on {os.cpu_count()} cores; ceiling = fixed {home_bytes:,}-byte page; "
        f"load average at the end {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'page':<30}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'x ceiling':>11}"
        f"{'CPU ms/req':>12}{'x ceiling':>11}{'non-2xx':>9}"
    )
    for name, f in [*results.items(), ("ceiling", ceiling)]:
        print(
            f"{name:<30}{f.rps:>10,.0f}{f.p50:>10.1f}{f.p99:>10.1f}{f.rps / ceiling.rps:>11.2f}"
            f"{f.cpu_ms:>12.3f}{ceiling.cpu_ms / f.cpu_ms:>11.2f}{f.bad:>9}"
        )
    home = results["home (anonymous)"].rps / ceiling.rps
    members = {k: v.rps / ceiling.rps for k, v in results.items() if k.endswith("(member)")}
    weakest = min(members, key=lambda k: members[k])
    worst = max(r.p99 for r in results.values())
    print(
        f"\ntargets: anonymous home >= 0.50 x ceiling ({home:.2f}: {'met' if home >= 0.5 else 'NOT met'}); "
        f"every member page >= 0.20 x ceiling (lowest {weakest} {members[weakest]:.2f}: "
        f"{'met' if members[weakest] >= 0.2 else 'NOT met'}); "
        f"p99 < 100 ms on every page (worst {worst:.1f} ms: {'met' if worst < 100 else 'NOT met'})"
    )
    print(
        "(the second 'x ceiling' is the ceiling's CPU per request over the page's: what the share "
        "of requests/s would be on a machine with nothing else running)"
    )


if __name__ == "__main__":
    main()
