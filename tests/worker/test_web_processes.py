"""Web processes that share nothing but PostgreSQL and Redis, as separate `newsstand serve`s.

A reader signed in on one process is signed in on the other, and signed out on both at
once; sign-in failures count across them; a live-blog entry stored by another process
reaches the event streams of both within a second (PostgreSQL NOTIFY, the streams' own
poll set to a minute), and the page of either shows it. `serve --workers 2` answers its
health check with a request id.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from newsstand.app.catalog import SEEDED_KEY
from newsstand.config import load_settings
from newsstand.model import Article, ArticleKind, LiveEntry, LiveMergeScope, Publisher
from newsstand.store import open_url
from support import make_services

from .conftest import Processes, base_env, wait_for

EMAIL, PASSWORD = "reader@example.org", "correct horse battery staple"
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare(url: str, tmp_path: Path) -> int:
    settings = load_settings(environ={"NEWSSTAND_DATABASE_URL": url, "NEWSSTAND_DATA_DIR": str(tmp_path)})
    store = open_url(url)
    try:
        store.set_meta(SEEDED_KEY, "test")
        store.add_publisher(Publisher("daily", "Daily News", "https://daily.example", "GB", "en"))
        blog = store.upsert_article(
            Article(
                publisher_id="daily", url="https://daily.example/live", title="Election night live",
                published=T0, guid="live-1", kind=ArticleKind.LIVEBLOG, language="en",
            )
        )  # fmt: skip
        first = LiveEntry("e1", T0, title="Polls close", body_html="<p>Polls closed.</p>", body_text="Polls")
        store.merge_live_entries(blog.article_id, [first], scope=LiveMergeScope.ADD_ONLY)
        services = make_services(store, settings)
        services.accounts.sign_up(EMAIL, PASSWORD, display_name="Rita Reader", start_trial=False)
        return blog.article_id
    finally:
        store.close()


def _start(processes: Processes, env: dict[str, str], name: str, *extra: str) -> str:
    port = _free_port()
    processes.start(env, "serve", "--no-ingest", "--port", str(port), *extra, name=name)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(up, 30, f"{name} to serve", interval=0.2)
    return base


def _sign_in(client: httpx.Client, base: str, password: str) -> httpx.Response:
    page = client.get(f"{base}/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    form = {"csrf_token": token.group(1), "email": EMAIL, "password": password, "next": "/account"}
    return client.post(f"{base}/signin", data=form)


def _listen(base: str, article_id: int, heard: list[str], stop: threading.Event) -> None:
    since = "2026-01-01T12:00:00.000001Z"
    url = f"{base}/live/{article_id}/events?since={since}"
    try:
        timeout = httpx.Timeout(5.0, read=70.0)
        with httpx.Client(timeout=timeout) as client, client.stream("GET", url) as events:
            for line in events.iter_lines():
                if line.startswith("data: "):
                    heard.append(json.loads(line[6:])["id"])
                if stop.is_set():
                    return
    except httpx.HTTPError:
        if not stop.is_set():  # the servers stopping at the end cut the stream: expected
            raise


@pytest.mark.slow
@pytest.mark.postgres
def test_two_web_processes_share_sessions_limits_and_live_updates(
    tmp_path: Path, fresh_pg_url: str, redis_url: str, queue_prefix: str, processes: Processes
) -> None:
    article_id = _prepare(fresh_pg_url, tmp_path)
    env = base_env(
        tmp_path, fresh_pg_url, cache_url=redis_url, queue_prefix=queue_prefix,
        live_poll_seconds="60", login_attempts_per_minute="3", log_format="json",
    )  # fmt: skip
    a = _start(processes, env, "web-a")
    b = _start(processes, env, "web-b")

    # A session made on one process holds on the other; signing out ends it on both at once.
    with httpx.Client(follow_redirects=False) as client:
        assert _sign_in(client, a, PASSWORD).status_code == 303
        account = client.get(f"{b}/account")
        assert account.status_code == 200 and EMAIL in account.text
        page = client.get(f"{b}/account")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None  # the CSRF token made by one process is good on the other
        assert client.post(f"{a}/signout", data={"csrf_token": token.group(1)}).status_code == 303
        assert client.get(f"{b}/account").status_code in (302, 303)

    # Failed sign-ins count across processes: the fourth in a minute is refused.
    with httpx.Client(follow_redirects=False) as client:
        codes = [_sign_in(client, base, "wrong password!").status_code for base in (a, b, a, b)]
    assert codes[:3] == [401, 401, 401] and codes[3] == 429

    # A new entry, stored by a third process, reaches both processes' streams at once.
    heard: dict[str, list[str]] = {a: [], b: []}
    stop = threading.Event()
    threads = [
        threading.Thread(target=_listen, args=(base, article_id, heard[base], stop)) for base in (a, b)
    ]
    for th in threads:
        th.start()
    time.sleep(1.0)  # both streams open and waiting
    store = open_url(fresh_pg_url)
    try:
        entry = LiveEntry("e2", datetime.now(UTC), title="First result", body_html="<p>A result.</p>",
                          body_text="A result.")  # fmt: skip
        stored_at = time.monotonic()
        store.merge_live_entries(article_id, [entry], scope=LiveMergeScope.ADD_ONLY)
    finally:
        store.close()
    wait_for(lambda: "e2" in heard[a] and "e2" in heard[b], 10, "the entry on both streams", interval=0.05)
    assert time.monotonic() - stored_at < 5  # woken by NOTIFY, not by the minute-long poll
    stop.set()
    assert "First result" in httpx.get(f"{b}/live/{article_id}").text
    assert "First result" in httpx.get(f"{a}/live/{article_id}").text
    # Log lines are JSON with the request id the client sent, and the id is echoed.
    answer = httpx.get(f"{a}/healthz", headers={"X-Request-Id": "probe-42"})
    assert answer.headers["x-request-id"] == "probe-42"
    processes.stop_all()
    for th in threads:
        th.join(timeout=10)
    lines = [json.loads(x) for x in processes.log("web-a").splitlines() if x.startswith("{")]
    assert any(x.get("request_id") == "probe-42" and "/healthz" in x["message"] for x in lines)


@pytest.mark.slow
@pytest.mark.postgres
def test_serve_with_two_workers_answers_health_and_metrics(
    tmp_path: Path, fresh_pg_url: str, processes: Processes
) -> None:
    _prepare(fresh_pg_url, tmp_path)
    env = base_env(tmp_path, fresh_pg_url, metrics_token="scrape-me")
    base = _start(processes, env, "web", "--workers", "2")
    health = httpx.get(f"{base}/healthz")
    assert health.json() == {"status": "ok", "database": "ok"}
    assert httpx.get(f"{base}/metrics").status_code == 403
    metrics = httpx.get(f"{base}/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert metrics.status_code == 200
    assert "newsstand_feeds_due 0" in metrics.text
    assert 'newsstand_http_request_duration_seconds_bucket{le="+Inf"}' in metrics.text
