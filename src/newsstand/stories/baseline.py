"""The reference the story clusterer is measured against: TF-IDF cosine, average link.

Agglomerative clustering of a whole collection at once, with no regard for time
or arrival order: every pair of clusters whose mean article-to-article cosine
is highest is merged first, until no pair reaches the threshold. It needs every
article at hand and quadratic work, so it is no way to run a news service, but
it is what a careful offline analyst would do and a fair bar to beat.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from newsstand.stories.text import ArticleFeatures, cosine

# Mean cosine at which two clusters merge; the best F1 of the shared corpus was
# reached between 0.12 and 0.15 (docs/decisions.md, "Stories").
BASELINE_THRESHOLD = 0.15


def _pair_sums(items: Sequence[ArticleFeatures]) -> dict[int, dict[int, float]]:
    """Cosine of every pair that shares a term, both ways round."""
    postings: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        for term in item.vector:
            postings.setdefault(term, []).append(index)
    sums: dict[int, dict[int, float]] = {i: {} for i in range(len(items))}
    for i, item in enumerate(items):
        near = {j for term in item.vector for j in postings[term] if j > i}
        for j in near:
            sim = cosine(item.vector, items[j].vector)
            if sim > 0.0:
                sums[i][j] = sums[j][i] = sim
    return sums


def average_link(items: Sequence[ArticleFeatures], threshold: float = BASELINE_THRESHOLD) -> dict[int, int]:
    """Article id -> cluster number, merging clusters while their mean cosine reaches ``threshold``."""
    sums = _pair_sums(items)
    size = dict.fromkeys(range(len(items)), 1)
    members = {i: [i] for i in range(len(items))}
    heap = [(-s, i, j) for i, row in sums.items() for j, s in row.items() if i < j]
    heapq.heapify(heap)
    next_id = len(items)
    while heap:
        negative, a, b = heapq.heappop(heap)
        if -negative < threshold:
            break
        if a not in size or b not in size:
            continue  # one side was merged since this pair was queued
        merged = next_id
        next_id += 1
        row: dict[int, float] = {}
        for side in (sums.pop(a), sums.pop(b)):
            for other, total in side.items():
                if other not in (a, b):
                    row[other] = row.get(other, 0.0) + total
        size[merged] = size.pop(a) + size.pop(b)
        members[merged] = members.pop(a) + members.pop(b)
        sums[merged] = row
        for other, total in row.items():
            sums[other].pop(a, None)
            sums[other].pop(b, None)
            sums[other][merged] = total
            heapq.heappush(heap, (-total / (size[merged] * size[other]), other, merged))
    return {items[m].article_id: cluster for cluster, ms in members.items() for m in ms}
