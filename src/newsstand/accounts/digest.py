"""The daily digest's schedule: a morning edition per reader, at the local time they chose. Pure.

A reader picks a time of day ("07:30") in their own time zone; the edition of a local day is
due once that time has come on that day, and is sent once (the subscription keeps the last
local day sent). Days are the reader's: a reader in Tokyo gets Monday's edition while it is
still Sunday in London.
"""

from __future__ import annotations

from datetime import datetime

from newsstand.errors import InvalidDataError
from newsstand.model import DigestSubscription
from newsstand.timezones import in_zone

DEFAULT_MINUTE = 7 * 60  # 07:00


def parse_time_of_day(text: str) -> int:
    """Minutes after midnight for "HH:MM" (24-hour). Raises InvalidDataError."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise InvalidDataError(f"a time of day looks like 07:30, got {text!r}")
    if not (0 <= int(hours) < 24 and 0 <= int(minutes) < 60):
        raise InvalidDataError(f"a time of day looks like 07:30, got {text!r}")
    return int(hours) * 60 + int(minutes)


def time_of_day(minute: int) -> str:
    """ "07:30" for 450."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def local_edition(now: datetime, zone_name: str) -> tuple[str, int]:
    """(the local day "YYYY-MM-DD", minutes after local midnight) at ``now`` in the zone."""
    local = in_zone(now, zone_name)
    return local.date().isoformat(), local.hour * 60 + local.minute


def edition_due(subscription: DigestSubscription, zone_name: str, now: datetime) -> str | None:
    """The local day whose edition is due at ``now``, or None: none is before the chosen time,
    after that day's edition went, or while the digest is off."""
    if not subscription.enabled:
        return None
    day, minute = local_edition(now, zone_name)
    if minute < subscription.minute or subscription.last_edition >= day:
        return None
    return day


def first_edition_skipped(minute: int, zone_name: str, now: datetime) -> str:
    """What ``last_edition`` to start from when the digest is turned on or moved at ``now``: today
    when today's time has passed (so no edition arrives the moment it is turned on), else ""."""
    day, current = local_edition(now, zone_name)
    return day if current >= minute else ""
