"""`newsstand report`: reading reports for paying publishers."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from newsstand.app.membership import report_csv
from newsstand.app.payouts import payouts_csv
from newsstand.cli._common import cli_services, console
from newsstand.errors import NewsstandError


def register(main: click.Group) -> None:
    main.add_command(report)


@click.group()
def report() -> None:
    """Reports for operators."""


MONTH = click.option("--month", required=True, help="Month as YYYY-MM (UTC), e.g. 2026-11.")
CSV = click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
    help="Write CSV to this file ('-' for standard output) instead of a table.",
)


def _write(text: str, path: Path, what: str) -> None:
    if str(path) == "-":
        click.echo(text, nl=False)
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise NewsstandError(f"cannot write {path}: {exc}") from exc
    click.echo(f"Wrote {what} to {path}.")


@report.command()
@MONTH
@CSV
@click.pass_context
def reads(ctx: click.Context, month: str, csv_path: Path | None) -> None:
    """Full reads by members per publisher in a month, with unique readers."""
    with cli_services(ctx) as services:
        rows = services.membership.reading_report(month)
    if csv_path is not None:
        _write(report_csv(rows), csv_path, f"{len(rows)} publishers")
        return
    table = Table(title=f"Reads in {month}")
    for column in ("publisher", "reads", "unique readers"):
        table.add_column(column, justify="right" if column != "publisher" else "left")
    for row in rows:
        table.add_row(f"{row.publisher_name} ({row.publisher_id})", str(row.reads), str(row.unique_readers))
    table.add_row("total", str(sum(r.reads for r in rows)), "")
    console.print(table)


@report.command()
@MONTH
@click.option("--publisher", default=None, help="Only this publisher's line (its own statement).")
@CSV
@click.pass_context
def payouts(ctx: click.Context, month: str, publisher: str | None, csv_path: Path | None) -> None:
    """The month's members' revenue shared among publishers by paying members' reading."""
    with cli_services(ctx) as services:
        statement = services.membership.payout_statement(month)
    if csv_path is not None:
        _write(payouts_csv(statement, publisher), csv_path, f"the payouts of {month}")
        return
    table = Table(title=f"Payouts for {month}: revenue {statement.revenue}")
    for column in ("publisher", "paid reads", "reading time", "share", "payout"):
        table.add_column(column, justify="left" if column == "publisher" else "right")
    for row in statement.rows:
        if publisher is None or row.publisher_id == publisher:
            minutes = f"{row.seconds // 60} min"
            share = f"{row.percent:.2f} %"
            table.add_row(
                f"{row.publisher_name} ({row.publisher_id})", str(row.reads), minutes, share, str(row.amount)
            )
    table.add_row("not shared (nobody paying read)", "", "", "", str(statement.undistributed))
    table.add_row("total", "", "", "", str(statement.revenue))
    console.print(table)
