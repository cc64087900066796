"""`newsstand serve`: the web reader with in-process ingestion."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from typing import Any

import click

from newsstand.app import Services
from newsstand.cli._common import cli_services, console, settings_from
from newsstand.logsetup import setup_logging


def register(main: click.Group) -> None:
    main.add_command(serve)


M_ARENA_MAX = -8  # glibc's mallopt parameter for the number of malloc arenas
SERVER_ARENAS = 2


def limit_malloc_arenas(arenas: int = SERVER_ARENAS) -> bool:
    """Ask glibc for at most ``arenas`` malloc arenas; whether it agreed.

    glibc gives threads that allocate at once arenas of their own, up to eight a core, and
    memory freed in one is not returned while any of it is in use: under the web server's
    thread pool the resident set climbed by about 18 MB a minute for as long as bench/soak.py
    ran (195 to 386 MB in 11 minutes); with two arenas it stayed near 180-200 MB (see
    docs/decisions.md). A MALLOC_ARENA_MAX the operator set wins; other C libraries are left alone.
    """
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = getattr(libc, "mallopt", None)
    except OSError:
        return False
    return bool(mallopt is not None and mallopt(M_ARENA_MAX, arenas) == 1)


def prepare(services: Services, *, sample: bool) -> None:
    """The offline sample edition, when asked (the default catalog is stored on first start)."""
    if sample:
        summary = services.operations.load_sample()
        console.print(
            f"Loaded the sample edition: {summary.articles} articles, {summary.publishers} publishers."
        )


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: the host setting).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: the port setting).")
@click.option("--sample", is_flag=True, help="Load the offline sample edition before serving.")
@click.option(
    "--no-ingest", is_flag=True, help="Do not fetch feeds in this process (mail and digests still go)."
)
@click.option(
    "--workers", type=click.IntRange(1, 256), default=1, show_default=True,
    help="Web processes serving on the one port; every one stateless, one of them ingests.",
)  # fmt: skip
@click.pass_context
def serve(
    ctx: click.Context, host: str | None, port: int | None, sample: bool, no_ingest: bool, workers: int
) -> None:
    """Serve the web reader, running the service loop (fetching, full text, stories) in the
    same process.

    On first start the default catalog of publishers is stored. Without a network the
    reader still serves, and says which feeds cannot be reached. With --workers N, N
    processes serve (sessions, rate limits and live updates hold across them; set
    cache_url to share their caches too) and one of them, elected through the database,
    ingests. With broker_url set, none ingests: `newsstand scheduler` and `newsstand
    worker` do.
    """
    import uvicorn

    from newsstand.web import create_app
    from newsstand.web.app import SERVE_INGEST_VARIABLE
    from newsstand.web.background import run_background
    from newsstand.web.context import WebContext

    limit_malloc_arenas()  # before the server's threads exist
    settings = settings_from(ctx)
    host = host or settings.host
    port = port or settings.port
    ingest = not no_ingest and not settings.broker_url
    setup_logging(settings)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": settings.log_level.lower(),
        # Our handlers, our format: every request is logged once, with its id (web/ops.py).
        "log_config": None,
        "access_log": False,
        "proxy_headers": False,
        "server_header": False,
        # Live-blog event streams would hold a shutdown for minutes; give them a few seconds.
        "timeout_graceful_shutdown": 5,
    }

    async def background(web_ctx: WebContext) -> None:
        await run_background(
            web_ctx,
            announce=lambda line: console.print(f"[yellow]Ingestion:[/yellow] {line}"),
            ingest=ingest,
        )

    with cli_services(ctx) as services:
        prepare(services, sample=sample)
        note = "; fetching feeds in the background." if ingest else "."
        if settings.broker_url:
            note = "; the scheduler and workers fetch feeds."
        if workers > 1:
            console.print(f"Newsstand is serving at [bold]http://{host}:{port}/[/bold] "
                          f"with {workers} processes{note}")  # fmt: skip
            services.close()  # each process opens its own
            os.environ[SERVE_INGEST_VARIABLE] = "1" if ingest else "0"
            uvicorn.run("newsstand.web.app:app_from_environment", factory=True, workers=workers, **options)
            return
        # Mail, reminders and digests run either way; --no-ingest leaves feeds alone.
        app = create_app(settings, services=services, background=background)
        console.print(f"Newsstand is serving at [bold]http://{host}:{port}/[/bold]{note}")
        uvicorn.run(app, **options)
