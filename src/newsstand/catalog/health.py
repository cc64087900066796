"""Feed health in one vocabulary: the state every front end (CLI, admin, reader pages) names.

A pure decision over a feed and its fetch state, so the CLI's table, the admin's
counts and its filters always agree with each other and with the rows they count.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable

from newsstand.model import Feed, FeedState


class FeedStatus(enum.StrEnum):
    """Worst first: the order problems are listed in."""

    FAILING = "failing"  # failed ``failing_after`` times in a row: retried slowly
    ERRORING = "erroring"  # the last fetch failed, fewer times in a row than that
    DISABLED = "disabled"  # skipped by ingestion (an operator, a publisher switch-off, 410 Gone)
    NEVER = "never fetched"
    OK = "ok"

    @property
    def is_problem(self) -> bool:
        return self in (FeedStatus.FAILING, FeedStatus.ERRORING, FeedStatus.DISABLED)

    @property
    def rank(self) -> int:
        return list(FeedStatus).index(self)


DESCRIPTIONS = {
    FeedStatus.FAILING: "failed several times in a row; retried less often",
    FeedStatus.ERRORING: "the last fetch failed",
    FeedStatus.DISABLED: "switched off; not fetched",
    FeedStatus.NEVER: "not fetched yet",
    FeedStatus.OK: "the last fetch worked",
}


def feed_status(feed: Feed, state: FeedState) -> FeedStatus:
    if not feed.enabled:
        return FeedStatus.DISABLED
    if state.failing:
        return FeedStatus.FAILING
    if state.consecutive_failures:
        return FeedStatus.ERRORING
    if state.last_fetched is None:
        return FeedStatus.NEVER
    return FeedStatus.OK


def status_counts(pairs: Iterable[tuple[Feed, FeedState]]) -> dict[FeedStatus, int]:
    """How many feeds are in each status, every status present (0 when none)."""
    counts = Counter(feed_status(f, s) for f, s in pairs)
    return {status: counts.get(status, 0) for status in FeedStatus}


def problem_text(feed: Feed, state: FeedState) -> str:
    """What went wrong, for operators: the disabling reason or the last error."""
    if not feed.enabled and feed.disabled_reason:
        return feed.disabled_reason
    return state.last_error
