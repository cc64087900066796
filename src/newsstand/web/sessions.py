"""Who is reading: the session cookie resolved to a Reader once per request."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from newsstand.app.accounts import AccountService
from newsstand.errors import PermissionDeniedError, SignInRequiredError
from newsstand.model import Reader
from newsstand.web.context import call, reader_of
from newsstand.web.security import SESSION_COOKIE, _cookie_value, session_cookie
from newsstand.web.timefmt import ZONE


class SessionMiddleware:
    """Looks the session token up through the accounts service (the reader and membership in one
    read); anonymous requests cost nothing."""

    def __init__(self, app: ASGIApp, accounts: AccountService) -> None:
        self.app = app
        self.accounts = accounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        viewer = None
        if scope["type"] == "http":
            state = scope.setdefault("state", {})
            token = _cookie_value(scope, SESSION_COOKIE)
            state["session_token"] = token
            viewer = self.accounts.remembered_viewer(token) if token else None
            if token and viewer is None:
                viewer = await call(self.accounts.viewer, token)
            state["viewer"] = viewer
        # Times on every page of this request (and in threads it starts) in the reader's zone.
        zone = ZONE.set(self.accounts.mail.zone_of(viewer.reader if viewer else None))
        try:
            await self.app(scope, receive, send)
        finally:
            ZONE.reset(zone)


def session_token(request: Request) -> str | None:
    token: str | None = request.scope.get("state", {}).get("session_token")
    return token


def set_session(response: Response, token: str, *, max_age: int, secure: bool) -> None:
    response.headers.append(
        "set-cookie", session_cookie(SESSION_COOKIE, token, secure=secure, max_age=max_age)
    )


def clear_session(response: Response, *, secure: bool) -> None:
    response.headers.append("set-cookie", session_cookie(SESSION_COOKIE, "", secure=secure, max_age=0))


def require_reader(request: Request) -> Reader:
    """The signed-in reader. Raises SignInRequiredError (a redirect to sign in) for anonymous requests."""
    reader = reader_of(request)
    if reader is None:
        raise SignInRequiredError("sign in to see this page")
    return reader


def require_editor(request: Request) -> Reader:
    reader = require_reader(request)
    if not reader.is_editor:
        raise PermissionDeniedError("editors only")
    return reader


def require_admin(request: Request) -> Reader:
    reader = require_reader(request)
    if not reader.is_admin:
        raise PermissionDeniedError("operators only")
    return reader
