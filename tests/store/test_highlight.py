"""Snippets made in Python (``highlight``), and the marks a search hit shows."""

from __future__ import annotations

from newsstand.model import SearchQuery
from newsstand.store import SqlStore
from newsstand.store.sql.search import (
    MARK_END,
    MARK_START,
    SNIPPET_FRAGMENTS,
    SNIPPET_WORDS,
    highlight,
    parse_query,
    words_of,
)

from .helpers import article


def _hl(query: str, *texts: str) -> str | None:
    return highlight(parse_query(query), *texts)


def _m(word: str) -> str:
    return f"{MARK_START}{word}{MARK_END}"


def _marked(snippet: str) -> list[str]:
    """The marked words, in order."""
    return [part.split(MARK_END)[0] for part in snippet.split(MARK_START)[1:]]


def test_every_occurrence_is_marked_whatever_its_case() -> None:
    got = _hl("glacier", "The Glacier shrank; a glacier nearby grew, GLACIER watchers said.")
    assert got == f"The {_m('Glacier')} shrank; a {_m('glacier')} nearby grew, {_m('GLACIER')} watchers said"


def test_all_positive_words_of_phrases_and_groups_are_marked() -> None:
    text = "A red kite flew over the blue lake near the old mill."
    got = _hl('"red kite" OR mill', text)
    assert got is not None and _marked(got) == ["red", "kite", "mill"]


def test_negated_words_are_not_marked() -> None:
    got = _hl("river -flood", "The river rose; no flood came, the river fell.")
    assert got is not None and _marked(got) == ["river", "river"]
    assert "flood" in got  # still shown, just not marked


def test_falls_back_to_later_texts() -> None:
    body, standfirst, title = "Nothing relevant here.", "A heron stood still.", "Heron and egret"
    assert _hl("heron", body, standfirst, title) == f"A {_m('heron')} stood still"
    # The title holds "egret"; "Heron" there is no query word now.
    assert _hl("egret", body, standfirst, title) == f"Heron and {_m('egret')}"
    assert _hl("heron", "", standfirst) == f"A {_m('heron')} stood still"


def test_none_when_no_text_matches() -> None:
    assert _hl("walrus", "A seal.", "An otter.", "Fish") is None
    assert _hl("walrus") is None
    assert _hl("walrus", "") is None
    # Only an excluded word present: nothing to mark.
    assert _hl("seal -otter", "An otter.") is None


def test_fragments_are_capped() -> None:
    # A match every ten words over 300 words: at most two fragments of at most
    # SNIPPET_WORDS words each, joined by " … ".
    words = [f"w{i}" if i % 10 else "kelp" for i in range(300)]
    got = _hl("kelp", " ".join(words))
    assert got is not None
    fragments = got.split(" … ")
    assert len(fragments) == SNIPPET_FRAGMENTS == 2
    for fragment in fragments:
        assert 0 < len(fragment.split()) <= SNIPPET_WORDS
        assert MARK_START in fragment
    # Fragments do not overlap, and they come in text order.
    shown = [w.replace(MARK_START, "").replace(MARK_END, "") for w in got.replace(" … ", " ").split()]
    positions = [words.index(w) if w != "kelp" else -1 for w in shown]
    numbered = [p for p in positions if p >= 0]
    assert numbered == sorted(set(numbered))


def test_a_fragment_leads_with_a_few_words_before_its_match() -> None:
    text = " ".join(f"w{i}" for i in range(100)) + " kelp " + " ".join(f"v{i}" for i in range(100))
    got = _hl("kelp", text)
    assert got is not None and " … " not in got
    assert got.startswith("w95 w96 w97 w98 w99 " + _m("kelp"))
    assert len(got.split()) == SNIPPET_WORDS


def test_punctuation_between_words_is_kept_and_spaces_folded() -> None:
    got = _hl("sleet", "Rain,  sleet;\n\tsnow — and (hail)!")
    assert got == f"Rain, {_m('sleet')}; snow — and (hail"


def test_partial_words_are_not_marked() -> None:
    assert _hl("art", "The party was smart; an artist came.") is None
    got = _hl("art", "The party had art, Art-deco and ART.")
    assert got is not None and _marked(got) == ["art", "Art", "ART"]
    assert "party" in got


def test_non_ascii_words() -> None:
    assert words_of("Zürich 東京") == ("zürich", "東京")
    got = _hl("zürich", "In ZÜRICH the lake; Zürich again, not Zürichsee.")
    assert got is not None and _marked(got) == ["ZÜRICH", "Zürich"]
    assert "Zürichsee" in got
    got = _hl("東京", "行く 東京 です")
    assert got == f"行く {_m('東京')} です"
    # A run of CJK letters is one index word, so a query word inside it is no match.
    assert words_of("東京タワー") == ("東京タワー",)
    assert _hl("東京", "東京タワー") is None


def test_words_cut_at_the_edges_of_the_search_area_are_not_marked() -> None:
    # "Smart" ends exactly 200 characters before the first real match, so the area
    # looked at starts inside it, at "art".
    head = "Smart " + "z " * 98 + "art"
    got = _hl("art", head)
    assert got is not None and _marked(got) == ["art"], got
    # "artist" starts right where the area ends, 1500 characters after the match.
    tail = "art " + "z " * 748 + "artist"
    got = _hl("art", tail)
    assert got is not None and _marked(got) == ["art"], got


def test_search_hit_snippet_marks_a_body_match(store: SqlStore) -> None:
    store.upsert_article(
        article(
            1,
            title="Coastal report",
            standfirst="Weather on the coast",
            body_text="Fishermen said the Cormorant colony grew; cormorant numbers doubled.",
        )
    )
    [hit] = store.search(SearchQuery("cormorant")).hits
    assert "<mark>Cormorant</mark>" in hit.snippet
    assert "<mark>cormorant</mark>" in hit.snippet
    assert "Fishermen" in hit.snippet  # from the body, not the standfirst


def test_first_match_is_a_whole_word() -> None:
    # "kelpie" and "seakelp" hold the letters but not the word; the snippet starts
    # at the first real match and marks only whole words.
    text = "A kelpie swam by seakelp beds. " + "Filler words here. " * 20 + "Then kelp, at last."
    got = _hl("kelp", text)
    assert got is not None and _marked(got) == ["kelp"]
    assert got.startswith("here. Filler words here. Then")  # five words lead in


def test_text_whose_lower_case_is_longer() -> None:
    # "İ" lower-cases to two characters, so offsets in the lower-cased text would
    # drift: such a text is searched without lower-casing it first.
    text = "İİİİ " * 30 + "The KELP harvest"
    got = _hl("kelp", text)
    assert got is not None and _marked(got) == ["KELP"]
    assert got.endswith(f"The {_m('KELP')} harvest")
