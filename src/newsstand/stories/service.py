"""Keeping stories up to date: the one place where clustering meets storage.

``update_stories`` is cheap enough to call after every ingestion round: it reads
only the articles still without a story and the clustered articles published
near them, and leaves every other story as it is.
"""

from __future__ import annotations

import logging
from datetime import datetime

from newsstand.model import utcnow
from newsstand.store.base import StoryStore
from newsstand.stories.cluster import DEFAULT_PARAMS, ClusterParams
from newsstand.stories.plan import context_span, plan_update

log = logging.getLogger(__name__)

# Articles clustered per round: bounds memory when a large backlog (a rebuild,
# a first import) waits, while keeping rounds large enough to be efficient.
BATCH = 5000
# Word weights need this many articles to be steady; a quiet round borrows
# earlier articles to make up the number.
BACKGROUND = 1000


def update_stories(
    store: StoryStore,
    now: datetime | None = None,
    *,
    params: ClusterParams = DEFAULT_PARAMS,
    batch: int = BATCH,
) -> int:
    """Put every article without a story into one, oldest first; returns how many.

    Raises StorageError when the store fails; what earlier batches stored stays.
    """
    now = now or utcnow()
    done = 0
    while True:
        pending = store.articles_without_story(limit=batch)
        span = context_span(pending, params)
        if span is None:
            break
        context = store.clustered_articles(*span)
        missing = BACKGROUND - len(context) - len(pending)
        background = store.articles_before(span[0], missing) if missing > 0 else []
        writes = plan_update(context, pending, now, params, background)
        assigned = store.save_stories(writes)
        log.info("stories: %d articles into %d stories", assigned, len(writes))
        done += assigned
        if assigned == 0:
            break  # another process took these articles meanwhile
    return done


def rebuild_stories(
    store: StoryStore, now: datetime | None = None, *, params: ClusterParams = DEFAULT_PARAMS
) -> int:
    """Forget every story and cluster all articles again from scratch; returns how many."""
    store.clear_stories()
    return update_stories(store, now, params=params)
