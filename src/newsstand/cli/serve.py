"""`newsstand serve`: the web reader with in-process ingestion."""

from __future__ import annotations

import click

from newsstand.cli._common import announce, console, settings_from
from newsstand.model import utcnow
from newsstand.store.base import Store


def register(main: click.Group) -> None:
    main.add_command(serve)


def prepare(store: Store, *, sample: bool) -> None:
    """Store the default catalog on first start and, when asked, the offline sample edition."""
    from newsstand.app.catalog import seed_default_catalog
    from newsstand.app.stories import update_stories
    from newsstand.sample.edition import load_sample_edition

    plan = seed_default_catalog(store)
    if not plan.is_empty:
        console.print(f"Stored the default catalog: {len(plan.new_publishers)} publishers.")
    if sample:
        summary = load_sample_edition(store, utcnow())
        update_stories(store, utcnow())
        console.print(
            f"Loaded the sample edition: {summary.articles} articles, {summary.publishers} publishers."
        )


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: the host setting).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: the port setting).")
@click.option("--sample", is_flag=True, help="Load the offline sample edition before serving.")
@click.option("--no-ingest", is_flag=True, help="Serve only; do not fetch feeds in this process.")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, sample: bool, no_ingest: bool) -> None:
    """Serve the web reader, fetching feeds in the same process.

    On first start the default catalog of publishers is stored. Without a network the
    reader still serves, and says which feeds cannot be reached.
    """
    import uvicorn

    from newsstand.store import open_store
    from newsstand.web import create_app
    from newsstand.web.background import run_background
    from newsstand.web.context import WebContext

    settings = settings_from(ctx)
    host = host or settings.host
    port = port or settings.port
    store = open_store(settings, announce)

    async def background(web_ctx: WebContext) -> None:
        await run_background(
            web_ctx, announce=lambda line: console.print(f"[yellow]Ingestion:[/yellow] {line}")
        )

    try:
        prepare(store, sample=sample)
        app = create_app(settings, store=store, background=None if no_ingest else background)
        note = "" if no_ingest else "; fetching feeds in the background."
        console.print(f"Newsstand is serving at [bold]http://{host}:{port}/[/bold]{note}")
        level = settings.log_level.lower()
        # Live-blog event streams would hold a shutdown for minutes; give them a few seconds.
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level=level,
            proxy_headers=False,
            server_header=False,
            timeout_graceful_shutdown=5,
        )
    finally:
        store.close()
