"""Near copies: one report carried by several outlets, or re-posted under a new URL.

An article is reduced to the set of its four-word shingles, and the set to a
MinHash sketch made with one hash per shingle ("one permutation hashing": the
hash picks one of ``BINS`` bins and the smallest value per bin is kept; an
empty bin borrows from the next full one so short texts still fill every bin).
Two sketches agree in a bin with probability equal to the Jaccard similarity of
the two shingle sets. The sketch is cut into ``BANDS`` bands of ``ROWS`` bins
and each band hashed to one key (locality-sensitive hashing): the store indexes
the keys, so finding the earlier copies of an article is a few index lookups
however many articles are stored. Two articles sharing ``COPY_BANDS`` band keys
or more are copies: with Jaccard similarity s, the expected number of shared
bands is BANDS * s**ROWS, 4 of 16 at s = 0.71, 1 at s = 0.5.

Headlines are left out: outlets rewrite the headline of wire copy and keep the
text. Texts of fewer than ``MIN_SHINGLES`` shingles (a teaser, a photo caption)
are too short to call anything a copy and get no keys.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from itertools import chain
from zlib import crc32

from newsstand.model import ArticleText

SHINGLE = 4
BINS = 64
ROWS = 4
BANDS = BINS // ROWS
COPY_BANDS = 4
MIN_SHINGLES = 20
# How far back copies are looked for, before a round's oldest article: wire copy and re-posts
# follow their original within days (docs/decisions.md, "Near copies in memory").
COPY_WINDOW = timedelta(days=7)
_MASK = (1 << 63) - 1
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _hash(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


def shingles(text: str) -> set[int]:
    """Hashes (CRC-32: cheap, and the same in every process) of the text's runs of
    ``SHINGLE`` words, case folded."""
    words = _WORD.findall(text.lower())
    runs = zip(*(words[i:] for i in range(SHINGLE)), strict=False)  # the shorter runs end it
    # Built with map over C functions: a text's hundred shingles cost no Python loop.
    return set(map(crc32, map(str.encode, map(" ".join, runs))))


def sketch(hashes: Iterable[int]) -> tuple[int, ...] | None:
    """The MinHash sketch of a set of shingle hashes (None when there are too few)."""
    bins: list[int | None] = [None] * BINS
    n = 0
    for h in hashes:
        n += 1
        slot, value = h % BINS, h // BINS
        current = bins[slot]
        if current is None or value < current:
            bins[slot] = value
    if n < MIN_SHINGLES:
        return None
    filled: list[int] = []
    for i in range(BINS):
        # Densification: an empty bin takes the value of the next full bin round the
        # circle, offset by the distance so that two texts borrow alike only by chance.
        step = 0
        found = bins[i]
        while found is None:
            step += 1
            found = bins[(i + step) % BINS]
        filled.append(found + step * (1 << 32))
    return tuple(filled)


# A band's bytes: its number (two bytes), then each of its rows in nine bytes, big-endian.
_BAND = struct.Struct(">H" + "xQ" * ROWS)


def band_keys(signature: Sequence[int]) -> tuple[int, ...]:
    """One key per band of the sketch, tagged with the band's number (signed 63-bit)."""
    pack = _BAND.pack
    return tuple(
        _hash(pack(band, *signature[band * ROWS : (band + 1) * ROWS])) & _MASK for band in range(BANDS)
    )


def article_keys(article: ArticleText) -> tuple[int, ...]:
    """The band keys of an article's standfirst and body opening (empty when too short).
    Not cached, as ``text.article_terms`` is not: a round works them out once."""
    text = f"{article.standfirst}\n{article.body_text}" if article.standfirst else article.body_text
    signature = sketch(shingles(text))
    return band_keys(signature) if signature else ()


def find_copies(
    keys: Mapping[int, Sequence[int]],
    stored: Mapping[int, Sequence[int]],
    order: Sequence[int],
) -> dict[int, int]:
    """Which article each new article copies: new id -> the earliest article it copies.

    ``keys`` are the band keys of the new articles, ``order`` their ids oldest
    first; ``stored`` maps a band key to the stored articles holding it (each the
    original of its copies). A new article may copy a stored one or an earlier
    new one; the copy of a copy points at the first original.
    """
    seen: dict[int, list[int]] = {}
    for key, holders in stored.items():
        seen[key] = sorted(holders)
    found: dict[int, int] = {}
    for article_id in order:
        mine = keys.get(article_id, ())
        held = [seen[key] for key in mine if key in seen]
        if len(held) >= COPY_BANDS:  # fewer shared bands cannot make a copy
            # Each article once per band; most bands have one holder (no set needed).
            shared = Counter(chain.from_iterable(h if len(h) == 1 else set(h) for h in held))
            matches = [other for other, n in shared.items() if n >= COPY_BANDS and other != article_id]
            if matches:
                original = min(matches)
                found[article_id] = found.get(original, original)
        holder = found.get(article_id, article_id)
        for key in mine:
            listed = seen.get(key)
            if listed is None:
                seen[key] = [holder]
            else:
                listed.append(holder)
    return found


def copies_since(pending: Sequence[ArticleText]) -> datetime:
    """The earliest publication time a copy's original may have, for a round of ``pending``
    articles (at least one)."""
    return min(a.published for a in pending) - COPY_WINDOW
