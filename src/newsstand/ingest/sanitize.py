"""Publisher HTML made safe to store and show.

Everything a publisher sends passes ``sanitize_html`` before it is stored: an
nh3 (ammonia) allow-list keeps the article's structure and drops scripts,
styles, forms, event handlers and unsafe URLs. Iframes survive only when they
embed a known video player. ``html_to_text`` derives the plain text that search
indexes and previews use.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import nh3
from lxml import etree
from lxml import html as lxml_html

from newsstand.ingest.urls import absolute_url

_TAGS = frozenset(
    {
        "a", "abbr", "acronym", "address", "article", "aside", "b", "bdi", "bdo", "blockquote", "br",
        "caption", "cite", "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt",
        "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "iframe", "img",
        "ins", "kbd", "li", "mark", "ol", "p", "picture", "pre", "q", "rp", "rt", "ruby", "s", "samp",
        "section", "small", "source", "span", "strike", "strong", "sub", "summary", "sup", "table",
        "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr", "audio", "video",
    }
)  # fmt: skip
_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"title", "lang", "dir"},
    "a": {"href", "hreflang", "name"},
    "img": {"src", "alt", "width", "height"},
    "iframe": {"src", "width", "height", "allowfullscreen", "title"},
    "source": {"src", "type", "media"},
    "audio": {"src", "controls"},
    "video": {"src", "controls", "poster", "width", "height"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
    "time": {"datetime"},
    "td": {"colspan", "rowspan", "headers"},
    "th": {"colspan", "rowspan", "headers", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "abbr": {"title"},
}
# Removed with everything inside them, not just unwrapped.
_DROP_WITH_CONTENT = {
    "script",
    "style",
    "noscript",
    "template",
    "object",
    "embed",
    "form",
    "select",
    "textarea",
}
_URL_ATTRIBUTES = frozenset({"href", "src", "cite", "poster"})
_SCHEMES = {"http", "https", "mailto", "tel", "data"}

# Video players we let publishers embed: host -> path prefix of the player.
_VIDEO_EMBEDS: dict[str, tuple[str, ...]] = {
    "www.youtube-nocookie.com": ("/embed/",),
    "youtube-nocookie.com": ("/embed/",),
    "www.youtube.com": ("/embed/",),
    "youtube.com": ("/embed/",),
    "player.vimeo.com": ("/video/",),
}
_EMPTY_IFRAME = re.compile(r"<iframe(?![^>]*\ssrc=)[^>]*>.*?</iframe>", re.DOTALL)
_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpeg|jpg|webp|avif);", re.IGNORECASE)


def is_allowed_embed(url: str) -> bool:
    """True for an https URL of an allow-listed video player."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    prefixes = _VIDEO_EMBEDS.get((parts.hostname or "").lower())
    return parts.scheme == "https" and prefixes is not None and parts.path.startswith(prefixes)


def _filter_attribute(base_url: str) -> object:
    def attribute_filter(element: str, attribute: str, value: str) -> str | None:
        if attribute not in _URL_ATTRIBUTES:
            return value
        value = value.strip()
        if value.lower().startswith("data:"):
            # data: URLs only as inline images; anywhere else they can carry script.
            return value if element == "img" and attribute == "src" and _DATA_IMAGE.match(value) else None
        url = absolute_url(value, base_url)
        if element == "iframe":
            return url if is_allowed_embed(url) else None
        return url

    return attribute_filter


def sanitize_html(html: str, base_url: str = "") -> str:
    """Return ``html`` reduced to the allow-list, relative URLs made absolute against
    ``base_url``, links given rel="noopener noreferrer". Never raises on bad markup."""
    if not html or not html.strip():
        return ""
    cleaned = nh3.clean(
        html,
        tags=set(_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes=_ATTRIBUTES,
        attribute_filter=_filter_attribute(base_url),  # type: ignore[arg-type]
        strip_comments=True,
        link_rel="noopener noreferrer",
        url_schemes=set(_SCHEMES),
    )
    return _EMPTY_IFRAME.sub("", cleaned).strip()


_BLOCK_TAGS = frozenset(
    {
        "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
        "blockquote", "figure", "figcaption", "pre", "table", "tr", "section", "article", "aside",
        "header", "footer", "hr", "caption", "details", "summary", "address",
    }
)  # fmt: skip
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: one line per paragraph or block, spaces collapsed."""
    if not html or not html.strip():
        return ""
    try:
        root = lxml_html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return _SPACES.sub(" ", html).strip()
    parts: list[str] = []
    # iterwalk instead of recursion: hostile markup may nest thousands deep.
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if el.text and tag not in ("script", "style"):
                parts.append(el.text)
        else:
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if el.tail and el is not root:
                parts.append(el.tail)
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)
