"""`newsstand worker` and `newsstand scheduler`: ingestion shared by many processes through
the broker (docs/deploy.md). Without ``broker_url`` they refuse to start; `serve` and `run`
need neither."""

from __future__ import annotations

import click

from newsstand.cli._common import cli_services, console, settings_from
from newsstand.logsetup import setup_logging


def register(main: click.Group) -> None:
    main.add_command(worker)
    main.add_command(scheduler)


@click.command()
@click.option("--threads", type=click.IntRange(1, 256), default=8, show_default=True,
              help="Feeds this process polls at once.")  # fmt: skip
@click.pass_context
def worker(ctx: click.Context, threads: int) -> None:
    """Poll the feeds the scheduler queues: fetch, parse, store; and, one worker at a time,
    fill in full text, refresh live blogs and group stories. Run as many as you like, on any
    hosts; a feed is never polled by two at once. Stops on Ctrl-C or SIGTERM."""
    from newsstand.worker.runner import run_worker

    settings = settings_from(ctx)
    setup_logging(settings)
    with cli_services(ctx) as services:
        run_worker(services, threads=threads, announce=lambda line: console.print(line))


@click.command()
@click.pass_context
def scheduler(ctx: click.Context) -> None:
    """Queue due feeds for the workers, and run mail, reminders and digests. Only one
    scheduler leads (elected through the database); a second waits and takes over when
    the first stops or dies. Stops on Ctrl-C or SIGTERM."""
    from newsstand.worker.runner import run_scheduler

    settings = settings_from(ctx)
    setup_logging(settings)
    with cli_services(ctx) as services:
        run_scheduler(services, announce=lambda line: console.print(line))
