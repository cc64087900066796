"""Near copies: wire copy in several outlets and re-posts, found through MinHash band keys."""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from story_samples import T0, make

from newsstand.stories.copies import (
    BANDS,
    COPY_BANDS,
    ROWS,
    SHINGLE,
    article_keys,
    band_keys,
    find_copies,
    shingles,
    sketch,
)
from newsstand.stories.quality import load_set

CASES = Path(__file__).parent / "cases"


def _jaccard(a: str, b: str) -> float:
    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y)


def test_sketches_agree_about_as_often_as_the_texts_overlap() -> None:
    wire = load_set(CASES / "wire_five_outlets.jsonl").articles
    same, other = wire[0].body_text, wire[5].body_text
    one, two, three = (sketch(shingles(t)) for t in (same, same + " Read more on our site.", other))
    assert one is not None and two is not None and three is not None
    agree = sum(x == y for x, y in zip(one, two, strict=True)) / len(one)
    assert abs(agree - _jaccard(same, same + " Read more on our site.")) < 0.2
    assert sum(x == y for x, y in zip(one, three, strict=True)) <= 4
    assert len(band_keys(one)) == BANDS


def test_wire_copy_in_five_outlets_is_one_report_and_unrelated_news_is_not() -> None:
    wire = load_set(CASES / "wire_five_outlets.jsonl")
    keys = {a.article_id: article_keys(a) for a in wire.articles}
    found = find_copies(keys, {}, sorted(keys))
    assert found == {2: 1, 3: 1, 4: 1, 5: 1}  # the agency's report is the original


def test_a_repost_under_a_new_url_copies_the_stored_original() -> None:
    wire = load_set(CASES / "wire_five_outlets.jsonl").articles
    original = wire[0]
    stored = dict.fromkeys(article_keys(original), (original.article_id,))
    repost = replace(original, article_id=90, published=original.published + timedelta(days=2))
    assert find_copies({90: article_keys(repost)}, stored, [90]) == {90: original.article_id}


def test_a_copy_of_a_copy_points_at_the_first_original() -> None:
    text = " ".join(f"word{i} is followed by word{i + 1} in this sentence." for i in range(40))
    a, b, c = (make(n, f"p{n}", "t", text + f" Ending {n}.", T0) for n in (1, 2, 3))
    keys = {x.article_id: article_keys(x) for x in (a, b, c)}
    assert find_copies(keys, {}, [1, 2, 3]) == {2: 1, 3: 1}


def test_short_texts_get_no_keys_and_are_never_copies() -> None:
    teaser = make(1, "p", "Headline", "Ferry runs aground; passengers rescued.")
    assert article_keys(teaser) == ()
    assert find_copies({1: (), 2: ()}, {}, [1, 2]) == {}


def test_related_but_different_reports_share_few_bands() -> None:
    wire = load_set(CASES / "wire_five_outlets.jsonl").articles
    flood_a, flood_b = wire[5], wire[6]
    shared = set(article_keys(flood_a)) & set(article_keys(flood_b))
    assert len(shared) < COPY_BANDS


@given(st.lists(st.sampled_from(["a", "b", "Ünï", "9", "x-y", "long_word"]), max_size=30))
def test_shingles_are_the_hashes_of_every_run_of_words(words: list[str]) -> None:
    text = " ".join(words)
    found = re.findall(r"[^\W_]+", text.lower())
    runs = [" ".join(found[i : i + SHINGLE]) for i in range(len(found) - SHINGLE + 1)]
    assert shingles(text) == {zlib.crc32(r.encode()) for r in runs}


def test_band_keys_hash_each_band_with_its_number() -> None:
    signature = sketch(shingles(" ".join(f"w{i}" for i in range(60))))
    assert signature is not None
    expected = []
    for band in range(BANDS):
        rows = signature[band * ROWS : (band + 1) * ROWS]
        data = band.to_bytes(2, "big") + b"".join(v.to_bytes(9, "big") for v in rows)
        digest = hashlib.blake2b(data, digest_size=8).digest()
        expected.append(int.from_bytes(digest, "big") & ((1 << 63) - 1))
    assert band_keys(signature) == tuple(expected)
