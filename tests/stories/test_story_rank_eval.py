from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsstand.errors import InvalidDataError
from newsstand.model import StoryStats
from newsstand.stories.evaluate import adjusted_rand, bcubed, score
from newsstand.stories.rank import rank_top_stories, story_score

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def test_bcubed_perfect_and_all_in_one() -> None:
    gold = {1: "a", 2: "a", 3: "b", 4: "b"}
    assert bcubed(gold, gold) == (1.0, 1.0, 1.0)
    precision, recall, f1 = bcubed(dict.fromkeys(gold, 0), gold)
    assert (precision, recall) == (0.5, 1.0)
    assert f1 == pytest.approx(2 / 3)


def test_bcubed_singletons() -> None:
    gold = {1: "a", 2: "a", 3: "a", 4: "b"}
    precision, recall, _ = bcubed({i: i for i in gold}, gold)
    assert precision == 1.0
    assert recall == pytest.approx((1 / 3 * 3 + 1) / 4)


def test_adjusted_rand_known_values() -> None:
    gold = {1: "a", 2: "a", 3: "b", 4: "b"}
    assert adjusted_rand(gold, gold) == 1.0
    # Swapping labels changes nothing.
    assert adjusted_rand({1: "x", 2: "x", 3: "y", 4: "y"}, gold) == 1.0
    # A textbook case: ARI of [0,0,1,1] vs [0,0,1,2] is 0.5714...
    assert adjusted_rand({1: 0, 2: 0, 3: 1, 4: 2}, gold) == pytest.approx(4 / 7)
    assert adjusted_rand({1: 0, 2: 1, 3: 0, 4: 1}, gold) < 0


def test_scores_reject_mismatched_items() -> None:
    with pytest.raises(InvalidDataError):
        score({1: 1}, {2: 1})
    with pytest.raises(InvalidDataError):
        bcubed({}, {})


def test_breadth_beats_size_and_age_decays() -> None:
    broad = StoryStats(1, publishers=5, articles=5, last_updated=NOW)
    chatty = StoryStats(2, publishers=2, articles=20, last_updated=NOW)
    assert story_score(broad, NOW) > story_score(chatty, NOW)
    old = StoryStats(3, publishers=5, articles=5, last_updated=NOW - timedelta(hours=8))
    assert story_score(old, NOW) == pytest.approx(story_score(broad, NOW) / 2)


def test_rank_top_needs_several_publishers_and_is_stable() -> None:
    stories = [
        StoryStats(1, 1, 9, NOW),
        StoryStats(2, 3, 3, NOW - timedelta(hours=1)),
        StoryStats(3, 3, 3, NOW),
        StoryStats(4, 2, 2, NOW),
    ]
    assert rank_top_stories(stories, NOW, 10) == [3, 2, 4]
    assert rank_top_stories(stories, NOW, 1) == [3]
    assert rank_top_stories(stories, NOW, 10, min_publishers=1)[0] == 3
    assert rank_top_stories(stories, NOW, 0) == []


labels = st.lists(st.integers(min_value=0, max_value=4), min_size=2, max_size=30)


@given(labels, labels)
def test_scores_are_bounded_and_label_names_do_not_matter(a: list[int], b: list[int]) -> None:
    n = min(len(a), len(b))
    predicted = dict(enumerate(a[:n]))
    gold = dict(enumerate(b[:n]))
    precision, recall, f1 = bcubed(predicted, gold)
    assert 0 < precision <= 1 and 0 < recall <= 1
    assert min(precision, recall) - 1e-9 <= f1 <= max(precision, recall) + 1e-9
    # Swapping the roles of prediction and gold swaps precision and recall.
    assert bcubed(gold, predicted)[:2] == pytest.approx((recall, precision))
    renamed = {k: f"x{v}" for k, v in predicted.items()}
    assert adjusted_rand(renamed, gold) == pytest.approx(adjusted_rand(predicted, gold))
    assert adjusted_rand(gold, gold) == 1.0
