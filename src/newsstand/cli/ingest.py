"""`newsstand fetch`, `newsstand run` and `newsstand sources health`: ingestion from the shell."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsstand.app.catalog import seed_default_catalog
from newsstand.cli._common import announce, console, echo_json, err_console, settings_from
from newsstand.config import Settings
from newsstand.errors import NotFoundError
from newsstand.ingest.pipeline import FeedOutcome, Ingestor, IngestSummary
from newsstand.model import Feed, FeedState, utcnow
from newsstand.store import Store, open_store


def register(main: click.Group) -> None:
    from newsstand.cli.sources import sources

    main.add_command(fetch)
    main.add_command(run)
    sources.add_command(health)


@contextmanager
def _open(settings: Settings) -> Iterator[Store]:
    store = open_store(settings, announce)
    try:
        seed_default_catalog(store)  # first start: the shipped catalog, so there is something to read
        yield store
    finally:
        store.close()


def _stop_on_signals(stop: asyncio.Event) -> None:
    """SIGINT and SIGTERM ask for a clean stop instead of killing work in flight."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not the main thread, or a platform without signals: Ctrl-C then interrupts hard.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


def _select(store: Store, names: Sequence[str], all_: bool) -> list[Feed] | None:
    """Feeds named by id or URL; every enabled feed for --all; None means "the due ones"."""
    if all_:
        return store.list_feeds(enabled_only=True)
    if not names:
        return None
    feeds = []
    for name in names:
        try:
            feeds.append(store.get_feed(int(name)) if name.isdigit() else store.get_feed_by_url(name))
        except NotFoundError as exc:
            raise click.BadParameter(f"no feed {name!r} (give a feed id or URL)", param_hint="FEEDS") from exc
    return feeds


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
    settings = settings_from(ctx)
    with _open(settings) as store:
        selected = _select(store, feeds, all_)
        if selected is None:
            selected = [feed for feed, _ in store.due_feeds(utcnow())]
        summary = asyncio.run(_fetch_with_progress(store, settings, selected, quiet=as_json))
    if as_json:
        echo_json(_summary_json(summary))
    else:
        _print_summary(summary)
    if summary.outcomes and summary.count("failed") == len(summary.outcomes):
        ctx.exit(1)


async def _fetch_with_progress(
    store: Store, settings: Settings, feeds: list[Feed], *, quiet: bool
) -> IngestSummary:
    stop = asyncio.Event()
    _stop_on_signals(stop)
    columns = (TextColumn("fetching"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True, disable=quiet) as progress:
        task = progress.add_task("feeds", total=len(feeds))

        def advance(_: FeedOutcome) -> None:
            progress.advance(task)

        return await Ingestor(store, settings, on_outcome=advance).run_once(feeds, stop=stop)


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
        console.print(
            f"[bold red]None of the {len(summary.outcomes)} feeds could be reached[/bold red] "
            "(DNS lookups or connections failed): is this machine offline or behind a proxy?"
        )
    elif summary.unreachable:
        noun = "feed" if summary.unreachable == 1 else "feeds"
        console.print(f"{summary.unreachable} {noun} could not be reached (DNS or connection failures).")
    if summary.stopped:
        console.print("Stopped early on request; feeds not finished were left for the next run.")


@click.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the ingestion loop: poll feeds as they fall due until interrupted.

    Stops cleanly on Ctrl-C or SIGTERM: fetches in flight are abandoned, commits
    in flight finish, and the exit status is 0.
    """
    settings = settings_from(ctx)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(message)s")
    with _open(settings) as store:
        asyncio.run(_run_forever(store, settings))
    console.print("Ingestion stopped.")


async def _run_forever(store: Store, settings: Settings) -> None:
    stop = asyncio.Event()
    _stop_on_signals(stop)

    def report(outcome: FeedOutcome) -> None:
        if outcome.status == "failed":
            logging.getLogger("newsstand.ingest").warning("%s: %s", outcome.feed.url, outcome.error)

    await Ingestor(store, settings, on_outcome=report).run_forever(stop)


def _health_row(feed: Feed, state: FeedState) -> dict[str, object]:
    if not feed.enabled:
        status = "disabled"
    elif state.failing:
        status = "failing"
    elif state.last_fetched is None:
        status = "never fetched"
    elif state.consecutive_failures:
        status = "erroring"
    else:
        status = "ok"
    return {
        "feed_id": feed.id,
        "publisher": feed.publisher_id,
        "section": feed.section,
        "url": feed.url,
        "status": status,
        "consecutive_failures": state.consecutive_failures,
        "last_error": feed.disabled_reason if not feed.enabled and feed.disabled_reason else state.last_error,
        "last_fetched": state.last_fetched.isoformat() if state.last_fetched else None,
        "last_success": state.last_success.isoformat() if state.last_success else None,
        "next_poll": state.next_poll.isoformat() if state.next_poll else None,
    }


_ORDER = {"failing": 0, "erroring": 1, "disabled": 2, "never fetched": 3, "ok": 4}


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--problems", is_flag=True, help="Only feeds that are failing, erroring or disabled.")
@click.pass_context
def health(ctx: click.Context, as_json: bool, problems: bool) -> None:
    """Feed health: failing feeds first, with their last error, last fetch and next poll."""
    with _open(settings_from(ctx)) as store:
        rows = [_health_row(f, s) for f, s in store.feed_states()]
    rows.sort(key=lambda r: (_ORDER[str(r["status"])], -int(str(r["consecutive_failures"]))))
    if problems:
        rows = [r for r in rows if r["status"] in ("failing", "erroring", "disabled")]
    if as_json:
        echo_json(rows)
        return
    table = Table(title=f"Feed health ({len(rows)} feeds)")
    for name in ("status", "feed", "failures", "last error", "last fetch", "next poll"):
        table.add_column(name, overflow="fold")
    for r in rows:
        colour = {"failing": "red", "erroring": "yellow", "disabled": "dim"}.get(str(r["status"]), "green")
        table.add_row(
            f"[{colour}]{r['status']}[/{colour}]",
            f"{r['publisher']} / {r['section']}\n{r['url']}",
            str(r["consecutive_failures"]),
            str(r["last_error"]),
            _short(r["last_fetched"]),
            _short(r["next_poll"]),
        )
    console.print(table)


def _short(value: object) -> str:
    return str(value)[:16].replace("T", " ") if value else "-"
