"""App passwords, Fever keys and Auth tokens never reach the logs, even when a client puts them
in the query string, which the server's access log writes out: a real uvicorn server logging at
INFO, every record captured and formatted."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from newsstand.store import SqlStore
from newsstand.web import create_app
from support import make_services, served
from web.conftest import PASSWORD, make_settings, seed


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextmanager
def logged() -> Iterator[Everything]:
    """Every record of the server's and our loggers (attached once the server has configured
    its logging, which drops handlers it did not set)."""
    handler = Everything()
    loggers = [logging.getLogger(n) for n in ("", "uvicorn", "uvicorn.access", "uvicorn.error", "newsstand")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def test_secrets_never_reach_the_logs(sqlite_store: SqlStore, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    services = make_services(sqlite_store, settings)
    seed(sqlite_store)
    reader = services.accounts.sign_up("quiet@example.org", PASSWORD)
    password = services.app_passwords.create(reader.id)
    key = hashlib.md5(f"quiet@example.org:{password}".encode()).hexdigest()
    with (
        served(create_app(settings, services=services), log_level="info", access_log=True) as url,
        logged() as log,
    ):
        login = httpx.post(
            f"{url}/accounts/ClientLogin", data={"Email": "quiet@example.org", "Passwd": password}
        )
        token = login.text.split("Auth=")[1].strip()
        in_query = httpx.get(
            f"{url}/accounts/ClientLogin", params={"Email": "quiet@example.org", "Passwd": password}
        )
        wrong = httpx.get(
            f"{url}/accounts/ClientLogin", params={"Email": "quiet@example.org", "Passwd": "typo-secret"}
        )
        fever = httpx.post(f"{url}/fever/?api&api_key={key}&feeds")
        atom = httpx.get(
            f"{url}/reader/atom/user/-/state/com.google/reading-list?T={token}",
            headers={"Authorization": f"GoogleLogin auth={token}"},
        )
    assert login.status_code == in_query.status_code == fever.status_code == atom.status_code == 200
    assert wrong.status_code == 401
    text = "\n".join(log.lines)
    assert "ClientLogin" in text and "[hidden]" in text  # the requests were logged, blanked
    for secret in (password, "typo-secret", key, token):
        assert secret not in text
