"""`newsstand report`: reading reports for paying publishers."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from newsstand.app.membership import report_csv
from newsstand.cli._common import cli_services, console
from newsstand.errors import NewsstandError


def register(main: click.Group) -> None:
    main.add_command(report)


@click.group()
def report() -> None:
    """Reports for operators."""


@report.command()
@click.option("--month", required=True, help="Month as YYYY-MM (UTC), e.g. 2026-11.")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
    help="Write CSV to this file ('-' for standard output) instead of a table.",
)
@click.pass_context
def reads(ctx: click.Context, month: str, csv_path: Path | None) -> None:
    """Full reads by members per publisher in a month, with unique readers."""
    with cli_services(ctx) as services:
        rows = services.membership.reading_report(month)
    if csv_path is not None:
        text = report_csv(rows)
        if str(csv_path) == "-":
            click.echo(text, nl=False)
            return
        try:
            csv_path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise NewsstandError(f"cannot write {csv_path}: {exc}") from exc
        click.echo(f"Wrote {len(rows)} publishers to {csv_path}.")
        return
    table = Table(title=f"Reads in {month}")
    for column in ("publisher", "reads", "unique readers"):
        table.add_column(column, justify="right" if column != "publisher" else "left")
    for row in rows:
        table.add_row(f"{row.publisher_name} ({row.publisher_id})", str(row.reads), str(row.unique_readers))
    table.add_row("total", str(sum(r.reads for r in rows)), "")
    console.print(table)
