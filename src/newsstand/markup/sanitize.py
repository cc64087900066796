"""Publisher HTML made safe to store and show.

Everything a publisher sends passes ``sanitize_html`` before it is stored: an
nh3 (ammonia) allow-list keeps the article's structure and drops scripts,
styles, forms, event handlers and unsafe URLs. Iframes survive only when they
embed a known video player. ``html_to_text`` derives the plain text that search
indexes and previews use.
"""

from __future__ import annotations

import re
import threading
from html import unescape
from urllib.parse import urlsplit

import nh3

from newsstand.markup.urls import absolute_url

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
# An iframe's content is raw text to the HTML parser, and nh3 writes it back unescaped: a
# "<script>" inside a kept player iframe came out as it went in (found by bench/fuzz.py).
# Browsers ignore it, but nothing else should have to know that: kept iframes are emptied.
# (nh3 escapes ">" inside attribute values, so the opening tag ends at the first ">".)
_IFRAME_CONTENT = re.compile(r"(<iframe\b[^>]*>).*?(</iframe>)", re.DOTALL)
_DATA_IMAGE = re.compile(r"^data:image/(png|gif|jpeg|jpg|webp|avif);", re.IGNORECASE)


def is_allowed_embed(url: str) -> bool:
    """True for an https URL of an allow-listed video player. A path that could climb out of
    the player's folder (``/embed/../``, its percent-encoded forms, backslashes) is refused."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    prefixes = _VIDEO_EMBEDS.get((parts.hostname or "").lower())
    if parts.scheme != "https" or prefixes is None or parts.port is not None or parts.username:
        return False
    path = parts.path
    if "\\" in path or "%" in path or any(seg in (".", "..") for seg in path.split("/")):
        return False
    return path.startswith(prefixes)


def embed_sources() -> tuple[str, ...]:
    """The allow-listed players as Content-Security-Policy sources (``frame-src``)."""
    return tuple(f"https://{host}{prefix}" for host, prefixes in _VIDEO_EMBEDS.items() for prefix in prefixes)


# Hostile markup nests elements hundreds of thousands deep; html5ever's tree building is
# quadratic in the depth (100,000 nested divs cost 49 s), so tags past this depth are dropped
# (their text is kept) before nh3 sees them. Real articles nest a few dozen deep.
MAX_DEPTH = 200
# A body larger than this is cut: no article is megabytes of markup, and the cut bounds the
# work of everything after.
MAX_HTML_CHARS = 2_000_000
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
     "track", "wbr"}
)  # fmt: skip
_ANY_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)(?:[\s/][^>]*)?>")


def limit_depth(html: str, max_depth: int = MAX_DEPTH) -> str:
    """``html`` with every tag nested deeper than ``max_depth`` removed, text kept. Linear time."""
    if html.count("<") <= max_depth:
        return html  # too few tags to nest that deep: the common case costs one count
    depth = 0

    def visit(match: re.Match[str]) -> str:
        nonlocal depth
        tag = match.group(0)
        if match.group(2).lower() in _VOID or tag.endswith("/>"):
            return tag if depth < max_depth else ""
        if match.group(1):  # a closing tag
            depth = max(depth - 1, 0)
            return tag if depth < max_depth else ""
        depth += 1
        return tag if depth <= max_depth else ""

    return _ANY_TAG.sub(visit, html)


# The base URL of the fragment being cleaned, read by the attribute filter: one nh3
# Cleaner is built once (building one per call cost a third of sanitizing), so the
# per-call base URL travels beside it, per thread.
_CURRENT = threading.local()


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if attribute not in _URL_ATTRIBUTES:
        return value
    value = value.strip()
    if value.lower().startswith("data:"):
        # data: URLs only as inline images; anywhere else they can carry script.
        return value if element == "img" and attribute == "src" and _DATA_IMAGE.match(value) else None
    url = absolute_url(value, getattr(_CURRENT, "base_url", ""))
    if element == "iframe":
        return url if is_allowed_embed(url) else None
    # nh3 checks the schemes of some URL attributes only (a cite="javascript:..." came through:
    # found by the XSS corpus); every URL attribute is held to the allow-list here.
    scheme, colon, _ = url.partition(":")
    if colon and "/" not in scheme and scheme.strip().lower() not in _SCHEMES - {"data"}:
        return None
    return url


_CLEANER = nh3.Cleaner(
    tags=set(_TAGS),
    clean_content_tags=set(_DROP_WITH_CONTENT),
    attributes=_ATTRIBUTES,
    attribute_filter=_attribute_filter,
    strip_comments=True,
    link_rel="noopener noreferrer",
    url_schemes=set(_SCHEMES),
)


def sanitize_html(html: str, base_url: str = "") -> str:
    """Return ``html`` reduced to the allow-list, relative URLs made absolute against
    ``base_url``, links given rel="noopener noreferrer". Never raises on bad markup."""
    if not html or not html.strip():
        return ""
    html = limit_depth(html[:MAX_HTML_CHARS])
    _CURRENT.base_url = base_url
    try:
        cleaned = _CLEANER.clean(html)
    finally:
        _CURRENT.base_url = ""
    if "<iframe" in cleaned:
        cleaned = _IFRAME_CONTENT.sub(r"\1\2", _EMPTY_IFRAME.sub("", cleaned))
    return cleaned.strip()


_BLOCK_TAGS = (
    "p|div|br|li|ul|ol|dl|dt|dd|h1|h2|h3|h4|h5|h6|blockquote|figure|figcaption|pre|table|tr|section|"
    "article|aside|header|footer|hr|caption|details|summary|address|main|nav"
)
_INVISIBLE = re.compile(
    r"<!--.*?(?:-->|$)|<(script|style|noscript|template|title|head|select|textarea|object)\b[^>]*>.*?(?:</\1\s*>|$)",
    re.IGNORECASE | re.DOTALL,
)
_MAYBE_INVISIBLE = re.compile(
    r"<(?:!--|script|style|noscript|template|title|head|select|textarea|object)", re.IGNORECASE
)
_BLOCK = re.compile(rf"<\s*/?\s*(?:{_BLOCK_TAGS})\b[^>]*>", re.IGNORECASE)
# The same without IGNORECASE, which makes Python's re several times slower: for
# markup whose tag names are all lower case, as everything sanitize_html returns is.
_BLOCK_LOWER = re.compile(rf"<\s*/?\s*(?:{_BLOCK_TAGS})\b[^>]*>")
_UPPER_TAG = re.compile(r"<\s*/?\s*[a-z0-9]*[A-Z]")
# A tag starts with a letter, "/", "!" or "?"; a "<" before anything else is text.
_TAG = re.compile(r"<[a-zA-Z/!?][^>]*>")
# Runs to collapse; a lone space (most matches, were they included) is left as it is.
_SPACES = re.compile(r"[\t\r\f\v\u00a0][ \t\r\f\v\u00a0]*| [ \t\r\f\v\u00a0]+")


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: one line per paragraph or block, spaces collapsed.

    A tokenizer rather than a tree: it has no nesting limit (hostile markup nests
    thousands deep) and is several times faster on the bulk of feed bodies.
    """
    if not html or not html.strip():
        return ""
    text = _INVISIBLE.sub(" ", html) if _MAYBE_INVISIBLE.search(html) else html
    block = _BLOCK if _UPPER_TAG.search(text) else _BLOCK_LOWER
    text = block.sub("\n", text.replace("\n", " "))
    text = _SPACES.sub(" ", unescape(_TAG.sub("", text)))
    return "\n".join(line for line in (part.strip() for part in text.split("\n")) if line)
