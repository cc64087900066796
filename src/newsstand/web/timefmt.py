"""How times read on the page: pure functions used as template filters."""

from __future__ import annotations

from datetime import datetime

from newsstand.model import utc


def relative(value: datetime, now: datetime) -> str:
    """A short relative time such as "just now", "5 min ago", "2 h ago" or "3 d ago".

    Times in the future (clock skew between publishers) read as "just now".
    """
    seconds = (utc(now) - utc(value)).total_seconds()
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} h ago"
    days = hours // 24
    if days < 14:
        return f"{days} d ago"
    return exact_date(value)


def exact(value: datetime) -> str:
    """The exact time in UTC, for titles and screen readers: "28 Nov 2026, 11:05 UTC"."""
    v = utc(value)
    return f"{v.day} {v:%b %Y, %H:%M} UTC"


def exact_date(value: datetime) -> str:
    v = utc(value)
    return f"{v.day} {v:%b %Y}"


def clock(value: datetime) -> str:
    """Hours and minutes in UTC, for the edge of a live-blog timeline."""
    return f"{utc(value):%H:%M}"


def iso(value: datetime) -> str:
    """The machine-readable form for ``<time datetime>``."""
    return utc(value).isoformat(timespec="seconds").replace("+00:00", "Z")


def iso_precise(value: datetime) -> str:
    """ISO 8601 with microseconds: a resume point that never repeats or skips an entry."""
    return utc(value).isoformat(timespec="microseconds").replace("+00:00", "Z")
