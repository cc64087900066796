"""What every handler shares: the app's services, the signed-in reader, rendering.

Handlers stay thin: ``web(request).services`` gives the application core, ``call``
runs a blocking service call off the event loop, ``render`` fills a template with the
common context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from newsstand.app import Services
from newsstand.app.accounts import Viewer
from newsstand.app.cache import SharedCache, TtlCache
from newsstand.app.loop import LoopStatus
from newsstand.config import Settings
from newsstand.model import Membership, Publisher, Reader
from newsstand.web.assets import Assets
from newsstand.web.livesignals import LiveSignals
from newsstand.web.security import request_csrf_token
from newsstand.web.threads import call as call  # re-exported: handlers import it from here
from newsstand.web.timefmt import current_zone

READER_PAGE_SECONDS = 60.0  # as long as the parts they are made of (app/reading.PARTS_SECONDS)
READER_PAGES = 400


class StreamSlots:
    """How many event streams each client address holds open (in this process)."""

    def __init__(self) -> None:
        self.open: dict[str, int] = {}

    def acquire(self, client: str, limit: int) -> bool:
        """Take a slot for ``client``; False when it holds ``limit`` already."""
        held = self.open.get(client, 0)
        if held >= limit:
            return False
        self.open[client] = held + 1
        return True

    def release(self, client: str) -> None:
        held = self.open.get(client, 0) - 1
        if held > 0:
            self.open[client] = held
        else:
            self.open.pop(client, None)


@dataclass
class WebContext:
    """What every handler shares: the application services, templates and the signing key."""

    services: Services
    templates: Jinja2Templates
    assets: Assets
    secret: bytes
    loop_status: LoopStatus = field(default_factory=LoopStatus)
    live_signals: LiveSignals = field(default_factory=LiveSignals)
    queue: Any = None  # the broker's connection for /healthz and /metrics, made on first use
    stream_seconds: float = 300.0  # a live event stream ends after this; EventSource reconnects
    streams: StreamSlots = field(default_factory=lambda: StreamSlots())  # open live streams
    # Members' pages rendered once for every reader they look the same to (web/fragments.py):
    # a few tens of kilobytes each, so fewer than the parts they are made of.
    reader_pages: SharedCache = field(default_factory=lambda: TtlCache(READER_PAGE_SECONDS, READER_PAGES))

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.services.clock

    @property
    def secure_cookies(self) -> bool:
        """Whether every response is treated as served over https (see web.security)."""
        return self.settings.https or self.settings.base_url.startswith("https://")

    def publisher_map(self) -> dict[str, Publisher]:
        """Publishers by id (from the catalog service's shared cache)."""
        return self.services.catalog.publishers()

    def nav_sections(self, limit: int = 8) -> list[str]:
        """The sections most publishers list, for the compact navigation."""
        return self.services.catalog.nav_sections(limit)


def web(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.web
    return ctx


def viewer_of(request: Request) -> Viewer | None:
    """The signed-in reader with their membership, as the session middleware found them."""
    viewer: Viewer | None = request.scope.get("state", {}).get("viewer")
    return viewer


def reader_of(request: Request) -> Reader | None:
    """The signed-in reader, as the session middleware found it."""
    viewer = viewer_of(request)
    return viewer.reader if viewer else None


def membership_of(request: Request) -> Membership | None:
    viewer = viewer_of(request)
    return viewer.membership if viewer else None


def flash_messages(request: Request) -> list[str]:
    raw = request.query_params.get("msg", "")
    return [FLASHES[raw]] if raw in FLASHES else []


# Messages shown after a redirect, named by a short key so the URL cannot inject text.
FLASHES = {
    "signed-in": "You are signed in.",
    "signed-out": "You are signed out.",
    "welcome": "Welcome! Your free trial has started: every article is yours to read.",
    "trial": "Your free trial has started.",
    "saved": "Saved. It stays readable offline on this device.",
    "unsaved": "Removed from your saved articles.",
    "followed": "Followed. It now shapes your For you list.",
    "unfollowed": "Unfollowed.",
    "nothing-picked": "Nothing was ticked: For you shows what is popular until you pick something.",
    "liked": "Liked: For you ranks articles like it higher.",
    "hidden": "Hidden: For you will not show articles with it.",
    "untrained": "Undone.",
    "folder-removed": "Folder removed. What was in it is still followed.",
    "reset-sent": "If an account exists for that address, we have sent a link to reset the password.",
    "password-reset": "Your password has been changed. Please sign in.",
    "email-changed": "Your email address has been changed.",
    "password-changed": "Your password has been changed; other sessions were signed out.",
    "deleted": "Your account and its data have been deleted.",
    "token-revoked": "The token is revoked: apps using it are signed out.",
    "app-password-revoked": "Your app password is revoked: apps signed in with it are signed out.",
    "picked": "Added to Our picks.",
    "unpicked": "Removed from Our picks.",
    "feed-added": "Feed added; it will be fetched on the next round.",
    "feed-updated": "Feed updated.",
    "membership-updated": "Membership updated.",
    "paid": "Thank you: your payment is being confirmed. Your membership shows here in a moment.",
    "not-paid": "Nothing was paid. Your membership is as it was.",
    "verified": "Thank you: your email address is confirmed.",
    "verify-sent": "We have sent you a link to confirm your email address.",
    "zone-changed": "Times are now shown in your chosen time zone.",
    "digest-on": "Your morning edition is on.",
    "digest-off": "Your morning edition is off.",
    "unsubscribed": "You will get no more morning editions.",
}


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a page with what every page needs: the reader, CSRF token, navigation, flashes."""
    ctx = web(request)
    values = page_values(request, reader_of(request), request_csrf_token(request, ctx.secret))
    values.update(context or {})
    response = ctx.templates.TemplateResponse(request, template, values, status_code=status_code)
    response.headers.setdefault("Cache-Control", "private, no-cache")
    return response


def page_values(request: Request, reader: Any, csrf: str) -> dict[str, Any]:
    """What every page's template is given besides its own values."""
    ctx = web(request)
    return {
        "reader": reader,
        "csrf": csrf,
        "flashes": flash_messages(request),
        "nav_sections": ctx.nav_sections(),
        "now": ctx.clock(),
        "trial_days": ctx.settings.trial_days,
        "tz": current_zone(),
        # After saving or unsaving, the service worker refreshes its offline copies.
        "sync_saved": request.query_params.get("msg") in ("saved", "unsaved"),
    }


def configure_environment(env: Environment, ctx_getter: Callable[[], WebContext]) -> None:
    """Filters and globals the templates use."""
    from newsstand.web import timefmt

    env.filters["iso"] = timefmt.iso
    env.filters["exact"] = timefmt.exact
    env.filters["clock"] = timefmt.clock
    env.filters["zone_name"] = timefmt.zone_name
    env.filters["ago"] = lambda value: timefmt.relative(value, ctx_getter().clock())
    env.globals["static"] = lambda name: ctx_getter().assets.url(name)

    def publisher_name(publisher_id: str) -> str:
        publisher = ctx_getter().publisher_map().get(publisher_id)
        return publisher.name if publisher else publisher_id

    env.globals["publisher_name"] = publisher_name
