"""What the compatibility APIs (Google Reader, Fever) share: their parameters, which clients
send in the query, the form body or both, and the status an error of ours calls for (the JSON
API's table, so every API answers a given failure with the same status)."""

from __future__ import annotations

import logging

from starlette.datastructures import FormData
from starlette.requests import Request

from newsstand.api.v1.errors import STATUS
from newsstand.errors import CatalogError, RateLimitedError

log = logging.getLogger(__name__)
MAX_FORM_BYTES = 1_000_000


class Params:
    """A request's parameters: the query's, then the form body's (for POST)."""

    def __init__(self, query: list[tuple[str, str]], form: list[tuple[str, str]]) -> None:
        self.pairs = [*query, *form]

    def get(self, name: str, default: str = "") -> str:
        for key, value in self.pairs:
            if key == name:
                return value
        return default

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self.pairs if key == name]

    def __contains__(self, name: str) -> bool:
        return any(key == name for key, _ in self.pairs)


async def params(request: Request) -> Params:
    """The request's query and, for a form POST, its body's fields."""
    form: list[tuple[str, str]] = []
    if request.method == "POST":
        kind = request.headers.get("content-type", "")
        if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")) or not kind:
            data: FormData = await request.form(max_files=0, max_fields=5000)
            form = [(k, v) for k, v in data.multi_items() if isinstance(v, str)]
    return Params(list(request.query_params.multi_items()), form)


def address(request: Request) -> str:
    return request.client.host if request.client else ""


def status_of(exc: Exception) -> tuple[int, str, dict[str, str]]:
    """The HTTP status, a message fit to show and extra headers for an error; unexpected
    errors are logged and answered 500 without their text."""
    if isinstance(exc, CatalogError):  # a feed URL the catalog's rules refuse
        return 400, str(exc), {}
    for cls, status, _, shown in STATUS:
        if isinstance(exc, cls):
            headers = {}
            if isinstance(exc, RateLimitedError):
                headers["Retry-After"] = str(max(1, round(exc.retry_after)))
            if not shown:
                log.warning("compatibility API answered %d: %r", status, exc)
            return status, str(exc) if shown else "The news store is not answering right now.", headers
    log.error("compatibility API error: %r", exc, exc_info=exc)
    return 500, "Something went wrong on our side.", {}
