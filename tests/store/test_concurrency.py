"""Several processes and threads writing to one SQLite database at once all succeed."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from newsstand.store import open_url

from .helpers import article

# Each worker process opens the (possibly not yet created) database, waits for the
# start signal, then writes from several threads at once.
WORKER = r"""
import sys, threading, time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from newsstand.model import Article, Feed, FeedState, FetchRecord, Publisher
from newsstand.store import FeedItem, open_url

url, go, name = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
threads, per_thread = int(sys.argv[4]), int(sys.argv[5])
store = open_url(url)
store.add_publisher(Publisher(name, name, "https://" + name + ".example", "GB", "en"))
feed = store.add_feed(Feed("https://" + name + ".example/rss", name, "world"))
while not go.exists():
    time.sleep(0.01)
t0 = datetime(2024, 1, 1, tzinfo=UTC)
errors = []

def work(t):
    try:
        for i in range(per_thread):
            a = Article(name, f"https://{name}.example/{t}/{i}", f"Title {t} {i}", t0 + timedelta(seconds=i),
                        guid=f"{t}-{i}", body_text="shared words for everyone " * 20)
            now = t0 + timedelta(minutes=i)
            store.record_fetch(FetchRecord(feed.id, now, 200, 1.0, 10), FeedState(feed.id, etag=str(i)),
                               [FeedItem(a, feed.id)])
    except Exception as e:
        errors.append(repr(e))

ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
for t in ts: t.start()
for t in ts: t.join()
store.close()
if errors:
    print("\n".join(errors))
    sys.exit(1)
"""


@pytest.mark.slow
def test_processes_and_threads_write_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    go = tmp_path / "go"
    procs, threads, per_thread = 3, 4, 15
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, str(go), f"pub{p}", str(threads), str(per_thread)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for p in range(procs)
    ]
    # This process writes too, from its own threads, while the workers run.
    store = open_url(url)
    local_errors: list[str] = []

    def local(t: int) -> None:
        try:
            for i in range(per_thread):
                store.upsert_article(article(1000 * t + i, pid="local"))
        except Exception as e:  # collected and asserted below
            local_errors.append(repr(e))

    time.sleep(0.5)  # let the workers open the database and reach the start line
    go.touch()
    local_threads = [threading.Thread(target=local, args=(t,)) for t in range(threads)]
    for t in local_threads:
        t.start()
    outputs = [w.communicate(timeout=120)[0] for w in workers]
    for t in local_threads:
        t.join()
    assert [w.returncode for w in workers] == [0] * procs, outputs
    assert local_errors == []
    assert store.count_articles() == (procs + 1) * threads * per_thread
    for p in range(procs):
        feed = store.get_feed_by_url(f"https://pub{p}.example/rss")
        assert feed.id is not None
        assert len(store.feed_health(feed.id, limit=1000)) == threads * per_thread
    store.close()
