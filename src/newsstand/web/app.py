"""The web reader's app factory."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount
from starlette.templating import Jinja2Templates

from newsstand.api import v1 as api_v1
from newsstand.api.fever import create_fever
from newsstand.api.greader import create_greader
from newsstand.app import Services, services_for
from newsstand.app.cache import TtlCache
from newsstand.config import Settings
from newsstand.errors import ConfigError, NewsstandError
from newsstand.markup.sanitize import embed_sources
from newsstand.web import accounts as account_pages
from newsstand.web import (
    admin,
    articles,
    browse,
    digest,
    home,
    interests,
    library,
    live,
    logredact,
    membership,
    ops,
    payouts,
    pwa,
    search,
    stories,
    threads,
)
from newsstand.web import apps as app_pages
from newsstand.web import feeds as feed_pages
from newsstand.web import websub as websub_pages
from newsstand.web.assets import Assets, VersionedStatic
from newsstand.web.context import READER_PAGE_SECONDS, READER_PAGES, WebContext, configure_environment
from newsstand.web.errors import handle_error, handle_http
from newsstand.web.ops import RequestMiddleware
from newsstand.web.pagecache import PageCacheMiddleware
from newsstand.web.security import SecurityMiddleware
from newsstand.web.sessions import SessionMiddleware

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

BackgroundTask = Callable[[WebContext], Coroutine[Any, Any, None]]


def load_secret(settings: Settings) -> bytes:
    """The signing key: the ``secret_key`` setting, else one generated once into data_dir/secret_key."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.data_path / "secret_key"
    try:
        if path.is_file():
            return path.read_text(encoding="utf-8").strip().encode()
        settings.data_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            value = secrets.token_urlsafe(48)
            fh.write(value)
        return value.encode()
    except FileExistsError:  # another process created it first
        return path.read_text(encoding="utf-8").strip().encode()
    except OSError as exc:
        raise ConfigError(f"cannot read or create {path}: {exc}", "secret_key") from exc


def form_targets(settings: Settings) -> tuple[str, ...]:
    """Origins besides our own that forms may lead to: the payment provider's checkout and
    portal (a plan's button posts here and is redirected there)."""
    if settings.payment_provider != "stripe":
        return ()
    if settings.stripe_api_base:  # a local stand-in serves its pages where its API is
        parts = urlsplit(settings.stripe_api_base)
        return (f"{parts.scheme}://{parts.netloc}",)
    return ("https://checkout.stripe.com", "https://billing.stripe.com")


def _routes(assets: Assets) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    modules = (
        home,
        articles,
        live,
        stories,
        search,
        browse,
        library,
        interests,
        account_pages,
        app_pages,
        feed_pages,
        websub_pages,
        membership,
        digest,
        admin,
        payouts,
        pwa,
        ops,
    )
    for module in modules:
        routes.extend(module.routes)
    routes.append(Mount("/static", app=VersionedStatic(assets), name="static"))
    return routes


def _api_routes(services: Services) -> list[BaseRoute]:
    """The reader-app APIs, each mounted on its own prefix (one line per API)."""
    return [
        Mount("/api/v1", app=api_v1.create_api(services), name="api_v1"),
        *create_greader(services),
        *create_fever(services),
    ]


def build_context(services: Services) -> WebContext:
    """What every handler shares, with the template environment configured."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(default=True), auto_reload=False
    )
    ctx = WebContext(
        services=services,
        templates=Jinja2Templates(env=env),
        assets=Assets(),
        secret=load_secret(services.settings),
        reader_pages=TtlCache(READER_PAGE_SECONDS if services.cache.seconds > 0 else 0, READER_PAGES),
    )
    configure_environment(env, lambda: ctx)
    return ctx


def freeze_startup_objects() -> None:
    """Leave what exists once the app is built (modules, templates, the catalog: some 140,000
    objects) out of every later garbage collection. Each full collection walked all of them:
    70 ms of CPU, and pauses of 250-450 ms under load, the worst of members' p99 latency
    (bench/web.py, docs/decisions.md). Objects made while serving are collected as before."""
    gc.collect()
    gc.freeze()


def make_lifespan(
    ctx: WebContext, background: BackgroundTask | None, close_store: bool
) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    """Runs ``background`` while the app serves; closes the store afterwards when the app opened it."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        logredact.install()  # again: the server may have configured its loggers since
        freeze_startup_objects()
        task = asyncio.create_task(background(ctx)) if background is not None else None
        ctx.live_signals.start(ctx.services)
        try:
            yield
        finally:
            ctx.live_signals.stop()
            if task is not None:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
            if ctx.queue is not None:
                ctx.queue.close()
            if close_store:
                ctx.services.close()

    return lifespan


def create_app(
    settings: Settings,
    *,
    services: Services | None = None,
    background: BackgroundTask | None = None,
) -> Starlette:
    """Build the reader over ``services`` (the caller closes them), or over a store opened from
    settings and closed with the app.

    ``background`` runs for the app's lifetime (``newsstand serve`` passes in-process ingestion).
    """
    own = services is None
    logredact.install()
    ctx = build_context(services if services is not None else services_for(settings))
    threads.configure(settings.web_threads)
    app = Starlette(
        routes=[*_api_routes(ctx.services), *_routes(ctx.assets)],
        middleware=[
            Middleware(RequestMiddleware, ctx=ctx),
            Middleware(
                SecurityMiddleware,
                secure_cookies=ctx.secure_cookies,
                form_targets=form_targets(settings),
                frame_sources=embed_sources(),
            ),
            Middleware(PageCacheMiddleware, seconds=settings.home_cache_seconds),
            Middleware(SessionMiddleware, accounts=ctx.services.accounts),
        ],
        exception_handlers={
            NewsstandError: handle_error,
            HTTPException: handle_http,
        },
        lifespan=make_lifespan(ctx, background, close_store=own),
    )
    app.state.web = ctx
    return app


SERVE_INGEST_VARIABLE = "NEWSSTAND_SERVE_INGEST"  # "0": `serve --no-ingest` (not a setting)


def app_from_environment() -> Starlette:
    """The app one of several web processes serves (``newsstand serve --workers N``): settings
    from the environment and files as the parent read them, services of its own. One process
    at a time runs the background (ingestion and jobs), elected through the database; none
    does when ``broker_url`` is set, since the scheduler and workers do it then."""
    from newsstand.config import load_settings
    from newsstand.logsetup import setup_logging
    from newsstand.web.background import run_background_once

    settings = load_settings()
    setup_logging(settings)  # a process of its own: nothing set its logging up
    ingest = os.environ.get(SERVE_INGEST_VARIABLE, "1") != "0"

    async def background(ctx: WebContext) -> None:
        await run_background_once(ctx, ingest=ingest)

    return create_app(settings, background=None if settings.broker_url else background)
