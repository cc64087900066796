"""`newsstand serve`: the web reader with in-process ingestion."""

from __future__ import annotations

import click

from newsstand.app import Services
from newsstand.cli._common import cli_services, console, settings_from


def register(main: click.Group) -> None:
    main.add_command(serve)


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
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, sample: bool, no_ingest: bool) -> None:
    """Serve the web reader, running the service loop (fetching, full text, stories) in the
    same process.

    On first start the default catalog of publishers is stored. Without a network the
    reader still serves, and says which feeds cannot be reached.
    """
    import uvicorn

    from newsstand.web import create_app
    from newsstand.web.background import run_background
    from newsstand.web.context import WebContext

    settings = settings_from(ctx)
    host = host or settings.host
    port = port or settings.port

    async def background(web_ctx: WebContext) -> None:
        await run_background(
            web_ctx,
            announce=lambda line: console.print(f"[yellow]Ingestion:[/yellow] {line}"),
            ingest=not no_ingest,
        )

    with cli_services(ctx) as services:
        prepare(services, sample=sample)
        # Mail, reminders and digests run either way; --no-ingest leaves feeds alone.
        app = create_app(settings, services=services, background=background)
        note = "" if no_ingest else "; fetching feeds in the background."
        console.print(f"Newsstand is serving at [bold]http://{host}:{port}/[/bold]{note}")
        # Live-blog event streams would hold a shutdown for minutes; give them a few seconds.
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level=settings.log_level.lower(),
            proxy_headers=False,
            server_header=False,
            timeout_graceful_shutdown=5,
        )
