"""Live blogs entry by entry: recognising them and reading their entries.

Sources, best first: the Guardian's DCR JSON (blocks with attributes), a page's
JSON-LD ``liveBlogUpdate`` list, and blocks marked up in the page HTML
(``id="block-…"`` with a ``<time>``). Everything here is pure.
"""

from __future__ import annotations

import copy
import hashlib
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from lxml import html as lxml_html

from newsstand.extract.body import without_figures
from newsstand.extract.images import make_image
from newsstand.extract.structured import parse_datetime
from newsstand.markup.sanitize import html_to_text, sanitize_html
from newsstand.model import Image, LiveEntry

_SUMMARY = re.compile(
    r"^\s*(?:(?:closing|opening|morning|afternoon|evening|lunchtime|overnight|late|early|today['’]s|"
    r"daily|final|latest)\s+)?(?:summary|recap|round-?up)\b"
    r"|^\s*summary of (?:the|today)|what we know (?:so far|now)|^\s*key (?:points|developments)\b"
    r"|^\s*the day so far\b|^\s*(?:here['’]s )?(?:a )?recap\b",
    re.IGNORECASE,
)
_LIVE_HEADLINE = re.compile(
    r"[–—-]\s*(?:live|as it happened)\s*$|\bas it happened\b|^\s*live\s*[:–—-]|\blive\s*:|"
    r"\blive (?:updates|blog|coverage|news)\b|[–—-]\s*(?:latest )?updates\s*$",
    re.IGNORECASE,
)
_BLOCK_ID = re.compile(
    r"^(?:block|post|entry|update|liveblog-entry|live-post)[-_]([\w-]{2,})$", re.IGNORECASE
)
_BLOCK_XPATH = (
    "//*["
    + " or ".join(
        f"starts-with(@id,'{p}')"
        for p in ("block-", "post-", "entry-", "update-", "liveblog-entry-", "live-post-")
    )
    + "]"
)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def is_summary_title(title: str) -> bool:
    """True for "Summary of the day so far", "Closing summary", "What we know so far" and the like."""
    return bool(title) and bool(_SUMMARY.search(title))


def looks_live_headline(headline: str) -> bool:
    """True for headlines marked live: "… – live", "… as it happened", "LIVE: …", "… live updates"."""
    return bool(headline) and bool(_LIVE_HEADLINE.search(headline))


def stable_entry_id(posted: datetime | None, title: str, text: str) -> str:
    """An id for an entry without a publisher id: a hash of its first publication time and title,
    or of its title and opening text when it has no time, so a re-fetch finds it again."""
    basis = f"{posted.isoformat() if posted else ''}\x1f{' '.join(title.split())}"
    if posted is None or not title:
        basis += "\x1f" + " ".join(text.split())[:200]
    return "h-" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:20]


def make_entry(
    *,
    entry_id: str,
    posted: datetime | None,
    title: str,
    body_html: str,
    base_url: str,
    updated: datetime | None = None,
    key_event: bool = False,
    pinned: bool = False,
    summary: bool | None = None,
    marked_updated: bool = False,
    images: Sequence[Image] = (),
) -> LiveEntry:
    """A LiveEntry with a sanitized body; ``summary`` is guessed from the title when not given."""
    clean = sanitize_html(body_html, base_url)
    text = html_to_text(without_figures(clean))  # captions and credits are not the entry's text
    title = " ".join(html.unescape(title).split())
    return LiveEntry(
        entry_id=entry_id or stable_entry_id(posted, title, text),
        posted=posted or EPOCH,
        title=title,
        body_html=clean,
        body_text=text,
        updated=updated if updated and posted and updated > posted else None,
        key_event=key_event,
        pinned=pinned,
        summary=is_summary_title(title) if summary is None else summary,
        marked_updated=marked_updated,
        images=tuple(images),
    )


def entries_as_html(entries: Iterable[LiveEntry]) -> str:
    """A live blog's entries as one body (each title a heading), for search and plain readers."""
    parts = []
    for entry in entries:
        title = f"<h2>{html.escape(entry.title, quote=False)}</h2>" if entry.title else ""
        parts.append(title + entry.body_html)
    return "\n".join(parts)


# --- JSON-LD liveBlogUpdate -----------------------------------------------------------


def entries_from_json_ld(updates: Iterable[Mapping[str, Any]], base_url: str) -> tuple[LiveEntry, ...]:
    """Entries from a LiveBlogPosting's ``liveBlogUpdate`` objects, newest first as the page lists them."""
    entries: list[LiveEntry] = []
    for update in updates:
        title = str(update.get("headline") or "")
        body = html.unescape(str(update.get("articleBody") or ""))
        posted = parse_datetime(str(update.get("datePublished") or ""))
        modified = parse_datetime(str(update.get("dateModified") or ""))
        paragraphs = "".join(
            f"<p>{html.escape(p.strip())}</p>" for p in re.split(r"\n\s*\n|\n", body) if p.strip()
        )
        entries.append(
            make_entry(
                entry_id=_json_ld_id(update),
                posted=posted,
                title=title,
                body_html=paragraphs,
                base_url=base_url,
                updated=modified,
            )
        )
    return _unique(entries)


def _json_ld_id(update: Mapping[str, Any]) -> str:
    for key in ("url", "@id"):
        value = str(update.get(key) or "")
        if "#" in value and value.rsplit("#", 1)[1]:
            return value.rsplit("#", 1)[1]
    return ""


# --- Guardian DCR JSON ------------------------------------------------------------------


def entries_from_dcr(payload: Mapping[str, Any]) -> tuple[LiveEntry, ...]:
    """Entries of a Guardian DCR payload (``<url>.json?dcr``): its blocks, and its pinned post
    when that is not among them. Flags come from each block's ``attributes``."""
    base = str(payload.get("canonicalUrl") or payload.get("webURL") or "")
    blocks = list(payload.get("blocks") or [])
    pinned = payload.get("pinnedPost")
    pinned_id = str(pinned.get("id")) if isinstance(pinned, dict) else ""
    if isinstance(pinned, dict) and all(b.get("id") != pinned_id for b in blocks):
        blocks.insert(0, pinned)
    return _unique([_dcr_entry(b, base, pinned_id) for b in blocks if isinstance(b, dict)])


def _ms(value: Any) -> datetime | None:
    if isinstance(value, int | float) and value > 0:
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    return None


def _dcr_entry(block: Mapping[str, Any], base_url: str, pinned_id: str) -> LiveEntry:
    attrs = block.get("attributes") or {}
    parts: list[str] = []
    images: list[Image] = []
    for element in block.get("elements") or []:
        kind = str(element.get("_type", "")).rsplit(".", 1)[-1]
        if kind == "TextBlockElement":
            parts.append(str(element.get("html") or ""))
        elif kind == "ImageBlockElement":
            image = _dcr_image(element)
            if image is not None:
                images.append(image)
                caption = " ".join(x for x in (image.caption, image.credit) if x)
                parts.append(
                    f'<figure><img src="{html.escape(image.url)}" alt="{html.escape(image.alt)}">'
                    f"<figcaption>{html.escape(caption)}</figcaption></figure>"
                )
    posted = _ms(block.get("blockFirstPublished")) or _ms(block.get("blockCreatedOn"))
    return make_entry(
        entry_id=str(block.get("id") or ""),
        posted=posted,
        title=str(block.get("title") or ""),
        body_html="\n".join(parts),
        base_url=base_url,
        updated=_ms(block.get("blockLastUpdated")),
        key_event=bool(attrs.get("keyEvent")),
        pinned=bool(attrs.get("pinned")) or block.get("id") == pinned_id,
        summary=bool(attrs.get("summary")) or is_summary_title(str(block.get("title") or "")),
        images=images,
    )


def _dcr_image(element: Mapping[str, Any]) -> Image | None:
    data = element.get("data") or {}
    best = ""
    width = 0
    for source in element.get("imageSources") or []:
        for candidate in source.get("srcSet") or []:
            if int(candidate.get("width") or 0) > width:
                best, width = str(candidate.get("src") or ""), int(candidate.get("width") or 0)
    if not best:
        return None
    return make_image(
        best,
        caption=str(data.get("caption") or ""),
        credit=str(data.get("credit") or ""),
        alt=str(data.get("alt") or ""),
    )


# --- blocks in page HTML ------------------------------------------------------------------


_BLOCK_ID_MARKERS = ('id="block-', "id='block-", 'id="liveblog-entry-', 'id="live-post-')


def may_have_html_blocks(page_text: str) -> bool:
    """Cheap test on the raw page: a block-like id and a ``<time>`` somewhere."""
    return any(marker in page_text for marker in _BLOCK_ID_MARKERS) and "<time" in page_text


def entries_from_html(tree: lxml_html.HtmlElement, base_url: str) -> tuple[LiveEntry, ...]:
    """Entries from blocks marked up in the page (``id="block-<id>"`` holding a ``<time>``).
    Fewer than two such blocks is not a live blog: returns ()."""
    found: list[LiveEntry] = []
    for el in tree.xpath(_BLOCK_XPATH):
        match = _BLOCK_ID.match(el.get("id", ""))
        if not match or not el.xpath(".//time[@datetime]"):
            continue
        block = copy.deepcopy(el)  # the caller's tree stays whole for body extraction
        times = block.xpath(".//time[@datetime]")
        posted = parse_datetime(times[0].get("datetime", ""))
        modified = parse_datetime(times[-1].get("datetime", "")) if len(times) > 1 else None
        heading = next(iter(block.xpath(".//h2|.//h3")), None)
        title = " ".join(heading.text_content().split()) if heading is not None else ""
        for node in [*times, *([heading] if heading is not None else [])]:
            node.drop_tree()  # the time and heading are fields of the entry, not its body
        classes = (el.get("class") or "").casefold()
        found.append(
            make_entry(
                entry_id=match.group(1),
                posted=posted,
                title=title,
                body_html="".join(lxml_html.tostring(c, encoding="unicode") for c in block),
                base_url=base_url,
                updated=modified,
                key_event="key" in classes or "highlight" in classes,
                pinned="pinned" in classes,
                summary=True if "summary" in classes else None,
            )
        )
    return _unique(found) if len(found) >= 2 else ()


def _unique(entries: Iterable[LiveEntry]) -> tuple[LiveEntry, ...]:
    """Entries with a repeated id dropped (a pinned copy of a block counts once)."""
    seen: dict[str, LiveEntry] = {}
    for entry in entries:
        if entry.entry_id not in seen:
            seen[entry.entry_id] = entry
        elif entry.pinned:
            seen[entry.entry_id] = _with(seen[entry.entry_id], pinned=True)
    return tuple(seen.values())


def _with(entry: LiveEntry, **changes: Any) -> LiveEntry:
    from dataclasses import replace

    return replace(entry, **changes)
