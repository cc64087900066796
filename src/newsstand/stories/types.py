"""Plain data passed between story clustering and the store.

Kept apart from both, with no imports of either, so that the store can use the
stories package and the stories package the store without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ArticleText:
    """What story clustering reads of a stored article: its words, time and story."""

    article_id: int
    publisher_id: str
    published: datetime
    title: str
    standfirst: str = ""
    body_text: str = ""  # the opening of the body only
    story_id: int | None = None


@dataclass(frozen=True, slots=True)
class StoryWrite:
    """One story as the clusterer leaves it: ``key`` is a story id, or negative for a new story.

    ``article_ids`` are the articles that join it now; the span only ever widens.
    """

    key: int
    title: str
    first_seen: datetime
    last_updated: datetime
    lead_article_id: int
    article_ids: tuple[int, ...] = ()
