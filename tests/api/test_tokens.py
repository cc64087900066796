"""API tokens: stored hashed, shown once, last use noted, revoked at once; on both databases."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.errors import InvalidFieldError, NotFoundError
from newsstand.store import SqlStore
from web.conftest import Clock

from .conftest import reader_with_token


def test_only_the_hash_of_a_token_is_stored(services: Services, store: SqlStore) -> None:
    reader = services.accounts.sign_up("ann@example.org", "correct horse battery")
    grant = services.tokens.create(reader.id, "  Reeder   on the phone ")
    assert grant.secret.startswith("nsk_") and len(grant.secret) > 40
    assert grant.token.name == "Reeder on the phone"
    with store.engine.connect() as conn:
        rows = [tuple(str(v) for v in row) for row in conn.execute(sa.text("SELECT * FROM api_tokens"))]
    assert len(rows) == 1
    assert hashlib.sha256(grant.secret.encode()).hexdigest() in rows[0]
    assert not any(grant.secret in value or grant.secret[4:20] in value for value in rows[0])


def test_a_token_is_shown_once_and_lists_without_its_secret(services: Services) -> None:
    reader = services.accounts.sign_up("ann@example.org", "correct horse battery")
    first = services.tokens.create(reader.id, "one")
    second = services.tokens.create(reader.id, "two")
    assert first.secret != second.secret
    listed = services.tokens.tokens(reader.id)
    assert [t.name for t in listed] == ["two", "one"]
    assert all(t.last_used is None for t in listed)
    assert not hasattr(listed[0], "secret")


def test_last_use_is_noted_to_the_minute(services: Services, clock: Clock) -> None:
    reader = services.accounts.sign_up("ann@example.org", "correct horse battery")
    grant = services.tokens.create(reader.id, "app")
    viewer = services.tokens.viewer(grant.secret)
    assert viewer is not None and viewer.reader.id == reader.id
    assert services.tokens.tokens(reader.id)[0].last_used == clock.now
    first_use = clock.now
    clock.advance(seconds=30)
    services.tokens.viewer(grant.secret)
    assert services.tokens.tokens(reader.id)[0].last_used == first_use  # no write for every request
    clock.advance(minutes=2)
    services.tokens.viewer(grant.secret)
    assert services.tokens.tokens(reader.id)[0].last_used == clock.now


def test_revoked_and_unknown_tokens_find_no_reader(services: Services) -> None:
    reader = services.accounts.sign_up("ann@example.org", "correct horse battery")
    other = services.accounts.sign_up("bob@example.org", "correct horse battery")
    grant = services.tokens.create(reader.id, "app")
    with pytest.raises(NotFoundError):
        services.tokens.revoke(other.id, grant.token.id)  # not theirs to revoke
    assert services.tokens.viewer(grant.secret) is not None
    services.tokens.revoke(reader.id, grant.token.id)
    assert services.tokens.viewer(grant.secret) is None
    assert services.tokens.viewer("nsk_" + "A" * 43) is None
    assert services.tokens.viewer("not even the form of a token") is None
    with pytest.raises(NotFoundError):
        services.tokens.revoke(reader.id, grant.token.id)


def test_names_are_checked(services: Services) -> None:
    reader = services.accounts.sign_up("ann@example.org", "correct horse battery")
    for bad in ("", "   ", "x" * 101):
        with pytest.raises(InvalidFieldError):
            services.tokens.create(reader.id, bad)


def test_deleting_an_account_deletes_its_tokens(services: Services, store: SqlStore) -> None:
    reader = services.accounts.sign_up("ann@example.org", "correct horse battery")
    grant = services.tokens.create(reader.id, "app")
    services.accounts.delete_reader(reader.id)
    assert services.tokens.viewer(grant.secret) is None
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM api_tokens")).scalar_one() == 0


def test_the_api_answers_401_once_a_token_is_revoked(client: TestClient, services: Services) -> None:
    reader, headers = reader_with_token(services, "ann@example.org")
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "ann@example.org" and body["token"]["name"] == "test app"
    assert body["token"]["last_used"] is not None
    services.tokens.revoke(reader.id, body["token"]["id"])
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "unauthorized"
    # A revoked token is refused even where no token is needed: the app must learn of it.
    assert client.get("/api/v1/publishers", headers=headers).status_code == 401


def test_authorization_other_than_bearer_is_refused(client: TestClient) -> None:
    response = client.get("/api/v1/publishers", headers={"Authorization": "Basic YWxhZGRpbjpvcGVu"})
    assert response.status_code == 401
    assert client.get("/api/v1/me").status_code == 401
