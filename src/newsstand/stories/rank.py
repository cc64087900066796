"""Which stories are top stories, and in what order: pure decisions."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from newsstand.model import StoryStats

# A story's weight halves for every this many hours since its latest article:
# a story everyone covered this morning yields to one breaking now.
HALF_LIFE = timedelta(hours=8)
# One publisher alone is not a top story: several must have found it worth covering.
MIN_PUBLISHERS = 2


def story_score(stats: StoryStats, now: datetime, half_life: timedelta = HALF_LIFE) -> float:
    """How prominent a story is at ``now``: breadth of coverage first, then size, decayed by age.

    Each publisher counts fully; extra articles add only logarithmically, so one
    publisher's twenty updates do not outweigh five publishers' reports.
    """
    age = max(now - stats.last_updated, timedelta(0))
    breadth = stats.publishers + 0.5 * math.log2(max(stats.articles, 1))
    decay: float = 0.5 ** (age / half_life)
    return breadth * decay


def rank_top_stories(
    stories: Iterable[StoryStats],
    now: datetime,
    limit: int,
    *,
    min_publishers: int = MIN_PUBLISHERS,
    half_life: timedelta = HALF_LIFE,
) -> list[int]:
    """Ids of at most ``limit`` stories covered by ``min_publishers`` or more, best first.

    Ties go to the more recently updated story, then to the lower id, so the order is stable.
    """
    eligible = [s for s in stories if s.publishers >= min_publishers]
    eligible.sort(key=lambda s: (-story_score(s, now, half_life), -s.last_updated.timestamp(), s.story_id))
    return [s.story_id for s in eligible[: max(limit, 0)]]
