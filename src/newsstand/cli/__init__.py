"""The ``newsstand`` command.

Each group of subcommands lives in its own module and registers itself on
``main`` through ``register``; this module only builds the group and maps
Newsstand errors to a clear message and a non-zero exit.
"""

from __future__ import annotations

import sys

import click

from newsstand import __version__
from newsstand.cli import (
    _config,
    apps,
    extract,
    ingest,
    members,
    operations,
    outbox,
    reports,
    sample,
    serve,
    sources,
    stories,
    tokens,
    users,
    workers,
)
from newsstand.cli._common import run_cli


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="newsstand")
def main() -> None:
    """Newsstand: all your news in one place.

    Gathers articles from news publishers' feeds and pages, reads them properly
    and serves them to readers. Settings come from NEWSSTAND_* environment
    variables or newsstand.toml; see `newsstand config`.
    """


for _module in (
    _config,
    sources,
    stories,
    users,
    tokens,
    apps,
    members,
    outbox,
    reports,
    ingest,
    serve,
    extract,
    sample,
    workers,
):
    _module.register(main)
operations.register(main)


def entry() -> None:
    sys.exit(run_cli(main))
