"""The article body: trafilatura chooses the text, the page keeps its markup.

trafilatura is best at deciding which paragraphs are the article, but asking it
for links and images makes it choose worse (measured in docs/decisions.md).
So it runs text-only, and each paragraph it keeps is looked up in the page's own
tree, whose markup (links, emphasis, lists, quotes) we keep; figures that sit
among those paragraphs come along with their captions and credits. The HTML
returned is not yet sanitized: the caller passes it through the project sanitizer.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from newsstand.extract.furniture import is_furniture
from newsstand.extract.images import make_image
from newsstand.model import Image

_SOURCE_TAGS = ("p", "h2", "h3", "h4", "h5", "blockquote", "ul", "ol", "table", "pre")
_HEADINGS = {"h1": "h2", "h2": "h2", "h3": "h3", "h4": "h4"}  # trafilatura's head levels


@dataclass(frozen=True, slots=True)
class Body:
    """Unsanitized body HTML, its text blocks (one per paragraph or heading) and its figures."""

    html: str
    blocks: tuple[str, ...]
    images: tuple[Image, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(self.blocks)


_FIGURE = re.compile(r"<figure\b.*?</figure>", re.DOTALL | re.IGNORECASE)


def without_figures(body_html: str) -> str:
    """Body HTML without its figures: captions and credits are not body text."""
    return _FIGURE.sub("", body_html)


def norm(text: str) -> str:
    return " ".join(text.split())


def extract_body(tree: lxml_html.HtmlElement, url: str, headline: str = "") -> Body:
    """The main text of a parsed page. Returns an empty Body when trafilatura finds none.

    trafilatura prunes the tree it is given, so this reads what it needs from the
    tree first and the caller must not use the tree afterwards. A block that only
    repeats the ``headline`` is left out.
    """
    index = _index_blocks(tree)
    figures = [(fig.sourceline or 0, img) for fig in tree.iter("figure") if (img := figure_image(fig))]
    doc = trafilatura.bare_extraction(
        tree,
        url=url or None,
        include_comments=False,
        include_formatting=True,
        include_tables=True,
        with_metadata=False,
    )
    main = getattr(doc, "body", None)
    if main is None:
        return Body("", ())
    parts: list[tuple[int, str]] = []
    blocks: list[str] = []
    for child in main:
        text = norm("".join(child.itertext()))
        if not text or text == headline or is_furniture(text):
            continue
        line, markup = index.get(text, (0, ""))
        parts.append((line or (parts[-1][0] if parts else 0), markup or _render_block(child)))
        blocks.append(text)
    images = _figures_among(figures, [line for line, _ in parts if line])
    ordered = sorted(parts + [(line, _figure_html(img)) for line, img in images], key=lambda p: p[0])
    return Body("\n".join(h for _, h in ordered), tuple(blocks), tuple(img for _, img in images))


def _index_blocks(tree: lxml_html.HtmlElement) -> dict[str, tuple[int, str]]:
    """The page's block elements by normalised text: (source line, the block's own markup)."""
    index: dict[str, tuple[int, str]] = {}
    for el in tree.iter(*_SOURCE_TAGS):
        text = norm(el.text_content())
        if text and text not in index:
            index[text] = (el.sourceline or 0, _from_source(el))
    return index


def _from_source(el: lxml_html.HtmlElement) -> str:
    """The page's own markup of a block (attributes go later, in the sanitizer)."""
    return str(lxml_html.tostring(el, encoding="unicode", with_tail=False))


def _figures_among(figures: list[tuple[int, Image]], lines: list[int]) -> list[tuple[int, Image]]:
    """Figures that sit between the first and last kept paragraph, once each."""
    if not lines:
        return []
    first, last = min(lines), max(lines)
    seen: set[str] = set()
    kept = []
    for line, image in figures:
        if first <= line <= last and image.url not in seen:
            seen.add(image.url)
            kept.append((line, image))
    return kept


def figure_image(fig: lxml_html.HtmlElement) -> Image | None:
    """The image of a ``<figure>``, its caption split from its credit; None without an image URL."""
    url = ""
    alt = ""
    for img in fig.iter("img"):
        url = img.get("src") or img.get("data-src") or (img.get("srcset") or "").split(" ")[0]
        alt = img.get("alt") or ""
        if url and not url.startswith("data:"):
            break
    if not url or url.startswith("data:"):
        return None
    caption = " ".join(norm(c.text_content()) for c in fig.iter("figcaption"))
    return make_image(url, caption=caption, alt=norm(alt))


def _figure_html(image: Image) -> str:
    caption = " ".join(x for x in (image.caption, image.credit) if x)
    cap = f"<figcaption>{html.escape(caption, quote=False)}</figcaption>" if caption else ""
    alt = html.escape(image.alt, quote=True)
    return f'<figure><img src="{html.escape(image.url, quote=True)}" alt="{alt}">{cap}</figure>'


def _render_block(el: etree._Element) -> str:
    """HTML for a block trafilatura kept but the page tree did not give back verbatim."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag == "head":
        level = _HEADINGS.get(el.get("rend", ""), "h3")
        return f"<{level}>{_inline(el)}</{level}>"
    if tag == "list":
        name = "ol" if el.get("rend", "").startswith("ol") else "ul"
        return f"<{name}>{''.join(f'<li>{_inline(i)}</li>' for i in el if i.tag == 'item')}</{name}>"
    if tag == "quote":
        return f"<blockquote><p>{_inline(el)}</p></blockquote>"
    if tag == "table":
        rows = ("".join(f"<td>{_inline(c)}</td>" for c in row if c.tag == "cell") for row in el.iter("row"))
        return "<table>" + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>"
    return f"<p>{_inline(el)}</p>"


_RENDER = {"#b": "strong", "#i": "em", "#u": "u", "#t": "code", "#sub": "sub", "#sup": "sup"}


def _inline(el: etree._Element) -> str:
    out = [html.escape(el.text or "", quote=False)]
    for child in el:
        inner = _inline(child)
        if child.tag == "hi":
            name = _RENDER.get(child.get("rend", ""), "em")
            out.append(f"<{name}>{inner}</{name}>")
        elif child.tag == "lb":
            out.append("<br>")
        else:
            out.append(f" {inner} ")
        out.append(html.escape(child.tail or "", quote=False))
    return "".join(out).strip()
