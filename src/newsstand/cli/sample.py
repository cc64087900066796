"""`newsstand sample`: the offline sample edition."""

from __future__ import annotations

import click

from newsstand.cli._common import announce, settings_from
from newsstand.model import utcnow
from newsstand.sample import load_sample_edition
from newsstand.store import open_store


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
    store = open_store(settings_from(ctx), announce)
    try:
        summary = load_sample_edition(store, utcnow())
    finally:
        store.close()
    click.echo(
        f"Sample edition: {summary.publishers} publishers, {summary.articles} articles "
        f"({summary.created} new, {summary.updated} updated), {summary.live_entries} live-blog entries."
    )
