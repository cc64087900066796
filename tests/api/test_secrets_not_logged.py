"""API tokens and passwords never reach the log (issue 15, item 5): every logger is captured
at DEBUG while tokens are used, refused, revoked and made, and passwords are tried."""

from __future__ import annotations

import logging

import pytest
from starlette.testclient import TestClient

from newsstand.app import Services

from .conftest import PASSWORD, reader_with_token


def test_tokens_and_passwords_never_appear_in_any_log(
    client: TestClient, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: every library's records too
    reader, headers = reader_with_token(services, "logged@example.org")
    secret = headers["Authorization"].removeprefix("Bearer ")
    forged = "nsk_" + "A" * 43
    wrong_password = "a wrong but long password"
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.get("/api/v1/publishers", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Basic {secret}"}).status_code == 401
    assert client.get("/api/v1/articles/abc", headers=headers).status_code in (400, 404)
    token_id = client.get("/api/v1/me", headers=headers).json()["token"]["id"]
    services.tokens.revoke(reader.id, token_id)
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    # The web sign-in, right and wrong, and a token made on the account page.
    page = client.get("/signin").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post(
        "/signin", data={"csrf_token": token, "email": "logged@example.org", "password": wrong_password}
    )
    client.post("/signin", data={"csrf_token": token, "email": "logged@example.org", "password": PASSWORD})
    account = client.get("/account").text
    token = account.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    made = client.post("/account/tokens", data={"csrf_token": token, "name": "logged app"})
    shown = made.text.split("nsk_", 1)[1][:43] if "nsk_" in made.text else ""
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    assert caplog.records, "nothing was logged: the capture is not working"
    for value in (secret, forged, PASSWORD, wrong_password, shown):
        if value:
            assert value not in logged
