"""`newsstand members`: grant, extend and end memberships by hand (the manual provider)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
from rich.table import Table

from newsstand.app.membership import MembershipService
from newsstand.cli._common import cli_services, console, echo_json
from newsstand.model import Membership


def register(main: click.Group) -> None:
    main.add_command(members)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def _describe(membership: MembershipService, email: str, m: Membership) -> str:
    state = membership.membership_state(m.reader_id)
    state_text = state.value if state else "-"
    return f"{email}: {state_text} (started {_when(m.started)}, ends {_when(m.ends) if m.ends else 'never'})"


@click.group()
def members() -> None:
    """Memberships: grant, extend, end, list, show.

    \b
    Examples:
      newsstand members grant ann@example.org --days 365
      newsstand members grant ann@example.org --until 2027-06-30
      newsstand members grant ann@example.org --paid yearly
      newsstand members extend ann@example.org --days 30
      newsstand members end ann@example.org
    """


@members.command()
@click.argument("email")
@click.option("--days", type=click.IntRange(min=1), help="Length of the membership in days from now.")
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Last day of the membership (it ends at the end of that day, UTC).",
)
@click.option("--forever", is_flag=True, help="An open-ended membership.")
@click.option(
    "--paid",
    "plan",
    metavar="PLAN",
    help="The reader paid this plan's price (recorded for the payouts); without --days or --until "
    "the membership runs one interval of the plan.",
)
@click.option("--note", default="", help="A note for operators (invoice number, reason).")
@click.pass_context
def grant(
    ctx: click.Context,
    email: str,
    days: int | None,
    until: datetime | None,
    forever: bool,
    plan: str | None,
    note: str,
) -> None:
    """Make a reader an active member: give exactly one of --days, --until, --forever, or --paid
    PLAN (with --days or --until when the period is not the plan's own)."""
    given = sum((days is not None, until is not None, forever))
    if (plan is None and given != 1) or (plan is not None and (forever or given > 1)):
        raise click.UsageError("give exactly one of --days, --until or --forever (or --paid PLAN)")
    end = until.replace(tzinfo=UTC) + timedelta(days=1) if until else None
    with cli_services(ctx) as services:
        reader = services.accounts.get_reader_by_email(email)
        granted = services.membership.grant(reader.id, days=days, until=end, note=note, plan=plan)
        click.echo("Granted. " + _describe(services.membership, reader.email, granted))


@members.command()
@click.argument("email")
@click.option("--days", type=click.IntRange(min=1), required=True, help="Days to add.")
@click.pass_context
def extend(ctx: click.Context, email: str, days: int) -> None:
    """Add days to a membership or trial (a lapsed one starts again from today)."""
    with cli_services(ctx) as services:
        reader = services.accounts.get_reader_by_email(email)
        extended = services.membership.extend(reader.id, days)
        click.echo("Extended. " + _describe(services.membership, reader.email, extended))


@members.command()
@click.argument("email")
@click.pass_context
def end(ctx: click.Context, email: str) -> None:
    """End a membership now."""
    with cli_services(ctx) as services:
        reader = services.accounts.get_reader_by_email(email)
        ended = services.membership.end(reader.id)
        click.echo("Ended. " + _describe(services.membership, reader.email, ended))


@members.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """Every reader with a membership, and its state now."""
    with cli_services(ctx) as services:
        rows = services.membership.list_members()
    if as_json:
        echo_json([_row_json(r.reader.email, r.membership, r.state.value) for r in rows])
        return
    table = Table(title=f"{len(rows)} memberships")
    table.add_column("email", no_wrap=True)  # whole: it is what other commands take
    for column in ("state", "started", "ends", "provider", "note"):
        table.add_column(column, overflow="fold")
    for r in rows:
        m = r.membership
        table.add_row(r.reader.email, r.state.value, _when(m.started), _when(m.ends), m.provider, m.note)
    console.print(table)


@members.command()
@click.argument("email")
@click.pass_context
def show(ctx: click.Context, email: str) -> None:
    """One reader's membership."""
    with cli_services(ctx) as services:
        reader = services.accounts.get_reader_by_email(email)
        m = services.membership.membership(reader.id)
        if m is None:
            click.echo(f"{reader.email}: no membership (free trial available).")
            return
        click.echo(_describe(services.membership, reader.email, m))
        if m.cancelled:
            click.echo(f"cancelled {_when(m.cancelled)}")
        click.echo(f"provider {m.provider}" + (f"; note: {m.note}" if m.note else ""))


def _row_json(email: str, m: Membership, state: str) -> dict[str, object]:
    return {
        "email": email,
        "state": state,
        "stored_state": m.state.value,
        "started": m.started.isoformat(),
        "ends": m.ends.isoformat() if m.ends else None,
        "cancelled": m.cancelled.isoformat() if m.cancelled else None,
        "provider": m.provider,
        "note": m.note,
    }
