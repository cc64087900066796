"""`newsstand outbox`: the mail written to data_dir/outbox when no SMTP server is set.

Mail is queued in the database and delivered by the service loop; this command delivers what
is queued first, so a reset link asked for a moment ago is there without a loop running.
"""

from __future__ import annotations

import click

from newsstand.cli._common import cli_services, settings_from
from newsstand.mail import clear_outbox, list_outbox, message_text, outbox_folder


def register(main: click.Group) -> None:
    main.add_command(outbox)


@click.command()
@click.option("--show", "show", type=click.IntRange(min=1), help="Print message N of the list in full.")
@click.option("--clear", is_flag=True, help="Delete every message in the outbox.")
@click.pass_context
def outbox(ctx: click.Context, show: int | None, clear: bool) -> None:
    """List the messages in the outbox, oldest first (so you can follow a reset link)."""
    settings = settings_from(ctx)
    folder = outbox_folder(settings)
    if not settings.smtp_host:
        with cli_services(ctx) as services:
            delivered = services.mail.deliver().sent
        if delivered:
            click.echo(f"Delivered {delivered} queued messages into the outbox.", err=True)
    if clear:
        click.echo(f"Deleted {clear_outbox(folder)} messages from {folder}.")
        return
    entries = list_outbox(folder)
    if show is not None:
        if show > len(entries):
            raise click.BadParameter(f"the outbox has {len(entries)} messages", param_hint="--show")
        message = entries[show - 1].read()
        for header in ("Date", "From", "To", "Subject"):
            click.echo(f"{header}: {message[header]}")
        click.echo("")
        click.echo(message_text(message))
        return
    if not entries:
        click.echo(f"The outbox ({folder}) is empty.")
        return
    for number, entry in enumerate(entries, start=1):
        click.echo(f"{number:>3}  {entry.date}  {entry.to}  {entry.subject}")
