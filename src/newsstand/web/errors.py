"""The one place that maps Newsstand errors to HTTP status codes and pages."""

from __future__ import annotations

import logging
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from newsstand.api.v1 import errors as api_errors
from newsstand.errors import (
    AccountError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    CsrfError,
    InvalidDataError,
    NewsstandError,
    NotFoundError,
    PaymentError,
    PermissionDeniedError,
    RateLimitedError,
    SearchQueryError,
    SignInRequiredError,
    StorageError,
)
from newsstand.web.context import render

log = logging.getLogger(__name__)

# Most specific first: the first class an error is an instance of decides the status.
STATUS: tuple[tuple[type[Exception], int, str], ...] = (
    (NotFoundError, 404, "We could not find that page."),
    (
        CsrfError,
        403,
        "This form has expired or came from another site. Go back, reload the page and try again.",
    ),
    (PermissionDeniedError, 403, "You do not have permission to do that."),
    (AuthenticationError, 401, "That did not work: please check and try again."),
    (RateLimitedError, 429, "Too many attempts. Please wait a minute and try again."),
    (ConflictError, 409, "That exists already."),
    (SearchQueryError, 400, "That search could not be run. Try different words."),
    (BadRequestError, 400, "Something in that request was not right."),
    (InvalidDataError, 400, "Something in that request was not right."),
    (AccountError, 400, "That could not be done for this account."),
    (
        PaymentError,
        502,
        "The payment service did not answer as it should. Nothing was charged; please try again.",
    ),
    (StorageError, 503, "The news store is not answering right now. Please try again shortly."),
    (NewsstandError, 500, "Something went wrong on our side."),
)


def status_for(exc: Exception) -> tuple[int, str]:
    for cls, status, message in STATUS:
        if isinstance(exc, cls):
            return status, message
    return 500, "Something went wrong on our side."


async def handle_error(request: Request, exc: Exception) -> Response:
    """Answer any Newsstand error with the right status, as HTML (or JSON under /api)."""
    if isinstance(exc, SignInRequiredError):
        # After signing in the reader comes back to the page; a form post cannot be replayed.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = "/"
        return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)
    status, message = status_for(exc)
    if status >= 500:
        log.error("error serving %s: %r", request.url.path, exc, exc_info=exc)
    headers = {}
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(max(1, round(exc.retry_after)))
    if request.url.path.startswith("/api/"):
        return api_errors.answer_error(exc)  # the APIs' one error shape
    response = render(request, "error.html", {"status": status, "message": message}, status_code=status)
    response.headers.update(headers)
    return response


async def handle_http(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 as our page."""
    assert isinstance(exc, HTTPException)
    messages = {404: "We could not find that page.", 405: "That page does not accept this kind of request."}
    message = messages.get(exc.status_code, str(exc.detail))
    if request.url.path.startswith("/api/"):
        return await api_errors.handle_http(request, exc)
    return render(request, "error.html", {"status": exc.status_code, "message": message}, exc.status_code)
