"""Opaque page cursors: where the next page of one listing starts.

A cursor is base64url JSON naming its listing and its position in it. Clients must treat it
as opaque (its form may change); the API checks that a cursor comes back to the listing that
gave it, so a cursor from one listing never silently pages through another.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from newsstand.errors import InvalidCursorError
from newsstand.model import utc

MAX_CURSOR = 500


def encode(scope: str, position: Any) -> str:
    """A cursor for ``position`` (JSON-able) in the listing named ``scope``."""
    raw = json.dumps([scope, position], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode(cursor: str, scope: str) -> Any:
    """The position a cursor of ``scope`` holds. Raises InvalidCursorError for anything else."""
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found, position = json.loads(raw)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidCursorError("this cursor is not one the API gave") from exc
    if found != scope:
        raise InvalidCursorError("this cursor belongs to another listing")
    return position


def article_id(cursor: str | None, scope: str) -> int | None:
    """The article id a listing's cursor continues after (None for the first page)."""
    if cursor is None:
        return None
    position = decode(cursor, scope)
    if not isinstance(position, int) or isinstance(position, bool) or not 0 < position < 2**31:
        raise InvalidCursorError("this cursor is not one the API gave")
    return position


def time_and_id(cursor: str | None, scope: str) -> tuple[datetime, int] | None:
    """The (time, id) a listing's cursor continues after (None for the first page)."""
    if cursor is None:
        return None
    position = decode(cursor, scope)
    try:
        at, key = position
        if not isinstance(key, int) or isinstance(key, bool) or not 0 < key < 2**31:
            raise ValueError(key)
        return utc(datetime.fromisoformat(at)), key
    except (ValueError, TypeError) as exc:
        raise InvalidCursorError("this cursor is not one the API gave") from exc


def offset(cursor: str | None, scope: str) -> int:
    """How many items of an in-memory listing a cursor skips (0 for the first page)."""
    if cursor is None:
        return 0
    position = decode(cursor, scope)
    if not isinstance(position, int) or isinstance(position, bool) or not 0 < position < 10**9:
        raise InvalidCursorError("this cursor is not one the API gave")
    return position


def text(cursor: str | None, scope: str) -> str | None:
    """A wrapped cursor of another component (search's own), or None for the first page."""
    if cursor is None:
        return None
    position = decode(cursor, scope)
    if not isinstance(position, str):
        raise InvalidCursorError("this cursor is not one the API gave")
    return position


def after_time(at: datetime, key: int, scope: str) -> str:
    return encode(scope, [at.isoformat(), key])
