"""`newsstand worker` and `newsstand scheduler`: ingestion shared by many processes through
the broker (docs/deploy.md). Without ``broker_url`` they refuse to start; `serve` and `run`
need neither."""

from __future__ import annotations

from types import ModuleType

import click

from newsstand.cli._common import cli_services, console, settings_from
from newsstand.config import Settings
from newsstand.errors import ConfigError
from newsstand.logsetup import setup_logging


def _runner() -> ModuleType:
    """The worker package, which needs the queue's libraries. Raises ConfigError without them."""
    try:
        from newsstand.worker import runner
    except ImportError as exc:
        message = f"this needs Dramatiq and RabbitMQ's client: pip install 'newsstand[queue]' ({exc})"
        raise ConfigError(message, "broker_url") from exc
    return runner


def _with_broker(settings: Settings) -> Settings:
    """The settings, when they name a broker. Raises ConfigError before anything is opened."""
    if not settings.broker_url:
        raise ConfigError("set broker_url (a RabbitMQ amqp:// URL) to run workers", "broker_url")
    return settings


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
    run_worker = _runner().run_worker
    settings = _with_broker(settings_from(ctx))
    setup_logging(settings)
    with cli_services(ctx) as services:
        run_worker(services, threads=threads, announce=lambda line: console.print(line))


@click.command()
@click.pass_context
def scheduler(ctx: click.Context) -> None:
    """Queue due feeds for the workers, and run mail, reminders and digests. Only one
    scheduler leads (elected through the database); a second waits and takes over when
    the first stops or dies. Stops on Ctrl-C or SIGTERM."""
    run_scheduler = _runner().run_scheduler
    settings = _with_broker(settings_from(ctx))
    setup_logging(settings)
    with cli_services(ctx) as services:
        run_scheduler(services, announce=lambda line: console.print(line))
