"""A reader's own things through the API: follows shape For you, saved, read and unread; and the
same tokens made and revoked from the account page and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.cli import main
from web.conftest import Edition, post_form, sign_in

from .conftest import reader_with_token


def test_follows_saved_and_read_state(client: TestClient, services: Services, edition: Edition) -> None:
    reader, headers = reader_with_token(services, "things@example.org")
    paid, open_ = edition.articles["paid"], edition.articles["open"]
    assert client.get("/api/v1/me/for-you", headers=headers).json() == {"items": [], "next_cursor": None}
    client.put("/api/v1/me/follows/publishers/northern-ledger", headers=headers)
    cards = client.get("/api/v1/me/for-you", headers=headers).json()["items"]
    assert {c["article"]["publisher_id"] for c in cards} == {"northern-ledger"}
    assert cards[0]["reason"] == "Because you follow Northern Ledger"
    assert client.get("/api/v1/me/follows", headers=headers).json()["publishers"] == ["northern-ledger"]
    client.put(f"/api/v1/me/saved/{paid}", headers=headers)
    assert client.get(f"/api/v1/articles/{paid}", headers=headers).json()["saved"] is True
    client.delete(f"/api/v1/me/saved/{paid}", headers=headers)
    assert client.get("/api/v1/me/saved", headers=headers).json()["items"] == []
    client.put(f"/api/v1/me/read/{open_}", headers=headers)
    history = client.get("/api/v1/me/history", headers=headers).json()["items"]
    assert [h["article"]["id"] for h in history] == [paid, open_] or [
        h["article"]["id"] for h in history
    ] == [
        open_,
        paid,
    ]
    client.delete(f"/api/v1/me/read/{open_}", headers=headers)
    assert [
        h["article"]["id"] for h in client.get("/api/v1/me/history", headers=headers).json()["items"]
    ] == [paid]
    # Marking read is not a read for payment: the one reading record is the paid article's,
    # read in full above.
    open_publisher = services.store.get_articles([open_])[0].publisher_id
    paid_publisher = services.store.get_articles([paid])[0].publisher_id
    records = services.store.paid_reads(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    mine = [r.publisher_id for r in records if r.reader_ref == f"reader:{reader.id}"]
    assert mine == [paid_publisher] and open_publisher != paid_publisher


def test_the_account_page_makes_a_token_shown_once_and_revokes_it(
    client: TestClient, services: Services, edition: Edition
) -> None:
    services.accounts.sign_up("page@example.org", "correct horse battery")
    sign_in(client, "page@example.org", "correct horse battery")
    made = post_form(client, "/account", "/account/tokens", {"name": "NetNewsWire"})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    secret = made.text.split('class="token-secret">', 1)[1].split("<", 1)[0]
    assert secret.startswith("nsk_")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    again = client.get("/account").text
    assert "NetNewsWire" in again and secret not in again
    token_id = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()["token"]["id"]
    refused = client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    revoked = post_form(client, "/account", f"/account/tokens/{token_id}/revoke", {})
    assert revoked.status_code == 303
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    empty = post_form(client, "/account", "/account/tokens", {"name": "  "})
    assert empty.status_code == 400 and "Give the token a name" in empty.text


@pytest.mark.usefixtures("edition")
def test_the_cli_makes_lists_and_revokes_tokens(
    services: Services, tmp_path: Path, store_settings: object
) -> None:
    services.accounts.sign_up("cli@example.org", "correct horse battery")
    env = {"NEWSSTAND_DATA_DIR": str(tmp_path / "data")}
    url = services.settings.database_url
    if url:
        env["NEWSSTAND_DATABASE_URL"] = url
    runner = CliRunner()
    made = runner.invoke(main, ["tokens", "create", "cli@example.org", "--name", "newsboat"], env=env)
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip().splitlines()[-1]
    viewer = services.tokens.viewer(secret)
    assert viewer is not None and viewer.reader.email == "cli@example.org"
    listed = runner.invoke(main, ["tokens", "list", "cli@example.org", "--json"], env=env)
    assert '"name": "newsboat"' in listed.stdout and secret not in listed.stdout
    gone = runner.invoke(main, ["tokens", "revoke", "cli@example.org", str(viewer.token.id)], env=env)
    assert gone.exit_code == 0 and services.tokens.viewer(secret) is None
    again = runner.invoke(main, ["tokens", "revoke", "cli@example.org", str(viewer.token.id)], env=env)
    assert again.exit_code == 1
