"""The search query language, cursors and snippet escaping (pure functions)."""

from __future__ import annotations

import pytest

from newsstand.errors import SearchQueryError
from newsstand.model import SearchQuery
from newsstand.store.sql.search import (
    MARK_END,
    MARK_START,
    Clause,
    Cursor,
    decode_cursor,
    encode_cursor,
    fingerprint,
    marked_html,
    parse_query,
    to_fts5,
    to_tsquery_text,
    words_of,
)


def test_words_split_like_the_index() -> None:
    assert words_of("E-mail 3.5 Zürich don’t snake_case") == (
        "e", "mail", "3", "5", "zürich", "don", "t", "snake", "case",
    )  # fmt: skip


def test_parse_words_phrases_negation_and_or() -> None:
    q = parse_query('floods "river rhine" -germany OR e-mail "exact"', ("en",))
    assert q.groups == (
        (
            Clause(("floods",), keys=("floods", "flood")),
            Clause(("river", "rhine")),
            Clause(("germany",), negated=True, keys=("germany", "german")),
        ),
        (Clause(("e", "mail")), Clause(("exact",))),
    )
    text = "{title standfirst body_text authors}"
    assert to_fts5(q) == (
        f'((({text} : "floods" OR search_keys : ("floods" OR "flood")) AND {text} : "river rhine") '
        f'NOT (({text} : "germany" OR search_keys : ("germany" OR "german")))) '
        f'OR ({text} : "e mail" AND {text} : "exact")'
    )
    assert to_tsquery_text(q) == (
        "(('floods':ABD | 'floods':C | 'flood':C) & ('river':ABD <-> 'rhine':ABD) & "
        "!('germany':ABD | 'germany':C | 'german':C)) | (('e':ABD <-> 'mail':ABD) & ('exact':ABD))"
    )


def test_unquoted_words_carry_folded_stems_in_every_catalog_language() -> None:
    [[clause]] = parse_query("Tempêtes").groups
    assert clause.words == ("tempêtes",)
    assert {"tempetes", "tempet", "tempest"} & set(clause.keys) >= {"tempetes", "tempet"}
    [[stormy]] = parse_query("stormy", ("en",)).groups
    [[batteries]] = parse_query("batteries", ("en",)).groups
    assert stormy.keys[-1] == "storm" and batteries.keys[-1] == "batter"


@pytest.mark.parametrize("text", ["", "   ", "!!! ???", "-only -excluded", "OR OR", '""', "- -"])
def test_nothing_to_search_for(text: str) -> None:
    with pytest.raises(SearchQueryError):
        parse_query(text)


def test_groups_without_a_positive_word_are_dropped() -> None:
    assert to_fts5(parse_query('-a OR "b"')) == '({title standfirst body_text authors} : "b")'


def test_hostile_syntax_is_quoted() -> None:
    q = parse_query("NEAR(a b) title:x \"unterminated AND * ^c '; DROP TABLE articles; --")
    rendered = to_fts5(q)
    # Every FTS5 word sits in double quotes and none carries a quote itself.
    assert rendered.count('"') % 2 == 0
    for clause in (c for g in q.groups for c in g):
        assert all(w.isalnum() for w in clause.words)


def test_cursor_round_trip_and_rejection() -> None:
    query = SearchQuery("floods")
    fp = fingerprint(query, parse_query(query.text))
    cursor = Cursor(fp, 1234, 40)
    assert decode_cursor(encode_cursor(cursor), fp) == cursor
    other = fingerprint(SearchQuery("fires"), parse_query("fires"))
    with pytest.raises(SearchQueryError):
        decode_cursor(encode_cursor(cursor), other)
    for bad in ("", "nonsense", "eyJ4IjoxfQ", "%%%"):
        with pytest.raises(SearchQueryError):
            decode_cursor(bad, fp)


def test_snippet_is_escaped_around_marks() -> None:
    raw = f"<b>a & b</b> {MARK_START}floods{MARK_END} <script>"
    assert marked_html(raw) == "&lt;b&gt;a &amp; b&lt;/b&gt; <mark>floods</mark> &lt;script&gt;"
