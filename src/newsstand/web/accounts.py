"""Accounts pages: sign up, sign in and out, password reset, the account page (membership,
confirmed address, time zone, morning edition)."""

from __future__ import annotations

import logging
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from newsstand.errors import AuthenticationError, ConflictError, InvalidFieldError
from newsstand.model import SessionGrant
from newsstand.timezones import known_zones
from newsstand.web.articles import path_id
from newsstand.web.context import WebContext, call, reader_of, render, web
from newsstand.web.security import checked_form, is_secure, safe_next
from newsstand.web.sessions import clear_session, require_reader, session_token, set_session

log = logging.getLogger(__name__)


def field(form: FormData, name: str, limit: int = 500) -> str:
    value = form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


def address(request: Request) -> str:
    return request.client.host if request.client else ""


def base_url(ctx: WebContext, request: Request) -> str:
    """Where links in mail and payment return addresses start: the ``base_url`` setting; else
    this request's address when its host is in ``allowed_hosts`` (a Host header can be forged
    to send a reset token elsewhere); else empty, which the services read as host and port."""
    if ctx.settings.base_url:
        return ctx.settings.base_url.rstrip("/")
    host = (request.url.hostname or "").lower().strip("[]")
    allowed = {name.lower().strip("[]") for name in ctx.settings.allowed_hosts}
    if host and host in allowed:
        return str(request.base_url).rstrip("/")
    if host not in _WARNED_HOSTS and len(_WARNED_HOSTS) < 100:
        _WARNED_HOSTS.add(host)
        log.warning(
            "a request for host %r asked for a link in mail; it is not in allowed_hosts, so the link "
            "points at host:port. Set base_url to the reader's public address.",
            host[:100],
        )
    return ""


_WARNED_HOSTS: set[str] = set()


def signed_in(request: Request, grant: SessionGrant, target: str) -> Response:
    ctx = web(request)
    response = RedirectResponse(target, status_code=303)
    max_age = max(60, int((grant.expires - ctx.clock()).total_seconds()))
    set_session(response, grant.token, max_age=max_age, secure=is_secure(request))
    return response


def form_page(request: Request, template: str, status: int = 200, **values: Any) -> Response:
    values.setdefault("next", safe_next(request.query_params.get("next"), "/"))
    return render(request, template, values, status_code=status)


async def signup_page(request: Request) -> Response:
    return form_page(request, "signup.html")


async def signup(request: Request) -> Response:
    """Create the account and mail the link that confirms the address and signs in. The answer
    is the same page whether or not the address has an account (its owner is mailed instead),
    so the form cannot be used to find out who reads here."""
    ctx = web(request)
    form = await checked_form(request, ctx.secret)
    email, password = field(form, "email", 320), field(form, "password", 1000)
    target = safe_next(field(form, "next"), "/")
    try:
        await call(
            ctx.services.accounts.register,
            email,
            password,
            display_name=field(form, "display_name", 100),
            address=address(request),
            time_zone=field(form, "time_zone", 64),
            base_url=base_url(ctx, request),
        )
    except InvalidFieldError as exc:
        return form_page(
            request, "signup.html", 400, error=str(exc), error_field=exc.field, email=email, next=target
        )
    return form_page(request, "signup_sent.html", email=email, next=target)


async def signin_page(request: Request) -> Response:
    return form_page(request, "signin.html")


async def signin(request: Request) -> Response:
    ctx = web(request)
    form = await checked_form(request, ctx.secret)
    email, target = field(form, "email", 320), safe_next(field(form, "next"), "/")
    try:
        grant = await call(
            ctx.services.accounts.sign_in, email, field(form, "password", 1000), address=address(request)
        )
    except (AuthenticationError, InvalidFieldError):
        return form_page(
            request,
            "signin.html",
            401,
            email=email,
            next=target,
            error="That email and password do not match an account.",
        )
    sep = "&" if "?" in target else "?"
    return signed_in(request, grant, f"{target}{sep}msg=signed-in")


async def signout(request: Request) -> Response:
    ctx = web(request)
    await checked_form(request, ctx.secret)
    await call(ctx.services.accounts.sign_out, session_token(request))
    response = RedirectResponse("/?msg=signed-out", status_code=303)
    clear_session(response, secure=is_secure(request))
    forget_device_copies(response)
    return response


def forget_device_copies(response: Response) -> None:
    """Ask the browser to drop what it keeps of the reader's pages (the service worker's saved
    full texts among them). Browsers without Clear-Site-Data drop them at the next page, whose
    check finds an anonymous reader with nothing to keep."""
    response.headers["Clear-Site-Data"] = '"cache", "storage"'


async def reset_request_page(request: Request) -> Response:
    return form_page(request, "reset_request.html")


async def reset_request(request: Request) -> Response:
    ctx = web(request)
    form = await checked_form(request, ctx.secret)
    await call(
        ctx.services.accounts.request_password_reset,
        field(form, "email", 320),
        address=address(request),
        base_url=base_url(ctx, request),
    )
    return RedirectResponse("/signin?msg=reset-sent", status_code=303)


async def reset_page(request: Request) -> Response:
    return form_page(request, "reset.html", token=request.path_params["token"])


async def reset(request: Request) -> Response:
    ctx = web(request)
    form = await checked_form(request, ctx.secret)
    token = str(request.path_params["token"])
    try:
        await call(ctx.services.accounts.reset_password, token, field(form, "password", 1000))
    except InvalidFieldError as exc:
        return form_page(request, "reset.html", 400, token=token, error=str(exc))
    except AuthenticationError:
        return form_page(
            request,
            "reset.html",
            400,
            token=token,
            expired=True,
            error="This reset link has expired or was used already. Ask for a new one.",
        )
    response = RedirectResponse("/signin?msg=password-reset", status_code=303)
    clear_session(response, secure=is_secure(request))
    return response


async def account_page(request: Request, status: int = 200, **values: Any) -> Response:
    ctx = web(request)
    reader = require_reader(request)
    offer = await call(ctx.services.membership.reader_offer, reader.id)
    digest = await call(ctx.services.digests.choice, reader)
    tokens = await call(ctx.services.tokens.tokens, reader.id)
    app_password = await call(ctx.services.app_passwords.created, reader.id)
    context = {"offer": offer, "digest": digest, "zones": known_zones(), "tokens": tokens}
    context |= {"app_password": app_password, "site_url": str(request.base_url).rstrip("/")}
    response = render(request, "account.html", {**context, **values}, status_code=status)
    if {"new_token", "new_app_password", "new_feed_url"} & values.keys():
        response.headers["Cache-Control"] = "no-store"  # the secret is shown once: keep no copy
    return response


async def create_token(request: Request) -> Response:
    """Make an API token and show its secret on the account page, this once."""
    ctx = web(request)
    reader = require_reader(request)
    form = await checked_form(request, ctx.secret)
    try:
        grant = await call(ctx.services.tokens.create, reader.id, field(form, "name", 200))
    except InvalidFieldError as exc:
        return await account_page(request, 400, token_error=str(exc))
    return await account_page(request, 200, new_token=grant)


async def revoke_token(request: Request) -> Response:
    ctx = web(request)
    reader = require_reader(request)
    await checked_form(request, ctx.secret)
    await call(ctx.services.tokens.revoke, reader.id, path_id(request, "token_id"))
    return RedirectResponse("/account?msg=token-revoked#tokens-h", status_code=303)


async def change_email(request: Request) -> Response:
    ctx = web(request)
    reader = require_reader(request)
    form = await checked_form(request, ctx.secret)
    try:
        await call(
            ctx.services.accounts.change_email,
            reader.id,
            field(form, "current_password", 1000),
            field(form, "email", 320),
            base_url=base_url(ctx, request),
        )
    except (InvalidFieldError, AuthenticationError, ConflictError) as exc:
        return await account_page(request, 400, email_error=_account_error(exc))
    return RedirectResponse("/account?msg=email-changed", status_code=303)


async def change_password(request: Request) -> Response:
    ctx = web(request)
    reader = require_reader(request)
    form = await checked_form(request, ctx.secret)
    try:
        await call(
            ctx.services.accounts.change_password,
            reader.id,
            field(form, "current_password", 1000),
            field(form, "new_password", 1000),
            keep_token=session_token(request),
        )
    except (InvalidFieldError, AuthenticationError) as exc:
        return await account_page(request, 400, password_error=_account_error(exc))
    return RedirectResponse("/account?msg=password-changed", status_code=303)


async def delete_account(request: Request) -> Response:
    ctx = web(request)
    reader = require_reader(request)
    form = await checked_form(request, ctx.secret)
    try:
        await call(ctx.services.accounts.delete_account, reader.id, field(form, "current_password", 1000))
    except AuthenticationError as exc:
        return await account_page(request, 400, delete_error=_account_error(exc))
    response = RedirectResponse("/?msg=deleted", status_code=303)
    clear_session(response, secure=is_secure(request))
    forget_device_copies(response)
    return response


def _account_error(exc: Exception) -> str:
    if isinstance(exc, AuthenticationError):
        return "Your current password was not right."
    if isinstance(exc, ConflictError):
        return "Another account uses that email address."
    return str(exc)


async def verify_email(request: Request) -> Response:
    """The link mailed at sign-up: following it confirms the address (it works once), and signs
    in a browser that is not signed in yet (the one the reader signed up in, usually)."""
    ctx = web(request)
    token = str(request.path_params["token"])
    try:
        if reader_of(request) is not None:
            await call(ctx.services.accounts.verify_email, token)
            return RedirectResponse("/account?msg=verified", status_code=303)
        grant = await call(ctx.services.accounts.confirm_and_sign_in, token, address(request))
    except AuthenticationError:
        return render(request, "verify.html", {"failed": True}, status_code=400)
    return signed_in(request, grant, "/?msg=welcome")


async def resend_verification(request: Request) -> Response:
    ctx = web(request)
    reader = require_reader(request)
    await checked_form(request, ctx.secret)
    await call(ctx.services.accounts.resend_verification, reader.id, base_url=base_url(ctx, request))
    return RedirectResponse("/account?msg=verify-sent", status_code=303)


async def change_time_zone(request: Request) -> Response:
    ctx = web(request)
    reader = require_reader(request)
    form = await checked_form(request, ctx.secret)
    try:
        await call(ctx.services.accounts.set_time_zone, reader.id, field(form, "time_zone", 64))
    except InvalidFieldError as exc:
        return await account_page(request, 400, zone_error=str(exc))
    return RedirectResponse("/account?msg=zone-changed", status_code=303)


routes: list[BaseRoute] = [
    Route("/signup", signup_page, name="signup"),
    Route("/signup", signup, methods=["POST"]),
    Route("/signin", signin_page, name="signin"),
    Route("/signin", signin, methods=["POST"]),
    Route("/signout", signout, methods=["POST"], name="signout"),
    Route("/account/reset", reset_request_page, name="reset_request"),
    Route("/account/reset", reset_request, methods=["POST"]),
    Route("/account/reset/{token}", reset_page, name="reset"),
    Route("/account/reset/{token}", reset, methods=["POST"]),
    Route("/account", account_page, name="account"),
    Route("/account/email", change_email, methods=["POST"]),
    Route("/account/password", change_password, methods=["POST"]),
    Route("/account/delete", delete_account, methods=["POST"]),
    Route("/account/verify/{token}", verify_email, name="verify_email"),
    Route("/account/verify", resend_verification, methods=["POST"]),
    Route("/account/time-zone", change_time_zone, methods=["POST"]),
    Route("/account/tokens", create_token, methods=["POST"]),
    Route("/account/tokens/{token_id}/revoke", revoke_token, methods=["POST"]),
]
