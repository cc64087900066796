"""Search on both databases: ranking, filters, snippets, cursor pagination."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newsstand.errors import SearchQueryError
from newsstand.model import SearchQuery
from newsstand.store import FeedItem, SqlStore

from .helpers import T0, article, feed_id, record, state, with_feed


def _ids(store: SqlStore, query: SearchQuery) -> list[int]:
    return [h.article.id or 0 for h in store.search(query).hits]


def test_title_match_ranks_above_body_match(store: SqlStore) -> None:
    body = store.upsert_article(
        article(1, title="Council meeting", body_text="Talk turned to the glacier near the town.")
    ).article_id
    title = store.upsert_article(
        article(2, title="Glacier retreats faster", body_text="Scientists measured the ice.")
    ).article_id
    store.upsert_article(article(3, title="Unrelated", body_text="Nothing to see here."))
    page = store.search(SearchQuery("glacier"))
    assert [h.article.id for h in page.hits] == [title, body]
    assert page.hits[0].rank > page.hits[1].rank
    assert page.total_estimate == 2 and page.next_cursor is None


def test_authors_and_standfirst_are_searched(store: SqlStore) -> None:
    a = store.upsert_article(article(1, authors=("Marisol Okonkwo",))).article_id
    b = store.upsert_article(article(2, standfirst="A quiet harbour wakes up")).article_id
    assert _ids(store, SearchQuery("okonkwo")) == [a]
    assert _ids(store, SearchQuery("harbour")) == [b]


def test_phrases_negation_or(store: SqlStore) -> None:
    a = store.upsert_article(article(1, body_text="The red river flooded the valley.")).article_id
    b = store.upsert_article(article(2, body_text="A river, red with clay, ran past.")).article_id
    c = store.upsert_article(article(3, body_text="Blue lake and a red kite.")).article_id
    assert _ids(store, SearchQuery('"red river"')) == [a]
    assert sorted(_ids(store, SearchQuery("red river"))) == sorted([a, b])
    assert sorted(_ids(store, SearchQuery("red -river"))) == [c]
    assert sorted(_ids(store, SearchQuery("valley OR lake"))) == sorted([a, c])


def test_updates_and_deletes_reach_the_index(store: SqlStore) -> None:
    aid = store.upsert_article(article(1, body_text="old wording")).article_id
    assert _ids(store, SearchQuery("wording")) == [aid]
    store.upsert_article(article(1, body_text="fresh phrasing"))
    assert _ids(store, SearchQuery("wording")) == []
    assert _ids(store, SearchQuery("phrasing")) == [aid]


def test_filters(store: SqlStore) -> None:
    world = feed_id(with_feed(store, "a", "world"))
    sport = feed_id(with_feed(store, "b", "sport"))
    text = "storm over the coast"
    a1 = store.record_fetch(
        record(world), state(world), [FeedItem(article(1, pid="a", body_text=text), world)]
    )
    b2 = store.record_fetch(
        record(sport), state(sport), [FeedItem(article(2, pid="b", body_text=text, language="de"), sport)]
    )
    a3 = store.upsert_article(article(30, pid="a", body_text=text)).article_id
    first, second = a1[0].article_id, b2[0].article_id
    q = "storm"
    assert sorted(_ids(store, SearchQuery(q))) == sorted([first, second, a3])
    assert sorted(_ids(store, SearchQuery(q, publisher_ids=("a",)))) == sorted([first, a3])
    assert _ids(store, SearchQuery(q, sections=("sport",))) == [second]
    assert _ids(store, SearchQuery(q, languages=("de",))) == [second]
    window = SearchQuery(q, since=T0 + timedelta(minutes=2), until=T0 + timedelta(minutes=30))
    assert _ids(store, window) == [second]
    assert _ids(store, SearchQuery(q, publisher_ids=("nobody",))) == []


def test_snippet_marks_matches_and_escapes_the_rest(store: SqlStore) -> None:
    body = "Before <script>alert(1)</script> & after, the avalanche buried the road."
    store.upsert_article(article(1, body_text=body))
    [hit] = store.search(SearchQuery("avalanche")).hits
    assert "<mark>avalanche</mark>" in hit.snippet
    assert "<script>" not in hit.snippet
    # PostgreSQL's headline drops tag-like text, SQLite's keeps it escaped: either is safe.
    assert "&amp;" in hit.snippet
    # A match only in the title still gets a readable snippet.
    store.upsert_article(article(2, title="Zeppelin returns", body_text="A & B <i>"))
    [hit2] = store.search(SearchQuery("zeppelin")).hits
    assert ("<i>" not in hit2.snippet and "<mark>" in hit2.snippet) or "&amp;" in hit2.snippet


def _all_pages(store: SqlStore, query: SearchQuery) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(100):
        page = store.search(SearchQuery(query.text, limit=query.limit, cursor=cursor))
        seen += [h.article.id or 0 for h in page.hits]
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("pagination did not end")


@pytest.mark.parametrize("window", [1000, 7])
def test_pagination_has_no_duplicates_or_gaps(store: SqlStore, window: int) -> None:
    store.search_window = window  # 7 makes the pages cross several ranking windows
    ids = []
    for n in range(23):
        # Varying repetition gives varying ranks, with ties in between.
        ids.append(store.upsert_article(article(n, body_text="tide " * (1 + n % 4) + "filler")).article_id)
    store.upsert_article(article(99, body_text="nothing relevant"))
    seen = _all_pages(store, SearchQuery("tide", limit=5))
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == set(ids)
    if window == 1000:
        one = store.search(SearchQuery("tide", limit=100)).hits
        assert [h.article.id for h in one] == seen
        ranks = [h.rank for h in one]
        assert ranks == sorted(ranks, reverse=True)


def test_pages_stay_stable_when_articles_arrive(store: SqlStore) -> None:
    for n in range(10):
        store.upsert_article(article(n, body_text="harvest " * (1 + n % 3)))
    first = store.search(SearchQuery("harvest", limit=4))
    assert first.next_cursor
    for n in range(10, 15):
        store.upsert_article(article(n, body_text="harvest harvest harvest harvest"))
    rest: list[int] = []
    cursor: str | None = first.next_cursor
    while cursor:
        page = store.search(SearchQuery("harvest", limit=4, cursor=cursor))
        rest += [h.article.id or 0 for h in page.hits]
        cursor = page.next_cursor
    shown = [h.article.id for h in first.hits] + rest
    assert len(shown) == len(set(shown)) == 10


def test_bad_queries_and_cursors(store: SqlStore) -> None:
    store.upsert_article(article(1, body_text="anything at all"))
    for bad in ("", "  ", "-anything"):
        with pytest.raises(SearchQueryError):
            store.search(SearchQuery(bad))
    with pytest.raises(SearchQueryError):
        store.search(SearchQuery("anything", cursor="garbage"))
    for n in range(3):
        store.upsert_article(article(10 + n, body_text="anything"))
    page = store.search(SearchQuery("anything", limit=1))
    assert page.next_cursor
    with pytest.raises(SearchQueryError):
        store.search(SearchQuery("other words", cursor=page.next_cursor))
    with pytest.raises(SearchQueryError):
        store.search(SearchQuery("anything", limit=0))


@pytest.mark.parametrize(
    "text",
    ['"', "AND", "NOT x", "OR", "*", "a*", "(", "NEAR(a b)", "title:anything", "^anything",
     "'; DROP TABLE articles; --", "anything)", "{x}", "a:b:c", "\\", "a & b | !c", "<->", "ánything 東京"],
)  # fmt: skip
def test_user_input_never_causes_a_syntax_error(store: SqlStore, text: str) -> None:
    store.upsert_article(article(1, body_text="anything and everything, title: x"))
    try:
        page = store.search(SearchQuery(text))
    except SearchQueryError:
        return  # nothing searchable in it: a clean, expected refusal
    assert isinstance(page.hits, tuple)
    assert store.count_articles() == 1


def test_date_filters_across_months_and_years(store: SqlStore) -> None:
    from datetime import UTC, datetime

    dates = [datetime(2023, 12, 31, 23, 59, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC),
             datetime(2024, 2, 15, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)]  # fmt: skip
    ids = [
        store.upsert_article(article(n, published=d, body_text="comet sighting")).article_id
        for n, d in enumerate(dates)
    ]

    def found(**f: object) -> set[int]:
        return set(_ids(store, SearchQuery("comet", **f)))  # type: ignore[arg-type]

    assert found(since=datetime(2024, 1, 1, tzinfo=UTC)) == set(ids[1:])
    assert found(until=datetime(2024, 1, 1, tzinfo=UTC)) == {ids[0]}
    assert found(since=datetime(2023, 12, 1, tzinfo=UTC), until=datetime(2024, 2, 16, tzinfo=UTC)) == set(
        ids[:3]
    )
    # A range longer than the facet months still filters exactly.
    assert found(since=datetime(2020, 1, 1, tzinfo=UTC), until=datetime(2026, 1, 1, tzinfo=UTC)) == set(
        ids[:3]
    )


def test_publisher_and_language_filters_with_odd_values(store: SqlStore) -> None:
    a = store.upsert_article(article(1, pid="le-monde.fr", language="fr-CA", body_text="pluie")).article_id
    store.upsert_article(article(2, pid="le", language="fr", body_text="pluie"))
    assert _ids(store, SearchQuery("pluie", publisher_ids=("le-monde.fr",))) == [a]
    assert _ids(store, SearchQuery("pluie", languages=("fr-CA",))) == [a]
    # Facet words cannot be searched for as text.
    assert _ids(store, SearchQuery("p" + b"le".hex())) == []


def test_ranking_when_every_word_is_common(store: SqlStore) -> None:
    # Seventy articles all mention the word: on SQLite it is then "dense" and ranked by
    # the columns it appears in rather than by bm25; title matches must still lead.
    ids = [
        store.upsert_article(article(n, body_text="report on the lighthouse")).article_id for n in range(70)
    ]
    in_title = store.upsert_article(
        article(80, title="Lighthouse keepers", body_text="lighthouse")
    ).article_id
    in_standfirst = store.upsert_article(
        article(81, standfirst="The lighthouse again", body_text="lighthouse")
    ).article_id
    page = store.search(SearchQuery("lighthouse", limit=5))
    assert [h.article.id for h in page.hits][:2] == [in_title, in_standfirst]
    assert page.hits[2].article.id in ids
    assert all("<mark>" in h.snippet for h in page.hits)
    assert len(_all_pages(store, SearchQuery("lighthouse", limit=50))) == 72


def test_section_filter_follows_sections_added_later(store: SqlStore) -> None:
    # Sections are words of the full-text index on SQLite (migration 0004) and an
    # indexed array beside the vectors on PostgreSQL (0006), both kept in step with
    # the link table by triggers: every change must reach the filter.
    world = feed_id(with_feed(store, "a", "world"))
    sport = feed_id(with_feed(store, "a", "sport"))
    text = "ferry timetable"
    item = FeedItem(article(1, pid="a", body_text=text), world)
    aid = store.record_fetch(record(world), state(world), [item])[0].article_id
    other = store.upsert_article(
        article(2, pid="a", body_text=text, section="culture", sections=("culture", "media"))
    ).article_id
    assert _ids(store, SearchQuery("ferry", sections=("sport",))) == []
    store.record_fetch(record(sport), state(sport), [FeedItem(article(1, pid="a", body_text=text), sport)])
    for section in ("world", "sport"):
        assert _ids(store, SearchQuery("ferry", sections=(section,))) == [aid]
    assert _ids(store, SearchQuery("ferry", sections=("media",))) == [other]
    assert sorted(_ids(store, SearchQuery("ferry", sections=("media", "sport")))) == sorted([aid, other])
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM article_sections WHERE section = 'media'")
    assert _ids(store, SearchQuery("ferry", sections=("media",))) == []
    assert _ids(store, SearchQuery("ferry", sections=("culture",))) == [other]
    # An article first stored without a section takes the first feed's.
    late = store.upsert_article(article(3, pid="a", body_text=text)).article_id
    assert _ids(store, SearchQuery("ferry", sections=("sport",))) == [aid]
    store.record_fetch(record(sport), state(sport), [FeedItem(article(3, pid="a", body_text=text), sport)])
    assert _ids(store, SearchQuery("ferry", sections=("sport",))) == [late, aid]
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            f"UPDATE article_sections SET section = 'science' WHERE article_id = {aid} AND section = 'sport'"
        )
    assert _ids(store, SearchQuery("ferry", sections=("science",))) == [aid]
    assert _ids(store, SearchQuery("ferry", sections=("sport",))) == [late]


def test_phrase_pages_cross_windows_with_few_matches(store: SqlStore) -> None:
    # On PostgreSQL a window is the newest articles holding the phrase's words, and
    # only some of them hold the phrase: pages may come back short, never wrong.
    store.search_window = 3
    phrase = []
    for n in range(40):
        text = "the red apple fell" if n % 5 == 0 else "an apple, red and ripe"
        aid = store.upsert_article(article(n, body_text=text)).article_id
        if n % 5 == 0:
            phrase.append(aid)
    seen = _all_pages(store, SearchQuery('"red apple"', limit=2))
    assert len(seen) == len(set(seen)) == 8
    assert set(seen) == set(phrase)
    page = store.search(SearchQuery('"red apple"', limit=2))
    assert len(page.hits) == 2 and page.next_cursor is not None and page.total_estimate is None
