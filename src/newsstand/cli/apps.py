"""`newsstand apps`: a reader's app password and subscriptions, for reader apps (Google Reader
and Fever APIs) from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from newsstand.cli._common import cli_services


def register(main: click.Group) -> None:
    main.add_command(apps)


@click.group()
def apps() -> None:
    """A reader's app password (what reader apps sign in with) and their subscriptions as OPML.

    \b
    Examples:
      newsstand apps password ann@example.org
      newsstand apps password ann@example.org --revoke
      newsstand apps export ann@example.org subscriptions.opml
      newsstand apps import ann@example.org other-reader.opml
    """


@apps.command()
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Revoke the app password instead: apps stop working at once.")
@click.pass_context
def password(ctx: click.Context, email: str, revoke: bool) -> None:
    """Make a new app password for the reader (replacing any earlier one) and print it, this
    once: only its hash is kept. Apps sign in with the reader's email and this password."""
    with cli_services(ctx) as services:
        reader = services.accounts.get_reader_by_email(email)
        if revoke:
            had = services.app_passwords.revoke(reader.id)
            click.echo(f"Revoked the app password of {reader.email}." if had else f"{reader.email} had none.")
            return
        secret = services.app_passwords.create(reader.id)
    click.echo(f"App password for {reader.email}. It is shown only now:", err=True)
    click.echo(secret)


@apps.command("export")
@click.argument("email")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def export(ctx: click.Context, email: str, target: Path) -> None:
    """Write the reader's subscriptions (the publishers they follow) to an OPML file."""
    with cli_services(ctx) as services:
        reader = services.accounts.get_reader_by_email(email)
        target.write_bytes(services.subscriptions.export_opml(reader))
        count = len(services.subscriptions.subscriptions(reader))
    click.echo(f"Wrote {count} subscriptions of {reader.email} to {target}.")


@apps.command("import")
@click.argument("email")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_(ctx: click.Context, email: str, source: Path) -> None:
    """Follow, for the reader, every publisher whose feed the OPML file lists."""
    with cli_services(ctx) as services:
        reader = services.accounts.get_reader_by_email(email)
        done = services.subscriptions.import_opml(reader, source.read_bytes())
    click.echo(f"Following {len(done.followed)} publishers; added {len(done.added)} feeds to the catalog.")
    if done.folders:
        click.echo(f"Folders: {', '.join(done.folders)}")
    if done.refused:
        refused = ", ".join(done.refused)
        click.echo(f"Not in the catalog (readers may not add feeds here): {refused}", err=True)
