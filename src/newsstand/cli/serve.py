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


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameters
M_ARENA_MAX = -8
SERVER_ARENAS = 2
# Allocations this large get pages of their own, given back when freed. Argon2's 19 MiB working
# memory (a sign-in) is the one the server makes often; mapping it costs about a millisecond
# beside some 50-130 ms of hashing. Page bodies and query results (KBs) stay in the heap.
MMAP_THRESHOLD = 1024 * 1024
# The same limits for the processes this one starts (``--workers``): glibc reads them at start.
MALLOC_VARIABLES = {"MALLOC_ARENA_MAX": SERVER_ARENAS, "MALLOC_MMAP_THRESHOLD_": MMAP_THRESHOLD}


def tune_malloc() -> dict[str, bool]:
    """Ask glibc for at most two malloc arenas and a fixed mmap threshold; which it agreed to.

    Both keep memory that a burst needed from staying with the process (docs/decisions.md,
    bench/soak.py). glibc gives threads that allocate at once arenas of their own, up to eight
    a core, and keeps what is freed in each. And glibc raises its mmap threshold to the size of
    any mapped block freed, up to 32 MiB: after the first sign-in every Argon2 hash (19 MiB)
    came from the heap, and once smaller allocations had settled in the hole it left, the next
    one grew the heap by another 19 MiB: the soak's resident set climbed in steps of about 20
    MB, 133 to 320 MB in 30 minutes, while Python's own heap stayed flat. An operator's own
    variable wins; other C libraries are left alone. The variables are also set for the
    processes this one starts.
    """
    wanted = {name: value for name, value in MALLOC_VARIABLES.items() if name not in os.environ}
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = getattr(libc, "mallopt", None)
    except OSError:
        return {}
    if mallopt is None:
        return {}
    parameters = {"MALLOC_ARENA_MAX": M_ARENA_MAX, "MALLOC_MMAP_THRESHOLD_": M_MMAP_THRESHOLD}
    agreed = {name: bool(mallopt(parameters[name], value) == 1) for name, value in wanted.items()}
    for name, value in wanted.items():
        os.environ[name] = str(value)
    return agreed


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

    tune_malloc()  # before the server's threads exist
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
