"""`newsstand extract`, `newsstand import` and `newsstand articles show`.

``extract`` shows what extraction makes of saved pages without storing
anything; ``import`` stores an article given as plain text or HTML like an
ingested one; ``articles show`` prints a stored article with its live entries.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.panel import Panel

from newsstand.cli._common import STORED_ID, cli_services, console, echo_json
from newsstand.errors import ExtractionError
from newsstand.extract import ExtractedPage, extract_page
from newsstand.extract.dcr import is_dcr_payload, page_from_dcr
from newsstand.extract.structured import parse_datetime
from newsstand.extract.textimport import parse_text_article
from newsstand.ingest.pages import StoredPage
from newsstand.model import Article, Image, LiveEntry


def register(main: click.Group) -> None:
    main.add_command(extract)
    main.add_command(import_article)
    main.add_command(articles)


# A saved page is at most what the fetcher would take from a publisher (the default
# max_response_bytes): /dev/zero, a huge file or a gzip bomb stops here with a clear error.
MAX_PAGE_BYTES = 10_000_000
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_page_file(path: Path, limit: int = MAX_PAGE_BYTES) -> bytes:
    """A saved page's bytes, gunzipped when the name ends in .gz, at most ``limit`` of them.
    Raises ExtractionError for a file it cannot read, one larger than ``limit`` (before or
    after decompression) and one that is binary rather than a page or text."""
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
        if path.name.endswith(".gz"):
            data = _gunzip(data, limit, path)
    except (OSError, EOFError, zlib.error) as exc:
        raise ExtractionError(f"cannot read {path}: {exc}") from exc
    if len(data) > limit:
        raise ExtractionError(f"{path} is larger than {limit:,} bytes; pages are smaller than that")
    if looks_binary(data):
        raise ExtractionError(f"{path} is a binary file, not a saved page or a text article")
    return data


def _gunzip(data: bytes, limit: int, path: Path) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(data, limit + 1)
    if len(out) > limit or inflater.unconsumed_tail:
        raise ExtractionError(f"{path} unpacks to more than {limit:,} bytes; pages are smaller than that")
    if not inflater.eof:
        raise ExtractionError(f"cannot read {path}: the gzip data is cut short")
    return out


def looks_binary(data: bytes) -> bool:
    """True when ``data`` is not text: a NUL byte, or many control characters, in its first
    8 KB (UTF-16 and UTF-32 text with a byte-order mark is text)."""
    head = data[:8192]
    if head.startswith(_WIDE_BOMS):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls > len(head) // 20


def _time_option(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise click.BadParameter(f"not a date/time: {value!r} (use ISO 8601, e.g. 2025-02-26T14:30:00+00:00)")
    return parsed


def _image_json(image: Image) -> dict[str, Any]:
    return {"url": image.url, "caption": image.caption, "credit": image.credit, "alt": image.alt}


def entry_json(entry: LiveEntry) -> dict[str, Any]:
    return {
        "entry_id": entry.entry_id,
        "posted": entry.posted.isoformat(),
        "updated": entry.updated.isoformat() if entry.updated else None,
        "title": entry.title,
        "key_event": entry.key_event,
        "pinned": entry.pinned,
        "summary": entry.summary,
        "marked_updated": entry.marked_updated,
        "deleted": entry.deleted,
        "revision": entry.revision,
        "body_text": entry.body_text,
        "images": [_image_json(i) for i in entry.images],
    }


def page_json(page: ExtractedPage) -> dict[str, Any]:
    """One extracted page as JSON-ready data."""
    return {
        "url": page.url,
        "headline": page.headline,
        "standfirst": page.standfirst,
        "authors": list(page.authors),
        "section": page.section,
        "site_name": page.site_name,
        "published": page.published.isoformat() if page.published else None,
        "updated": page.updated.isoformat() if page.updated else None,
        "language": page.language,
        "kind": page.kind.value,
        "tags": list(page.tags),
        "images": [_image_json(i) for i in page.images],
        "body_text": page.body_text,
        "live_entries": [entry_json(e) for e in page.live_entries],
        "reposted_entry_ids": list(page.reposted_entry_ids),
    }


def _show(title: str, fields: Sequence[tuple[str, str]], body: str, entries: Sequence[LiveEntry]) -> None:
    lines = [f"[bold]{escape(name)}:[/bold] {escape(value)}" for name, value in fields if value]
    console.print(Panel("\n".join(lines), title=escape(title), title_align="left"))
    if body and not entries:
        console.print(escape(body))
    for entry in entries:
        flags = [
            f
            for f, on in (
                ("pinned", entry.pinned),
                ("summary", entry.summary),
                ("key event", entry.key_event),
                ("updated", entry.marked_updated),
                ("deleted", entry.deleted),
            )
            if on
        ]
        head = f"{entry.posted:%Y-%m-%d %H:%M} UTC  {entry.title or '(untitled)'}"
        console.rule(escape(head + (f"  [{', '.join(flags)}]" if flags else "")), align="left")
        console.print(escape(entry.body_text))


def _image_field(images: Sequence[Image]) -> str:
    return " | ".join(" — ".join(x for x in (i.caption, i.credit, i.url) if x) for i in images)


@click.command()
@click.argument(
    "pages", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--url", default="", help="URL the page came from (used when the page names none).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per page.")
def extract(pages: tuple[Path, ...], url: str, as_json: bool) -> None:
    """Show what extraction makes of saved pages (.html, .html.gz, or Guardian .json?dcr payloads);
    stores nothing."""
    for path in pages:
        page = load_page(read_page_file(path), "auto", url)
        if as_json:
            echo_json(page_json(page))
            continue
        times = " → ".join(t.isoformat() for t in (page.published, page.updated) if t)
        _show(
            page.headline or str(path),
            [
                ("kind", page.kind.value),
                ("url", page.url),
                ("site", page.site_name),
                ("section", page.section),
                ("authors", ", ".join(page.authors)),
                ("times", times),
                ("language", page.language),
                ("standfirst", page.standfirst),
                ("images", _image_field(page.images)),
                ("tags", ", ".join(page.tags)),
            ],
            page.body_text,
            page.live_entries,
        )


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--publisher",
    "publisher_name",
    default="",
    help="Publisher id or name; default: the name the article itself gives.",
)
@click.option("--create-publisher", is_flag=True, help="Add the publisher when it is not known yet.")
@click.option("--url", default="", help="Canonical URL of the article (required when the file has none).")
@click.option("--published", default=None, help="Publication time, ISO 8601.")
@click.option("--updated", default=None, help="Last update time, ISO 8601.")
@click.option("--section", default="", help="Section to list the article in.")
@click.option(
    "--format", "fmt", type=click.Choice(["auto", "text", "html"]), default="auto", show_default=True
)
@click.option("--json", "as_json", is_flag=True, help="Print what was stored as JSON.")
@click.pass_context
def import_article(
    ctx: click.Context,
    file: Path,
    publisher_name: str,
    create_publisher: bool,
    url: str,
    published: str | None,
    updated: str | None,
    section: str,
    fmt: str,
    as_json: bool,
) -> None:
    """Store an article given as plain text or HTML, as if it had been ingested."""
    first, last = _time_option(published), _time_option(updated)
    page = load_page(read_page_file(file), fmt, url, first, last)
    with cli_services(ctx) as services:
        imported = services.operations.import_page(
            page,
            publisher=publisher_name,
            create_publisher=create_publisher,
            url=url,
            section=section,
            published=first,
            updated=last,
        )
    publisher, article, stored = imported.publisher, imported.article, imported.stored
    if as_json:
        ids = {"article_id": stored.upsert.article_id, "created": stored.upsert.created}
        echo_json({**ids, "publisher_id": publisher.id, **page_json(page)})
        return
    _print_stored(stored, publisher.name, article.title)


def load_page(
    raw: bytes, fmt: str, url: str, published: datetime | None = None, updated: datetime | None = None
) -> ExtractedPage:
    """What a file holds: an HTML page, a Guardian DCR JSON payload, or a plain-text article.
    ``fmt`` "auto" decides by the first character; raises ExtractionError for unreadable JSON."""
    head = raw.lstrip()[:1]
    if fmt == "html" or (fmt == "auto" and head == b"<"):
        return extract_page(raw, url)
    if fmt == "auto" and head == b"{":
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            raise ExtractionError(f"not a JSON page payload: {exc}") from exc
        if is_dcr_payload(payload):
            return page_from_dcr(payload)
    text = raw.decode("utf-8", errors="replace")
    return parse_text_article(text, url=url, published=published, updated=updated)


def _print_stored(stored: StoredPage, publisher: str, title: str) -> None:
    verb = "Imported" if stored.upsert.created else ("Updated" if stored.upsert.changed else "Unchanged")
    live = ""
    if stored.live:
        live = (
            f"; live entries: {len(stored.live.added)} added, {len(stored.live.updated)} updated, "
            f"{len(stored.live.deleted)} deleted"
        )
    console.print(
        f"{verb} article {stored.upsert.article_id} from {escape(publisher)}: {escape(title)}{live}"
    )


@click.group()
def articles() -> None:
    """Stored articles."""


def article_json(article: Article, entries: Sequence[LiveEntry]) -> dict[str, Any]:
    return {
        "id": article.id,
        "publisher_id": article.publisher_id,
        "url": article.url,
        "title": article.title,
        "standfirst": article.standfirst,
        "authors": list(article.authors),
        "section": article.section,
        "sections": list(article.sections),
        "published": article.published.isoformat(),
        "updated": article.updated.isoformat() if article.updated else None,
        "language": article.language,
        "kind": article.kind.value,
        "tags": list(article.tags),
        "full_text": article.full_text,
        "revision": article.revision,
        "images": [_image_json(i) for i in article.images],
        "body_text": article.body_text,
        "live_entries": [entry_json(e) for e in entries],
    }


@articles.command("show")
@click.argument("article_id", type=STORED_ID)
@click.option("--json", "as_json", is_flag=True, help="Print the article as JSON.")
@click.pass_context
def show(ctx: click.Context, article_id: int, as_json: bool) -> None:
    """Print a stored article with its live entries."""
    with cli_services(ctx) as services:
        article, entries = services.reading.article_with_entries(article_id)
    if as_json:
        echo_json(article_json(article, entries))
        return
    updated = article.updated.isoformat() if article.updated else ""
    _show(
        article.title,
        [
            ("id", str(article.id)),
            ("kind", article.kind.value),
            ("publisher", article.publisher_id),
            ("url", article.url),
            ("section", ", ".join(article.sections) or article.section),
            ("authors", ", ".join(article.authors)),
            ("published", article.published.isoformat()),
            ("updated", updated),
            ("standfirst", article.standfirst),
            ("images", _image_field(article.images)),
            ("full text", "yes" if article.full_text else "no (feed teaser)"),
        ],
        article.body_text,
        entries,
    )
