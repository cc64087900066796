"""Schemathesis against the JSON API served for real by uvicorn on 127.0.0.1: requests generated
from the OpenAPI document (valid and invalid ones), and every answer checked against it: no
server error, a documented status, content type, headers and body schema.

Bounded: a fixed number of examples per operation (a few hundred in all), a fixed seed-free
budget, well under two minutes on the development machine."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from newsstand.api.v1.app import OPERATIONS, describe
from newsstand.api.v1.spec import document
from newsstand.app.stories import update_stories
from newsstand.config import load_settings
from newsstand.model import utcnow
from newsstand.sample import load_sample_edition
from newsstand.store import open_store
from newsstand.web import create_app
from support import make_services, served

from .conftest import api_settings, reader_with_token, seed_api

pytestmark = pytest.mark.slow
EXAMPLES = 10  # per operation and database: 36 operations, about 720 requests in all


@dataclass(frozen=True)
class Server:
    base: str
    token: str


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> Iterator[str]:
    """ "" for SQLite, else the URL of a PostgreSQL database of this module's own (the session's
    shared one is emptied between other tests, which may run in between on this worker)."""
    if request.param == "sqlite":
        yield ""
        return
    from conftest import _create_pg_database

    url, drop = _create_pg_database()
    try:
        yield url
    finally:
        drop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, database: str) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("schemathesis")
    env = {"NEWSSTAND_DATA_DIR": str(Path(data))}
    if database:
        env["NEWSSTAND_DATABASE_URL"] = database
    settings_ = api_settings(load_settings(environ=env, config_file=None))
    store = open_store(settings_)
    now = utcnow()
    load_sample_edition(store, now)
    seed_api(store, now)
    update_stories(store, now)
    services = make_services(store, settings_)
    _, headers = reader_with_token(services, "schemathesis@example.org")
    TOKEN["value"] = headers["Authorization"]
    with served(create_app(settings_, services=services)) as base:
        yield Server(base, headers["Authorization"])
    store.close()


# The document as the API module writes it; the test below checks that the server serves this one.
schema = schemathesis.openapi.from_dict(document(OPERATIONS, describe()))


TOKEN: dict[str, str] = {}  # the server fixture's reader's token, for the auth provider


@schema.auth()
class BearerToken:
    """Sends the test reader's token, except where schemathesis leaves auth out on purpose (then
    the API must answer 401)."""

    def get(self, case: schemathesis.Case, context: object) -> str:
        return TOKEN.get("value", "Bearer not-yet")  # asked once while collecting

    def set(self, case: schemathesis.Case, data: str, context: object) -> None:
        case.headers = {**(case.headers or {}), "Authorization": data}


def test_the_server_serves_the_document_under_test(server: Server) -> None:
    served = httpx.get(f"{server.base}/api/v1/openapi.json").json()
    assert served == schema.raw_schema


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_the_api_keeps_to_its_document(case: schemathesis.Case, server: Server) -> None:
    case.call_and_validate(
        base_url=f"{server.base}/api/v1",
        # Every other check runs. This one expects every schema-valid request to succeed, but a
        # cursor is any string in the schema and only the API's own cursors are meaningful; a
        # made-up one is rightly a 400 (as a day like 2023-02-31 is).
        excluded_checks=[positive_data_acceptance],
    )
