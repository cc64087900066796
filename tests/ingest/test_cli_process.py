"""The CLI commands, in-process and as real subprocesses (SIGKILL, SIGTERM)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsstand.app.catalog import SEEDED_KEY
from newsstand.cli import main
from newsstand.config import load_settings
from newsstand.model import Feed, Publisher
from newsstand.store import SqlStore, open_store

from .conftest import FeedServer, Route
from .feeds import rss, rss_item

ENTRY = "from newsstand.cli import entry; entry()"


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSSTAND_")}
    env.update(
        NEWSSTAND_DATA_DIR=str(data_dir),
        NEWSSTAND_ALLOW_PRIVATE_ADDRESSES="127.0.0.1/32",
        NEWSSTAND_FETCH_FULL_TEXT="false",
        NEWSSTAND_READ_TIMEOUT="5",
        NEWSSTAND_TOTAL_TIMEOUT="10",
    )
    return env


def _store(data_dir: Path) -> SqlStore:
    return open_store(load_settings(environ=_env(data_dir)))


def _catalog(data_dir: Path, server: FeedServer, feeds: int, items: int, delay: float = 0.0) -> int:
    """Serve ``feeds`` feeds of ``items`` entries (neighbours share one entry); return unique entries."""
    store = _store(data_dir)
    try:
        store.add_publisher(Publisher("example", "Example News", "https://news.example.org", "GB", "en"))
        for k in range(feeds):
            entries = [
                rss_item(n, link=f"https://news.example.org/f{k}/{n}", guid=f"f{k}-{n}") for n in range(items)
            ]
            entries.append(rss_item(0, link=f"https://news.example.org/f{k + 1}/0", guid=f"f{k + 1}-0"))
            server.routes[f"/feed{k}.xml"] = Route(rss(entries), delay=delay, etag=f'"{k}"')
            store.add_feed(Feed(server.url(f"/feed{k}.xml"), "example", f"section{k % 5}"))
    finally:
        store.close()
    return feeds * items + 1  # the last feed's shared entry points at a feed that does not exist


def test_fetch_prints_a_summary_and_health_lists_failures_first(tmp_path: Path, feed_server: FeedServer):
    unique = _catalog(tmp_path, feed_server, feeds=3, items=4)
    store = _store(tmp_path)
    store.add_feed(Feed(feed_server.url("/missing.xml"), "example", "world"))
    store.close()
    runner = CliRunner()
    result = runner.invoke(main, ["fetch", "--all", "--json"], env=_env(tmp_path))
    summary = json.loads(result.stdout)
    assert summary["feeds"] == 4 and summary["ok"] == 3 and summary["failed"] == 1
    assert summary["new_entries"] == unique and "404" in summary["failures"][0]["error"]

    table = runner.invoke(main, ["fetch", "--all"], env=_env(tmp_path))
    assert "Fetch summary" in table.output and "not modified" in table.output

    health = runner.invoke(main, ["sources", "health", "--json"], env=_env(tmp_path))
    rows = json.loads(health.stdout)
    assert rows[0]["status"] == "erroring" and rows[0]["consecutive_failures"] == 2
    assert "HTTP 404" in rows[0]["last_error"] and all(r["status"] == "ok" for r in rows[1:])
    assert "Feed health" in runner.invoke(main, ["sources", "health"], env=_env(tmp_path)).output


def test_fetch_says_why_hubs_a_feed_announces_are_not_asked(tmp_path: Path, feed_server: FeedServer):
    """Without base_url no hub can call back: fetch subscribes nowhere and says so."""
    _catalog(tmp_path, feed_server, feeds=1, items=2)
    route = feed_server.routes["/feed0.xml"]
    route.headers["Link"] = '<https://hub.example/>; rel="hub"'
    table = CliRunner().invoke(main, ["fetch", "--all"], env=_env(tmp_path))
    assert "Fetch summary" in table.output
    assert "WebSub push is off" in table.output and "base_url" in table.output
    assert "1 polled feeds announce hubs" in " ".join(table.output.split())
    store = _store(tmp_path)
    try:
        assert store.push_subscriptions() == []
    finally:
        store.close()


def test_fetch_without_network_says_feeds_cannot_be_reached(tmp_path: Path):
    store = _store(tmp_path)
    store.add_publisher(Publisher("example", "Example News", "https://news.example.org", "GB", "en"))
    for name in ("a", "b"):
        store.add_feed(Feed(f"https://{name}.no-such-host.invalid/rss", "example", "world"))
    store.close()
    result = CliRunner().invoke(main, ["fetch"], env=_env(tmp_path))
    assert result.exit_code == 1
    assert "None of the 2 feeds could be reached" in " ".join(result.output.split())
    rows = json.loads(CliRunner().invoke(main, ["sources", "health", "--json"], env=_env(tmp_path)).stdout)
    assert all("DNS lookup failed" in r["last_error"] for r in rows)


def test_fetch_unknown_feed_is_a_usage_error(tmp_path: Path):
    result = CliRunner().invoke(main, ["fetch", "999"], env=_env(tmp_path))
    assert result.exit_code == 2 and "no feed '999'" in result.output


def _articles(data_dir: Path) -> dict[str, int]:
    """What is committed, read like an outsider would: a read-only connection, no migrations."""
    db = sqlite3.connect(f"file:{data_dir / 'newsstand.db'}?mode=ro", uri=True, timeout=30)
    try:
        return {str(url): int(i) for url, i in db.execute("SELECT url, id FROM articles")}
    except sqlite3.OperationalError:  # not created yet
        return {}
    finally:
        db.close()


@pytest.mark.slow
def test_sigkill_mid_run_loses_nothing_and_duplicates_nothing(tmp_path: Path, feed_server: FeedServer):
    unique = _catalog(tmp_path, feed_server, feeds=30, items=15, delay=0.2)
    cmd = [sys.executable, "-c", ENTRY, "fetch", "--all", "--json"]
    proc = subprocess.Popen(cmd, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    before: dict[str, int] = {}
    while time.monotonic() < deadline:
        time.sleep(0.2)
        before = _articles(tmp_path)
        if len(before) >= 30:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    killed_at = _articles(tmp_path)
    assert 30 <= len(killed_at) < unique, "the kill should land mid-run"

    done = subprocess.run(cmd, env=_env(tmp_path), capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()
    after = _articles(tmp_path)
    assert all(
        after.get(url) == article_id for url, article_id in killed_at.items()
    )  # nothing lost or renumbered
    assert len(after) == unique  # every entry once: no duplicates, nothing missing
    store = _store(tmp_path)
    try:
        assert store.engine.connect().exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert all(s.last_success is not None for _, s in store.feed_states())
    finally:
        store.close()


@pytest.mark.slow
def test_run_stops_cleanly_on_sigterm(tmp_path: Path, feed_server: FeedServer):
    unique = _catalog(tmp_path, feed_server, feeds=4, items=3)
    proc = subprocess.Popen(
        [sys.executable, "-c", ENTRY, "run"],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(_articles(tmp_path)) < unique:
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err.decode()
    assert b"Ingestion stopped." in out
    assert b"WebSub push is off" in out  # run says why no hub is asked (no base_url)
    assert len(_articles(tmp_path)) == unique


def _story_ids(data_dir: Path, urls: list[str]) -> list[int | None]:
    db = sqlite3.connect(f"file:{data_dir / 'newsstand.db'}?mode=ro", uri=True, timeout=30)
    try:
        found = dict(db.execute("SELECT url, story_id FROM articles"))
    finally:
        db.close()
    return [found.get(url) for url in urls]


@pytest.mark.slow
def test_run_groups_new_articles_into_stories_on_the_sample_edition(tmp_path: Path, feed_server: FeedServer):
    """`newsstand run` is the whole service loop: what it fetches is grouped into stories too."""
    store = _store(tmp_path)
    store.set_meta(SEEDED_KEY, "no default catalog: these tests have no network")
    store.close()
    loaded = CliRunner().invoke(main, ["sample", "load"], env=_env(tmp_path))
    assert loaded.exit_code == 0, loaded.output
    store = _store(tmp_path)
    urls = []
    try:
        for name in ("north", "south"):
            store.add_publisher(
                Publisher(name, f"The {name.title()} Gazette", f"https://{name}.example", "GB", "en")
            )
            url = f"https://{name}.example/bridge"
            body = (
                "<p>The Carrow river bridge closed to all traffic on Monday after inspectors found a crack "
                "in its main steel span, and the council said repairs to the bridge would take weeks.</p>"
            )
            item = rss_item(1, title="Carrow river bridge closed after crack found in main span", link=url,
                            guid=f"{name}-bridge", body=body)  # fmt: skip
            feed_server.routes[f"/{name}.xml"] = Route(rss([item]))
            store.add_feed(Feed(feed_server.url(f"/{name}.xml"), name, "News"))
            urls.append(url)
    finally:
        store.close()
    proc = subprocess.Popen(
        [sys.executable, "-c", ENTRY, "run"],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    stories: list[int | None] = [None, None]
    while time.monotonic() < deadline and (None in stories):
        time.sleep(0.3)
        stories = _story_ids(tmp_path, urls)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err.decode()
    assert stories[0] is not None and stories[0] == stories[1], stories
