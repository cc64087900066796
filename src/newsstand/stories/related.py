"""Which other stories an article's reader may want next: a pure decision."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from newsstand.model import ArticleText
from newsstand.stories.text import cosine, featurize

# Below this cosine two stories share little more than common words.
MIN_RELATED_SIMILARITY = 0.08
# Related stories are looked for among those updated this close to the article.
RELATED_REACH = timedelta(days=3)
# How many nearby stories are compared with the article, most recent first.
RELATED_CANDIDATES = 300
# Related-story candidates are compared on their lead's opening only.
RELATED_LEAD_CHARS = 400


def rank_related(
    article: ArticleText,
    candidates: Sequence[ArticleText],
    limit: int,
    min_similarity: float = MIN_RELATED_SIMILARITY,
) -> list[int]:
    """Ids of at most ``limit`` candidates most similar to ``article``, best first.

    Candidates in the article's own story, and the article itself, are skipped:
    the caller lists those apart. Ties go to the newer candidate.
    """
    others = [
        c
        for c in candidates
        if c.article_id != article.article_id and (c.story_id is None or c.story_id != article.story_id)
    ]
    if not others or limit <= 0:
        return []
    target, *rest = featurize([article, *others])
    scored = [(cosine(target.vector, f.vector), f) for f in rest]
    scored = [(s, f) for s, f in scored if s >= min_similarity]
    scored.sort(key=lambda sf: (-sf[0], -sf[1].published.timestamp(), sf[1].article_id))
    return [f.article_id for _, f in scored[:limit]]
