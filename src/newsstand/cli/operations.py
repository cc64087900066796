"""`newsstand backup`, `restore` and `migrate-to`: whole-database operations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from newsstand.app import backups
from newsstand.app.backups import CopyCheck, Snapshot
from newsstand.cli._common import announce, console, err_console, settings_from
from newsstand.config import mask_url
from newsstand.errors import TransferError


def register(main: click.Group) -> None:
    for command in (backup_command, restore_command, migrate_to_command):
        main.add_command(command)


class _Bar:
    """The store's Progress drawn as one rich bar, re-aimed at each table in turn."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def table(self, name: str, rows: int) -> None:
        if self._task is None:
            self._task = self._progress.add_task(name, total=rows)
        else:
            self._progress.reset(self._task, total=rows, description=name)

    def advance(self, rows: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, rows)


@contextmanager
def _bar() -> Iterator[_Bar]:
    columns = (
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as progress:
        yield _Bar(progress)


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{n} B"
        value /= 1000
    return f"{n} B"


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def backup_command(ctx: click.Context, file: Path) -> None:
    """Write a consistent backup of the whole database to FILE, a new file.

    On SQLite the backup is a SQLite database file; on PostgreSQL a compressed
    archive of every table, read in one snapshot. Ingestion and readers can go on
    while it runs. `newsstand restore FILE` restores it into an empty database.

    Example: newsstand backup newsstand-2025-06-01.backup
    """
    with _bar() as bar:
        result = backups.backup(settings_from(ctx), file, bar)
    rows = sum(s.rows for s in result.snapshot.tables)
    kind = "SQLite database file" if result.kind == "sqlite" else "archive"
    console.print(
        f"Backed up {rows} rows in {len(result.snapshot.tables)} tables (schema {result.snapshot.revision}) "
        f"to {result.path}: {kind}, {_size(result.size)}"
    )


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Empty the database first if it holds data (it is lost).")
@click.pass_context
def restore_command(ctx: click.Context, file: Path, replace: bool) -> None:
    """Restore a backup made by `newsstand backup` into the configured database.

    The database must be empty (a new one, or one with no rows) unless --replace
    is given. Stop `newsstand serve` and `newsstand run` first. Either kind of
    backup restores into SQLite or PostgreSQL; an older backup is brought to the
    current schema afterwards. Row counts and a search are checked at the end.

    Example: NEWSSTAND_DATABASE_URL=postgresql+psycopg://host/news newsstand restore news.backup
    """
    with _bar() as bar:
        copied = backups.restore(settings_from(ctx), file, replace=replace, progress=bar, announce=announce)
    _report(f"Restored {file} into {mask_url(copied.target)}", copied.snapshot, copied.check)


@click.command("migrate-to")
@click.argument("url")
@click.option("--replace", is_flag=True, help="Empty the target first if it holds data (it is lost).")
@click.pass_context
def migrate_to_command(ctx: click.Context, url: str, replace: bool) -> None:
    """Copy the whole configured database (SQLite) into the database at URL (PostgreSQL).

    The target's schema is created; it must hold no rows unless --replace is given.
    Nothing is changed in the source. The copy is one transaction: on any error the
    target is left as it was. Row counts and a search are checked at the end; then
    set NEWSSTAND_DATABASE_URL to URL. Stop `newsstand serve` and `newsstand run`
    first, or whatever they store during the copy stays behind.

    Example: newsstand migrate-to postgresql+psycopg://newsstand@db.internal/newsstand
    """
    with _bar() as bar:
        copied = backups.migrate_to(settings_from(ctx), url, replace=replace, progress=bar, announce=announce)
    _report(f"Copied into {mask_url(url)}", copied.snapshot, copied.check)


def _report(title: str, snap: Snapshot, check: CopyCheck) -> None:
    """Print the counts per table and the search check; raise TransferError if either failed."""
    console.print(title)
    table = Table()
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("check")
    for name, (expected, found) in sorted(check.counts.items()):
        table.add_row(name, str(found), "ok" if expected == found else f"[red]{expected} expected[/red]")
    console.print(table)
    if check.search_text:
        verb = "finds" if check.search_found else "[red]does not find[/red]"
        console.print(f"Search {escape(check.search_text)} {verb} the newest article.")
    if not check.ok:
        raise TransferError("the copy does not match: " + "; ".join(check.mismatches() or ["search failed"]))
    console.print(f"Done: {sum(s.rows for s in snap.tables)} rows, schema {snap.revision}.")
