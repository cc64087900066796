"""`newsstand serve` on a fresh data folder, and how an ingestion round is reported."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from newsstand.app.loop import describe_round
from newsstand.ingest.pipeline import FeedOutcome, IngestSummary
from newsstand.model import Feed


def outcome(status: str, unreachable: bool = False) -> FeedOutcome:
    feed = Feed("https://feeds.example/rss", "somebody", id=1)
    return FeedOutcome(feed, status, unreachable=unreachable)


def test_a_round_where_no_feed_answers_says_so_plainly() -> None:
    summary = IngestSummary((outcome("failed", True), outcome("failed", True)), 3.2)
    line = describe_round(summary)
    assert "2 feeds polled" in line and "None of the feeds could be reached" in line
    assert "newsstand serve --sample" in line


def test_a_partly_failing_round_counts_the_unreachable() -> None:
    summary = IngestSummary((outcome("ok"), outcome("failed", True), outcome("not_modified")), 1.0)
    line = describe_round(summary)
    assert "1 ok, 1 not modified, 1 failed" in line and "1 feeds could not be reached" in line
    assert describe_round(IngestSummary()) == "No feed was due."


@pytest.mark.slow
def test_serve_starts_on_a_fresh_data_folder(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "NEWSSTAND_DATA_DIR": str(tmp_path / "data"), "NEWSSTAND_LOG_LEVEL": "WARNING"}
    cmd = [
        sys.executable,
        "-c",
        "from newsstand.cli import entry; entry()",
        "serve",
        "--no-ingest",
        "--sample",
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        body = ""
        while time.monotonic() < deadline and not body:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    body = response.read().decode()
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.3)
        assert "Top stories" in body  # the sample edition is served
        assert (tmp_path / "data" / "newsstand.db").exists() and (tmp_path / "data" / "secret_key").exists()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert "Loaded the sample edition" in out and f"http://127.0.0.1:{port}/" in out
