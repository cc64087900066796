"""`newsstand users`: operator accounts and readers from the command line."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from newsstand.cli._common import cli_services, console, echo_json
from newsstand.model import Role


def register(main: click.Group) -> None:
    main.add_command(users)


def read_password(from_stdin: bool) -> str:
    """The password from standard input (first line) when asked or piped, else prompted
    twice without echo."""
    if from_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise click.UsageError("expected a password on standard input")
        return line.rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@click.group()
def users() -> None:
    """Create, list and delete accounts; set their roles.

    \b
    Examples:
      newsstand users create ops@example.org --admin
      echo "$PASSWORD" | newsstand users create ed@example.org --editor --password-stdin
      newsstand users set-role ann@example.org editor
    """


@users.command()
@click.argument("email")
@click.option("--admin", "role", flag_value=Role.ADMIN.value, help="Make an admin (operator).")
@click.option("--editor", "role", flag_value=Role.EDITOR.value, help="Make an editor (may pick stories).")
@click.option("--name", default="", help="Display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--no-trial", is_flag=True, help="Do not start a reader's free trial.")
@click.pass_context
def create(
    ctx: click.Context, email: str, role: str | None, name: str, password_stdin: bool, no_trial: bool
) -> None:
    """Create an account: a reader (with the free trial) unless --admin or --editor."""
    password = read_password(password_stdin)
    with cli_services(ctx) as services:
        reader = services.accounts.sign_up(
            email, password, display_name=name, role=Role(role or "reader"), start_trial=not no_trial
        )
    click.echo(f"Created {reader.role.value} {reader.email} (id {reader.id}).")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """List every account with its role and membership state."""
    with cli_services(ctx) as services:
        states = services.membership.states()
        rows = [(r, states.get(r.id)) for r in services.accounts.list_readers()]
    if as_json:
        echo_json(
            [
                {
                    "id": r.id,
                    "email": r.email,
                    "role": r.role.value,
                    "created": r.created.isoformat(),
                    "membership": state.value if state else None,
                }
                for r, state in rows
            ]
        )
        return
    table = Table(title=f"{len(rows)} accounts")
    table.add_column("id", no_wrap=True, justify="right")
    table.add_column("email", no_wrap=True)  # whole: it is what other commands take
    for column in ("role", "membership", "created"):
        table.add_column(column, overflow="fold")
    for r, state in rows:
        created = r.created.strftime("%Y-%m-%d %H:%M")
        table.add_row(str(r.id), r.email, r.role.value, state.value if state else "-", created)
    console.print(table)


@users.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@click.pass_context
def set_role(ctx: click.Context, email: str, role: str) -> None:
    """Make an account a reader, editor or admin."""
    with cli_services(ctx) as services:
        accounts = services.accounts
        reader = accounts.set_role(accounts.get_reader_by_email(email).id, Role(role))
    click.echo(f"{reader.email} is now {reader.role.value}.")


@users.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def set_password(ctx: click.Context, email: str, password_stdin: bool) -> None:
    """Set an account's password and sign it out everywhere."""
    password = read_password(password_stdin)
    with cli_services(ctx) as services:
        accounts = services.accounts
        accounts.set_password(accounts.get_reader_by_email(email).id, password)
    click.echo(f"Password of {email.strip().lower()} changed; its sessions are ended.")


@users.command()
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def delete(ctx: click.Context, email: str, yes: bool) -> None:
    """Delete an account and its data (reading records stay, anonymised)."""
    with cli_services(ctx) as services:
        reader = services.accounts.get_reader_by_email(email)
        if not yes:
            click.confirm(f"Delete {reader.email} and all its data?", abort=True)
        services.accounts.delete_reader(reader.id)
    click.echo(f"Deleted {reader.email}.")
