"""Dates as feeds write them, read into aware UTC datetimes.

Real feeds use RFC 822 (with and without weekday, with named or numeric zones,
two-digit years), RFC 3339 / ISO 8601 (with or without seconds, fractions or a
zone), and a handful of home-grown variants. Unknown zones are taken as UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_tz

_ZONES = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7,
    "MDT": -6, "PST": -8, "PDT": -7, "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "IST": 5.5,
    "JST": 9, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13, "MSK": 3, "WET": 0, "WEST": 1,
}  # fmt: skip
_ISO = re.compile(
    r"^(\d{4})-?(\d{2})-?(\d{2})"
    r"(?:[T\s](\d{1,2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2}|[+-]\d{2})?$",
    re.IGNORECASE,
)
_NAMED_ZONE = re.compile(r"\s([A-Z]{1,5})$")
_LOOSE_RFC822 = re.compile(r"(\d{1,2})(st|nd|rd|th)\b")


def parse_date(text: str | None) -> datetime | None:
    """The datetime ``text`` names, in UTC, or None when it cannot be read."""
    if not text:
        return None
    value = " ".join(text.split())
    try:  # fast path: well-formed ISO 8601 with a zone, which most feeds and libraries give
        fast = datetime.fromisoformat(value)
        if fast.tzinfo is not None and 1970 <= fast.year <= 2200:
            return fast.astimezone(UTC)
    except ValueError:
        pass
    parsed = _parse_iso(value) or _parse_rfc822(value) or _parse_rfc822(_LOOSE_RFC822.sub(r"\1", value))
    if parsed is None or not (1970 <= parsed.year <= 2200):
        return None
    return parsed


def _parse_iso(value: str) -> datetime | None:
    m = _ISO.match(value)
    if not m:
        return None
    year, month, day, hour, minute, second, frac, zone = m.groups()
    try:
        dt = datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            int((frac or "0")[:6].ljust(6, "0")),
        )  # fmt: skip
    except ValueError:
        return None
    return (dt - _offset(zone)).replace(tzinfo=UTC)


def _offset(zone: str | None) -> timedelta:
    if not zone or zone.upper() in ("Z", "UTC", "GMT"):
        return timedelta(0)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return sign * timedelta(hours=hours, minutes=minutes)


def _parse_rfc822(value: str) -> datetime | None:
    zone_hours: float | None = None
    m = _NAMED_ZONE.search(value)
    if m and m.group(1).upper() in _ZONES:
        zone_hours = _ZONES[m.group(1).upper()]
        value = value[: m.start()] + " +0000"
    try:
        parts = parsedate_tz(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parts is None:
        return None
    year, month, day, hour, minute, second = parts[:6]
    if year < 100:
        year += 2000 if year < 70 else 1900
    try:
        dt = datetime(year, month, day, hour, minute, min(second, 59))
    except ValueError:
        return None
    offset = parts[9] or 0
    shift = timedelta(seconds=offset) + timedelta(hours=zone_hours or 0)
    return (dt - shift).replace(tzinfo=UTC)
