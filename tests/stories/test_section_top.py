"""A section's Top stories: breadth, velocity and recency, each story once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsstand.model import Article
from newsstand.stories.sectiontop import rank_section_stories

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def art(id: int, publisher: str, hours: float, story: int | None) -> Article:
    return Article(
        publisher,
        f"https://{publisher}.example/{id}",
        f"A {id}",
        NOW - timedelta(hours=hours),
        id=id,
        story_id=story,
    )


def test_breadth_beats_a_single_publishers_many_updates() -> None:
    wide = [art(1, "a", 2, 10), art(2, "b", 2.5, 10), art(3, "c", 3, 10)]
    narrow = [art(4, "a", 1, 20), art(5, "a", 1.2, 20), art(6, "a", 1.4, 20)]
    ranked = rank_section_stories([*wide, *narrow], NOW)
    assert [s.lead.id for s in ranked] == [1, 4]
    assert (ranked[0].publishers, ranked[0].articles) == (3, 3)


def test_velocity_breaks_a_tie_of_breadth() -> None:
    steady = [art(1, "a", 2.5, 10), art(2, "b", 8, 10)]  # one article in the last three hours
    breaking = [art(3, "a", 2.8, 20), art(4, "b", 2.9, 20)]  # two
    ranked = rank_section_stories([*steady, *breaking], NOW)
    assert [s.lead.id for s in ranked] == [3, 1] and ranked[0].recent == 2


def test_old_stories_yield_to_recent_ones_and_singles_count() -> None:
    old_wide = [art(1, "a", 40, 10), art(2, "b", 40.5, 10), art(3, "c", 41, 10)]
    fresh_single = [art(4, "d", 0.5, None)]
    ranked = rank_section_stories([*old_wide, *fresh_single], NOW, limit=5)
    assert [s.lead.id for s in ranked] == [4, 1]  # each story once, its newest article as lead
    assert rank_section_stories([], NOW) == [] and rank_section_stories(old_wide, NOW, limit=0) == []
