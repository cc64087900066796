"""A reader's time zone, and times shown in it with the zone named.

Storage keeps UTC; whatever a reader sees (pages, mail) says the time where they are and
which zone that is, so "09:00 CET (Europe/Berlin)" can never be mistaken for UTC. The zone
database comes from the ``tzdata`` package when the system has none.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsstand.errors import InvalidDataError

DEFAULT_ZONE = "UTC"


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name`` ("Europe/Berlin"). Raises InvalidDataError for a name the
    zone database does not know (or a path-like name, which zoneinfo refuses)."""
    cleaned = name.strip()
    try:
        return ZoneInfo(cleaned or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidDataError(f"unknown time zone {name!r}: use a name like Europe/Berlin") from exc


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidDataError(f"time must be timezone-aware, got {moment!r}")
    return moment


def in_zone(moment: datetime, zone_name: str) -> datetime:
    """``moment`` (aware) as a wall-clock time in the zone. Raises InvalidDataError."""
    return _aware(moment).astimezone(zone(zone_name))


def zone_label(moment: datetime, zone_name: str) -> str:
    """How the zone is named next to a time: its abbreviation then, and the IANA name
    unless the two are the same ("CET (Europe/Berlin)", "UTC")."""
    local = in_zone(moment, zone_name)
    abbreviation = local.tzname() or ""
    name = zone(zone_name).key
    if not abbreviation or abbreviation == name:
        return name
    if abbreviation[0] in "+-":  # zones without a letter abbreviation: "+0530" says too little
        abbreviation = f"UTC{abbreviation}"
    return f"{abbreviation} ({name})"


def local_time(moment: datetime, zone_name: str) -> str:
    """A time for people: "Thursday 5 November 2026, 09:00 CET (Europe/Berlin)"."""
    local = in_zone(moment, zone_name)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} {zone_label(moment, zone_name)}"


def local_date(moment: datetime, zone_name: str) -> date:
    """The calendar day it is in the zone at ``moment``."""
    return in_zone(moment, zone_name).date()


def local_day(moment: datetime, zone_name: str) -> str:
    """A day for people, in the zone: "Thursday 5 November 2026"."""
    local = in_zone(moment, zone_name)
    return f"{local:%A} {local.day} {local:%B %Y}"


@lru_cache(maxsize=1)
def known_zones() -> tuple[str, ...]:
    """Every zone name a reader can choose, sorted ("Africa/Abidjan" ... "UTC")."""
    from zoneinfo import available_timezones

    # Legacy aliases ("US/Pacific", "Etc/GMT+5") stay accepted but are not offered.
    offered = {z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "US/"))}
    return tuple(sorted(offered | {DEFAULT_ZONE}))


def checked_zone(name: str, fallback: str) -> str:
    """``name`` as the zone database spells it, or ``fallback`` when it names no zone (a
    browser that reports something odd must not stop a sign-up)."""
    try:
        return zone(name).key if name.strip() else fallback
    except InvalidDataError:
        return fallback


def short_time(moment: datetime, zone_name: str) -> str:
    """Hours and minutes in the zone with its abbreviation: "14:05 CET", "14:05 UTC"."""
    local = in_zone(moment, zone_name)
    abbreviation = local.tzname() or zone(zone_name).key
    if abbreviation[0] in "+-":
        abbreviation = f"UTC{abbreviation}"
    return f"{local:%H:%M} {abbreviation}"


def short_datetime(moment: datetime, zone_name: str) -> str:
    """A date and time in the zone, the zone named: "28 Nov 2026, 12:05 CET (Europe/Berlin)"."""
    local = in_zone(moment, zone_name)
    return f"{local.day} {local:%b %Y, %H:%M} {zone_label(moment, zone_name)}"
