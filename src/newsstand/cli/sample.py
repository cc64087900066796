"""`newsstand sample`: the offline sample edition."""

from __future__ import annotations

import click

from newsstand.cli._common import cli_services


def register(main: click.Group) -> None:
    main.add_command(sample)


@click.group()
def sample() -> None:
    """The offline sample edition: invented publishers and articles to try the
    reader without a network."""


@sample.command()
@click.pass_context
def load(ctx: click.Context) -> None:
    """Load (or refresh) the sample edition into the store.

    Six invented publishers in five languages, 34 articles and a live blog,
    timed relative to now. Their feeds are disabled, so ingestion never tries
    them. Running it again updates the same articles; nothing is duplicated.

    \b
    Example:
      newsstand sample load && newsstand serve
    """
    with cli_services(ctx) as services:
        summary = services.operations.load_sample()
    click.echo(
        f"Sample edition: {summary.publishers} publishers, {summary.articles} articles "
        f"({summary.created} new, {summary.updated} updated), {summary.live_entries} live-blog entries."
    )
