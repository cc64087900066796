"""One round of story assignment, as a pure function from articles to story writes.

The service loads the articles still without a story ("pending") and the
clustered articles published near them ("context"), calls ``plan_update``, and
stores what it returns. Term weights are computed over context and pending
together, so a word common in this stretch of the news weighs little.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from newsstand.model import ArticleText, StoryWrite
from newsstand.stories.cluster import (
    DEFAULT_PARAMS,
    Clusterer,
    ClusterParams,
    StoryProfile,
    lead_article,
    new_profile,
)
from newsstand.stories.text import ArticleFeatures, featurize


def context_span(
    pending: Sequence[ArticleText], params: ClusterParams = DEFAULT_PARAMS
) -> tuple[datetime, datetime] | None:
    """The publication times whose clustered articles can matter to ``pending`` (None if empty)."""
    if not pending:
        return None
    times = [a.published for a in pending]
    return min(times) - params.window, max(times) + params.window


def _profiles(context: Sequence[ArticleText], features: dict[int, ArticleFeatures]) -> list[StoryProfile]:
    members: dict[int, list[ArticleFeatures]] = defaultdict(list)
    for article in context:
        if article.story_id is not None:
            members[article.story_id].append(features[article.article_id])
    return [new_profile(story_id, group) for story_id, group in members.items()]


def plan_update(
    context: Sequence[ArticleText],
    pending: Sequence[ArticleText],
    now: datetime,
    params: ClusterParams = DEFAULT_PARAMS,
    background: Sequence[ArticleText] = (),
) -> list[StoryWrite]:
    """Which story each pending article joins, as one write per story touched.

    Context articles must carry their ``story_id``; pending ones are taken in
    publication order. ``background`` articles only inform how common each word
    is. A write with a negative key is a story to create.
    """
    texts = {a.article_id: a for a in [*context, *pending]}
    features = {f.article_id: f for f in featurize(texts.values(), background)}
    clusterer = Clusterer(_profiles(context, features), params)
    joined: dict[int, list[int]] = defaultdict(list)
    for article in sorted(pending, key=lambda a: (a.published, a.article_id)):
        joined[clusterer.add(features[article.article_id], now)].append(article.article_id)
    writes = []
    for key, article_ids in joined.items():
        story = clusterer.stories[key]
        lead = lead_article(story)
        writes.append(
            StoryWrite(
                key=key,
                title=texts[lead].title,
                first_seen=story.first_seen,
                last_updated=story.last_updated,
                lead_article_id=lead,
                article_ids=tuple(article_ids),
            )
        )
    return writes
