"""Stories in the store, on SQLite and PostgreSQL (the ``store`` fixture runs both)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from story_samples import BRIDGE, CHESS, FERRY, T0, store_reports

from newsstand.app.stories import (
    StoryService,
    around_article,
    rebuild_stories,
    related_articles,
    top_stories,
    update_stories,
)
from newsstand.config import Settings
from newsstand.errors import NotFoundError
from newsstand.model import Article, Facet, StoryWrite, Trained
from newsstand.store import SqlStore, open_store
from newsstand.stories.cluster import DEFAULT_PARAMS
from newsstand.stories.copies import COPY_WINDOW, article_keys
from newsstand.stories.text import LEAD_CHARS

NOW = T0 + timedelta(hours=12)
# Another event of the same waters: it shares the ferry story's everyday words (ferries,
# islands, passengers), so Related offers it, but none of its names. (A one-sentence report
# sharing only the rare name "Kessel Island" was kept apart only because a store of seven
# articles counted that name as common; weighed by general usage, as a store of realistic
# size weighs it, the name outweighs the rest of so short a report. The full-length version,
# two events in one town on one day, is tests/stories/cases/shared_place_names.jsonl.)
HARBOUR = (
    "island-herald",
    "Ferries to the Varn islands will carry no cars from May",
    "Ferries to the islands of the Varn archipelago will take only passengers and bicycles from May,"
    " the regional transport board decided on Monday, citing crowded harbour towns.",
)


def _load(store: SqlStore) -> dict[str, list[int]]:
    return {
        "ferry": store_reports(store, FERRY, T0, "ferry"),
        "bridge": store_reports(store, BRIDGE, T0 + timedelta(hours=1), "bridge"),
        "chess": store_reports(store, CHESS[:1], T0 + timedelta(hours=2), "chess"),
    }


def _story_of(store: SqlStore, article_id: int) -> int:
    story_id = store.get_article(article_id).story_id
    assert story_id is not None
    return story_id


def test_update_groups_articles_and_is_incremental(store: SqlStore) -> None:
    ids = _load(store)
    assert update_stories(store, NOW) == 6
    assert update_stories(store, NOW) == 0
    ferry = store.story(_story_of(store, ids["ferry"][0]))
    assert set(ferry.article_ids) == set(ids["ferry"])
    assert set(ferry.publisher_ids) == {p for p, _, _ in FERRY}
    assert ferry.lead_article_id in ids["ferry"]
    assert ferry.title == store.get_article(ferry.lead_article_id).title
    assert ferry.first_seen == T0
    assert _story_of(store, ids["bridge"][0]) == _story_of(store, ids["bridge"][1]) != ferry.id
    # A later report of the chess final joins the stored story without touching the others.
    chess_id = _story_of(store, ids["chess"][0])
    (late,) = store_reports(store, CHESS[1:], T0 + timedelta(hours=5), "chess-late")
    assert update_stories(store, NOW) == 1
    chess = store.story(chess_id)
    assert chess.article_ids == (ids["chess"][0], late)
    assert chess.last_updated == T0 + timedelta(hours=5)
    assert store.story(ferry.id) == ferry


def test_story_articles_and_recent_stories(store: SqlStore) -> None:
    ids = _load(store)
    update_stories(store, NOW)
    ferry_id = _story_of(store, ids["ferry"][0])
    assert [a.id for a in store.story_articles(ferry_id)] == ids["ferry"][::-1]
    recent = store.recent_stories(limit=2)
    assert [s.id for s in recent] == [_story_of(store, ids["chess"][0]), _story_of(store, ids["bridge"][0])]
    with pytest.raises(NotFoundError):
        store.story(10_000)
    with pytest.raises(NotFoundError):
        store.story_articles(10_000)


def test_top_stories_rank_by_publishers_and_window(store: SqlStore) -> None:
    ids = _load(store)
    update_stories(store, NOW)
    top = top_stories(store, NOW, limit=10, window_hours=24)
    # Chess has one publisher so far: not a top story.
    assert [s.id for s in top] == [_story_of(store, ids["ferry"][0]), _story_of(store, ids["bridge"][0])]
    assert len(top[0].publisher_ids) == 3
    assert top_stories(store, NOW, limit=1)[0].id == top[0].id
    assert top_stories(store, NOW + timedelta(days=3), window_hours=24) == []
    assert top_stories(store, T0 - timedelta(hours=1)) == []


def test_related_articles(store: SqlStore) -> None:
    ids = _load(store)
    (harbour,) = store_reports(store, [HARBOUR], T0 + timedelta(hours=3), "harbour")
    update_stories(store, NOW)
    ferry_id = _story_of(store, ids["ferry"][0])
    assert _story_of(store, harbour) != ferry_id
    related = [a.id for a in related_articles(store, ids["ferry"][0], limit=4)]
    # Other publishers' reports of the same event first, then the nearby harbour story.
    assert set(related[:2]) == set(ids["ferry"][1:])
    assert related[2] == harbour
    assert ids["bridge"][0] not in related and ids["chess"][0] not in related
    assert len(related_articles(store, ids["ferry"][0], limit=1)) == 1
    with pytest.raises(NotFoundError):
        related_articles(store, 10_000)


def test_rebuild_recomputes_the_same_grouping(store: SqlStore) -> None:
    ids = _load(store)
    update_stories(store, NOW)
    before = {aid: _story_of(store, aid) for group in ids.values() for aid in group}
    assert rebuild_stories(store, NOW) == 6
    after = {aid: _story_of(store, aid) for group in ids.values() for aid in group}
    partition = {frozenset(a for a in before if before[a] == s) for s in before.values()}
    assert partition == {frozenset(a for a in after if after[a] == s) for s in after.values()}
    assert len(store.recent_stories(limit=50)) == 3


def test_save_stories_keeps_existing_assignments(store: SqlStore) -> None:
    ids = _load(store)
    update_stories(store, NOW)
    taken = ids["ferry"][0]
    story_id = _story_of(store, taken)
    clash = StoryWrite(-1, "t", T0, T0, lead_article_id=taken, article_ids=(taken,))
    assert store.save_stories([clash]) == 0
    assert _story_of(store, taken) == story_id
    assert len(store.recent_stories(limit=50)) == 3  # the empty story was dropped
    with pytest.raises(NotFoundError):
        store.save_stories([StoryWrite(9999, "t", T0, T0, taken, ())])


def test_small_batches_give_the_same_stories_as_one(store: SqlStore) -> None:
    ids = _load(store)
    assert update_stories(store, NOW, batch=2) == 6
    groups = {frozenset(store.story(_story_of(store, group[0])).article_ids) for group in ids.values()}
    assert groups == {frozenset(group) for group in ids.values()}


def test_rebuild_never_reuses_story_ids(store: SqlStore) -> None:
    ids = _load(store)
    update_stories(store, NOW)
    before = {s.id for s in store.recent_stories(limit=50)}
    rebuild_stories(store, NOW)
    after = {s.id for s in store.recent_stories(limit=50)}
    assert len(after) == 3 and not before & after
    with pytest.raises(NotFoundError):
        store.story(min(before))
    assert _story_of(store, ids["ferry"][0]) in after


def test_stories_keep_profiles_and_term_counts_between_rounds(store: SqlStore) -> None:
    ids = _load(store)
    update_stories(store, NOW)
    ferry_id = _story_of(store, ids["ferry"][0])
    open_now = {s.story_id: s for s in store.open_stories(T0)}
    ferry = open_now[ferry_id]
    assert ferry.size == 3 and ferry.lead_article_id in ids["ferry"]
    assert "aldora" in ferry.terms and ferry.terms["aldora"] > 0
    counts = store.term_counts(["aldora", "varnholm", "never-seen"])
    assert counts.documents == 6
    assert counts.df == {"aldora": 3, "varnholm": 2}
    # Closed stories are not handed out: nothing is open after the far window.
    assert store.open_stories(T0 + DEFAULT_PARAMS.far_window + timedelta(days=30)) == []
    # A rebuild forgets the counts and makes them again.
    rebuild_stories(store, NOW)
    assert store.term_counts(["aldora"]).df == {"aldora": 3}
    assert store.term_counts(["aldora"]).documents == 6


def test_save_stories_moves_the_articles_of_absorbed_stories(store: SqlStore) -> None:
    ids = _load(store)
    first, second = ids["ferry"][0], ids["ferry"][1]
    a = StoryWrite(-1, "a", T0, T0, lead_article_id=first, article_ids=(first,), size=1, terms={"x": 1.0})
    b = StoryWrite(-2, "b", T0, T0, lead_article_id=second, article_ids=(second,), size=1, terms={"x": 1.0})
    store.save_stories([a, b])
    keep, gone = _story_of(store, first), _story_of(store, second)
    merged = StoryWrite(
        keep,
        "",
        T0,
        T0 + timedelta(hours=1),
        lead_article_id=second,
        absorbs=(gone,),
        size=2,
        terms={"x": 2.0},
        lead_score=0.9,
        open_until=T0 + timedelta(days=9),
    )
    store.save_stories([merged])
    assert _story_of(store, second) == keep
    with pytest.raises(NotFoundError):
        store.story(gone)
    story = store.story(keep)
    assert set(story.article_ids) == {first, second}
    assert story.title == store.get_article(second).title  # the lead's title
    (profile,) = [s for s in store.open_stories(T0 + timedelta(days=8)) if s.story_id == keep]
    assert (profile.size, dict(profile.terms), profile.lead_score) == (2, {"x": 2.0}, 0.9)


WIRE = (
    "Rescue teams in the northern province of Valmera pulled 14 people alive from the rubble of a "
    "collapsed apartment block on Tuesday, the regional emergency service said. The six-storey building "
    "in the town of Ostrava Nova gave way shortly after 6 a.m. local time, when most residents were "
    "still asleep. Governor Ilse Marant said gas was the most likely cause."
)


def _wire(store: SqlStore, publisher: str, slug: str, title: str, at: datetime, body: str = WIRE) -> int:
    article = Article(publisher, f"https://{publisher}.example/{slug}", title, at, body_text=body)
    return store.upsert_article(article).article_id


def test_near_copies_join_their_original_story_and_are_recorded(store: SqlStore) -> None:
    first = _wire(store, "wire-agency", "a", "14 rescued after block collapses in Valmera", T0)
    copies = [
        _wire(store, p, "b", t, T0 + timedelta(minutes=30 * (n + 1)), WIRE + extra)
        for n, (p, t, extra) in enumerate(
            [
                ("daily-courier", "Valmera collapse: 14 pulled alive", ""),
                ("evening-star", "Gas blamed as Ostrava Nova block collapses", " Read more on our site."),
            ]
        )
    ]
    store_reports(store, FERRY, T0, "ferry")
    update_stories(store, NOW)
    story = _story_of(store, first)
    assert all(_story_of(store, c) == story for c in copies)
    assert store.copy_origins([first, *copies]) == {copies[0]: first, copies[1]: first}
    # A re-post under a new URL a day later is found through the stored band keys.
    repost = _wire(store, "daily-courier", "again", "Valmera: the rescue", T0 + timedelta(days=1))
    update_stories(store, T0 + timedelta(days=1, hours=1))
    assert store.copy_origins([repost]) == {repost: first}
    assert _story_of(store, repost) == story
    rebuild_stories(store, T0 + timedelta(days=2))
    assert store.copy_origins([repost]) == {repost: first}  # found again from scratch


def test_closed_stories_leave_the_index_and_lookups_find_open_ones(store: SqlStore) -> None:
    import sqlalchemy as sa

    from newsstand.store.sql.stories import stories

    ids = _load(store)
    update_stories(store, NOW)
    ferry_id = _story_of(store, ids["ferry"][0])
    found = store.open_stories(T0, [("aldora", "kessel", "nothing"), ("varnholm",)])
    assert [s.story_id for s in found] == [ferry_id]  # one shared term finds nothing
    late = T0 + DEFAULT_PARAMS.far_window + timedelta(days=30)
    store_reports(store, CHESS[1:], late, "later")
    update_stories(store, late + timedelta(hours=1))
    with store.engine.connect() as conn:
        indexed = set(conn.execute(sa.select(stories.c.id).where(stories.c.index_terms != "")).scalars())
    assert ferry_id not in indexed and len(indexed) == 1


def _one_story_each(store: SqlStore, article_ids: list[int]) -> list[int]:
    store.save_stories(
        [
            StoryWrite(-1 - n, "", T0, T0, lead_article_id=aid, article_ids=(aid,), size=1, terms={"x": 1.0})
            for n, aid in enumerate(article_ids)
        ]
    )
    return [_story_of(store, aid) for aid in article_ids]


def _merge(store: SqlStore, keep: int, gone: int, lead: int) -> None:
    write = StoryWrite(
        keep, "", T0, T0 + timedelta(hours=1), lead_article_id=lead, absorbs=(gone,), size=2, terms={"x": 2.0}
    )
    store.save_stories([write])


def test_a_merged_story_points_at_the_one_it_joined_and_its_follows_move(store: SqlStore) -> None:
    ids = _load(store)
    first, second, third = ids["ferry"]
    a, b, c = _one_story_each(store, [first, second, third])
    only_a = store.add_reader("only-a@example.org", "hash", NOW).id
    both = store.add_reader("both@example.org", "hash", NOW).id
    store.follow(only_a, "story", str(a))
    store.train(only_a, Trained(Facet.STORY, str(a), False))
    store.follow(both, "story", str(a))
    store.follow(both, "story", str(b))
    store.follow(both, "story", str(c))
    assert store.story_merged_into(a) is None

    _merge(store, b, a, second)  # A folds into B
    assert store.story_merged_into(a) == b
    assert store.story_merged_into(b) is None
    assert store.get_reader(only_a).followed_stories == (b,)
    assert store.get_reader(only_a).trained == (Trained(Facet.STORY, str(b), False),)
    assert store.get_reader(both).followed_stories == (b, c)  # one follow of B, not two

    _merge(store, c, b, third)  # then B folds into C: A's links lead straight to C
    assert (store.story_merged_into(a), store.story_merged_into(b)) == (c, c)
    assert store.get_reader(only_a).followed_stories == (c,)
    assert store.get_reader(both).followed_stories == (c,)
    assert set(store.story(c).article_ids) == {first, second, third}

    rebuild_stories(store, NOW)  # a rebuild numbers stories afresh and forgets the merges
    assert store.story_merged_into(a) is None


def test_the_story_service_answers_a_merged_story_with_the_one_it_joined(store: SqlStore) -> None:
    ids = _load(store)
    first, second = ids["ferry"][0], ids["ferry"][1]
    a, b = _one_story_each(store, [first, second])
    _merge(store, b, a, second)
    stories = StoryService(store, lambda: NOW)
    story, articles = stories.story(a)
    assert story.id == b and {x.id for x in articles} == {first, second}
    assert stories.merged_into(a) == b
    with pytest.raises(NotFoundError):
        stories.story(10**6)


def test_story_coverage_is_each_other_publishers_newest_article(store: SqlStore) -> None:
    """What an article page shows of its story, read without the whole story."""
    ids = [
        store.upsert_article(
            Article(publisher_id=p, url=f"https://{p}.example/cover/{n}", title=f"Ferry {n}",
                    published=T0 + timedelta(minutes=n), body_text="The ferry sank.")
        ).article_id
        for n, p in enumerate(["island-herald", "coast-daily", "island-herald", "coast-daily", "metro-wire"])
    ]  # fmt: skip
    (story_id,) = _one_story_each(store, ids[:1])
    store.save_stories([StoryWrite(story_id, "", T0, T0, lead_article_id=ids[0], article_ids=tuple(ids[1:]))])
    assert [a.id for a in store.story_coverage(story_id, "island-herald", 6)] == [ids[4], ids[3]]
    assert [a.id for a in store.story_coverage(story_id, "metro-wire", 6)] == [ids[3], ids[2]]
    assert [a.id for a in store.story_coverage(story_id, "metro-wire", 1)] == [ids[3]]
    assert store.story_coverage(story_id, "metro-wire", 1)[0].title == "Ferry 3"
    assert store.story_coverage(10_000, "metro-wire", 6) == []


def test_an_article_page_reads_a_bounded_part_of_a_big_story(store: SqlStore) -> None:
    """A story of hundreds of articles (bench/soak.py's one story grew to 1,000): the page's
    other coverage used to load every article of it, 3.6 KB of Python memory each, at every
    page made (the shared cache keeps it two minutes per article)."""
    import tracemalloc

    ids = [
        store.upsert_article(
            Article(publisher_id=("island-herald", "coast-daily", "metro-wire")[n % 3],
                    url=f"https://big.example/{n}", title=f"Storm update {n}",
                    published=T0 + timedelta(minutes=n), body_text="The storm went on. " * 60)
        ).article_id
        for n in range(300)
    ]  # fmt: skip
    store.save_stories(
        [StoryWrite(-1, "t", T0, T0, lead_article_id=ids[-1], article_ids=tuple(ids), size=300)]
    )
    article = store.get_article(ids[-1])
    around_article(store, article)  # statements prepared, caches warm
    tracemalloc.start()
    try:
        around = around_article(store, article)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [a.id for a in around.coverage] == [ids[-2], ids[-3]]
    assert peak < 300 * 1024  # was about 1.2 MB for these 300 articles


def test_a_round_runs_with_the_cyclic_collector_paused_and_leaves_it_as_it_was() -> None:
    import gc

    from newsstand.app.stories import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    try:
        with collector_paused():
            raise RuntimeError("a failed round")
    except RuntimeError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # whoever turned it off keeps it off
    finally:
        gc.enable()


def test_copies_are_found_within_the_window_and_a_restarted_process_agrees(
    store: SqlStore, store_settings: Settings
) -> None:
    first = _wire(store, "wire-agency", "a", "14 rescued after block collapses in Valmera", T0)
    update_stories(store, T0 + timedelta(hours=1))
    # Within COPY_WINDOW of its original, a re-post is found; past it, another is not.
    near = _wire(store, "daily-courier", "near", "Valmera: the rescue", T0 + COPY_WINDOW - timedelta(hours=1))
    update_stories(store, T0 + COPY_WINDOW)
    late = _wire(store, "evening-star", "late", "Valmera, a week on", T0 + COPY_WINDOW + timedelta(hours=1))
    update_stories(store, T0 + COPY_WINDOW + timedelta(hours=2))
    assert store.copy_origins([near, late]) == {near: first}
    keys = list(article_keys(store.article_text(first, LEAD_CHARS)))
    other = open_store(store_settings)  # another process, or this one restarted
    try:
        later = (T0 + timedelta(minutes=1), T0 + timedelta(days=3), T0 - timedelta(days=1))
        for since in (T0 - timedelta(days=1), T0, *later):
            # The warm index in memory and one loaded afresh answer alike, from any time on
            # (the warm one reaching back, pruned, then reaching back again).
            warm, cold = store.copy_candidates(keys, since), other.copy_candidates(keys, since)
            assert warm == cold
            # The late re-post, no copy, is an original of its own.
            assert set(warm.story_of) == ({first, late} if since <= T0 else {late})
    finally:
        other.close()


def test_a_rebuild_forgets_the_stored_band_keys_and_stores_them_again(store: SqlStore) -> None:
    first = _wire(store, "wire-agency", "a", "14 rescued after block collapses in Valmera", T0)
    update_stories(store, NOW)
    keys = list(article_keys(store.article_text(first, LEAD_CHARS)))
    assert set(store.copy_candidates(keys, T0).story_of) == {first}
    store.clear_stories()
    assert store.copy_candidates(keys, T0).holders == {}
    update_stories(store, NOW)
    assert set(store.copy_candidates(keys, T0).story_of) == {first}
