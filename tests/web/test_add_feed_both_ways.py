"""Adding a feed from the CLI and from the admin page is one rule: the same feeds are accepted,
the same are refused for the same reason, and an accepted one is stored the same way."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.app.catalog import SEEDED_KEY
from newsstand.cli import main
from newsstand.config import load_settings
from newsstand.model import Role
from newsstand.store import SqlStore, open_store

from .conftest import make_reader, post_form, seed, sign_in

CASES = {
    "a new feed": ("https://harbour.example/new.xml", "Business", True),
    "a javascript: URL": ("javascript:alert(1)", "World", False),
    "markup in the URL": ('https://harbour.example/"><script>x</script>.xml', "World", False),
    "an unknown section": ("https://harbour.example/other.xml", "Gossip", False),
    "a feed in the catalog already": ("https://harbour-post.example/world.xml", "World", False),
    "credentials in the URL": ("https://user:secret@harbour.example/feed.xml", "World", False),
}


def cli_add(data_dir: Path, url: str, section: str) -> tuple[bool, str]:
    env = {"NEWSSTAND_DATA_DIR": str(data_dir), "NEWSSTAND_DATABASE_URL": "", "COLUMNS": "200"}
    result = CliRunner(env=env).invoke(
        main, ["sources", "add-feed", "harbour-post", url, "--section", section]
    )
    return result.exit_code == 0, str(result.exception or result.output)


def stored_state(store: SqlStore) -> tuple[list[tuple[str, str, str]], tuple[str, ...]]:
    feeds = sorted((f.url, f.section, f.title) for f in store.list_feeds("harbour-post"))
    return feeds, store.get_publisher("harbour-post").sections


@pytest.mark.parametrize("case", list(CASES))
def test_cli_and_admin_accept_and_refuse_the_same_feeds(
    case: str, client: TestClient, services: Services, web_store: SqlStore, tmp_path: Path
) -> None:
    url, section, accepted = CASES[case]
    seed(web_store)
    web_store.set_meta(SEEDED_KEY, "the test's edition")
    cli_dir = tmp_path / "cli-data"
    cli_store = open_store(load_settings({"NEWSSTAND_DATA_DIR": str(cli_dir), "NEWSSTAND_DATABASE_URL": ""}))
    try:
        seed(cli_store)
        cli_store.set_meta(SEEDED_KEY, "the test's edition")
        cli_ok, cli_says = cli_add(cli_dir, url, section)
        make_reader(services, "ops@example.org", role=Role.ADMIN)
        sign_in(client, "ops@example.org")
        form = {"url": url, "publisher_id": "harbour-post", "section": section}
        response = post_form(client, "/admin/sources", "/admin/feeds", form)
        admin_ok = response.status_code == 303
        assert (cli_ok, admin_ok) == (accepted, accepted), (cli_says, response.text[:300])
        assert stored_state(cli_store) == stored_state(web_store)
        if not accepted:
            assert response.status_code == 400
            if "already exists" not in cli_says:  # the admin words a duplicate for people
                assert cli_says in html.unescape(response.text), cli_says
    finally:
        cli_store.close()
