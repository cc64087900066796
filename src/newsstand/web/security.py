"""Security by default: response headers, CSRF tokens and safe redirects.

CSRF is a signed double submit bound to the session: the ``ns_csrf`` cookie holds
a random value and every form carries ``HMAC(secret, value, session cookie)``. A
cross-site page can neither read the cookies nor compute the HMAC, a planted cookie
is useless without the key, and a token stops working when the session changes
(sign-in, sign-out), so one shown to a browser before it signed in cannot be
replayed in the signed-in session.

The CSRF cookie is never set on a response a shared cache may keep (static files,
the manifest): a cached response would hand one browser's cookie to everyone.
Cookies are marked Secure and HSTS is sent when the request came over https, or when
the settings say the site is served over https (``https``, or an https ``base_url``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsstand.errors import CsrfError

CSRF_COOKIE = "ns_csrf"
CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "ns_session"
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Publishers' lead images are hotlinked over https; nothing else leaves the site.
        "img-src 'self' https: data:",
        # Audio and video the sanitizer keeps in articles play from the publisher, like images.
        "media-src 'self' https:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "manifest-src 'self'",
        "worker-src 'self'",
    )
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


def security_headers(
    form_targets: tuple[str, ...] = (), frame_sources: tuple[str, ...] = ()
) -> tuple[tuple[bytes, bytes], ...]:
    """The headers every response carries; ``form_targets`` are origins a form may lead to
    besides ours (a payment provider's checkout: CSP's form-action covers the redirect),
    ``frame_sources`` the players an article may embed (the sanitizer's allow-list)."""
    policy = CONTENT_SECURITY_POLICY
    if form_targets:
        policy = policy.replace("form-action 'self'", "form-action 'self' " + " ".join(form_targets))
    policy += "; frame-src " + (" ".join(frame_sources) if frame_sources else "'none'")
    return ((b"content-security-policy", policy.encode()), *SECURITY_HEADERS[1:])


def shared_cacheable(headers: list[tuple[bytes, bytes]]) -> bool:
    """True when a shared cache (a proxy, a CDN) may keep this response for everyone."""
    for name, value in headers:
        if name.lower() == b"cache-control":
            directives = value.decode("latin-1").lower()
            if "private" in directives or "no-store" in directives:
                return False
            return "public" in directives or "immutable" in directives or "max-age" in directives
    return False


ERROR_PAGE = (
    b'<!doctype html><html lang="en"><meta charset="utf-8"><title>Something went wrong</title>'
    b"<main><h1>Something went wrong</h1><p>Something went wrong on our side. "
    b'<a href="/">Go to the front page</a>.</p></main></html>'
)
ERROR_HEADERS = [(b"content-type", b"text/html; charset=utf-8"), (b"cache-control", b"no-store")]


class SecurityMiddleware:
    """Adds the security headers to every response and hands out the CSRF cookie.

    Pure ASGI (not BaseHTTPMiddleware) so streamed responses such as the live
    event stream pass straight through.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        secure_cookies: bool,
        form_targets: tuple[str, ...] = (),
        frame_sources: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.secure_cookies = secure_cookies
        self.headers = security_headers(form_targets, frame_sources)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = self.secure_cookies or scope.get("scheme") == "https"
        state = scope.setdefault("state", {})
        state["secure"] = secure
        found = _cookie_value(scope, CSRF_COOKIE)
        new_cookie = found is None or len(found) < 32
        raw = secrets.token_urlsafe(32) if found is None or new_cookie else found
        state["csrf_raw"] = raw
        cookie = _cookie_header(CSRF_COOKIE, raw, secure=secure) if new_cookie else None
        extra = (*self.headers, HSTS) if secure else self.headers

        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in extra if h[0] not in present)
                if cookie is not None and not shared_cacheable(headers):
                    headers.append((b"set-cookie", cookie.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            # A bug escaped every handler: answer with a plain error page that still carries the
            # security headers, then let the server log the exception.
            if not started:
                await send_wrapper({"type": "http.response.start", "status": 500, "headers": ERROR_HEADERS})
                await send_wrapper({"type": "http.response.body", "body": ERROR_PAGE})
            raise


def _cookie_value(scope: Scope, name: str) -> str | None:
    """The value of cookie ``name`` in the request, or None.

    A plain split rather than ``http.cookies.SimpleCookie``, whose parsing (a Morsel per
    cookie, regular expressions) was a tenth of a member's page: our own cookies are URL-safe
    tokens, never quoted. Every Cookie header counts (HTTP/2 may send several)."""
    prefix = name + "="
    for key, value in scope.get("headers", []):
        if key != b"cookie":
            continue
        header: str = value.decode("latin-1")
        for part in header.split(";"):
            part = part.strip()
            if part.startswith(prefix):
                found = part[len(prefix) :]
                return found[1:-1] if len(found) >= 2 and found[0] == found[-1] == '"' else found
    return None


def _cookie_header(name: str, value: str, *, secure: bool, max_age: int | None = None) -> str:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def csrf_token(secret: bytes, raw: str, session: str = "") -> str:
    """The form token that matches the cookie value ``raw`` in the session whose cookie is
    ``session`` (empty for an anonymous browser)."""
    message = b"csrf:" + raw.encode() + b"\x00" + session.encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def request_csrf_token(request: Request, secret: bytes) -> str:
    session = _cookie_value(request.scope, SESSION_COOKIE) or ""
    return csrf_token(secret, str(request.scope["state"]["csrf_raw"]), session)


def check_csrf(form: FormData, request: Request, secret: bytes) -> None:
    """Raise CsrfError unless the form's token matches this browser's cookie and session."""
    raw = _cookie_value(request.scope, CSRF_COOKIE)
    session = _cookie_value(request.scope, SESSION_COOKIE) or ""
    sent = form.get(CSRF_FIELD)
    if not raw or not isinstance(sent, str) or not sent:
        raise CsrfError("missing CSRF token")
    if not hmac.compare_digest(sent, csrf_token(secret, raw, session)):
        raise CsrfError("CSRF token does not match")


def is_secure(request: Request) -> bool:
    """Whether this request's cookies are marked Secure (see the module's docstring)."""
    return bool(request.scope.get("state", {}).get("secure", False))


async def checked_form(request: Request, secret: bytes) -> FormData:
    """Read a posted form, refusing it without a valid CSRF token. Raises CsrfError."""
    form = await request.form()
    check_csrf(form, request, secret)
    return form


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after signing in; anything that could leave the site becomes ``default``.

    Refuses absolute URLs, scheme-relative ``//host`` and ``/\\host`` forms, and control characters.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(c) < 32 or c == "\\" for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def session_cookie(name: str, value: str, *, secure: bool, max_age: int) -> str:
    """A Set-Cookie value for the session: HttpOnly, SameSite=Lax, Secure behind https."""
    return _cookie_header(name, value, secure=secure, max_age=max_age)
