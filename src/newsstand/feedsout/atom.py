"""Atom 1.0 (RFC 4287).

Every entry names at least one author (the article's, else its publisher's, else the
feed's author), so the feed-level author the RFC otherwise requires is always
present too. Bodies go in ``content type="html"``, standfirsts in ``summary``, the
publisher's own page as ``rel="related"`` when readers are sent to Newsstand's, the lead
image as an enclosure link and as Media RSS.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from newsstand.feedsout.entries import GENERATOR, Entry, Head, clean, image_type, prepare, rfc3339
from newsstand.feedsout.types import FeedDocument, FeedItem
from newsstand.model import Image

ATOM = "http://www.w3.org/2005/Atom"
MEDIA = "http://search.yahoo.com/mrss/"
# Google Reader's Atom streams page with this element; clients of /reader/atom/ look for it.
READER = "http://www.google.com/schemas/reader/atom/"
READER_SCHEME = "http://www.google.com/reader/"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def write_atom(doc: FeedDocument, items: Sequence[FeedItem]) -> bytes:
    """The feed as an Atom 1.0 document in UTF-8. Raises InvalidDataError (see ``prepare``)."""
    head, entries = prepare(doc, items)
    # None names the default namespace; lxml accepts it though its stubs say str keys only.
    nsmap: dict[str, str] = {None: ATOM, "media": MEDIA}  # type: ignore[dict-item]
    if doc.continuation:
        nsmap["gr"] = READER
    root = etree.Element(f"{{{ATOM}}}feed", nsmap=nsmap)
    if head.language:
        root.set(_XML_LANG, head.language)
    _feed_head(root, head)
    if doc.continuation:
        etree.SubElement(root, f"{{{READER}}}continuation").text = clean(doc.continuation)
    for entry in entries:
        _entry(etree.SubElement(root, f"{{{ATOM}}}entry"), entry, head.author)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _sub(parent: etree._Element, tag: str, text: str = "", **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text:
        element.text = text
    return element


def _author(parent: etree._Element, name: str) -> None:
    _sub(_sub(parent, "author"), "name", name)


def _feed_head(root: etree._Element, head: Head) -> None:
    _sub(root, "id", head.id)
    _sub(root, "title", head.title, type="text")
    if head.description:
        _sub(root, "subtitle", head.description, type="text")
    _sub(root, "updated", rfc3339(head.updated))
    _sub(root, "link", rel="self", type="application/atom+xml", href=head.self_url)
    _sub(root, "link", rel="alternate", type="text/html", href=head.home_url)
    for hub in head.hubs:
        _sub(root, "link", rel="hub", href=hub)
    _author(root, head.author)
    _sub(root, "generator", GENERATOR)
    if head.icon_url:
        _sub(root, "icon", head.icon_url)


def _image(element: etree._Element, image: Image) -> None:
    """The lead image as an enclosure link, and as Media RSS, which more readers take images
    from (fastfeedparser, and so Newsstand's own ingestion, ignores enclosure links)."""
    kind = image_type(image.url)
    _sub(element, "link", rel="enclosure", type=kind, href=image.url)
    media = etree.SubElement(element, f"{{{MEDIA}}}content", url=image.url, medium="image", type=kind)
    if image.width and image.height:
        media.set("width", str(image.width))
        media.set("height", str(image.height))
    if image.credit:
        etree.SubElement(media, f"{{{MEDIA}}}credit").text = image.credit


def _entry(element: etree._Element, entry: Entry, feed_author: str) -> None:
    if entry.language:
        element.set(_XML_LANG, entry.language)
    _sub(element, "id", entry.id)
    _sub(element, "title", entry.title, type="text")
    _sub(element, "updated", rfc3339(entry.updated))
    _sub(element, "published", rfc3339(entry.published))
    _sub(element, "link", rel="alternate", type="text/html", href=entry.link)
    if entry.original_url != entry.link:
        _sub(element, "link", rel="related", type="text/html", href=entry.original_url)
    if entry.image is not None:
        _image(element, entry.image)
    for name in entry.authors or (feed_author,):
        _author(element, name)
    for category in entry.categories:
        _sub(element, "category", term=category)
    for state in entry.reader_states:
        _sub(element, "category", term=f"user/-/state/com.google/{state}", scheme=READER_SCHEME, label=state)
    if entry.summary:
        _sub(element, "summary", entry.summary, type="text")
    # An empty content element is still valid and says "no body" more clearly than none.
    _sub(element, "content", entry.content_html, type="html")
