"""Helpers shared by the CLI modules: settings, opening the store, error mapping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console

from newsstand.app import Services, open_services
from newsstand.config import Settings, load_settings
from newsstand.errors import ConfigError, NewsstandError
from newsstand.model import MAX_ID

console = Console()
# An id argument: a number a stored row can have, else a usage error (exit 2) before any query.
STORED_ID = click.IntRange(1, MAX_ID)
err_console = Console(stderr=True)


def settings_from(ctx: click.Context) -> Settings:
    """Load settings once per invocation and keep them on the root context."""
    root = ctx.find_root()
    if not isinstance(root.obj, dict):
        root.obj = {}
    if "settings" not in root.obj:
        root.obj["settings"] = load_settings()
    settings: Settings = root.obj["settings"]
    return settings


def announce(text: str) -> None:
    """Tell the operator, on standard error, what a long step is about to do."""
    click.echo(text, err=True)


@contextmanager
def cli_services(ctx: click.Context) -> Iterator[Services]:
    """The application services over the store the settings name (migrated, and seeded with the
    default catalog on its first start), closed when the command is done."""
    with open_services(settings_from(ctx), announce) as services:
        yield services


def run_cli(group: click.Group) -> int:
    """Run the group, turning Newsstand errors into one red line and exit code 1."""
    try:
        # Without standalone mode click returns ctx.exit()'s code instead of exiting.
        result = group.main(standalone_mode=False)
    except click.exceptions.Abort:
        err_console.print("Aborted.")
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except ConfigError as exc:
        err_console.print(f"[red]Configuration error:[/red] {exc}")
        return 2
    except NewsstandError as exc:
        err_console.print(f"[red]Error:[/red] {exc}")
        return 1
    return result if isinstance(result, int) else 0


def echo_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
