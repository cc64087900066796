"""OPML 2.0: export the catalog, and import OPML from Newsstand or any other reader.

Export writes one outline per publisher with a child outline per feed, plus
attributes in our own namespace (``NS``) for what OPML has no word for (publisher
id, country, language, sections, logo, licence tier, enabled state), so exporting
and importing into an empty store loses nothing.

Import accepts ordinary OPML too: flat lists of feeds, ``category`` attributes,
and nested folders, whose names become sections.

A reader's own subscriptions are written the same way, each publisher nested under the
reader's folder(s) it is in (``write_opml``'s ``folders``), and read back with
``read_subscriptions``: each feed with the title and folders the file gives it.

Parsing goes through defusedxml
with DTDs, entities and external references forbidden, and with caps on size,
outline count and nesting depth; anything hostile or malformed raises
``CatalogError`` before a single row is written.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # only to build output; input goes through defusedxml
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from newsstand.catalog.core import Catalog, check_http_url, slugify, validate_catalog
from newsstand.catalog.countries import UNKNOWN_COUNTRY
from newsstand.catalog.sections import DEFAULT_SECTION, normalise_section
from newsstand.errors import CatalogError
from newsstand.model import Feed, LicenceTier, Publisher, utcnow

NS = "urn:newsstand:opml:1"
PREFIX = "newsstand"
MAX_OPML_BYTES = 5_000_000
MAX_OUTLINES = 20_000
MAX_DEPTH = 10
UNKNOWN_LANGUAGE = "und"

ET.register_namespace(PREFIX, NS)


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


# --- export ------------------------------------------------------------------------------


def _bool_text(value: bool) -> str:
    return "true" if value else "false"


def _publisher_outline(parent: ET.Element, p: Publisher, feeds: list[Feed], *, again: bool = False) -> None:
    """A publisher's outline with its feeds'. ``again`` for one written already elsewhere in
    the file (a subscription in two folders): its feeds' plain outlines only, which a catalog
    import takes for feeds it has seen, not a second publisher with the same id."""
    if again:
        for f in feeds:
            plain = {"type": "rss", "text": p.name, "title": p.name, "xmlUrl": f.url, "htmlUrl": p.homepage}
            ET.SubElement(parent, "outline", plain)
        return
    node = ET.SubElement(parent, "outline", {"text": p.name, "title": p.name, "htmlUrl": p.homepage})
    node.set(_q("id"), p.id)
    node.set(_q("country"), p.country)
    node.set(_q("language"), p.language)
    node.set(_q("sections"), ",".join(p.sections))
    node.set(_q("logo"), p.logo_url)
    node.set(_q("tier"), p.licence_tier.value)
    node.set(_q("enabled"), _bool_text(p.enabled))
    for f in feeds:
        child = ET.SubElement(
            node,
            "outline",
            {
                "type": "rss",
                "text": f.title or p.name,
                "title": f.title or p.name,
                "xmlUrl": f.url,
                "htmlUrl": p.homepage,
                "language": p.language,
                "category": f"/{f.section}" if f.section else "",
            },
        )
        child.set(_q("section"), f.section)
        child.set(_q("title"), f.title)
        child.set(_q("enabled"), _bool_text(f.enabled))
        if f.disabled_reason:
            child.set(_q("disabledReason"), f.disabled_reason)


def write_opml(
    catalog: Catalog,
    *,
    title: str = "Newsstand sources",
    now: datetime | None = None,
    folders: Mapping[str, Sequence[str]] | None = None,
) -> bytes:
    """Serialise the catalog as a UTF-8 OPML 2.0 document; ``folders`` (a folder's name ->
    publisher ids) nests those publishers under a folder outline each, the others stay at the
    top."""
    root = ET.Element("opml", {"version": "2.0"})
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now or utcnow())
    body = ET.SubElement(root, "body")
    by_id = {p.id: p for p in catalog.publishers}
    written: set[str] = set()
    for name, publisher_ids in (folders or {}).items():
        folder = ET.SubElement(body, "outline", {"text": name, "title": name})
        for pid in publisher_ids:
            if pid in by_id:
                _publisher_outline(folder, by_id[pid], list(catalog.feeds_of(pid)), again=pid in written)
                written.add(pid)
    for p in catalog.publishers:
        if p.id not in written:
            _publisher_outline(body, p, list(catalog.feeds_of(p.id)))
    ET.indent(root, space="  ")
    out: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return out + b"\n"


# --- import ------------------------------------------------------------------------------


def _parse_xml(data: bytes, source: str) -> ET.Element:
    if len(data) > MAX_OPML_BYTES:
        raise CatalogError(f"file is {len(data):,} bytes; the limit is {MAX_OPML_BYTES:,}", source)
    try:
        root: ET.Element = SafeET.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise CatalogError(
            f"refused: DTDs, entities and external references are not allowed ({exc})", source
        ) from exc
    except ET.ParseError as exc:
        raise CatalogError(f"not well-formed XML: {exc}", source) from exc
    except (ValueError, LookupError) as exc:  # an encoding expat cannot read (utf-7: found by fuzzing)
        raise CatalogError(f"unreadable XML: {exc}", source) from exc
    if root.tag != "opml":
        raise CatalogError(f"not an OPML document (root element is <{root.tag}>)", source)
    return root


@dataclass
class _Builder:
    """Collects publishers and feeds while walking outlines; checks as it goes."""

    source: str
    default_country: str
    default_language: str
    publishers: dict[str, Publisher] = field(default_factory=dict)
    feeds: dict[str, Feed] = field(default_factory=dict)
    outlines: int = 0

    def count(self) -> None:
        self.outlines += 1
        if self.outlines > MAX_OUTLINES:
            raise CatalogError(f"more than {MAX_OUTLINES:,} outlines", self.source)

    def url(self, value: str | None, what: str) -> str:
        try:
            return check_http_url(value or "", what)
        except CatalogError as exc:
            raise CatalogError(str(exc), self.source) from exc

    def add_publisher(self, node: ET.Element) -> Publisher:
        pid = node.get(_q("id"), "")
        name = node.get("title") or node.get("text") or pid
        tier_text = node.get(_q("tier"), LicenceTier.OPEN.value)
        try:
            tier = LicenceTier(tier_text)
        except ValueError as exc:
            raise CatalogError(f"publisher {pid!r}: unknown licence tier {tier_text!r}", self.source) from exc
        logo = node.get(_q("logo"), "")
        publisher = Publisher(
            id=pid,
            name=name,
            homepage=self.url(node.get("htmlUrl"), f"publisher {pid!r}: htmlUrl"),
            country=node.get(_q("country"), self.default_country),
            language=node.get(_q("language"), self.default_language),
            sections=tuple(s for s in node.get(_q("sections"), "").split(",") if s),
            logo_url=self.url(logo, f"publisher {pid!r}: logo") if logo else "",
            licence_tier=tier,
            enabled=node.get(_q("enabled"), "true") != "false",
        )
        if pid in self.publishers:
            raise CatalogError(f"publisher id {pid!r} appears more than once", self.source)
        self.publishers[pid] = publisher
        return publisher

    def publisher_for_plain_feed(self, node: ET.Element, feed_url: str) -> Publisher:
        """A publisher for a feed from another reader, named after its site's host."""
        html_url = node.get("htmlUrl") or ""
        site = self.url(html_url, "htmlUrl") if html_url else feed_url
        parts = urlsplit(site)
        host = (parts.hostname or "").removeprefix("www.")
        pid = slugify(host) or "imported"
        if pid not in self.publishers:
            language = (node.get("language") or "").split("-")[0].lower() or self.default_language
            self.publishers[pid] = Publisher(
                id=pid,
                name=node.get("title") or node.get("text") or host,
                homepage=f"{parts.scheme}://{parts.netloc}/",
                country=self.default_country,
                language=language,
            )
        return self.publishers[pid]

    def add_feed(self, node: ET.Element, publisher: Publisher | None, folder: str) -> None:
        url = self.url(node.get("xmlUrl"), "xmlUrl")
        if url in self.feeds:
            return  # the same feed filed under two folders: keep the first
        owner = publisher or self.publisher_for_plain_feed(node, url)
        section = node.get(_q("section")) or _section_from(node, folder)
        title = node.get(_q("title"))
        if title is None:
            title = node.get("title") or node.get("text") or ""
        self.feeds[url] = Feed(
            url=url,
            publisher_id=owner.id,
            section=section,
            title=title,
            enabled=node.get(_q("enabled"), "true") != "false",
            disabled_reason=node.get(_q("disabledReason"), ""),
        )

    def catalog(self) -> Catalog:
        """The collected catalog, each plain publisher's sections filled from its feeds."""
        publishers = []
        for p in self.publishers.values():
            if not p.sections:
                feeds = self.feeds.values()
                sections = tuple(dict.fromkeys(f.section for f in feeds if f.publisher_id == p.id))
                p = replace(p, sections=sections)
            publishers.append(p)
        return Catalog(tuple(publishers), tuple(self.feeds.values()))


def _section_from(node: ET.Element, folder: str) -> str:
    """A feed's section from its ``category`` attribute, else its folder."""
    category = (node.get("category") or "").split(",")[0].strip()
    if category:
        return normalise_section(category.strip("/").split("/")[-1])
    return normalise_section(folder) if folder else DEFAULT_SECTION


def _walk(builder: _Builder, body: ET.Element) -> None:
    # Iterative, so a deeply nested hostile file cannot exhaust Python's stack.
    stack: list[tuple[ET.Element, int, Publisher | None, str]] = [
        (child, 1, None, "") for child in reversed(body)
    ]
    while stack:
        node, depth, publisher, folder = stack.pop()
        if node.tag != "outline":
            continue
        builder.count()
        if depth > MAX_DEPTH:
            raise CatalogError(f"outlines nested deeper than {MAX_DEPTH} levels", builder.source)
        if node.get("xmlUrl") is not None:
            builder.add_feed(node, publisher, folder)
            continue
        if publisher is None and node.get(_q("id")) is not None:
            owner = builder.add_publisher(node)
            stack.extend((c, depth + 1, owner, folder) for c in reversed(node))
            continue
        name = node.get("title") or node.get("text") or folder
        stack.extend((c, depth + 1, publisher, name) for c in reversed(node))


def parse_opml(
    data: bytes,
    *,
    source: str = "OPML",
    default_country: str = UNKNOWN_COUNTRY,
    default_language: str = UNKNOWN_LANGUAGE,
) -> Catalog:
    """Read OPML into a validated catalog, or raise CatalogError.

    Publishers come from Newsstand's own outlines when present; feeds from other
    readers are grouped into one publisher per site host, with ``default_country``
    and ``default_language`` since OPML does not say.
    """
    root = _parse_xml(data, source)
    body = root.find("body")
    if body is None:
        raise CatalogError("OPML has no <body>", source)
    builder = _Builder(source, default_country, default_language)
    _walk(builder, body)
    return validate_catalog(builder.catalog(), source=source, strict=False)


@dataclass(frozen=True, slots=True)
class OutlineFeed:
    """A feed as a reader's OPML file lists it: its URL, the title the file gives it (its
    Newsstand publisher outline's, else its own) and the folders it is filed under."""

    url: str
    title: str
    folders: tuple[str, ...]


def read_subscriptions(data: bytes, *, source: str = "OPML") -> tuple[OutlineFeed, ...]:
    """The feeds of a reader's OPML file (any reader's, or Newsstand's own export), in file
    order, each once with every folder it is filed under. A folder is the nearest enclosing
    outline that is neither a feed nor a Newsstand publisher. Raises CatalogError for a
    malformed or hostile file, with the same caps as ``parse_opml``."""
    root = _parse_xml(data, source)
    body = root.find("body")
    if body is None:
        raise CatalogError("OPML has no <body>", source)
    builder = _Builder(source, UNKNOWN_COUNTRY, UNKNOWN_LANGUAGE)
    found: dict[str, OutlineFeed] = {}
    # (node, depth, the publisher outline's title, the folder): iterative, as in _walk
    stack: list[tuple[ET.Element, int, str, str]] = [(child, 1, "", "") for child in reversed(body)]
    while stack:
        node, depth, publisher_title, folder = stack.pop()
        if node.tag != "outline":
            continue
        builder.count()
        if depth > MAX_DEPTH:
            raise CatalogError(f"outlines nested deeper than {MAX_DEPTH} levels", source)
        own = (node.get("title") or node.get("text") or "").strip()
        if node.get("xmlUrl") is not None:
            url = builder.url(node.get("xmlUrl"), "xmlUrl")
            before = found.get(url)
            if before is None:
                found[url] = OutlineFeed(url, publisher_title or own, (folder,) if folder else ())
            elif folder and folder not in before.folders:
                found[url] = replace(before, folders=(*before.folders, folder))
            continue
        if not publisher_title and node.get(_q("id")) is not None:
            stack.extend((c, depth + 1, own, folder) for c in reversed(node))
            continue
        stack.extend((c, depth + 1, publisher_title, own or folder) for c in reversed(node))
    return tuple(found.values())
