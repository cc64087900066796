"""When a free trial's reminders are due: three days and one day before it ends. Pure.

The service loop asks every few seconds which trials end soon; each reminder has a key made of
the reader, the trial's end and the reminder, so asking again (or from two loops at once)
queues it once. A loop that was down over the three-day mark and wakes within the last day
sends only the one-day reminder: two warnings at once say nothing more than one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

REMINDER_DAYS = (3, 1)  # days before the end, earliest first
DAY = timedelta(days=1)


def reminder_due(ends: datetime, now: datetime) -> int | None:
    """Which reminder a trial ending at ``ends`` is due for at ``now``: 1 within its last day,
    3 within its last three days, None before that and once it has ended."""
    left = ends - now
    if left <= timedelta(0):
        return None
    for days in sorted(REMINDER_DAYS):
        if left <= days * DAY:
            return days
    return None


def reminder_key(reader_id: int, ends: datetime, days: int) -> str:
    """The reminder's queue key: one mail per reader, trial end and reminder."""
    return f"trial-ending-{days}:reader:{reader_id}:{ends:%Y%m%dT%H%M%S}"


def reminder_window(now: datetime) -> tuple[datetime, datetime]:
    """The (start, end] of trial ends a reminder can be due for at ``now``."""
    return now, now + max(REMINDER_DAYS) * DAY
