"""PostgreSQL search windows taken from a bounded id range (``PostgresSearch._bounded``).

A bound is only a cheaper way to find the same window: paging through a query with
bounds must give exactly the ids, in exactly the order, that it gives without them.
The corpus is small, so the constants that keep bounds for large databases are
lowered here until both ways of choosing a span (the word statistics, and a probe
count for words the statistics do not list) are taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from newsstand.model import SearchQuery
from newsstand.store import FeedItem, SqlStore
from newsstand.store.sql import search_pg
from newsstand.store.sql.search_pg import PostgresSearch

from .helpers import article, feed_id, record, state, with_feed

pytestmark = pytest.mark.postgres

WINDOW = 10
ANALYZED = 400  # articles present when ANALYZE runs
LATER = 200  # articles added after it, with a word the statistics never saw


def _feed_of(n: int) -> tuple[str, str]:
    return (("a", "world"), ("a", "world"), ("a", "sport"), ("b", "world"))[n % 4]


def _words(n: int) -> list[str]:
    words = []
    if n % 3 == 0:
        words.append("tern")  # about a third of the articles
    if n % 30 == 0:
        words.append("gannet")  # about 3 %
    if n in (7, 207, 507):
        words.append("shag")  # rare
    if n % 6 == 0:
        words.append("a red apple fell")
    elif n % 6 == 3:
        words.append("an apple, red and ripe")
    if n >= ANALYZED and n % 5 == 0:
        words.append("skua")
    return words


@dataclass
class Corpus:
    ids: dict[int, int] = field(default_factory=dict)  # n -> article id

    def matching(self, test: Any) -> set[int]:
        return {aid for n, aid in self.ids.items() if test(n)}


def _store_batch(store: SqlStore, feeds: dict[tuple[str, str], int], numbers: range, corpus: Corpus) -> None:
    for key, fid in feeds.items():
        mine = [n for n in numbers if _feed_of(n) == key]
        items = []
        for n in mine:
            words = _words(n)
            # Some matches in the title, most in the body: ranks differ within a window.
            title = f"Tern seen {n}" if n % 9 == 0 else f"Article number {n}"
            body = f"Notes {n}: " + "; ".join(words) + "."
            items.append(FeedItem(article(n, pid=key[0], title=title, body_text=body), fid))
        results = store.record_fetch(record(fid), state(fid), items)
        corpus.ids.update({n: r.article_id for n, r in zip(mine, results, strict=True)})


def _build(store: SqlStore) -> Corpus:
    feeds = {key: feed_id(with_feed(store, *key)) for key in (("a", "world"), ("a", "sport"), ("b", "world"))}
    corpus = Corpus()
    _store_batch(store, feeds, range(ANALYZED), corpus)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE article_search")
        conn.exec_driver_sql("ANALYZE article_sections")
    _store_batch(store, feeds, range(ANALYZED, ANALYZED + LATER), corpus)
    return corpus


@dataclass
class Spy:
    lows: list[int | None] = field(default_factory=list)  # the low bound of every window asked for
    counts: int = 0  # probe counts made

    @property
    def bounded(self) -> int:
        return sum(low is not None for low in self.lows)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    seen = Spy()
    window, count = PostgresSearch._window, PostgresSearch._count

    def spy_window(self: PostgresSearch, *args: Any, low: int | None = None) -> Any:
        seen.lows.append(low)
        return window(self, *args, low=low)

    def spy_count(self: PostgresSearch, *args: Any) -> int:
        seen.counts += 1
        return count(self, *args)

    monkeypatch.setattr(PostgresSearch, "_window", spy_window)
    monkeypatch.setattr(PostgresSearch, "_count", spy_count)
    return seen


@pytest.fixture
def corpus(pg_store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[Corpus]:
    built = _build(pg_store)
    # Earlier tests on this session's database left figures for other articles.
    monkeypatch.setattr(search_pg, "_stats_cache", {})
    # Every query goes the bounded way, and the probe's short span fits the corpus.
    monkeypatch.setattr(search_pg, "DENSE_SHARE", 0.99)
    monkeypatch.setattr(search_pg, "BOUND_MIN_MATCHES", 1)
    monkeypatch.setattr(search_pg, "PROBE_SPAN_WINDOWS", 2)
    pg_store.search_window = WINDOW
    yield built


def _all_pages(store: SqlStore, query: SearchQuery) -> tuple[list[int], int | None]:
    seen: list[int] = []
    cursor = None
    first = store.search(query)
    total = first.total_estimate
    page = first
    for _ in range(200):
        seen += [h.article.id or 0 for h in page.hits]
        cursor = page.next_cursor
        if cursor is None:
            return seen, total
        page = store.search(
            SearchQuery(
                query.text,
                publisher_ids=query.publisher_ids,
                sections=query.sections,
                limit=query.limit,
                cursor=cursor,
            )
        )
    raise AssertionError("pagination did not end")


def _unbounded(
    store: SqlStore, query: SearchQuery, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[int], int | None]:
    with monkeypatch.context() as m:
        m.setattr(PostgresSearch, "_bounded", lambda *_args: None)
        return _all_pages(store, query)


CASES = {
    # query, filters, how the span is chosen ("none": no bound), which articles match
    "common word": ("tern", {}, "stats", lambda n: n % 3 == 0),
    # The span its statistics call for is wider than all the ids: no bound (at slack 2).
    "rarer word": ("gannet", {}, "none", lambda n: n % 30 == 0),
    "word unknown to the statistics": ("skua", {}, "probe", lambda n: n >= ANALYZED and n % 5 == 0),
    "section filter": ("tern", {"sections": ("sport",)}, "stats", lambda n: n % 3 == 0 and n % 4 == 2),
    "publisher filter": ("tern", {"publisher_ids": ("b",)}, "stats", lambda n: n % 3 == 0 and n % 4 == 3),
    "probe with a filter": (
        "skua",
        {"sections": ("world",)},
        "probe",
        lambda n: n >= ANALYZED and n % 5 == 0 and n % 4 != 2,
    ),
    "phrase": ('"red apple"', {}, "stats", lambda n: n % 6 == 0),
    "two words": ("tern apple", {}, "stats", lambda n: n % 3 == 0),
}


@pytest.mark.parametrize("case", CASES.keys())
# A short slack makes first spans hold too few candidates: the span must grow, and a
# window cut short by its bound must never pass for the whole window.
@pytest.mark.parametrize("slack", [2.0, 0.3])
def test_bounded_pages_equal_unbounded_pages(
    pg_store: SqlStore, corpus: Corpus, spy: Spy, monkeypatch: pytest.MonkeyPatch, case: str, slack: float
) -> None:
    monkeypatch.setattr(search_pg, "BOUND_SLACK", slack)
    text, filters, way, test = CASES[case]
    query = SearchQuery(text, limit=7, **filters)
    bounded, bounded_total = _all_pages(pg_store, query)
    # The bound was used, chosen the way this case is meant to exercise; the span a
    # rare word needs is narrower than all the ids only with the short slack.
    assert (spy.bounded > 0) == (way != "none" or slack < 1), spy.lows
    assert (spy.counts > 0) == (way == "probe")
    unbounded, unbounded_total = _unbounded(pg_store, query, monkeypatch)
    assert bounded == unbounded
    assert bounded_total == unbounded_total
    assert len(bounded) == len(set(bounded))
    assert set(bounded) == corpus.matching(test)


def test_probe_whose_span_holds_a_full_window(
    pg_store: SqlStore, corpus: Corpus, spy: Spy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Six windows of ids hold twelve "skua" articles: the probe span itself gives the window.
    monkeypatch.setattr(search_pg, "PROBE_SPAN_WINDOWS", 6)
    query = SearchQuery("skua", limit=7)
    bounded, _ = _all_pages(pg_store, query)
    top = max(corpus.ids.values())
    assert top - 6 * WINDOW in spy.lows
    assert bounded == _unbounded(pg_store, query, monkeypatch)[0]
    assert set(bounded) == corpus.matching(lambda n: n >= ANALYZED and n % 5 == 0)


def test_rare_words_skip_the_bound(
    pg_store: SqlStore, corpus: Corpus, spy: Spy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the real threshold a corpus this small never pays for a range bitmap, and
    # the statistics say so without a count: even a word ANALYZE never saw is in at
    # most the 200 articles that came after it, plus fewer than the rarest it listed.
    monkeypatch.setattr(search_pg, "BOUND_MIN_MATCHES", 8000)
    query = SearchQuery("skua", limit=7)
    found, _ = _all_pages(pg_store, query)
    assert spy.counts == 0 and spy.bounded == 0
    assert set(found) == corpus.matching(lambda n: n >= ANALYZED and n % 5 == 0)
    rare, total = _all_pages(pg_store, SearchQuery("shag"))
    assert set(rare) == corpus.matching(lambda n: n in (7, 207, 507)) and total == 3


def test_words_unknown_to_stale_statistics_are_counted(
    pg_store: SqlStore, corpus: Corpus, spy: Spy, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 200 articles came after ANALYZE: a word it never saw may be in all of them, so
    # a threshold below that leaves the statistics unable to rule a bound out.
    skua = corpus.matching(lambda n: n >= ANALYZED and n % 5 == 0)
    monkeypatch.setattr(search_pg, "BOUND_MIN_MATCHES", 150)
    found, _ = _all_pages(pg_store, SearchQuery("skua", limit=7))
    assert spy.counts > 0 and set(found) == skua
    # Above what the new articles and the rarest listed word could add up to: no count.
    spy.counts = 0
    monkeypatch.setattr(search_pg, "BOUND_MIN_MATCHES", 250)
    found, _ = _all_pages(pg_store, SearchQuery("skua", limit=7))
    assert spy.counts == 0 and set(found) == skua


def test_statistics_are_cached(pg_store: SqlStore, corpus: Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    skua = corpus.matching(lambda n: n >= ANALYZED and n % 5 == 0)
    pg_store.search(SearchQuery("tern"))
    [(_, freq)] = search_pg._stats_cache.values()
    assert freq["tern"] == pytest.approx(1 / 3, abs=0.01)
    assert "skua" not in freq  # added after ANALYZE
    # The empty word, never a real one, holds the lowest frequency listed.
    assert freq[""] == pytest.approx(min(f for w, f in freq.items() if w))
    # A new ANALYZE is not seen until the figures expire; stale figures only steer
    # the plan, so results stay right meanwhile.
    with pg_store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE article_search")
    assert {h.article.id for h in pg_store.search(SearchQuery("skua", limit=100)).hits} == skua
    [(_, freq)] = search_pg._stats_cache.values()
    assert "skua" not in freq
    monkeypatch.setattr(search_pg, "STATS_SECONDS", 0.0)
    assert {h.article.id for h in pg_store.search(SearchQuery("skua", limit=100)).hits} == skua
    [(_, freq)] = search_pg._stats_cache.values()
    assert freq["skua"] == pytest.approx(40 / 600, abs=0.01)
