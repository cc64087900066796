"""`newsstand fetch`, `newsstand run` and `newsstand sources health`: ingestion from the shell."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections import Counter

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsstand.app import Services
from newsstand.app.loop import PassReport, ServiceLoop
from newsstand.app.operations import HealthRow
from newsstand.catalog.health import DESCRIPTIONS, FeedStatus
from newsstand.cli._common import cli_services, console, echo_json, err_console, settings_from
from newsstand.errors import NotFoundError
from newsstand.ingest.pipeline import FeedOutcome, IngestSummary
from newsstand.model import Feed


def register(main: click.Group) -> None:
    from newsstand.cli.sources import sources

    main.add_command(fetch)
    main.add_command(run)
    sources.add_command(health)


def _stop_on_signals(stop: asyncio.Event) -> None:
    """SIGINT and SIGTERM ask for a clean stop instead of killing work in flight."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not the main thread, or a platform without signals: Ctrl-C then interrupts hard.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


@click.command()
@click.argument("feeds", nargs=-1, metavar="[FEED_URL_OR_ID]...")
@click.option("--all", "all_", is_flag=True, help="Fetch every enabled feed, due or not.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def fetch(ctx: click.Context, feeds: tuple[str, ...], all_: bool, as_json: bool) -> None:
    """Fetch due feeds (or the named ones) once and store their new articles.

    \b
    Examples:
      newsstand fetch                       # every feed that is due
      newsstand fetch --all                 # every enabled feed
      newsstand fetch 12 https://example.org/feed.xml
    """
    with cli_services(ctx) as services:
        try:
            selected = services.operations.select_feeds(feeds, all_)
        except NotFoundError as exc:
            raise click.BadParameter(
                f"no feed {str(exc.key)!r} (give a feed id or URL)", param_hint="FEEDS"
            ) from exc
        if not as_json and selected:
            err_console.print(f"Fetching {_feeds(len(selected))}…")
        report = asyncio.run(_fetch_with_progress(services, selected, quiet=as_json))
        push = services.websub.status()
    summary = report.feeds
    if as_json:
        echo_json(_summary_json(summary))
    else:
        _print_summary(summary)
        if push.announced:  # hubs seen but push is off: say why they were not subscribed to
            console.print(push.line(), overflow="fold")
    if summary.outcomes and summary.count("failed") == len(summary.outcomes):
        ctx.exit(1)


def _feeds(n: int) -> str:
    return f"{n} feed" if n == 1 else f"{n} feeds"


async def _fetch_with_progress(services: Services, feeds: list[Feed], *, quiet: bool) -> PassReport:
    """One pass of the service loop over ``feeds`` (no full-text pages: that is the loop's
    background work), with stories updated after it."""
    stop = asyncio.Event()
    _stop_on_signals(stop)
    columns = (TextColumn("fetching"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True, disable=quiet) as progress:
        task = progress.add_task("feeds", total=len(feeds))

        def advance(_: FeedOutcome) -> None:
            progress.advance(task)

        loop = ServiceLoop(services.store, services.settings, on_outcome=advance, websub=services.websub)
        try:
            return await loop.run_pass(feeds, stop, pages=False)
        finally:
            loop.close()


def _summary_json(summary: IngestSummary) -> dict[str, object]:
    return {
        "feeds": len(summary.outcomes),
        "ok": summary.count("ok"),
        "not_modified": summary.count("not_modified"),
        "failed": summary.count("failed"),
        "unreachable": summary.unreachable,
        "new_entries": summary.new_entries,
        "updated_entries": summary.updated_entries,
        "seconds": round(summary.seconds, 3),
        "stopped": summary.stopped,
        "failures": [
            {"feed_id": o.feed.id, "url": o.feed.url, "error": o.error} for o in summary.outcomes if o.error
        ],
    }


def _print_summary(summary: IngestSummary) -> None:
    if not summary.outcomes:
        console.print("No feeds are due. Use --all to fetch every feed now.")
        return
    table = Table(title="Fetch summary")
    for name in ("feeds", "ok", "not modified", "failed", "new entries", "updated entries", "time"):
        table.add_column(name, justify="right")
    table.add_row(
        str(len(summary.outcomes)), str(summary.count("ok")), str(summary.count("not_modified")),
        str(summary.count("failed")), str(summary.new_entries), str(summary.updated_entries),
        f"{summary.seconds:.1f} s",
    )  # fmt: skip
    console.print(table)
    failed = [o for o in summary.outcomes if o.status == "failed"]
    for outcome in failed[:10]:
        console.print(f"[red]failed[/red] {outcome.feed.url}: {outcome.error}", overflow="fold")
    if len(failed) > 10:
        console.print(f"... and {len(failed) - 10} more; see `newsstand sources health`.")
    if summary.unreachable and summary.unreachable == len(summary.outcomes):
        n = len(summary.outcomes)
        lead = "The feed could not be reached" if n == 1 else f"None of the {n} feeds could be reached"
        console.print(
            f"[bold red]{lead}[/bold red] (DNS lookups or connections failed): "
            "is this machine offline or behind a proxy?"
        )
    elif summary.unreachable:
        noun = "feed" if summary.unreachable == 1 else "feeds"
        console.print(f"{summary.unreachable} {noun} could not be reached (DNS or connection failures).")
    if summary.stopped:
        console.print("Stopped early on request; feeds not finished were left for the next run.")


@click.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the service loop: poll feeds as they fall due, fill in full text for teasers,
    refresh live blogs and group new articles into stories, until interrupted; beside it,
    deliver queued mail and queue trial reminders and daily digests as they fall due.

    Stops cleanly on Ctrl-C or SIGTERM: fetches in flight are abandoned, commits
    in flight finish, and the exit status is 0.
    """
    settings = settings_from(ctx)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s")
    with cli_services(ctx) as services:
        asyncio.run(_run_forever(services))
    console.print("Ingestion stopped.")


async def _run_forever(services: Services) -> None:
    stop = asyncio.Event()
    _stop_on_signals(stop)

    def report(outcome: FeedOutcome) -> None:
        if outcome.status == "failed":
            logging.getLogger("newsstand.ingest").warning("%s: %s", outcome.feed.url, outcome.error)

    loop = ServiceLoop(
        services.store, services.settings, on_outcome=report, jobs=services.jobs, websub=services.websub
    )
    console.print(services.websub.status().line(), overflow="fold")
    await loop.run_forever(stop, announce=lambda line: console.print(f"[yellow]First pass:[/yellow] {line}"))


def _health_row(row: HealthRow) -> dict[str, object]:
    state = row.state
    return {
        "feed_id": row.feed.id,
        "publisher": row.feed.publisher_id,
        "section": row.feed.section,
        "url": row.feed.url,
        "status": row.status.value,
        "consecutive_failures": state.consecutive_failures,
        "last_error": row.problem,
        "last_fetched": state.last_fetched.isoformat() if state.last_fetched else None,
        "last_success": state.last_success.isoformat() if state.last_success else None,
        "next_poll": state.next_poll.isoformat() if state.next_poll else None,
    }


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--problems", is_flag=True, help="Only feeds that are failing, erroring or disabled.")
@click.option("--details", is_flag=True, help="List the feeds one by one after the summary.")
@click.pass_context
def health(ctx: click.Context, as_json: bool, problems: bool, details: bool) -> None:
    """Feed health: how many feeds are in each state, the commonest problems, and with
    --details every feed (worst first) with its last error, last fetch and next poll.

    \b
    Examples:
      newsstand sources health
      newsstand sources health --problems --details
    """
    with cli_services(ctx) as services:
        health_rows = services.operations.health(problems_only=problems)
    rows = [_health_row(r) for r in health_rows]
    if as_json:
        echo_json(rows)
        return
    _health_summary(health_rows)
    if not details:
        if any(r.status.is_problem for r in health_rows):
            console.print("Every feed with a problem: newsstand sources health --problems --details")
        return
    table = Table(title=f"Feed health ({_feeds(len(rows))})")
    table.add_column("state", no_wrap=True)
    table.add_column("feed", overflow="fold", ratio=2)
    table.add_column("last error", overflow="fold", ratio=1)
    table.add_column("last fetch / next poll", overflow="fold")
    for r in rows:
        colour = _COLOURS.get(str(r["status"]), "green")
        failures = f" ×{r['consecutive_failures']}" if r["consecutive_failures"] else ""
        table.add_row(
            f"[{colour}]{r['status']}{failures}[/{colour}]",
            f"{r['feed_id']} {r['publisher']} / {r['section']}\n{r['url']}",
            str(r["last_error"]),
            f"{_short(r['last_fetched'])}\n{_short(r['next_poll'])}",
        )
    console.print(table)


_COLOURS = {"failing": "red", "erroring": "yellow", "disabled": "dim", "never fetched": "default"}
_GROUPS_SHOWN = 10


def _health_summary(rows: list[HealthRow]) -> None:
    """Counts per state (in the admin's words) and the commonest problems with their counts."""
    counts = Counter(r.status for r in rows)
    table = Table(title=f"Feed health ({_feeds(len(rows))})")
    table.add_column("state", no_wrap=True)
    table.add_column("feeds", justify="right", no_wrap=True)
    table.add_column("meaning", overflow="fold")
    for status in FeedStatus:
        if counts.get(status):
            colour = _COLOURS.get(status.value, "green")
            table.add_row(f"[{colour}]{status.value}[/{colour}]", str(counts[status]), DESCRIPTIONS[status])
    console.print(table)
    problems = Counter(r.problem for r in rows if r.status.is_problem and r.problem)
    if not problems:
        return
    console.print("[bold]Commonest problems[/bold]")
    for problem, n in sorted(problems.items(), key=lambda item: (-item[1], item[0].casefold()))[
        :_GROUPS_SHOWN
    ]:
        console.print(f"{_feeds(n):>10}  {problem}", overflow="fold", markup=False)
    if len(problems) > _GROUPS_SHOWN:
        console.print(f"{'':>10}  … and {len(problems) - _GROUPS_SHOWN} other problems")


def _short(value: object) -> str:
    return str(value)[:16].replace("T", " ") if value else "-"
