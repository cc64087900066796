"""`newsstand sources`: the publishers and feeds Newsstand reads.

The click group is exposed as ``sources`` so other modules can add commands to
it (ingestion adds ``sources health``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click
from rich.table import Table

from newsstand.app.catalog import export_opml, import_opml, merge_catalog, seed_default_catalog
from newsstand.catalog import (
    SECTIONS,
    Catalog,
    MergePlan,
    check_http_url,
    load_default_catalog,
    slugify,
    validate_catalog,
)
from newsstand.catalog.loader import favicon_url
from newsstand.cli._common import cli_store, console, echo_json, err_console
from newsstand.errors import CatalogError, NotFoundError
from newsstand.model import Feed, FeedState, LicenceTier, Publisher
from newsstand.store import Store

# Feeds switched off because their publisher was: re-enabled with the publisher.
PUBLISHER_DISABLED = "publisher disabled"


def register(main: click.Group) -> None:
    main.add_command(sources)


@contextmanager
def _store(ctx: click.Context, *, first_look: bool = False) -> Iterator[Store]:
    """The store; with ``first_look`` (commands that show the catalog) a store on its
    first start gets the shipped default catalog, as `serve` and `fetch` give it."""
    with cli_store(ctx) as store:
        if first_look:
            plan = seed_default_catalog(store)
            if not plan.is_empty:
                err_console.print(
                    f"First start: stored the default catalog ({len(plan.new_publishers)} publishers)."
                )
        yield store


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
    with _store(ctx, first_look=True) as store:
        publishers = store.list_publishers()
        feeds = store.list_feeds()
    counts: dict[str, int] = {}
    for f in feeds:
        counts[f.publisher_id] = counts.get(f.publisher_id, 0) + 1
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
    for column in ("id", "publisher", "country", "lang", "sections", "feeds", "enabled"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(
            str(r["id"]),
            str(r["name"]),
            str(r["country"]),
            str(r["language"]),
            ", ".join(p for p in r["sections"]),  # type: ignore[attr-defined]
            str(r["feeds"]),
            "yes" if r["enabled"] else "[red]no[/red]",
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
    with _store(ctx, first_look=True) as store:
        p = store.get_publisher(publisher_id)
        feeds = store.list_feeds(publisher_id)
        states = {f.id: store.get_feed_state(f.id) for f in feeds if f.id is not None}
    if as_json:
        row = _publisher_row(p, len(feeds))
        row["logo_url"] = p.logo_url
        row["feed_list"] = [_feed_row(f, states.get(f.id) if f.id is not None else None) for f in feeds]
        echo_json(row)
        return
    console.print(f"[bold]{p.name}[/bold] ({p.id})  {'enabled' if p.enabled else '[red]disabled[/red]'}")
    console.print(f"{p.homepage}\ncountry {p.country} · language {p.language} · tier {p.licence_tier.value}")
    console.print(f"sections: {', '.join(p.sections) or '-'}")
    table = Table(title=f"{len(feeds)} feeds")
    for column in ("id", "section", "url", "enabled", "last success", "failures", "last error"):
        table.add_column(column, overflow="fold", min_width=30 if column == "url" else None)
    for f in feeds:
        state = states.get(f.id) if f.id is not None else None
        table.add_row(
            str(f.id),
            f.section,
            f.url,
            "yes" if f.enabled else f"[red]no[/red] {f.disabled_reason}",
            state.last_success.strftime("%Y-%m-%d %H:%M") if state and state.last_success else "never",
            str(state.consecutive_failures) if state else "0",
            state.last_error if state else "",
        )
    console.print(table)


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
    pid = publisher_id or slugify(name)
    feed_sections = sections * len(feed_urls) if len(sections) == 1 else sections
    feeds = tuple(
        Feed(url=url.strip(), publisher_id=pid, section=section, title=f"{name}: {section}")
        for url, section in zip(feed_urls, feed_sections, strict=False)
    )
    home = check_http_url(homepage, "homepage")
    publisher = Publisher(
        id=pid,
        name=name.strip(),
        homepage=home,
        country=country.upper(),
        language=language.lower(),
        sections=tuple(dict.fromkeys(f.section for f in feeds)),
        logo_url=logo or favicon_url(home),
        licence_tier=LicenceTier(tier),
    )
    catalog = validate_catalog(Catalog((publisher,), feeds), source="sources add")
    with _store(ctx) as store:
        if _publisher_exists(store, pid):
            raise CatalogError(f"publisher {pid!r} exists already; use add-feed to give it more feeds")
        plan = merge_catalog(store, catalog)
    _print_plan(plan, applied=True)


def _publisher_exists(store: Store, publisher_id: str) -> bool:
    try:
        store.get_publisher(publisher_id)
    except NotFoundError:
        return False
    return True


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
    with _store(ctx) as store:
        publisher = store.get_publisher(publisher_id)
        feed = Feed(
            url=check_http_url(url, "feed URL"),
            publisher_id=publisher_id,
            section=section,
            title=title or f"{publisher.name}: {section}",
        )
        validate_catalog(Catalog((publisher,), (feed,)), source="sources add-feed")
        stored = store.add_feed(feed)
        if section not in publisher.sections:
            store.update_publisher(replace(publisher, sections=(*publisher.sections, section)))
    click.echo(f"Added feed {stored.id} ({stored.url}) to {publisher_id}.")


# --- remove, enable, disable -----------------------------------------------------------------


def _find_feed(store: Store, target: str) -> Feed | None:
    """The feed ``target`` names (a numeric id or a URL), None if it names a publisher."""
    if target.isdigit():
        return store.get_feed(int(target))
    if target.startswith(("http://", "https://")):
        return store.get_feed_by_url(target)
    return None


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
    with _store(ctx) as store:
        feed = _find_feed(store, target)
        if feed is not None and feed.id is not None:
            if not yes:
                click.confirm(f"Remove feed {feed.url}?", abort=True)
            store.remove_feed(feed.id)
            click.echo(f"Removed feed {feed.url}.")
            return
        publisher = store.get_publisher(target)
        count = len(store.list_feeds(target))
        if not yes:
            click.confirm(f"Remove {publisher.name} and its {count} feeds?", abort=True)
        store.remove_publisher(target)
    click.echo(f"Removed publisher {target} and its {count} feeds.")


def _set_enabled(store: Store, target: str, enabled: bool, reason: str) -> str:
    """Enable or disable what ``target`` names; return a sentence saying what changed.

    Disabling a publisher disables its enabled feeds too (so ingestion skips them),
    marked so that enabling the publisher brings back exactly those feeds.
    """
    feed = _find_feed(store, target)
    if feed is not None and feed.id is not None:
        store.set_feed_enabled(feed.id, enabled, reason)
        return f"{'Enabled' if enabled else 'Disabled'} feed {feed.url}."
    publisher = store.get_publisher(target)
    store.update_publisher(replace(publisher, enabled=enabled))
    marker = f"{PUBLISHER_DISABLED}: {reason}" if reason else PUBLISHER_DISABLED
    changed = 0
    for f in store.list_feeds(target):
        assert f.id is not None
        if not enabled and f.enabled:
            store.set_feed_enabled(f.id, False, marker)
            changed += 1
        elif enabled and not f.enabled and f.disabled_reason.startswith(PUBLISHER_DISABLED):
            store.set_feed_enabled(f.id, True)
            changed += 1
    return f"{'Enabled' if enabled else 'Disabled'} publisher {target} and {changed} of its feeds."


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
    with _store(ctx) as store:
        click.echo(_set_enabled(store, target, True, ""))


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
    with _store(ctx) as store:
        click.echo(_set_enabled(store, target, False, reason))


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
    with _store(ctx) as store:
        plan = import_opml(
            store,
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
    with _store(ctx, first_look=True) as store:
        data = export_opml(store)
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
    with _store(ctx) as store:
        plan = merge_catalog(store, load_default_catalog(), dry_run=dry_run)
    _print_plan(plan, applied=not dry_run)
