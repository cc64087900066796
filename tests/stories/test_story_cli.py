from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from story_samples import FERRY

from newsstand.cli import main
from newsstand.cli._common import run_cli
from newsstand.config import load_settings
from newsstand.model import Article, utcnow
from newsstand.store import open_store


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSSTAND_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NEWSSTAND_DATABASE_URL", raising=False)
    monkeypatch.delenv("NEWSSTAND_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    store = open_store(load_settings())
    recent = utcnow() - timedelta(hours=2)
    for n, (publisher, title, body) in enumerate(FERRY):
        url = f"https://{publisher}.example/{n}"
        store.upsert_article(Article(publisher, url, title, recent, body_text=body))
    store.close()
    return tmp_path / "data"


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, ["stories", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_update_list_show_rebuild(data_dir: Path) -> None:
    assert _run("update").startswith("3 articles placed")
    assert _run("update").startswith("0 articles placed")
    (story,) = json.loads(_run("list", "--json"))
    assert len(story["article_ids"]) == 3
    (top,) = json.loads(_run("list", "--top", "--json"))
    assert top["id"] == story["id"]
    shown = json.loads(_run("show", str(story["id"]), "--json"))
    assert {a["publisher_id"] for a in shown["articles"]} == {p for p, _, _ in FERRY}
    assert "Aldora" in _run("show", str(story["id"]))
    assert "Recent stories" in _run("list")
    assert _run("rebuild").startswith("3 articles placed")


def test_show_unknown_story_fails_cleanly(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["newsstand", "stories", "show", "999"])
    assert run_cli(main) == 1
