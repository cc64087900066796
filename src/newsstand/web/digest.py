"""The morning edition: its settings and preview in the account, and one-click unsubscribe.

The unsubscribe link works without signing in (the token in it is the key). Following it
(GET) only shows a confirmation, because mail scanners follow links; the confirmation's button,
and a mail client's one-click unsubscribe (RFC 8058: a POST with
``List-Unsubscribe=One-Click``), turn the edition off. Neither needs a CSRF token: the token in
the path is the authority, and unsubscribing is all it can do.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from newsstand.errors import InvalidFieldError
from newsstand.web.accounts import base_url, field
from newsstand.web.context import call, render, web
from newsstand.web.security import checked_form
from newsstand.web.sessions import require_reader


async def digest_page(request: Request, status: int = 200, error: str = "") -> Response:
    """The reader's morning edition: when it comes, and what today's would hold."""
    ctx = web(request)
    reader = require_reader(request)
    digests = ctx.services.digests
    choice = await call(digests.choice, reader)
    edition = await call(digests.edition, reader, None, base_url(ctx, request))
    values = {"choice": choice, "edition": edition, "error": error}
    return render(request, "digest.html", values, status_code=status)


async def change_digest(request: Request) -> Response:
    ctx = web(request)
    reader = require_reader(request)
    form = await checked_form(request, ctx.secret)
    enabled = field(form, "enabled", 3) == "1"
    try:
        await call(ctx.services.digests.subscribe, reader, field(form, "time", 10), enabled)
    except InvalidFieldError as exc:
        return await digest_page(request, 400, str(exc))
    return RedirectResponse(
        f"/account/digest?msg={'digest-on' if enabled else 'digest-off'}", status_code=303
    )


async def unsubscribe_page(request: Request) -> Response:
    ctx = web(request)
    token = str(request.path_params["token"])
    subscription = await call(ctx.services.digests.by_token, token)
    return render(request, "unsubscribe.html", {"token": token, "subscription": subscription})


async def unsubscribe(request: Request) -> Response:
    ctx = web(request)
    await call(ctx.services.digests.unsubscribe, str(request.path_params["token"]))
    form = await request.form()
    if form.get("List-Unsubscribe") == "One-Click":  # a mail client, not a person: no page
        return Response(status_code=204)
    return render(request, "unsubscribe.html", {"done": True})


routes: list[BaseRoute] = [
    Route("/account/digest", digest_page, name="digest"),
    Route("/account/digest", change_digest, methods=["POST"]),
    Route("/digest/unsubscribe/{token}", unsubscribe_page, name="unsubscribe"),
    Route("/digest/unsubscribe/{token}", unsubscribe, methods=["POST"]),
]
