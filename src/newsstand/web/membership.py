"""Membership pages: plans and prices, the free trial, paying (the provider's checkout), the
provider's portal, and the provider's webhooks.

Renewing takes two clicks: a plan's button here (or on the paywall) goes to the provider's
checkout, where the reader pays.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from newsstand.errors import MembershipError, PaymentError, WebhookPayloadError, WebhookSignatureError
from newsstand.web.accounts import base_url, field
from newsstand.web.context import call, reader_of, render, web
from newsstand.web.library import back_to
from newsstand.web.security import checked_form
from newsstand.web.sessions import require_reader

MAX_WEBHOOK_BYTES = 512 * 1024  # Stripe's events are a few kilobytes


async def membership_page(request: Request) -> Response:
    """The plans for everyone; a signed-in reader's membership, receipts and what they can do."""
    ctx = web(request)
    membership = ctx.services.membership
    reader = reader_of(request)
    values: dict[str, object] = {"offer": membership.offer(None, signed_in=False), "payments": []}
    if reader is not None:
        values["offer"] = await call(membership.reader_offer, reader.id)
        values["payments"] = await call(membership.payments, reader.id)
    return render(request, "membership.html", values)


async def start_trial(request: Request) -> Response:
    ctx = web(request)
    reader = require_reader(request)
    form = await checked_form(request, ctx.secret)
    try:
        await call(ctx.services.membership.start_trial, reader.id)
    except MembershipError:
        return RedirectResponse("/membership", status_code=303)
    return back_to(field(form, "next"), "/membership", "trial")


async def checkout(request: Request) -> Response:
    """A plan's button: off to the provider's checkout page."""
    ctx = web(request)
    reader = require_reader(request)
    form = await checked_form(request, ctx.secret)
    try:
        target = await call(
            ctx.services.membership.checkout, reader.id, field(form, "plan", 64), base_url(ctx, request)
        )
    except MembershipError:
        return RedirectResponse("/membership", status_code=303)
    return RedirectResponse(target, status_code=303)


async def portal(request: Request) -> Response:
    """Card, receipts and cancelling: off to the provider's portal."""
    ctx = web(request)
    reader = require_reader(request)
    await checked_form(request, ctx.secret)
    try:
        target = await call(ctx.services.membership.portal, reader.id, base_url(ctx, request))
    except MembershipError:
        return RedirectResponse("/membership", status_code=303)
    return RedirectResponse(target, status_code=303)


async def stripe_webhook(request: Request) -> Response:
    """Stripe's events. Authenticated by their signature (no session, no CSRF form); 400 for a
    payload that is not Stripe's, so Stripe shows it as failed; 409 for an event about a
    customer not linked to a reader yet, so Stripe sends it again later; 200 for every event
    it may stop resending, applied or not."""
    ctx = web(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
        return JSONResponse({"error": "payload too large"}, 413)
    payload = await request.body()
    if len(payload) > MAX_WEBHOOK_BYTES:
        return JSONResponse({"error": "payload too large"}, 413)
    signature = request.headers.get("stripe-signature", "")
    try:
        result = await call(ctx.services.membership.handle_webhook, payload, signature)
    except (WebhookSignatureError, WebhookPayloadError) as exc:
        return JSONResponse({"error": type(exc).__name__, "message": str(exc)}, 400)
    except PaymentError:  # the manual provider: there is no webhook here
        return JSONResponse({"error": "no payment provider takes webhooks here"}, 404)
    if result is None:
        return JSONResponse({"received": True, "applied": False})
    if result.unmatched:  # Stripe sends it again later, by when its customer is linked
        return JSONResponse({"error": "no reader for this customer yet", "event": result.event_id}, 409)
    return JSONResponse({"received": True, "event": result.event_id, "applied": result.applied})


routes: list[BaseRoute] = [
    Route("/membership", membership_page, name="membership"),
    Route("/membership/trial", start_trial, methods=["POST"]),
    Route("/membership/checkout", checkout, methods=["POST"], name="membership_checkout"),
    Route("/membership/portal", portal, methods=["POST"], name="membership_portal"),
    Route("/webhooks/stripe", stripe_webhook, methods=["POST"], name="stripe_webhook"),
]
