"""The app password and the reader's subscriptions as OPML, from the account page and from the
CLI, on SQLite and PostgreSQL: made and shown once, kept only as hashes, revoked at once; OPML
out and in (feeds outside the catalog refused unless the operator lets readers add them)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.cli import main
from newsstand.model import Facet
from newsstand.store import SqlStore
from web.conftest import PASSWORD, Edition, csrf_from, post_form, sign_in

OPML = b"""<?xml version="1.0"?>
<opml version="2.0"><head><title>From another reader</title></head><body>
  <outline text="News"><outline type="rss" text="Ledger" xmlUrl="https://northern-ledger.example/science.xml"/>
  <outline type="rss" text="Elsewhere" xmlUrl="https://elsewhere.example/rss"/></outline>
</body></opml>"""


FOLDERED = b"""<?xml version="1.0"?>
<opml version="2.0"><body>
  <outline text="Commute"><outline type="rss" text="Harbour" xmlUrl="https://harbour-post.example/world.xml"/></outline>
</body></opml>"""


def login_works(client: TestClient, email: str, password: str) -> bool:
    response = client.post("/accounts/ClientLogin", data={"Email": email, "Passwd": password})
    return response.status_code == 200


def test_the_account_page_makes_shows_once_and_revokes(
    client: TestClient, services: Services, edition: Edition, store: SqlStore
) -> None:
    reader = services.accounts.sign_up("page@example.org", PASSWORD)
    sign_in(client, "page@example.org")
    assert "You have no app password yet" in client.get("/account").text
    made = post_form(client, "/account", "/account/app-password", {})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    secret = made.text.split('class="app-password">', 1)[1].split("<", 1)[0]
    assert login_works(client, "page@example.org", secret)
    assert not login_works(client, "page@example.org", PASSWORD)  # the sign-in password is not it
    again = client.get("/account").text
    assert secret not in again and "You made your app password" in again
    record = store.app_password(reader.id)
    assert record is not None and secret not in repr(record) and record.password_hash.startswith("$argon2id$")
    forged = client.post("/account/app-password/revoke", data={"csrf_token": "forged"})
    assert forged.status_code == 403 and login_works(client, "page@example.org", secret)
    assert post_form(client, "/account", "/account/app-password/revoke", {}).status_code == 303
    assert not login_works(client, "page@example.org", secret)


def test_opml_out_and_in_from_the_account_page(
    client: TestClient, services: Services, edition: Edition
) -> None:
    reader = services.accounts.sign_up("opml@example.org", PASSWORD)
    services.interests.follow(reader.id, Facet.PUBLISHER, "harbour-post")
    sign_in(client, "opml@example.org")
    out = client.get("/account/subscriptions.opml")
    assert out.status_code == 200 and b"https://harbour-post.example/world.xml" in out.content
    assert b"northern-ledger" not in out.content
    token = csrf_from(client.get("/account").text)
    done = client.post(
        "/account/subscriptions",
        data={"csrf_token": token},
        files={"opml": ("subs.opml", OPML, "text/x-opml")},
    )
    assert done.status_code == 200 and "Now following 1 publisher: Northern Ledger" in done.text
    assert "https://elsewhere.example/rss" in done.text  # refused: readers may not add feeds here
    assert services.accounts.get_reader(reader.id).followed_publishers == ("harbour-post", "northern-ledger")
    assert "Your folders from the file" not in done.text  # "News" is a section's name, no folder
    foldered = client.post(
        "/account/subscriptions",
        data={"csrf_token": token},
        files={"opml": ("subs.opml", FOLDERED, "text/x-opml")},
    )
    assert "Your folders from the file: Commute" in foldered.text
    following = client.get("/account/following").text
    assert "Commute" in following and '<a href="/publisher/harbour-post">Harbour</a>' in following
    bad = client.post(
        "/account/subscriptions",
        data={"csrf_token": token},
        files={"opml": ("x.opml", b"<!DOCTYPE x [<!ENTITY a 'b'>]><opml/>", "text/x-opml")},
    )
    assert bad.status_code == 400


def test_readers_may_add_feeds_when_the_operator_says_so(services: Services, edition: Edition) -> None:
    reader = services.accounts.sign_up("adds@example.org", PASSWORD)
    services.subscriptions.settings = dataclasses.replace(services.settings, readers_may_add_feeds=True)
    done = services.subscriptions.import_opml(reader, OPML)
    assert done.added == ("https://elsewhere.example/rss",) and done.refused == ()
    feed = services.catalog.find_feed("https://elsewhere.example/rss")
    assert feed is not None and feed.enabled
    followed = services.accounts.get_reader(reader.id).followed_publishers
    assert set(followed) == {"northern-ledger", feed.publisher_id}


@pytest.mark.usefixtures("edition")
def test_the_cli_makes_revokes_exports_and_imports(services: Services, tmp_path: Path) -> None:
    services.accounts.sign_up("cli@example.org", PASSWORD)
    env = {"NEWSSTAND_DATA_DIR": str(tmp_path / "data")}
    if services.settings.database_url:
        env["NEWSSTAND_DATABASE_URL"] = services.settings.database_url
    runner = CliRunner()
    made = runner.invoke(main, ["apps", "password", "cli@example.org"], env=env)
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    assert services.app_passwords.client_login("cli@example.org", secret)
    source = tmp_path / "in.opml"
    source.write_bytes(OPML)
    imported = runner.invoke(main, ["apps", "import", "cli@example.org", str(source)], env=env)
    assert imported.exit_code == 0 and "Following 1 publishers" in imported.stdout
    source.write_bytes(FOLDERED)
    foldered = runner.invoke(main, ["apps", "import", "cli@example.org", str(source)], env=env)
    assert foldered.exit_code == 0 and "Folders: Commute" in foldered.stdout
    target = tmp_path / "out.opml"
    exported = runner.invoke(main, ["apps", "export", "cli@example.org", str(target)], env=env)
    assert exported.exit_code == 0 and b"northern-ledger.example/science.xml" in target.read_bytes()
    revoked = runner.invoke(main, ["apps", "password", "cli@example.org", "--revoke"], env=env)
    assert revoked.exit_code == 0 and "Revoked" in revoked.stdout
    assert services.app_passwords.created(services.accounts.get_reader_by_email("cli@example.org").id) is None
