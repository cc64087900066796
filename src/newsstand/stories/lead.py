"""Which article leads a story: pure decisions over its articles.

Clustering chooses the article most central to a story's words, but a reader wants a story
told by a report: a column that argues about the storm is as central to the storm's words as
the report of it. So articles rank for the lead, best first: a live blog that is live (where
the story is happening now), a news report (or a live blog that has ended), and opinion,
analysis, explainers and reviews. Clustering's lead stays unless another article ranks above
it; then the most central of the best rank leads, then the newest, then the lower id, so the
choice is stable.

What an article is comes from what the store keeps of it: its kind (live blog or not), the
section the feed or the page gave it (``Opinion``, ``Comment is free``, ``Analysis``...), its
tags (feed categories, the page's keywords) and the folders of its URL (``/commentisfree/``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from newsstand.model import ArticleKind, ArticleText, StoryWrite
from newsstand.stories.text import cosine, top_terms

# A live blog with an entry, or a change, this recently is live: it leads its story.
LIVE_WITHIN = timedelta(hours=3)

# Sections, tags and URL folders that mark comment rather than report, lower case. Tags
# are matched more strictly than sections: a news report may be tagged "Review" (a policy
# review) or "Letters", but hardly filed in such a section.
COMMENT_TAGS = frozenset(
    {
        "opinion",
        "opinions",
        "comment",
        "commentary",
        "comment is free",
        "commentisfree",
        "analysis",
        "news analysis",
        "explainer",
        "explainers",
        "editorial",
        "editorials",
        "op-ed",
        "oped",
        "column",
        "columns",
        "columnists",
        "kommentar",
        "meinung",
        "opinión",
        "tribune",
    }
)
COMMENT_SECTIONS = COMMENT_TAGS | {"leader", "leaders", "letters", "review", "reviews", "debate"}
COMMENT_FOLDERS = frozenset(s.replace(" ", "-") for s in COMMENT_SECTIONS) | {"commentisfree"}


class LeadRole(enum.StrEnum):
    """What an article is for leading its story; earlier members lead first."""

    LIVE = "live"  # a live blog that is live
    NEWS = "news"  # a report, or a live blog that has ended
    COMMENT = "comment"  # opinion, analysis and explainers, editorials, reviews


RANK = {LeadRole.LIVE: 0, LeadRole.NEWS: 1, LeadRole.COMMENT: 2}


@dataclass(frozen=True, slots=True)
class LeadCandidate:
    """An article of a story as a possible lead: ``centrality`` is the cosine of its words
    with the story's (0 to 1)."""

    article_id: int
    role: LeadRole
    centrality: float
    published: datetime


def is_comment(section: str, tags: Iterable[str], url: str) -> bool:
    """Whether the section, a tag or a folder of the URL says the article is comment."""
    if " ".join(section.split()).casefold() in COMMENT_SECTIONS:
        return True
    if any(" ".join(tag.split()).casefold() in COMMENT_TAGS for tag in tags):
        return True
    folders = urlsplit(url).path.casefold().split("/")[:-1]  # the last part is the page itself
    return any(folder in COMMENT_FOLDERS for folder in folders)


def lead_role(article: ArticleText, now: datetime) -> LeadRole:
    """What the article is for leading its story at ``now``."""
    if article.kind is ArticleKind.LIVEBLOG:
        last = max(article.published, article.updated or article.published)
        return LeadRole.LIVE if now - last <= LIVE_WITHIN else LeadRole.NEWS
    if is_comment(article.section, article.tags, article.url):
        return LeadRole.COMMENT
    return LeadRole.NEWS


def choose_lead(candidates: Iterable[LeadCandidate], current: int | None = None) -> LeadCandidate:
    """The candidate that leads: a live blog that is live, else a report, else comment. The
    ``current`` lead (clustering's choice) stays when no candidate ranks above it; otherwise
    the most central of the best rank leads, then the newest, then the lower id. Raises
    ValueError for no candidates."""
    found = list(candidates)
    best = min(RANK[c.role] for c in found)
    kept = next((c for c in found if c.article_id == current and RANK[c.role] == best), None)
    if kept is not None:
        return kept
    return min(
        (c for c in found if RANK[c.role] == best),
        key=lambda c: (-round(c.centrality, 9), -c.published.timestamp(), c.article_id),
    )


def relead(
    writes: Sequence[StoryWrite],
    texts: Mapping[int, ArticleText],
    vectors: Mapping[int, Mapping[str, float]],
    prior: Mapping[int, tuple[int | None, float]],
    now: datetime,
) -> list[StoryWrite]:
    """The round's story writes, each led by ``choose_lead`` among the articles that join it
    now (``vectors``: their term vectors), the lead clustering chose and the leads its stored
    stories had (``prior``: story id to lead id and centrality). ``texts`` holds what is known
    of each of those articles; one without it (gone since) is not a candidate.
    A changed lead keeps its centrality as the story's ``lead_score``."""
    return [_relead(w, texts, vectors, prior, now) for w in writes]


def _relead(
    write: StoryWrite,
    texts: Mapping[int, ArticleText],
    vectors: Mapping[int, Mapping[str, float]],
    prior: Mapping[int, tuple[int | None, float]],
    now: datetime,
) -> StoryWrite:
    centre = top_terms(write.terms)
    scores = {write.lead_article_id: write.lead_score}
    for key in (write.key, *write.absorbs):
        lead, score = prior.get(key, (None, 0.0))
        if lead is not None:
            scores.setdefault(lead, score)
    for article_id in write.article_ids:
        if article_id in vectors:
            scores[article_id] = cosine(vectors[article_id], centre)
    candidates = [
        LeadCandidate(i, lead_role(texts[i], now), score, texts[i].published)
        for i, score in scores.items()
        if i in texts
    ]
    if not candidates:
        return write
    chosen = choose_lead(candidates, write.lead_article_id)
    if chosen.article_id == write.lead_article_id:
        return write
    return replace(write, lead_article_id=chosen.article_id, lead_score=chosen.centrality)
