"""Articles given as plain text: the header, the body, and live-blog entries.

A plain-text article (copied from a reading service, an email or a wire) has
no markup, so its parts are read from the shape of its lines: short lines
before the headline name the publisher and section, a line of names is the
byline, a line ending in a photo credit is the lead image's caption, lines
without closing punctuation are headings, "Updated" closes an entry of a live
blog. Known service furniture is dropped first (``data/furniture.txt``).
Pure: text in, ``ExtractedPage`` out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from newsstand.extract import bylines, liveblog
from newsstand.extract.furniture import is_furniture
from newsstand.extract.images import split_caption_credit
from newsstand.extract.page import ExtractedPage
from newsstand.markup.sanitize import html_to_text, sanitize_html
from newsstand.model import ArticleKind, Image, LiveEntry, utcnow

_UPDATED_MARK = re.compile(r"^updated(?:\s+(?:at\s+)?[\d.:]+\s*(?:[A-Z]{2,4})?)?$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[•·▪◦*]|-|–)\s+")
_CLOSING = (".", ",", ";", ":", "!", "…", "”", '"', "’")
_SENTENCE_BREAK = re.compile(r"[.!?][”\"’]?\s+[A-Z“\"]")
_HEADER_LINES = 16  # the header (publisher, section, byline, headline, caption) is at the top


@dataclass(frozen=True, slots=True)
class _Line:
    kind: str  # "para", "heading", "bullet", "updated"
    text: str


@dataclass(slots=True)
class _Entry:
    title: str = ""
    blocks: list[_Line] = field(default_factory=list)
    marked_updated: bool = False


def is_heading(line: str) -> bool:
    """True when a line reads as a heading: short, no closing punctuation, not a quotation."""
    text = line.strip()
    words = text.split()
    if not words or len(words) > 20 or len(text) > 160 or text[0] in '“"(' or _BULLET.match(text):
        return False
    if not (text[0].isupper() or text[0].isdigit() or text[0] in "'‘"):
        return False
    if text.endswith("?"):
        return len(words) <= 12 and not _SENTENCE_BREAK.search(text)
    return not text.endswith(_CLOSING) and not _SENTENCE_BREAK.search(text)


def _classify(text: str) -> _Line:
    if _UPDATED_MARK.match(text):
        return _Line("updated", text)
    if _BULLET.match(text):
        return _Line("bullet", _BULLET.sub("", text, count=1).strip())
    return _Line("heading" if is_heading(text) else "para", text)


def parse_text_article(
    text: str, *, url: str = "", published: datetime | None = None, updated: datetime | None = None
) -> ExtractedPage:
    """Read a plain-text article. ``published``/``updated`` are what the caller knows of its
    times (plain text rarely says); live entries are posted at ``updated or published or now``."""
    lines = [" ".join(raw.split()) for raw in text.splitlines()]
    lines = [line for line in lines if line and not is_furniture(line)]
    header, body_start = _read_header(lines)
    body = [_classify(line) for line in lines[body_start:]]
    headline = header.headline
    live = liveblog.looks_live_headline(headline) or _looks_live(body)
    posted = updated or published or utcnow()
    entries: tuple[LiveEntry, ...] = ()
    reposted: tuple[str, ...] = ()
    if live:
        entries, reposted = _live_entries(body, posted, url)
        body_html = liveblog.entries_as_html(entries)
    else:
        body_html = _blocks_html(body, heading_tag="h2")
    clean = sanitize_html(body_html, url)
    return ExtractedPage(
        url=url,
        headline=headline,
        standfirst=header.standfirst,
        authors=header.authors,
        section=header.section,
        published=published,
        updated=updated,
        site_name=header.publisher,
        images=header.images,
        body_html=clean,
        body_text=html_to_text(clean),
        kind=ArticleKind.LIVEBLOG if live else ArticleKind.ARTICLE,
        live_entries=entries,
        reposted_entry_ids=reposted,
    )


# --- header ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Header:
    headline: str = ""
    standfirst: str = ""
    authors: tuple[str, ...] = ()
    publisher: str = ""
    section: str = ""
    images: tuple[Image, ...] = ()


def _read_header(lines: Sequence[str]) -> tuple[_Header, int]:
    """The header fields and the index of the first body line."""
    top = list(lines[:_HEADER_LINES])
    caption_at = next((i for i, line in enumerate(top) if split_caption_credit(line)[1]), None)
    byline_at = _find_byline(top[: caption_at or len(top)])
    headline_at = _find_headline(top, byline_at, caption_at)
    if headline_at is None:
        return _Header(), 0
    first = min(headline_at, byline_at if byline_at is not None else headline_at)
    publisher, section = _publisher_and_section(top[:first])
    images: tuple[Image, ...] = ()
    body_start = max(headline_at, byline_at if byline_at is not None else -1) + 1
    standfirst_lines: list[str] = []
    if caption_at is not None:
        caption, credit = split_caption_credit(top[caption_at])
        images = (Image(url="", caption=caption, credit=credit, alt=caption),)
        # the line before a caption is often the image's alt text: the caption again, without credit
        standfirst_lines = [s for s in top[body_start:caption_at] if s != caption]
        body_start = caption_at + 1
    return _Header(
        headline=top[headline_at],
        standfirst=" ".join(standfirst_lines),
        authors=bylines.split_byline(top[byline_at]) if byline_at is not None else (),
        publisher=publisher,
        section=section,
        images=images,
    ), body_start


def _find_headline(top: Sequence[str], byline_at: int | None, caption_at: int | None) -> int | None:
    """The headline's index: a heading-like line of four or more words just after the byline
    (within two lines), else the nearest one above it; with no byline, the first one."""
    limit = caption_at if caption_at is not None else len(top)

    def headline_like(i: int) -> bool:
        return i != byline_at and len(top[i].split()) >= 4 and is_heading(top[i])

    if byline_at is None:
        return next((i for i in range(limit) if headline_like(i)), None)
    after = next((i for i in range(byline_at + 1, min(limit, byline_at + 3)) if headline_like(i)), None)
    if after is not None:
        return after
    return next((i for i in range(byline_at - 1, -1, -1) if headline_like(i)), None)


def _find_byline(top: Sequence[str]) -> int | None:
    """The byline's index: an explicit "By …" line, else a line of several names, else a single
    name directly above a headline-like line (a lone "Jane Doe" could also be a masthead)."""
    explicit = [i for i, line in enumerate(top) if bylines.starts_with_by(line)]
    if explicit:
        return explicit[0]
    several = [i for i, line in enumerate(top) if bylines.name_count(line) > 1 and top.count(line) == 1]
    if several:
        return several[0]
    return next(
        (
            i
            for i, line in enumerate(top[:-1])
            if bylines.name_count(line) == 1 and len(top[i + 1].split()) >= 4 and not top[i + 1].endswith(".")
        ),
        None,
    )


def _publisher_and_section(meta: Sequence[str]) -> tuple[str, str]:
    """The short lines above a byline: a line the service repeats is the publisher's name,
    the next distinct line is the section."""
    distinct = list(dict.fromkeys(m for m in meta if len(m.split()) <= 6))
    repeated = [m for m in distinct if meta.count(m) > 1]
    publisher = repeated[0] if repeated else (distinct[0] if len(distinct) > 1 else "")
    rest = [m for m in distinct if m != publisher]
    return publisher, (rest[0] if rest else "")


# --- live blogs ----------------------------------------------------------------------------


def _looks_live(body: Sequence[_Line]) -> bool:
    """Several "Updated" marks or a summary heading: the body is a live blog's entries."""
    marks = sum(1 for line in body if line.kind == "updated")
    summaries = sum(1 for line in body if line.kind == "heading" and liveblog.is_summary_title(line.text))
    return marks >= 2 or (summaries >= 1 and marks >= 1)


def _split_entries(body: Sequence[_Line]) -> list[_Entry]:
    """Entries at their headings and "Updated" marks; a mark closes the entry it follows.

    Question headings inside an entry whose own title is a question are its subheadings
    (an explainer's "What is …?" sections), not new entries.
    """
    entries: list[_Entry] = []
    current = _Entry()
    for line in body:
        if line.kind == "updated":
            current.marked_updated = True
            entries.append(current)
            current = _Entry()
        elif line.kind == "heading" and not _is_subheading(current, line.text):
            if current.title or current.blocks:
                entries.append(current)
            current = _Entry(title=line.text)
        else:
            current.blocks.append(line)
    entries.append(current)
    return [e for e in entries if e.title or e.blocks]


def _is_subheading(entry: _Entry, heading: str) -> bool:
    return entry.title.endswith("?") and heading.endswith("?")


def _live_entries(
    body: Sequence[_Line], posted: datetime, url: str
) -> tuple[tuple[LiveEntry, ...], tuple[str, ...]]:
    """LiveEntries of a plain-text blog, an entry shown twice kept once and reported as reposted."""
    raw = _split_entries(body)
    entries: list[LiveEntry] = []
    reposted: list[str] = []
    for position, entry in enumerate(raw):
        body_html = _blocks_html(entry.blocks, heading_tag="h3")
        text = html_to_text(body_html)
        summary = liveblog.is_summary_title(entry.title)
        made = liveblog.make_entry(
            # Plain text carries no entry times: one second apart keeps the page's order (newest first).
            entry_id=liveblog.stable_entry_id(None, entry.title, text),
            posted=posted - timedelta(seconds=position),
            title=entry.title,
            body_html=body_html,
            base_url=url,
            summary=summary,
            marked_updated=entry.marked_updated,
            pinned=summary and position == 0,  # a summary above every other entry is the pinned post
        )
        twin = next((i for i, e in enumerate(entries) if _same_entry(e, made)), None)
        if twin is None:
            entries.append(made)
        else:
            if made.marked_updated and not entries[twin].marked_updated:
                entries[twin] = replace(entries[twin], marked_updated=True)
            reposted.append(entries[twin].entry_id)
    return tuple(entries), tuple(dict.fromkeys(reposted))


def _same_entry(a: LiveEntry, b: LiveEntry) -> bool:
    """One entry shown twice: the same title, and most of one's paragraphs in the other."""
    if not a.title or a.title != b.title:
        return False
    pa, pb = set(a.body_text.splitlines()), set(b.body_text.splitlines())
    small = min(len(pa), len(pb))
    return small > 0 and len(pa & pb) >= 0.6 * small


def _blocks_html(blocks: Sequence[_Line], *, heading_tag: str) -> str:
    """Paragraphs, headings and bullet lists as HTML; a paragraph after a line ending in ":" is a quote."""
    out: list[str] = []
    items: list[str] = []
    previous = ""
    for line in blocks:
        if line.kind != "bullet" and items:
            out.append("<ul>" + "".join(items) + "</ul>")
            items = []
        text = html.escape(line.text, quote=False)
        if line.kind == "bullet":
            items.append(f"<li>{text}</li>")
        elif line.kind == "heading":
            out.append(f"<{heading_tag}>{text}</{heading_tag}>")
        elif previous.endswith(":") and line.kind == "para":
            out.append(f"<blockquote><p>{text}</p></blockquote>")
        elif line.kind == "para":
            out.append(f"<p>{text}</p>")
        previous = line.text
    if items:
        out.append("<ul>" + "".join(items) + "</ul>")
    return "\n".join(out)
