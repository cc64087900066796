"""Bylines split into people: "A and B", "A, B & C", "By A; B", "a@x.org (A)"."""

from __future__ import annotations

import re

_BY = re.compile(r"^\s*(?:by|von|par|por|door|di)\s+", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s*(?:;|\||,\s*and\s+|,|\s+and\s+|\s+&\s+|\s+und\s+|\s+et\s+|\s+y\s+)\s*")
_EMAIL_NAME = re.compile(r"^\s*[^@\s()]+@[^@\s()]+\s*\((.+)\)\s*$")
_BARE_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
# A comma before these continues the name ("King, Jr.") instead of starting another.
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "phd", "md"})


def _clean(name: str) -> str:
    name = name.strip().strip("\"'")
    m = _EMAIL_NAME.match(name)
    if m:
        name = m.group(1)
    elif _BARE_EMAIL.match(name):
        return ""
    return " ".join(name.split())


def split_byline(byline: str) -> tuple[str, ...]:
    """Names in a byline, in order, without duplicates or a leading "By"."""
    text = _BY.sub("", " ".join((byline or "").split()))
    m = _EMAIL_NAME.match(text)
    if m:
        text = m.group(1)
    names: list[str] = []
    for part in _SEPARATORS.split(text):
        name = _clean(_BY.sub("", part))
        if not name:
            continue
        if name.lower() in _SUFFIXES and names:
            names[-1] = f"{names[-1]} {name}"
            continue
        if name not in names:
            names.append(name)
    return tuple(names)


def merge_authors(values: list[str]) -> tuple[str, ...]:
    """Split each byline and join the names, keeping first-seen order."""
    names: list[str] = []
    for value in values:
        for name in split_byline(value):
            if name not in names:
                names.append(name)
    return tuple(names)
