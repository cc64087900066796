"""``extract_page``: what one article or live-blog page says, as plain data.

The page's own structured data (JSON-LD, OpenGraph, meta tags) is preferred
for metadata; trafilatura with our clean-up gives the body; live blogs get
their entries. Pure: no I/O.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree
from lxml import html as lxml_html
from trafilatura.utils import load_html

from newsstand.errors import ExtractionError
from newsstand.extract import bylines, liveblog
from newsstand.extract.body import Body, extract_body, figure_image, without_figures
from newsstand.extract.images import make_image
from newsstand.extract.structured import StructuredData, read_structured
from newsstand.markup.sanitize import html_to_text, sanitize_html
from newsstand.model import ArticleKind, Image, LiveEntry

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.IGNORECASE)
_SITE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]{2,40}$")


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    """What extraction made of one page. ``body_html`` is sanitized; times are aware UTC."""

    url: str
    headline: str = ""
    standfirst: str = ""
    authors: tuple[str, ...] = ()
    section: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    language: str = ""
    site_name: str = ""
    images: tuple[Image, ...] = ()  # the lead image first
    body_html: str = ""
    body_text: str = ""
    kind: ArticleKind = ArticleKind.ARTICLE
    live_entries: tuple[LiveEntry, ...] = ()
    tags: tuple[str, ...] = ()
    reposted_entry_ids: tuple[str, ...] = field(default=())  # entries the page shows more than once

    @property
    def lead_image(self) -> Image | None:
        return self.images[0] if self.images else None


def decode_html(data: str | bytes) -> str:
    """Page bytes as text: UTF-8 when they are, else the declared charset, else Windows-1252."""
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _CHARSET.search(data[:4096])
    if match:
        try:
            return data.decode(match.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    return data.decode("cp1252", errors="replace")


def parse_tree(text: str) -> lxml_html.HtmlElement:
    """Parse page text; raises ExtractionError when there is no document to read."""
    # lxml refuses str input that carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        raise ExtractionError("empty page")
    try:
        # trafilatura's own loader, so the tree it is handed later is the tree it expects
        tree = load_html(text)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"unreadable HTML: {exc}") from exc
    if tree is None:
        raise ExtractionError("unreadable HTML")
    return tree


def extract_page(page: str | bytes, url: str) -> ExtractedPage:
    """Extract an article or live blog from one page. Raises ExtractionError when the page
    has neither a headline nor any body text."""
    text = decode_html(page)
    tree = parse_tree(text)
    data = read_structured(tree)
    base = data.canonical_url or url
    headline = _headline(tree, data)
    lead = _lead_image(tree, data)
    byline = () if data.authors else _byline_authors(tree)
    entries = _live_entries(text, tree, data, base)
    body = extract_body(tree, base, headline)  # prunes the tree: keep it last
    kind = (
        ArticleKind.LIVEBLOG
        if entries or data.is_liveblog or liveblog.looks_live_headline(headline)
        else ArticleKind.ARTICLE
    )
    if not headline and not body.blocks:
        raise ExtractionError("no headline and no article text found", url)
    body_html = sanitize_html(body.html, base)
    return ExtractedPage(
        url=base,
        headline=headline,
        standfirst=_standfirst(data, body),
        authors=data.authors or byline or data.author_organisations,
        section=data.section,
        published=data.published,
        updated=data.updated if data.updated and data.published and data.updated > data.published else None,
        language=data.language,
        site_name=html_lib.unescape(data.site_name),
        images=_merge_images(lead, body.images),
        body_html=body_html,
        body_text=html_to_text(without_figures(body_html)),
        kind=kind,
        live_entries=entries,
        tags=tuple(html_lib.unescape(t) for t in data.tags),
    )


def _headline(tree: lxml_html.HtmlElement, data: StructuredData) -> str:
    """The page's declared headline (JSON-LD, then OpenGraph), else its h1, else its title;
    a trailing " | Site name" is dropped."""
    for raw in (data.headline, _first_h1(tree), tree.findtext(".//title") or ""):
        text = strip_site_suffix(" ".join(html_lib.unescape(raw).split()), data.site_name)
        if text:
            return text
    return ""


def _first_h1(tree: lxml_html.HtmlElement) -> str:
    return next((h.text_content() for h in tree.iter("h1") if h.text_content().strip()), "")


def strip_site_suffix(title: str, site_name: str) -> str:
    """``title`` without a trailing " | Site" or " - Site" naming the site (never " – live")."""
    match = _SITE_SUFFIX.search(title)
    if match and site_name:
        suffix = match.group(0).strip(" |–—-").casefold()
        if suffix and (suffix in site_name.casefold() or site_name.casefold() in suffix):
            return title[: match.start()].strip()
    return title


def _standfirst(data: StructuredData, body: Body) -> str:
    description = " ".join(html_lib.unescape(data.description).split())
    if description and body.blocks and description[:80] == body.blocks[0][:80]:
        return ""  # the description is only the opening paragraph again
    return description


def _byline_authors(tree: lxml_html.HtmlElement) -> tuple[str, ...]:
    """Authors from the first byline markup found, when the page declares none in its metadata."""
    for path in (
        '//*[@rel="author"]',
        '//*[@itemprop="author"]//*[@itemprop="name"]',
        '//*[contains(@class,"byline")]//a',
        '//*[contains(@class,"author-name")]',
        '//*[contains(@class,"byline")]',
        # a bare "By Jane Doe" line; string-length keeps long paragraphs out cheaply
        '//p[starts-with(normalize-space(.), "By ")][string-length(.) < 200]',
    ):
        elements = tree.xpath(path)[:4]
        texts = [" ".join(el.text_content().split()) for el in elements]
        names = bylines.authors_from(t for t in texts if 0 < len(t) < 120)
        if names:
            return names
    return ()


def _lead_image(tree: lxml_html.HtmlElement, data: StructuredData) -> Image | None:
    if not data.image_urls:
        return None
    url = data.image_urls[0]
    stem = url.split("?")[0].rsplit("/", 1)[-1]
    for fig in tree.iter("figure"):
        image = figure_image(fig)
        if image is not None and stem and stem in image.url:
            return make_image(
                url, caption=" ".join(x for x in (image.caption, image.credit) if x), alt=image.alt
            )
    return make_image(url)


def _merge_images(lead: Image | None, found: tuple[Image, ...]) -> tuple[Image, ...]:
    images = [lead] if lead else []
    images.extend(i for i in found if not lead or i.url != lead.url)
    return tuple(images)


def _live_entries(
    text: str, tree: lxml_html.HtmlElement, data: StructuredData, base: str
) -> tuple[LiveEntry, ...]:
    if data.live_updates:
        return liveblog.entries_from_json_ld(data.live_updates, base)
    # A tree walk for blocks costs more than a cheap scan, so walk only where a live blog is likely.
    if data.is_liveblog or liveblog.looks_live_headline(data.headline) or liveblog.may_have_html_blocks(text):
        return liveblog.entries_from_html(tree, base)
    return ()
