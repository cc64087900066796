"""`newsstand sources`: the publishers and feeds Newsstand reads.

The click group is exposed as ``sources`` so other modules can add commands to
it (ingestion adds ``sources health``).
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from newsstand.app.catalog import NewPublisher
from newsstand.catalog import SECTIONS, MergePlan
from newsstand.catalog.health import feed_status, problem_text
from newsstand.cli._common import cli_services, console, echo_json
from newsstand.errors import CatalogError
from newsstand.model import Feed, FeedState, LicenceTier, Publisher


def register(main: click.Group) -> None:
    main.add_command(sources)


@click.group()
def sources() -> None:
    """List, add, remove, enable and disable publishers and their feeds; import and
    export OPML.

    \b
    Examples:
      newsstand sources list --country GB
      newsstand sources show bbc-news
      newsstand sources import subscriptions.opml --dry-run
      newsstand sources export > newsstand.opml
    """


# --- list and show ---------------------------------------------------------------------------


def _publisher_row(p: Publisher, feed_count: int) -> dict[str, object]:
    return {
        "id": p.id,
        "name": p.name,
        "country": p.country,
        "language": p.language,
        "sections": list(p.sections),
        "feeds": feed_count,
        "enabled": p.enabled,
        "licence_tier": p.licence_tier.value,
        "homepage": p.homepage,
    }


@sources.command("list")
@click.option("--country", help="Only publishers from this country (ISO code, e.g. GB).")
@click.option("--section", help="Only publishers with a feed in this section (e.g. Science).")
@click.option("--language", help="Only publishers in this language (e.g. de).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def list_(
    ctx: click.Context, country: str | None, section: str | None, language: str | None, as_json: bool
) -> None:
    """List publishers with their country, language, sections and feed count.

    \b
    Examples:
      newsstand sources list
      newsstand sources list --country DE --section Politics
      newsstand sources list --json | jq '.[].id'
    """
    with cli_services(ctx) as services:
        publishers = list(services.catalog.publishers().values())
        counts = services.catalog.feed_counts()
    publishers.sort(key=lambda p: (p.name.casefold(), p.id))
    rows = [
        _publisher_row(p, counts.get(p.id, 0))
        for p in publishers
        if (not country or p.country == country.upper())
        and (not language or p.language == language.lower())
        and (not section or section.lower() in {s.lower() for s in p.sections})
    ]
    if as_json:
        echo_json(rows)
        return
    table = Table(title=f"{len(rows)} publishers")
    # Ids are what people copy into other commands: never wrapped; names and sections give way.
    table.add_column("id", no_wrap=True)
    table.add_column("publisher", overflow="fold", ratio=1)
    table.add_column("where", no_wrap=True)
    table.add_column("sections", overflow="fold", ratio=1)
    table.add_column("feeds", no_wrap=True, justify="right")
    for r in rows:
        table.add_row(
            str(r["id"]),
            str(r["name"]),
            f"{r['country']} {r['language']}",
            ", ".join(p for p in r["sections"]),  # type: ignore[attr-defined]
            str(r["feeds"]) if r["enabled"] else f"{r['feeds']} [red]off[/red]",
        )
    console.print(table)


def _feed_row(f: Feed, state: FeedState | None) -> dict[str, object]:
    return {
        "id": f.id,
        "url": f.url,
        "section": f.section,
        "title": f.title,
        "enabled": f.enabled,
        "disabled_reason": f.disabled_reason,
        "last_success": state.last_success if state else None,
        "consecutive_failures": state.consecutive_failures if state else 0,
        "last_error": state.last_error if state else "",
    }


@sources.command()
@click.argument("publisher_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def show(ctx: click.Context, publisher_id: str, as_json: bool) -> None:
    """Show one publisher with its feeds and their fetch state.

    \b
    Example:
      newsstand sources show guardian-uk
    """
    with cli_services(ctx) as services:
        detail = services.catalog.publisher_detail(publisher_id)
    p, pairs = detail.publisher, detail.feeds
    feeds = [f for f, _ in pairs]
    states = {f.id: s for f, s in pairs}
    if as_json:
        row = _publisher_row(p, len(feeds))
        row["logo_url"] = p.logo_url
        row["feed_list"] = [_feed_row(f, s) for f, s in pairs]
        echo_json(row)
        return
    console.print(f"[bold]{p.name}[/bold] ({p.id})  {'enabled' if p.enabled else '[red]disabled[/red]'}")
    console.print(f"{p.homepage}\ncountry {p.country} · language {p.language} · tier {p.licence_tier.value}")
    console.print(f"sections: {', '.join(p.sections) or '-'}")
    # Four narrow columns and the URL, which folds: fits 80 columns; errors go below the table.
    table = Table(title=f"{len(feeds)} feeds")
    table.add_column("id", no_wrap=True, justify="right")
    table.add_column("section", overflow="fold")
    table.add_column("url", overflow="fold", ratio=1)
    table.add_column("state", no_wrap=True)
    table.add_column("last success", no_wrap=True)
    problems = []
    for f in sorted(feeds, key=lambda f: (f.section.casefold(), f.url.casefold())):
        state = states.get(f.id) if f.id is not None else None
        status = feed_status(f, state or FeedState(f.id or 0))
        failures = state.consecutive_failures if state else 0
        shown = f"{status.value} ×{failures}" if failures else status.value
        colour = _STATUS_COLOURS.get(status.value, "green")
        table.add_row(
            str(f.id),
            f.section,
            f.url,
            f"[{colour}]{shown}[/{colour}]",
            state.last_success.strftime("%Y-%m-%d") if state and state.last_success else "never",
        )
        problem = problem_text(f, state or FeedState(f.id or 0))
        if status.is_problem and problem:
            problems.append(f"feed {f.id}: {problem}")
    console.print(table)
    for line in problems:
        console.print(line, overflow="fold", markup=False)


_STATUS_COLOURS = {"failing": "red", "erroring": "yellow", "disabled": "dim", "never fetched": "default"}


# --- add ------------------------------------------------------------------------------------

_SECTION_HELP = f"One of: {', '.join(SECTIONS)}."


@sources.command()
@click.option("--name", required=True, help="Display name, e.g. 'The Daily Example'.")
@click.option("--homepage", required=True, help="Front page URL (http or https).")
@click.option("--country", required=True, help="ISO 3166-1 alpha-2 country code, e.g. GB.")
@click.option("--language", required=True, help="Language tag of its articles, e.g. en.")
@click.option("--id", "publisher_id", help="Stable slug; derived from the name when left out.")
@click.option("--feed", "feed_urls", multiple=True, help="A feed URL (repeat for several).")
@click.option("--section", "sections", multiple=True, help=f"Section of each --feed. {_SECTION_HELP}")
@click.option("--logo", default="", help="Logo URL; the site's favicon when left out.")
@click.option(
    "--tier",
    type=click.Choice([t.value for t in LicenceTier]),
    default="open",
    show_default=True,
    help="Licence tier: open shows teasers and links out; partner and premium show full text to members.",
)
@click.pass_context
def add(
    ctx: click.Context,
    name: str,
    homepage: str,
    country: str,
    language: str,
    publisher_id: str | None,
    feed_urls: tuple[str, ...],
    sections: tuple[str, ...],
    logo: str,
    tier: str,
) -> None:
    """Add a publisher, optionally with its feeds.

    Give one --section per --feed (or a single --section for all of them).

    \b
    Example:
      newsstand sources add --name "The Daily Example" --homepage https://example.org \\
        --country GB --language en \\
        --feed https://example.org/world.rss --section World \\
        --feed https://example.org/sport.rss --section Sport
    """
    if feed_urls and len(sections) not in (1, len(feed_urls)):
        raise click.UsageError("give one --section for every --feed, or one for all of them")
    feed_sections = sections * len(feed_urls) if len(sections) == 1 else sections
    new = NewPublisher(
        name=name,
        homepage=homepage,
        country=country,
        language=language,
        publisher_id=publisher_id or "",
        feeds=tuple(zip(feed_urls, feed_sections, strict=False)),
        logo_url=logo,
        licence_tier=LicenceTier(tier),
    )
    with cli_services(ctx) as services:
        plan = services.catalog.add_publisher(new)
    _print_plan(plan, applied=True)


@sources.command("add-feed")
@click.argument("publisher_id")
@click.argument("url")
@click.option("--section", required=True, help=_SECTION_HELP)
@click.option("--title", default="", help="Feed title; '<publisher>: <section>' when left out.")
@click.pass_context
def add_feed(ctx: click.Context, publisher_id: str, url: str, section: str, title: str) -> None:
    """Add a feed to an existing publisher.

    \b
    Example:
      newsstand sources add-feed bbc-news https://feeds.bbci.co.uk/news/education/rss.xml --section News
    """
    with cli_services(ctx) as services:
        stored = services.catalog.add_feed(publisher_id, url, section, title)
    click.echo(f"Added feed {stored.id} ({stored.url}) to {publisher_id}.")


# --- remove, enable, disable -----------------------------------------------------------------


_TARGET_HELP = "TARGET is a publisher id, a feed URL or a feed's numeric id."


@sources.command()
@click.argument("target")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def remove(ctx: click.Context, target: str, yes: bool) -> None:
    """Remove a publisher (with all its feeds) or one feed. Articles already
    stored stay readable.

    \b
    TARGET is a publisher id, a feed URL or a feed's numeric id.
    Examples:
      newsstand sources remove the-daily-example --yes
      newsstand sources remove https://example.org/sport.rss
    """
    with cli_services(ctx) as services:
        catalog = services.catalog
        feed = catalog.find_feed(target)
        if feed is not None:
            if not yes:
                click.confirm(f"Remove feed {feed.url}?", abort=True)
            catalog.remove_feed(feed)
            click.echo(f"Removed feed {feed.url}.")
            return
        publisher = catalog.get_publisher(target)
        count = catalog.feed_counts().get(target, 0)
        if not yes:
            click.confirm(f"Remove {publisher.name} and its {count} feeds?", abort=True)
        catalog.remove_publisher(target)
    click.echo(f"Removed publisher {target} and its {count} feeds.")


@sources.command()
@click.argument("target")
@click.pass_context
def enable(ctx: click.Context, target: str) -> None:
    """Enable a publisher or a feed.

    \b
    TARGET is a publisher id, a feed URL or a feed's numeric id. Enabling a
    publisher also enables the feeds that were disabled along with it.
    Example:
      newsstand sources enable bbc-news
    """
    with cli_services(ctx) as services:
        click.echo(services.catalog.set_enabled(target, True))


@sources.command()
@click.argument("target")
@click.option("--reason", default="", help="Why, shown to operators (e.g. 'paywalled feed').")
@click.pass_context
def disable(ctx: click.Context, target: str, reason: str) -> None:
    """Disable a publisher or a feed: ingestion skips it, nothing is deleted.

    \b
    TARGET is a publisher id, a feed URL or a feed's numeric id.
    Examples:
      newsstand sources disable 42 --reason "returns 403 to bots"
      newsstand sources disable the-daily-example
    """
    with cli_services(ctx) as services:
        click.echo(services.catalog.set_enabled(target, False, reason))


# --- import and export ------------------------------------------------------------------------


def _print_plan(plan: MergePlan, *, applied: bool) -> None:
    verb = "Added" if applied else "Would add"
    click.echo(f"{verb} {len(plan.new_publishers)} publishers and {len(plan.new_feeds)} feeds.")
    for p in plan.new_publishers:
        click.echo(f"  + publisher {p.id} ({p.name})")
    for f in plan.new_feeds:
        click.echo(f"  + feed {f.url} [{f.section}] -> {f.publisher_id}")
    if plan.existing_publishers or plan.existing_feeds:
        click.echo(
            f"Left {len(plan.existing_publishers)} publishers and {len(plan.existing_feeds)} feeds "
            "as they are (already present)."
        )


@sources.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would be added, change nothing.")
@click.option("--country", default="ZZ", show_default=True, help="Country of feeds the file does not place.")
@click.option("--language", default="und", show_default=True, help="Language of feeds the file leaves out.")
@click.pass_context
def import_(ctx: click.Context, file: Path, dry_run: bool, country: str, language: str) -> None:
    """Import publishers and feeds from an OPML file.

    Reads Newsstand's own exports without loss and ordinary OPML from other
    readers (folders and categories become sections). The whole file is checked
    first; a malformed or unsafe file is refused and nothing is imported.
    Publishers and feeds already present are left as they are.

    \b
    Examples:
      newsstand sources import subscriptions.opml --dry-run
      newsstand sources import subscriptions.opml --country NZ --language en
    """
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise CatalogError(f"cannot read: {exc}", str(file)) from exc
    with cli_services(ctx) as services:
        plan = services.catalog.import_opml(
            data,
            dry_run=dry_run,
            source=file.name,
            default_country=country.upper(),
            default_language=language.lower(),
        )
    _print_plan(plan, applied=not dry_run)


@sources.command()
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=False)
@click.pass_context
def export(ctx: click.Context, file: Path | None) -> None:
    """Export every publisher and feed as OPML 2.0 (to stdout, or to FILE).

    \b
    Examples:
      newsstand sources export > newsstand.opml
      newsstand sources export backup.opml
    """
    with cli_services(ctx) as services:
        data = services.catalog.export_opml()
    if file is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    try:
        file.write_bytes(data)
    except OSError as exc:
        raise CatalogError(f"cannot write: {exc}", str(file)) from exc
    click.echo(f"Wrote {file}.", err=True)


@sources.command("import-default")
@click.option("--dry-run", is_flag=True, help="Show what would be added, change nothing.")
@click.pass_context
def import_default(ctx: click.Context, dry_run: bool) -> None:
    """Add publishers and feeds from the shipped default catalog that are missing.

    Nothing is changed or removed; publishers you removed come back only through
    this command.

    \b
    Example:
      newsstand sources import-default --dry-run
    """
    with cli_services(ctx) as services:
        plan = services.catalog.merge_default(dry_run=dry_run)
    _print_plan(plan, applied=not dry_run)
