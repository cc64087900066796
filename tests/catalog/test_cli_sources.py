"""`newsstand sources` end to end on a real SQLite store in a temporary data folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from newsstand.app.catalog import SEEDED_KEY
from newsstand.catalog import load_default_catalog
from newsstand.cli import main
from newsstand.config import load_settings
from newsstand.errors import CatalogError, NotFoundError
from newsstand.store import open_store


def started_empty(data_dir: Path) -> None:
    """A store past its first start whose operator removed the whole catalog: commands find it
    empty (a fresh data folder gets the default catalog, see the test below)."""
    store = open_store(load_settings({"NEWSSTAND_DATA_DIR": str(data_dir), "NEWSSTAND_DATABASE_URL": ""}))
    try:
        store.set_meta(SEEDED_KEY, "emptied by the tests")
    finally:
        store.close()


def make_cli(tmp_path: Path, *, empty: bool):  # type: ignore[no-untyped-def]
    env = {"NEWSSTAND_DATA_DIR": str(tmp_path / "data"), "NEWSSTAND_DATABASE_URL": "", "COLUMNS": "200"}
    if empty:
        started_empty(tmp_path / "data")
    runner = CliRunner(env=env)

    def run(*args: str, ok: bool = True) -> Result:
        result = runner.invoke(main, ["sources", *args])
        if ok:
            assert result.exit_code == 0, (result.output, result.exception)
        return result

    return run


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # keep any newsstand.toml of the checkout out of it
    return make_cli(tmp_path, empty=True)


@pytest.fixture
def fresh_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    return make_cli(tmp_path, empty=False)


ADD = [
    "add", "--name", "The Daily Example", "--homepage", "https://news.example.org",
    "--country", "gb", "--language", "EN",
    "--feed", "https://news.example.org/world.rss", "--section", "World",
    "--feed", "https://news.example.org/sport.rss", "--section", "Sport",
]  # fmt: skip


def _list(cli, *args: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    rows: list[dict[str, object]] = json.loads(cli("list", "--json", *args).stdout)
    return rows


def test_add_list_show(cli) -> None:  # type: ignore[no-untyped-def]
    out = cli(*ADD).output
    assert "Added 1 publishers and 2 feeds" in out
    (row,) = _list(cli)
    assert row["id"] == "the-daily-example"
    assert row["country"] == "GB" and row["language"] == "en"
    assert row["sections"] == ["World", "Sport"] and row["feeds"] == 2
    shown = json.loads(cli("show", "the-daily-example", "--json").output)
    assert [f["url"] for f in shown["feed_list"]] == [
        "https://news.example.org/sport.rss",
        "https://news.example.org/world.rss",
    ]
    text = cli("show", "the-daily-example").output
    assert "The Daily Example" in text and "never" in text


def test_add_feed_extends_sections(cli) -> None:  # type: ignore[no-untyped-def]
    cli(*ADD)
    out = cli("add-feed", "the-daily-example", "https://news.example.org/science.rss", "--section", "Science")
    assert "Added feed" in out.output
    (row,) = _list(cli)
    assert row["sections"] == ["World", "Sport", "Science"] and row["feeds"] == 3


def test_disable_and_enable_publisher_and_feed(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli(*ADD)
    cli("disable", "https://news.example.org/world.rss", "--reason", "paywalled")
    out = cli("disable", "the-daily-example", "--reason", "on strike").output
    assert "1 of its feeds" in out  # the sport feed; world was off already
    store = open_store(load_settings({"NEWSSTAND_DATA_DIR": str(tmp_path / "data")}))
    try:
        reasons = {f.url.rsplit("/", 1)[1]: (f.enabled, f.disabled_reason) for f in store.list_feeds()}
        assert reasons == {
            "world.rss": (False, "paywalled"),
            "sport.rss": (False, "publisher disabled: on strike"),
        }
        assert not store.get_publisher("the-daily-example").enabled
    finally:
        store.close()
    cli("enable", "the-daily-example")
    shown = json.loads(cli("show", "the-daily-example", "--json").output)
    assert shown["enabled"] is True
    # the feed disabled on its own stays off; the one switched off with the publisher is back
    assert {f["url"].rsplit("/", 1)[1]: f["enabled"] for f in shown["feed_list"]} == {
        "sport.rss": True,
        "world.rss": False,
    }
    feed_id = str(shown["feed_list"][1]["id"])
    cli("enable", feed_id)
    assert all(
        f["enabled"] for f in json.loads(cli("show", "the-daily-example", "--json").output)["feed_list"]
    )


def test_remove_feed_and_publisher(cli) -> None:  # type: ignore[no-untyped-def]
    cli(*ADD)
    cli("remove", "https://news.example.org/world.rss", "--yes")
    assert _list(cli)[0]["feeds"] == 1
    declined = cli("remove", "the-daily-example", ok=False)  # asks, and no answer aborts
    assert declined.exit_code != 0 and len(_list(cli)) == 1
    cli("remove", "the-daily-example", "--yes")
    assert _list(cli) == []


def test_filters(cli) -> None:  # type: ignore[no-untyped-def]
    cli("import-default")
    default = load_default_catalog()
    assert len(_list(cli)) == len(default.publishers)
    japanese = _list(cli, "--country", "jp")
    assert japanese and {r["country"] for r in japanese} == {"JP"}
    science = _list(cli, "--section", "science")
    assert science and all("Science" in r["sections"] for r in science)  # type: ignore[operator]
    german = _list(cli, "--language", "de", "--section", "Sport")
    assert {r["id"] for r in german} >= {"kicker", "spiegel"}
    table = cli("list", "--country", "NZ").output
    assert "RNZ" in table and "publishers" in table


def test_import_default_is_idempotent(cli) -> None:  # type: ignore[no-untyped-def]
    dry = cli("import-default", "--dry-run").output
    assert dry.startswith("Would add")
    first = cli("import-default").output
    assert f"Added {len(load_default_catalog().publishers)} publishers" in first
    cli("remove", "bbc-news", "--yes")
    again = cli("import-default").output
    assert "Added 1 publishers and 8 feeds" in again  # only what was removed comes back, on request
    assert "Added 0 publishers and 0 feeds" in cli("import-default").output


def test_export_import_through_files(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli(*ADD)
    cli("disable", "https://news.example.org/sport.rss", "--reason", "geo-blocked")
    exported = cli("export").output
    assert exported.startswith("<?xml") and "geo-blocked" in exported
    path = tmp_path / "out.opml"
    cli("export", str(path))
    assert (
        path.read_text(encoding="utf-8").replace("\r", "").split("<body>")[1] == exported.split("<body>")[1]
    )
    cli("remove", "the-daily-example", "--yes")
    dry = cli("import", str(path), "--dry-run").output
    assert "Would add 1 publishers and 2 feeds" in dry and _list(cli) == []
    cli("import", str(path))
    shown = json.loads(cli("show", "the-daily-example", "--json").output)
    assert {(f["url"], f["enabled"], f["disabled_reason"]) for f in shown["feed_list"]} == {
        ("https://news.example.org/world.rss", True, ""),
        ("https://news.example.org/sport.rss", False, "geo-blocked"),
    }


def test_errors(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = cli("show", "nobody", ok=False)
    assert missing.exit_code != 0 and isinstance(missing.exception, NotFoundError)
    bad = tmp_path / "evil.opml"
    bad.write_bytes(b'<!DOCTYPE opml [<!ENTITY x "y">]><opml><body/></opml>')
    refused = cli("import", str(bad), ok=False)
    assert isinstance(refused.exception, CatalogError) and "refused" in str(refused.exception)
    wrong = cli(
        "add", "--name", "X", "--homepage", "ftp://x.example", "--country", "GB", "--language", "en", ok=False
    )
    assert isinstance(wrong.exception, CatalogError)
    cli(*ADD)
    twice = cli(*ADD, ok=False)
    assert isinstance(twice.exception, CatalogError) and "exists already" in str(twice.exception)
    usage = cli(
        "add", "--name", "Y", "--homepage", "https://y.example", "--country", "GB", "--language", "en",
        "--feed", "https://y.example/a", "--feed", "https://y.example/b",
        "--section", "News", "--section", "World", "--section", "Sport", ok=False,
    )  # fmt: skip
    assert usage.exit_code == 2


def test_error_is_one_line_with_non_zero_exit(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSSTAND_DATA_DIR": str(tmp_path / "data")}
    env.pop("NEWSSTAND_DATABASE_URL", None)
    proc = subprocess.run(
        [sys.executable, "-c", "from newsstand.cli import entry; entry()",
         "sources", "remove", "nobody", "--yes"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 1
    # The first command on a fresh data folder says it stored the default catalog, then the error.
    first_start, error = proc.stderr.strip().splitlines()
    assert first_start.startswith("First start: stored the default catalog")
    assert error == "Error: publisher not found: 'nobody'"


def test_first_look_at_a_new_store_shows_the_default_catalog(fresh_cli) -> None:  # type: ignore[no-untyped-def]
    default = load_default_catalog()
    assert len(_list(fresh_cli)) == len(default.publishers)
    for publisher in default.publishers:
        fresh_cli("remove", publisher.id, "--yes")
    assert _list(fresh_cli) == []  # an operator who removes everything is not overruled


@pytest.mark.parametrize(
    "first",
    [
        ["add-feed", "bbc-news", "https://feeds.example/x.rss", "--section", "World"],
        ["disable", "bbc-news"],
        ["export"],
    ],
)
def test_any_first_command_on_a_fresh_folder_seeds_the_catalog(fresh_cli, first: list[str]) -> None:  # type: ignore[no-untyped-def]
    fresh_cli(*first)  # would fail with "publisher not found" if the catalog were not there yet
    assert len(_list(fresh_cli)) == len(load_default_catalog().publishers)


def test_every_command_has_help_with_an_example(cli) -> None:  # type: ignore[no-untyped-def]
    from newsstand.cli.sources import sources

    for name in sources.commands:
        if name == "health":  # added by the ingestion module, not ours
            continue
        out = cli(name, "--help").output
        assert "Example" in out, name
