"""The one place that turns errors into the API's error answers.

Every error answer is ``{"error": {"code", "message", "details"}}`` (``views.ErrorBody``) with
the HTTP status its class calls for. The classes are Newsstand's one exception tree; the first
row a raised error is an instance of decides. Errors of our own making say what went wrong;
server-side failures say only that something did (their text can name database internals).
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from newsstand.api.v1.views import ErrorBody, ErrorDetail
from newsstand.errors import (
    AuthenticationError,
    ConflictError,
    InvalidCursorError,
    InvalidDataError,
    InvalidFieldError,
    InvalidParameterError,
    NewsstandError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    SearchQueryError,
    StorageError,
)

log = logging.getLogger(__name__)

# (class, status, code, whether the error's own text may be shown)
STATUS: tuple[tuple[type[Exception], int, str, bool], ...] = (
    (NotFoundError, 404, "not_found", True),
    (ConflictError, 409, "conflict", True),
    (SearchQueryError, 400, "invalid_query", True),
    (InvalidCursorError, 400, "invalid_cursor", True),
    (InvalidParameterError, 400, "invalid_parameter", True),
    (InvalidFieldError, 400, "invalid_field", True),
    (InvalidDataError, 400, "invalid", True),
    (AuthenticationError, 401, "unauthorized", True),
    (PermissionDeniedError, 403, "forbidden", True),
    (RateLimitedError, 429, "rate_limited", True),
    (StorageError, 503, "unavailable", False),
)
HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}
_HIDDEN = "Something went wrong on our side."
_UNAVAILABLE = "The news store is not answering right now. Try again shortly."


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None, **headers: str
) -> Response:
    body = msgspec.json.encode(ErrorBody(ErrorDetail(code, message, details)))
    all_headers = {"Cache-Control": "no-store", **headers}
    return Response(body, status, headers=all_headers, media_type="application/json")


def _details(exc: Exception) -> dict[str, Any] | None:
    if isinstance(exc, NotFoundError):
        return {"what": exc.what, "key": str(exc.key)[:100]}
    if isinstance(exc, InvalidParameterError):
        return {"parameter": exc.parameter}
    if isinstance(exc, InvalidFieldError):
        return {"field": exc.field}
    if isinstance(exc, RateLimitedError):
        return {"retry_after": max(1, round(exc.retry_after))}
    return None


def answer_error(exc: Exception) -> Response:
    """The error answer for any exception; unexpected ones are logged and answered with 500."""
    for cls, status, code, shown in STATUS:
        if isinstance(exc, cls):
            headers: dict[str, str] = {}
            if isinstance(exc, RateLimitedError):
                headers["Retry-After"] = str(max(1, round(exc.retry_after)))
            if status == 401:
                headers["WWW-Authenticate"] = 'Bearer realm="newsstand"'
            if not shown:
                log.warning("API answered %d: %r", status, exc)
            message = str(exc) if shown else _UNAVAILABLE
            return error_response(status, code, message, _details(exc), **headers)
    log.error("API error: %r", exc, exc_info=exc)
    code = "internal" if not isinstance(exc, NewsstandError) else "server_error"
    return error_response(500, code, _HIDDEN)


async def handle_error(request: Request, exc: Exception) -> Response:
    return answer_error(exc)


async def handle_http(request: Request, exc: Exception) -> Response:
    """Starlette's own answers (no such path, a method the path does not take) in our shape."""
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    code = HTTP_CODES.get(exc.status_code, "http_error")
    message = {404: "There is no such API path.", 405: "This path does not take that method."}.get(
        exc.status_code, str(exc.detail)
    )
    return error_response(exc.status_code, code, message, None, **headers)
