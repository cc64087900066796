"""The command line in an 80- or 100-column terminal (issue 15): real processes with COLUMNS
set, on a data folder holding the default catalog, a failing feed history and members."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsstand.config import load_settings
from newsstand.model import FeedState, FetchRecord, utcnow
from newsstand.store import open_store
from support import make_services

LONG_EMAIL = "a.reader.with.a.rather.long.address@newsroom.example.org"
DNS = "[Errno -2] Name or service not known"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("narrow") / "data"
    run_cli(data, 200, "sources", "list")  # first start: the default catalog is stored
    settings = load_settings({"NEWSSTAND_DATA_DIR": str(data), "NEWSSTAND_DATABASE_URL": ""})
    store = open_store(settings)
    try:
        now = utcnow()
        feeds = store.list_feeds()
        for n, feed in enumerate(feeds[:40]):
            assert feed.id is not None
            error = DNS if n % 4 else "HTTP 503 from the publisher"
            failures = 6 if n < 10 else 1
            record = FetchRecord(feed.id, now, None, 5.0, 0, error=error, consecutive_failures=failures)
            state = FeedState(
                feed.id,
                last_fetched=now,
                consecutive_failures=failures,
                last_error=error,
                failing=failures >= 5,
            )
            store.record_fetch(record, state)
        services = make_services(store, settings)
        reader = services.accounts.sign_up(LONG_EMAIL, "a long enough secret", start_trial=False)
        services.membership.grant(reader.id, days=30, note="paid by invoice 2026-0117 after a long call")
        services.accounts.sign_up("short@example.org", "a long enough secret")
    finally:
        store.close()
    return data


def run_cli(data: Path, columns: int, *args: str) -> str:
    env = {
        **os.environ,
        "NEWSSTAND_DATA_DIR": str(data),
        "NEWSSTAND_DATABASE_URL": "",
        "COLUMNS": str(columns),
        "LINES": "50",
    }
    done = subprocess.run(
        [sys.executable, "-c", "from newsstand.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def fits(text: str, columns: int) -> None:
    too_wide = [line for line in text.splitlines() if len(line) > columns]
    assert too_wide == [], too_wide[:3]


@pytest.mark.parametrize("columns", [80, 100])
def test_sources_list_keeps_every_id_whole(data_dir: Path, columns: int) -> None:
    out = run_cli(data_dir, columns, "sources", "list")
    fits(out, columns)
    ids = [line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│")]
    listed = {i for i in ids if i}
    as_json = run_cli(data_dir, 200, "sources", "list", "--json")
    every = {row["id"] for row in json.loads(as_json)}
    assert every <= listed, sorted(every - listed)[:5]
    first_column = [i for i in ids if i]
    # Sorted by name without regard to case: "de Volkskrant" among the Ds, not after "Zeit".
    assert first_column.index("20-minutes-fr") < first_column.index("abc-es")
    cells = [line.split("│") for line in out.splitlines() if line.startswith("│")]
    starts = [c[2].strip()[0].casefold() for c in cells if c[1].strip()]  # first line of each row
    assert starts == sorted(starts)


@pytest.mark.parametrize("columns", [80, 100])
def test_sources_show_fits(data_dir: Path, columns: int) -> None:
    out = run_cli(data_dir, columns, "sources", "show", "bbc-news")
    fits(out, columns)
    assert "last success" in out and "state" in out


@pytest.mark.parametrize("columns", [80, 100])
def test_members_and_users_lists_show_whole_emails(data_dir: Path, columns: int) -> None:
    for command in (("members", "list"), ("users", "list")):
        out = run_cli(data_dir, columns, *command)
        fits(out, columns)
        assert LONG_EMAIL in out, command


@pytest.mark.parametrize("columns", [80, 100])
def test_sources_health_summarises_then_details_on_request(data_dir: Path, columns: int) -> None:
    out = run_cli(data_dir, columns, "sources", "health")
    fits(out, columns)
    assert len(out.splitlines()) < 30, "a summary, not a line per feed"
    assert out.count(DNS) == 1, "the same error is grouped once, with its count"
    assert "30 feeds  " + DNS in out
    assert "10 feeds  HTTP 503 from the publisher" in out
    for state in ("failing", "erroring", "never fetched"):
        assert state in out
    details = run_cli(data_dir, columns, "sources", "health", "--problems", "--details")
    fits(details, columns)
    assert details.count("Errno") > 10, "every feed with its own error"


def test_config_names_the_key_file_and_the_missing_contact(data_dir: Path) -> None:
    (data_dir / "secret_key").write_text("a-key-the-web-server-made-on-first-start\n")
    fits(run_cli(data_dir, 80, "config"), 80)
    out = run_cli(data_dir, 250, "config")  # one line a setting, for reading the values
    agent = next(line for line in out.splitlines() if "user_agent" in line)
    assert "example" not in agent and "contact URL not set" in agent
    secret = next(line for line in out.splitlines() if "│ secret_key" in line)
    assert "********" in secret and "key file" in secret


def test_fetch_speaks_before_the_network_and_minds_its_grammar(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_cli(data, 80, "sources", "list")
    # A feed on a port nothing listens on: refused at once, after the opening line.
    settings = load_settings(
        {
            "NEWSSTAND_DATA_DIR": str(data),
            "NEWSSTAND_DATABASE_URL": "",
            "NEWSSTAND_ALLOW_PRIVATE_ADDRESSES": "127.0.0.0/8",
        }
    )
    store = open_store(settings)
    try:
        feed = store.add_feed(
            store.list_feeds()[0].__class__("http://127.0.0.1:9/feed.xml", "bbc-news", "World")
        )
    finally:
        store.close()
    env = {**os.environ, "NEWSSTAND_DATA_DIR": str(data), "NEWSSTAND_DATABASE_URL": "", "COLUMNS": "80",
           "NEWSSTAND_ALLOW_PRIVATE_ADDRESSES": "127.0.0.0/8"}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-c", "from newsstand.cli import main; main()", "fetch", str(feed.id)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()
    assert first.startswith("Fetching 1 feed"), first
    out, _ = proc.communicate(timeout=120)
    assert "None of the 1" not in out
    assert "feed could not be reached" in " ".join(out.split()) or "failed" in out
