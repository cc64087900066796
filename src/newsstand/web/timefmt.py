"""How times read on the page: functions used as template filters.

Times are shown in the zone of the reader the request is for, with the zone named ("12:05
CET"); storage and the machine-readable ``<time datetime>`` stay UTC. The session middleware
sets ``ZONE`` for each request; parts of pages shared between readers are kept per zone.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime

from newsstand.model import utc
from newsstand.timezones import DEFAULT_ZONE, in_zone, short_datetime, short_time, zone_label

# The zone times are shown in for the request being served (set by the session middleware).
ZONE: ContextVar[str] = ContextVar("newsstand_zone", default=DEFAULT_ZONE)


def current_zone() -> str:
    return ZONE.get()


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


def exact(value: datetime, zone: str | None = None) -> str:
    """The exact time in the reader's zone, named: "28 Nov 2026, 12:05 CET (Europe/Berlin)"."""
    return short_datetime(utc(value), zone or current_zone())


def exact_date(value: datetime, zone: str | None = None) -> str:
    v = in_zone(utc(value), zone or current_zone())
    return f"{v.day} {v:%b %Y}"


def clock(value: datetime, zone: str | None = None) -> str:
    """Hours and minutes in the reader's zone with its abbreviation, for the edge of a
    live-blog timeline: "12:05 CET"."""
    return short_time(utc(value), zone or current_zone())


def zone_name(value: datetime, zone: str | None = None) -> str:
    """How the reader's zone is named at ``value``: "CET (Europe/Berlin)"."""
    return zone_label(utc(value), zone or current_zone())


def iso(value: datetime) -> str:
    """The machine-readable form for ``<time datetime>``."""
    return utc(value).isoformat(timespec="seconds").replace("+00:00", "Z")


def iso_precise(value: datetime) -> str:
    """ISO 8601 with microseconds: a resume point that never repeats or skips an entry."""
    return utc(value).isoformat(timespec="microseconds").replace("+00:00", "Z")
