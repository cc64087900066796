"""The in-memory story index: lookups, the order of postings, the reach per term."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from newsstand.model.postings import REACH, StoryPostings
from newsstand.stories.cluster import MAX_CANDIDATES, MIN_SHARED

T0 = datetime(2026, 3, 2, tzinfo=UTC)
LATER = T0 + timedelta(days=30)


def _lookup(
    postings: StoryPostings, terms: list[str], since: datetime, limit: int = MAX_CANDIDATES
) -> list[int]:
    """A lookup with clustering's own rules, as the store makes it (ids in order)."""
    return sorted(postings.lookup(terms, since, MIN_SHARED, limit))


def _brute_force(index: dict[int, set[str]], closes: dict[int, datetime], terms: list[str]) -> list[int]:
    hits = Counter(k for k, held in index.items() if closes[k] >= T0 for t in terms if t in held)
    return sorted([k for k, n in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0])) if n >= 2][:48])


def test_lookup_finds_open_stories_sharing_two_terms_most_first() -> None:
    postings = StoryPostings()
    index = {1: {"ferry", "aldora", "kessel"}, 2: {"ferry", "aldora"}, 3: {"ferry", "bridge"}, 4: {"aldora"}}
    closes = {1: LATER, 2: LATER, 3: LATER, 4: LATER}
    closes[2] = T0 - timedelta(seconds=1)  # closed before the round
    for story_id, terms in index.items():
        postings.put(story_id, sorted(terms), closes[story_id])
    terms = ["ferry", "aldora", "kessel", "bridge"]
    assert _lookup(postings, terms, T0) == [1, 3] == _brute_force(index, closes, terms)
    assert _lookup(postings, ["ferry"], T0) == []  # one shared word is not enough
    assert _lookup(postings, terms, T0, limit=1) == [1]


def test_a_story_written_again_keeps_its_old_terms_and_moves_to_the_recent_end() -> None:
    postings = StoryPostings()
    postings.put(1, ["ferry", "aldora"], LATER)
    postings.put(2, ["ferry", "storm"], LATER)
    postings.put(1, ["kessel"], LATER)
    posting, _ = postings.state()
    assert posting == {"ferry": [2, 1], "aldora": [1], "storm": [2], "kessel": [1]}
    assert postings.terms_of(1) == ("ferry", "aldora", "kessel")
    postings.drop(2)
    assert postings.state()[0] == {"ferry": [1], "aldora": [1], "kessel": [1]}
    assert 2 not in postings and len(postings) == 1
    postings.drop_closed(LATER + timedelta(days=1))
    assert len(postings) == 0 and postings.state() == ({}, {})


def test_a_common_term_counts_only_its_most_recently_written_open_stories() -> None:
    postings = StoryPostings()
    stories = REACH + 50
    for story_id in range(1, stories + 1):
        postings.put(story_id, ["common", f"own{story_id}"], LATER)
    # The oldest story shares the common word and one of its own: past the reach, it is
    # not counted through the common word, so one shared term remains.
    assert _lookup(postings, ["common", "own1"], T0) == []
    assert _lookup(postings, ["common", f"own{stories}"], T0) == [stories]
    # Written again, it is recent, and found.
    postings.put(1, ["own1"], LATER)
    assert _lookup(postings, ["common", "own1"], T0) == [1]
    # Closed stories do not take up the reach: the open ones behind them count.
    for story_id in range(stories - REACH + 1, stories + 1):
        postings.put(story_id, [], T0 - timedelta(days=1))
    assert _lookup(postings, ["common", "own2"], T0) == [2]


def test_dropping_closed_stories_takes_only_those_closing_in_the_span() -> None:
    postings = StoryPostings()
    for story_id, days in ((1, 1), (2, 5), (3, 9)):
        postings.put(story_id, ["ferry", f"own{story_id}"], T0 + timedelta(days=days))
    postings.drop_closed(T0 + timedelta(days=6), T0 + timedelta(days=2))
    assert sorted(postings.ids()) == [1, 3]
    # Story 1 has closed by day 2: a lookup since then skips it, and finds story 3.
    assert _lookup(postings, ["ferry", "own1", "own3"], T0 + timedelta(days=2)) == [3]
    assert _lookup(postings, ["ferry", "own1", "own3"], T0) == [1, 3]


def test_lookups_agree_with_counting_by_hand_whatever_the_limit_and_share() -> None:
    # Random small indexes (every posting within the reach): the stories found, and which
    # ones a limit keeps (most shared terms first, then the lower id), are what counting
    # each story's shared terms by hand gives, for the set-based count of two and another.
    rng = random.Random(11)
    vocabulary = [f"w{i}" for i in range(30)]
    for _ in range(200):
        postings = StoryPostings()
        index = {k: set(rng.sample(vocabulary, rng.randint(1, 8))) for k in range(1, rng.randint(2, 60))}
        for story_id, terms in index.items():
            postings.put(story_id, sorted(terms), LATER)
        terms = rng.sample(vocabulary, rng.randint(1, 16))
        limit, shared = rng.choice([1, 3, 10, MAX_CANDIDATES]), rng.choice([2, 2, 3])
        hits = Counter(k for k, held in index.items() for t in terms if t in held)
        ranked = [k for k, n in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0])) if n >= shared]
        assert postings.lookup(terms, T0, shared, limit) == set(ranked[:limit])
