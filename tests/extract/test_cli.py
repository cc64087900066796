"""The extract, import and articles show commands, run through click against a real SQLite store."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsstand.cli import main

from .pages import article_page
from .test_textimport import OWN_ARTICLE, SEED


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"NEWSSTAND_DATA_DIR": str(tmp_path / "data"), "NEWSSTAND_DATABASE_URL": ""}


def test_extract_prints_json_for_saved_pages(tmp_path: Path) -> None:
    plain = tmp_path / "a.html"
    plain.write_text(article_page(), encoding="utf-8")
    packed = tmp_path / "b.html.gz"
    packed.write_bytes(gzip.compress(article_page(headline="Second lighthouse story").encode()))
    result = CliRunner().invoke(main, ["extract", "--json", str(plain), str(packed)])
    assert result.exit_code == 0, result.output
    decoder = json.JSONDecoder()
    first, end = decoder.raw_decode(result.output)
    second, _ = decoder.raw_decode(result.output[end:].lstrip())
    assert first["authors"] == ["Mara Example", "Tom Sample"]
    assert first["images"][0]["credit"] == "Photograph: Jo Lens/Example Agency"
    assert second["headline"] == "Second lighthouse story"
    readable = CliRunner().invoke(main, ["extract", str(plain)])
    assert readable.exit_code == 0 and "Mara Example" in readable.output


def test_import_own_article_then_show(tmp_path: Path, env: dict[str, str]) -> None:
    source = tmp_path / "seagrass.txt"
    source.write_text(OWN_ARTICLE, encoding="utf-8")
    runner = CliRunner(env=env)
    refused = runner.invoke(main, ["import", str(source), "--url", "https://courier.example/seagrass"])
    assert refused.exit_code != 0  # unknown publisher and no --create-publisher
    args = [
        "import",
        str(source),
        "--url",
        "https://courier.example/seagrass",
        "--create-publisher",
        "--published",
        "2025-03-04T10:00:00+02:00",
        "--json",
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    stored = json.loads(result.stdout)
    assert stored["publisher_id"] == "the-coastal-courier"
    shown = runner.invoke(main, ["articles", "show", str(stored["article_id"]), "--json"])
    article = json.loads(shown.stdout)
    assert article["title"] == "Seagrass meadows return to the bay after a decade of replanting"
    assert article["published"] == "2025-03-04T08:00:00+00:00"
    assert article["section"] == "Environment" and article["full_text"] is True
    again = runner.invoke(main, args[:-1])
    assert again.exit_code == 0 and "Unchanged article" in again.output


def test_import_seed_stores_the_live_blog(shared_dir: Path, env: dict[str, str]) -> None:
    runner = CliRunner(env=env)
    result = runner.invoke(
        main,
        [
            "import",
            str(shared_dir / SEED),
            "--url",
            "https://example.org/live/zelenskyy",
            "--create-publisher",
            "--published",
            "2025-02-26T07:00:00Z",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    article_id = json.loads(result.stdout)["article_id"]
    shown = json.loads(runner.invoke(main, ["articles", "show", str(article_id), "--json"]).stdout)
    # The default catalog is stored on the first command, so the page finds its publisher there.
    assert shown["publisher_id"] == "guardian-uk" and shown["section"] == "World"
    assert shown["authors"] == ["Léonie Chao-Fong", "Jane Clinton", "Martin Belam", "Tom Bryant"]
    entries = shown["live_entries"]
    assert entries[0]["title"] == "Closing summary" and entries[0]["pinned"] and entries[0]["summary"]
    titles = [e["title"] for e in entries]
    assert titles.count("What are critical minerals and rare earth elements?") == 1
    for text in [shown["body_text"]] + [e["body_text"] for e in entries]:
        assert "Sign up to read this article" not in text and "Fourteen days free" not in text
    readable = runner.invoke(main, ["articles", "show", str(article_id)])
    assert readable.exit_code == 0 and "Closing summary" in readable.output


def test_extract_reads_a_dcr_payload(shared_data: Path) -> None:
    fixture = shared_data / "liveblogs" / "guardian-live-pmqs-2023-12-13.fixture.json"
    result = CliRunner().invoke(main, ["extract", "--json", str(fixture)])
    assert result.exit_code == 0, result.output
    page = json.loads(result.stdout)
    assert page["kind"] == "liveblog" and len(page["live_entries"]) == 12
    assert sum(e["pinned"] for e in page["live_entries"]) == 1


def test_import_html_page_with_named_publisher(tmp_path: Path, env: dict[str, str]) -> None:
    source = tmp_path / "lighthouse.html"
    source.write_text(article_page(), encoding="utf-8")
    runner = CliRunner(env=env)
    args = [
        "import",
        str(source),
        "--publisher",
        "Example Gazette",
        "--create-publisher",
        "--section",
        "Coast",
    ]
    result = runner.invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    stored = json.loads(result.stdout)
    shown = json.loads(runner.invoke(main, ["articles", "show", str(stored["article_id"]), "--json"]).stdout)
    assert shown["url"] == "https://news.example.org/local/2025/mar/01/lighthouse-vote"
    assert shown["section"] == "Coast" and shown["kind"] == "article"
    assert shown["images"][0]["credit"] == "Photograph: Jo Lens/Example Agency"
    assert "seafront would stay open" in shown["body_text"]
    missing = runner.invoke(main, ["articles", "show", "999"])
    assert missing.exit_code != 0
