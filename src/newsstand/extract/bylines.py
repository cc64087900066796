"""Bylines into people: pure functions over the byline strings publishers write.

"Léonie Chao-Fong (now); Jane Clinton, Martin Belam and Tom Bryant (earlier)"
names four people; "By Jane Doe, Political Editor, with agencies" names one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_LEADING = re.compile(
    r"^\s*(?:(?:words|written|reporting|report|story|text|interview)\s+)?(?:by|from)\s*:?\s+",
    re.IGNORECASE,
)
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_AGENCY_TAIL = re.compile(
    r"(?:,|\s)\s*(?:with|and|&)\s+(?:agencies|agency|wires|news agencies|reuters|ap|afp|pa|"
    r"the associated press|associated press)\s*\.?\s*$",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"\s*(?:;|,|\||/|\band\b|&|\+|\bwith\b|\n)\s*", re.IGNORECASE)
_ROLE_WORDS = frozenset(
    {
        "editor", "editors", "correspondent", "correspondents", "reporter", "reporters", "writer",
        "writers", "staff", "contributor", "contributors", "columnist", "columnists", "producer",
        "producers", "journalist", "journalists", "chief", "senior", "deputy", "political", "economics",
        "business", "sports", "science", "health", "technology", "tech", "associate", "managing",
        "executive", "digital", "news", "desk", "analyst", "critic", "photographer", "updated",
        "published", "team", "intern", "fellow",
    }
)  # fmt: skip
_NOT_NAMES = frozenset(
    {"updated", "published", "share", "follow", "more", "opinion", "comment", "advertisement"}
)
_EMAIL_OR_URL = re.compile(r"@|https?://|www\.", re.IGNORECASE)
_LOCATION_TAIL = re.compile(r"\s+in\s+[A-Z][\w .'-]*$")


def split_byline(byline: str) -> tuple[str, ...]:
    """The people named by one byline string, in order, without duplicates.

    Strips a leading "By", parenthesised notes ("(now)", "(earlier)"), roles after a
    name ("Jane Doe, Political Editor"), locations ("in London") and trailing
    agency notes ("with agencies"). Never raises; an unusable byline gives ``()``.
    """
    text = " ".join(byline.split())
    text = _PARENS.sub(" ", text)
    text = _AGENCY_TAIL.sub("", text)
    text = _LEADING.sub("", text)
    names: list[str] = []
    for part in _SEPARATORS.split(text):
        name = _clean_part(part)
        if not name:
            continue
        if names and _is_role(name):
            continue  # "Jane Doe, Political Editor": the role belongs to the name before it
        names.append(name)
    return dedupe(names)


def _clean_part(part: str) -> str:
    part = _LEADING.sub("", part.strip(" .:-–—·•\t"))
    part = _LOCATION_TAIL.sub("", part)
    part = part.strip(" .:-–—·•\t")
    if not part or _EMAIL_OR_URL.search(part) or not any(ch.isalpha() for ch in part):
        return ""
    if part.casefold() in _NOT_NAMES or len(part.split()) > 6:
        return ""
    return part


def _is_role(text: str) -> bool:
    words = [w.strip(".,").casefold() for w in text.split()]
    return bool(words) and (
        all(w in _ROLE_WORDS or w in {"of", "the", "at", "for"} for w in words) or text[:1].islower()
    )


def authors_from(values: Iterable[str]) -> tuple[str, ...]:
    """Split every byline in ``values`` and merge the people, first seen first."""
    names: list[str] = []
    for value in values:
        names.extend(split_byline(value))
    return dedupe(names)


def dedupe(names: Iterable[str]) -> tuple[str, ...]:
    """Drop repeats that differ only in case or spacing, keeping the first spelling."""
    seen: set[str] = set()
    kept: list[str] = []
    for name in names:
        key = " ".join(name.casefold().split())
        if key and key not in seen:
            seen.add(key)
            kept.append(name)
    return tuple(kept)


def looks_like_byline(line: str) -> bool:
    """True when a short line reads as a byline: "By ..." or only capitalised names and separators."""
    text = " ".join(line.split())
    if not text or len(text) > 200 or (text.endswith((".", "?", "!", ":")) and not _LEADING.match(text)):
        return False
    if _LEADING.match(text):
        return True
    stripped = _PARENS.sub(" ", text)
    parts = [p for p in _SEPARATORS.split(stripped) if p.strip()]
    if not parts:
        return False
    return all(_is_name_like(p) for p in parts) and (len(parts) > 1 or len(parts[0].split()) in (2, 3))


def starts_with_by(line: str) -> bool:
    """True for an explicit byline: "By Jane Doe", "Words by Jane Doe"."""
    return bool(_LEADING.match(" ".join(line.split())))


def name_count(line: str) -> int:
    """How many name-like parts a byline-looking line has (0 when it does not look like one)."""
    if not looks_like_byline(line):
        return 0
    return len([p for p in _SEPARATORS.split(_PARENS.sub(" ", line)) if p.strip()])


def _is_name_like(part: str) -> bool:
    words = part.strip().split()
    return 1 < len(words) <= 4 and all(
        w[:1].isupper() for w in words if w.casefold() not in {"de", "van", "von", "da", "al", "bin"}
    )
