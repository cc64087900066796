"""`newsstand config`: the effective settings."""

from __future__ import annotations

import click
from rich.table import Table

from newsstand.cli._common import console, settings_from
from newsstand.config import SETTINGS


def register(main: click.Group) -> None:
    main.add_command(config)


@click.command()
@click.option("--names", is_flag=True, help="Print only the setting names and their variables.")
@click.pass_context
def config(ctx: click.Context, names: bool) -> None:
    """Print the effective settings (secrets masked) and where each came from."""
    settings = settings_from(ctx)
    if names:
        for s in SETTINGS:
            click.echo(f"{s.name}\t{s.env_var}")
        return
    table = Table(title="Newsstand settings")
    table.add_column("setting", overflow="fold")
    table.add_column("value", overflow="fold")
    table.add_column("source", overflow="fold")
    for name, shown, source in settings.masked():
        table.add_row(name, shown, source)
    console.print(table)
