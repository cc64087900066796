"""The account page's part for reader apps: the app password that Google Reader and Fever
clients sign in with (made, shown once, revoked), and the reader's subscriptions as OPML
(exported, imported)."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from newsstand.errors import CatalogError
from newsstand.web.accounts import account_page
from newsstand.web.context import call, web
from newsstand.web.security import checked_form
from newsstand.web.sessions import require_reader

MAX_OPML_BYTES = 5_000_000


async def create_app_password(request: Request) -> Response:
    """Make a new app password (the old one stops working) and show it on the page, this once."""
    ctx = web(request)
    reader = require_reader(request)
    await checked_form(request, ctx.secret)
    secret = await call(ctx.services.app_passwords.create, reader.id)
    return await account_page(request, 200, new_app_password=secret)


async def revoke_app_password(request: Request) -> Response:
    ctx = web(request)
    reader = require_reader(request)
    await checked_form(request, ctx.secret)
    await call(ctx.services.app_passwords.revoke, reader.id)
    return RedirectResponse("/account?msg=app-password-revoked#apps-h", status_code=303)


async def export_subscriptions(request: Request) -> Response:
    ctx = web(request)
    reader = require_reader(request)
    data = await call(ctx.services.subscriptions.export_opml, reader)
    headers = {
        "Content-Disposition": 'attachment; filename="newsstand-subscriptions.opml"',
        "Cache-Control": "private, no-store",
    }
    return Response(data, media_type="text/x-opml; charset=utf-8", headers=headers)


async def import_subscriptions(request: Request) -> Response:
    """Follow what an OPML file from another reader lists; say what was followed and refused."""
    ctx = web(request)
    reader = require_reader(request)
    form = await checked_form(request, ctx.secret)
    upload = form.get("opml")
    if not isinstance(upload, UploadFile):
        return await account_page(request, 400, opml_error="Choose an OPML file to import.")
    data = await upload.read(MAX_OPML_BYTES + 1)
    if len(data) > MAX_OPML_BYTES:
        return await account_page(request, 400, opml_error="That file is too large for an OPML file.")
    try:
        done = await call(ctx.services.subscriptions.import_opml, reader, data)
    except CatalogError as exc:
        return await account_page(request, 400, opml_error=str(exc))
    return await account_page(request, 200, opml_done=done)


routes: list[BaseRoute] = [
    Route("/account/app-password", create_app_password, methods=["POST"]),
    Route("/account/app-password/revoke", revoke_app_password, methods=["POST"]),
    Route("/account/subscriptions.opml", export_subscriptions),
    Route("/account/subscriptions", import_subscriptions, methods=["POST"]),
]
