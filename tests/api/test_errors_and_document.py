"""One error shape mapped in one place, and the OpenAPI document: valid 3.1, and exactly the
routes the server answers."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate
from starlette.routing import Route
from starlette.testclient import TestClient

from newsstand.api.v1 import OPERATIONS, create_api
from newsstand.api.v1.errors import answer_error
from newsstand.app import Services
from newsstand.errors import ConflictError, InvalidDataError, NotFoundError, StorageError
from web.conftest import Edition

from .conftest import reader_with_token


def error_of(response: object) -> dict[str, object]:
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]  # type: ignore[no-any-return]


def test_errors_have_one_shape_and_the_right_status(client: TestClient, edition: Edition) -> None:
    missing = client.get("/api/v1/articles/999999")
    assert missing.status_code == 404
    assert error_of(missing) == {
        "code": "not_found",
        "message": "article not found: 999999",
        "details": {"what": "article", "key": "999999"},
    }
    for path, parameter in (
        ("/api/v1/articles/abc", "article_id"),
        ("/api/v1/articles/0", "article_id"),
        ("/api/v1/articles?limit=0", "limit"),
        ("/api/v1/articles?limit=101", "limit"),
        ("/api/v1/articles?kind=poem", "kind"),
        ("/api/v1/articles?limit=1&limit=2", "limit"),
        ("/api/v1/search", "q"),
        ("/api/v1/search?q=x&since=yesterday", "since"),
        ("/api/v1/articles/1/entries?since=noon", "since"),
        ("/api/v1/articles/1/entries?since=2026-11-20T12:00:00", "since"),
    ):
        response = client.get(path)
        assert response.status_code == 400, path
        assert error_of(response)["details"] == {"parameter": parameter}, path
    wrong = client.delete("/api/v1/articles")
    assert wrong.status_code == 405 and error_of(wrong)["code"] == "method_not_allowed"
    assert "GET" in wrong.headers["allow"]
    nowhere = client.get("/api/v1/no/such/thing")
    assert nowhere.status_code == 404 and error_of(nowhere)["code"] == "not_found"
    bad_query = client.get("/api/v1/search", params={"q": '"'})
    assert bad_query.status_code in (200, 400)


def test_the_mapping_hides_server_side_details() -> None:
    for exc, status, code in (
        (StorageError("database error: relation secret_table does not exist"), 503, "unavailable"),
        (RuntimeError("a bug with a password=hunter2 in it"), 500, "internal"),
        (ConflictError("reader", "a@b.c"), 409, "conflict"),
        (InvalidDataError("a rule was broken"), 400, "invalid"),
    ):
        response = answer_error(exc)
        body = json.loads(bytes(response.body))
        assert response.status_code == status and body["error"]["code"] == code
        assert "secret_table" not in body["error"]["message"] and "hunter2" not in body["error"]["message"]
    assert answer_error(NotFoundError("story", 3)).status_code == 404


def test_the_document_is_valid_openapi_31_and_matches_the_routes(
    client: TestClient, services: Services
) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    document = response.json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    declared = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    app = create_api(services)
    served = {
        (route.path, method)
        for route in app.routes
        if isinstance(route, Route) and route.path != "/openapi.json"
        for method in (route.methods or ()) - {"HEAD"}
    }
    assert declared == served
    ids = [op.id for op in OPERATIONS]
    assert len(ids) == len(set(ids))
    for path, ops in document["paths"].items():
        for op in ops.values():
            for status, answer in op["responses"].items():
                if status != "204":
                    assert "content" in answer, (path, status)
    text = response.text
    assert "body_text" not in text  # an article's whole text never has a field of its own


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_writes_need_a_token_and_are_idempotent(
    client: TestClient, services: Services, edition: Edition, method: str
) -> None:
    paid = edition.articles["paid"]
    for path in (f"/api/v1/me/saved/{paid}", "/api/v1/me/follows/publishers/harbour-post",
                 "/api/v1/me/follows/sections/World", f"/api/v1/me/read/{paid}"):  # fmt: skip
        assert client.request(method, path).status_code == 401
    _, headers = reader_with_token(services, "writer@example.org")
    for path in (f"/api/v1/me/saved/{paid}", "/api/v1/me/follows/sections/World", f"/api/v1/me/read/{paid}"):
        assert [client.request(method, path, headers=headers).status_code for _ in range(2)] == [204, 204]
    follows = client.get("/api/v1/me/follows", headers=headers).json()
    assert follows["sections"] == (["World"] if method == "PUT" else [])
    if method == "PUT":
        assert client.put("/api/v1/me/saved/999999", headers=headers).status_code == 404
        assert client.put("/api/v1/me/follows/publishers/nobody", headers=headers).status_code == 404
