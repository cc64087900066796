"""`newsstand tokens`: readers' API tokens from the command line."""

from __future__ import annotations

import click
from rich.table import Table

from newsstand.cli._common import STORED_ID, cli_services, console, echo_json


def register(main: click.Group) -> None:
    main.add_command(tokens)


@click.group()
def tokens() -> None:
    """Create, list and revoke a reader's API tokens (for reader apps and scripts).

    \b
    Examples:
      newsstand tokens create ann@example.org --name "Reeder on the phone"
      newsstand tokens list ann@example.org
      newsstand tokens revoke ann@example.org 3
    """


@tokens.command()
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, such as the app's name.")
@click.pass_context
def create(ctx: click.Context, email: str, name: str) -> None:
    """Make a token for the reader and print it, this once: only its hash is kept."""
    with cli_services(ctx) as services:
        reader = services.accounts.get_reader_by_email(email)
        grant = services.tokens.create(reader.id, name)
    click.echo(
        f"Token {grant.token.id} ({grant.token.name}) for {reader.email}. It is shown only now:", err=True
    )
    click.echo(grant.secret)


@tokens.command("list")
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def list_(ctx: click.Context, email: str, as_json: bool) -> None:
    """List the reader's tokens: names and times, never the tokens themselves."""
    with cli_services(ctx) as services:
        reader = services.accounts.get_reader_by_email(email)
        found = services.tokens.tokens(reader.id)
    if as_json:
        echo_json(
            [
                {
                    "id": t.id,
                    "name": t.name,
                    "created": t.created.isoformat(),
                    "last_used": t.last_used.isoformat() if t.last_used else None,
                }
                for t in found
            ]
        )
        return
    table = Table(title=f"{len(found)} tokens of {reader.email}")
    for column in ("id", "name", "created", "last used"):
        table.add_column(column)
    for t in found:
        used = t.last_used.strftime("%Y-%m-%d %H:%M") if t.last_used else "never"
        table.add_row(str(t.id), t.name, t.created.strftime("%Y-%m-%d %H:%M"), used)
    console.print(table)


@tokens.command()
@click.argument("email")
@click.argument("token_id", type=STORED_ID)
@click.pass_context
def revoke(ctx: click.Context, email: str, token_id: int) -> None:
    """Revoke one of the reader's tokens (its id from `tokens list`): it stops working at once."""
    with cli_services(ctx) as services:
        reader = services.accounts.get_reader_by_email(email)
        services.tokens.revoke(reader.id, token_id)
    click.echo(f"Revoked token {token_id} of {reader.email}.")
