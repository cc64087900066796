"""Top stories within one section: pure decisions over the section's newest articles.

A section's story is worth more the more publishers cover it (breadth), the more articles
about it arrived in the last hours (velocity) and the more recent its latest article is
(recency). Articles without a story count as stories of their own, so a quiet section
still has a Top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from newsstand.model import Article

SECTION_TOP = 4
VELOCITY_WINDOW = timedelta(hours=3)
VELOCITY_WEIGHT = 0.5  # an article in the last three hours is worth half a publisher
HALF_LIFE = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class SectionStory:
    lead: Article  # the newest article of the story in the section
    publishers: int
    articles: int
    recent: int  # articles in the last VELOCITY_WINDOW
    latest: datetime


def section_story_score(story: SectionStory, now: datetime) -> float:
    """Breadth plus velocity, halved for every HALF_LIFE since the story's latest article."""
    age = max(now - story.latest, timedelta(0))
    decay: float = 0.5 ** (age / HALF_LIFE)
    return (story.publishers + VELOCITY_WEIGHT * story.recent) * decay


def rank_section_stories(
    articles: Sequence[Article], now: datetime, limit: int = SECTION_TOP
) -> list[SectionStory]:
    """The section's stories best first, at most ``limit``, each once (its newest article as
    lead). Ties go to the more recent story, then the lower article id, so the order is stable."""
    groups: dict[tuple[str, int], list[Article]] = {}
    for a in articles:
        key = ("story", a.story_id) if a.story_id is not None else ("article", a.id or 0)
        groups.setdefault(key, []).append(a)
    stories = []
    for members in groups.values():
        newest = max(members, key=lambda a: (a.published, a.id or 0))
        stories.append(
            SectionStory(
                lead=newest,
                publishers=len({a.publisher_id for a in members}),
                articles=len(members),
                recent=sum(1 for a in members if now - a.published <= VELOCITY_WINDOW),
                latest=newest.published,
            )
        )
    stories.sort(key=lambda s: (-section_story_score(s, now), -s.latest.timestamp(), s.lead.id or 0))
    return stories[: max(limit, 0)]
