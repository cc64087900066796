"""What every handler shares: the app's services, the signed-in reader, rendering.

Handlers stay thin: ``web(request)`` gives the services, ``call`` runs a blocking
store call off the event loop, ``render`` fills a template with the common context.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from jinja2 import Environment
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from newsstand.accounts import Accounts
from newsstand.config import Settings
from newsstand.model import Publisher, Reader, utcnow
from newsstand.store.base import Store
from newsstand.web.assets import Assets
from newsstand.web.security import request_csrf_token

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class IngestStatus:
    """What the in-process ingestion last reported, shown on the admin pages and empty states."""

    enabled: bool = False
    running: bool = False  # the first round is in progress
    rounds: int = 0
    last_round: datetime | None = None
    last_summary: str = ""
    last_error: str = ""
    polls: int = 0  # feed polls since start, every round counted
    failures: int = 0
    last_activity: datetime | None = None


@dataclass
class TtlCache:
    """A tiny time-based cache for data many readers share (the home page's lists)."""

    seconds: float
    _values: dict[str, tuple[float, Any]] = field(default_factory=dict)

    def get(self, key: str) -> Any | None:
        hit = self._values.get(key)
        if hit is None or time.monotonic() - hit[0] > self.seconds:
            return None
        return hit[1]

    def put(self, key: str, value: Any) -> None:
        if self.seconds > 0:
            self._values[key] = (time.monotonic(), value)

    def clear(self) -> None:
        self._values.clear()


@dataclass
class WebContext:
    settings: Settings
    store: Store
    accounts: Accounts
    templates: Jinja2Templates
    assets: Assets
    secret: bytes
    clock: Callable[[], datetime] = utcnow
    cache: TtlCache = field(default_factory=lambda: TtlCache(5.0))
    ingest: IngestStatus = field(default_factory=IngestStatus)
    stream_seconds: float = 300.0  # a live event stream ends after this; EventSource reconnects
    publishers: dict[str, Publisher] = field(default_factory=dict)
    publishers_loaded: float = 0.0
    _nav: list[str] = field(default_factory=list)
    _nav_for: dict[str, Publisher] | None = None

    @property
    def secure_cookies(self) -> bool:
        return self.settings.base_url.startswith("https://")

    def publisher_map(self) -> dict[str, Publisher]:
        """Publishers by id, refreshed at most every few seconds (they change rarely)."""
        if time.monotonic() - self.publishers_loaded > 10 or not self.publishers:
            self.publishers = {p.id: p for p in self.store.list_publishers()}
            self.publishers_loaded = time.monotonic()
        return self.publishers

    def forget_publishers(self) -> None:
        self.publishers_loaded = 0.0

    def nav_sections(self, limit: int = 8) -> list[str]:
        """The sections most publishers list, for the compact navigation."""
        publishers = self.publisher_map()
        if self._nav_for is not publishers:  # recomputed only when the publishers were reloaded
            counts: Counter[str] = Counter()
            for publisher in publishers.values():
                counts.update({s.strip().title() for s in publisher.sections if s.strip()})
            self._nav = [name for name, _ in counts.most_common(30)]
            self._nav_for = publishers
        return self._nav[:limit]


def web(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.web
    return ctx


async def call(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking store or service call in the thread pool."""
    return await run_in_threadpool(fn, *args, **kwargs)


def reader_of(request: Request) -> Reader | None:
    """The signed-in reader, as the session middleware found it."""
    reader: Reader | None = request.scope.get("state", {}).get("reader")
    return reader


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
    "reset-sent": "If an account exists for that address, we have sent a link to reset the password.",
    "password-reset": "Your password has been changed. Please sign in.",
    "email-changed": "Your email address has been changed.",
    "password-changed": "Your password has been changed; other sessions were signed out.",
    "deleted": "Your account and its data have been deleted.",
    "picked": "Added to Our picks.",
    "unpicked": "Removed from Our picks.",
    "feed-added": "Feed added; it will be fetched on the next round.",
    "feed-updated": "Feed updated.",
    "membership-updated": "Membership updated.",
}


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a page with what every page needs: the reader, CSRF token, navigation, flashes."""
    ctx = web(request)
    values: dict[str, Any] = {
        "reader": reader_of(request),
        "csrf": request_csrf_token(request, ctx.secret),
        "flashes": flash_messages(request),
        "nav_sections": ctx.nav_sections(),
        "now": ctx.clock(),
        "trial_days": ctx.settings.trial_days,
        # After saving or unsaving, the service worker refreshes its offline copies.
        "sync_saved": request.query_params.get("msg") in ("saved", "unsaved"),
    }
    values.update(context or {})
    response = ctx.templates.TemplateResponse(request, template, values, status_code=status_code)
    response.headers.setdefault("Cache-Control", "private, no-cache")
    return response


def configure_environment(env: Environment, ctx_getter: Callable[[], WebContext]) -> None:
    """Filters and globals the templates use."""
    from newsstand.web import timefmt

    env.filters["iso"] = timefmt.iso
    env.filters["exact"] = timefmt.exact
    env.filters["clock"] = timefmt.clock
    env.filters["ago"] = lambda value: timefmt.relative(value, ctx_getter().clock())
    env.globals["static"] = lambda name: ctx_getter().assets.url(name)

    def publisher_name(publisher_id: str) -> str:
        publisher = ctx_getter().publishers.get(publisher_id)
        return publisher.name if publisher else publisher_id

    env.globals["publisher_name"] = publisher_name
