"""Google Reader's names for items, streams and states, read and written.

An item has a long id (``tag:google.com,2005:reader/item/`` and 16 hex digits) and a short
one (the same number in decimal); clients send either, some the bare hex. A stream is named
``feed/<url>``, ``user/-/label/<name>`` or ``user/-/state/com.google/<state>`` (``-`` or
the reader's own number standing for the user).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsstand.errors import InvalidParameterError

ITEM_PREFIX = "tag:google.com,2005:reader/item/"
STATE = "user/-/state/com.google/"
READING_LIST = STATE + "reading-list"
READ = STATE + "read"
STARRED = STATE + "starred"
KEPT_UNREAD = STATE + "kept-unread"
TRACKING_KEPT_UNREAD = STATE + "tracking-kept-unread"
LABEL = "user/-/label/"
FEED = "feed/"
_USER = re.compile(r"^user/(?:-|\d+)/")
MAX_ID = 2**31 - 1  # article ids are stored as 32-bit integers


def long_id(article_id: int) -> str:
    return f"{ITEM_PREFIX}{article_id:016x}"


def parse_item_id(raw: str) -> int | None:
    """The article id an item id names (long, decimal or hex form); None for one that can
    name no stored article."""
    text = raw.strip()
    if text.startswith(ITEM_PREFIX):
        text = text[len(ITEM_PREFIX) :]
        base = 16
    elif re.fullmatch(r"-?\d{1,20}", text):
        base = 10
    elif re.fullmatch(r"[0-9a-fA-F]{16}", text):
        base = 16
    else:
        return None
    try:
        value = int(text, base)
    except ValueError:
        return None
    if value < 0:  # a signed 64-bit rendering of the same bits
        value += 2**64
    return value if 0 < value <= MAX_ID else None


def normal(stream_id: str) -> str:
    """The stream id with the user written as ``-``."""
    return _USER.sub("user/-/", stream_id.strip(), count=1)


@dataclass(frozen=True, slots=True)
class StreamName:
    kind: str  # "reading-list", "read", "starred", "label", "feed"
    value: str = ""  # the label's name or the feed's URL


def parse_stream(stream_id: str) -> StreamName:
    """What a stream id names. Raises InvalidParameterError for one this API does not serve."""
    name = normal(stream_id)
    if name.startswith(FEED) and len(name) > len(FEED):
        return StreamName("feed", name[len(FEED) :])
    if name.startswith(LABEL) and len(name) > len(LABEL):
        return StreamName("label", name[len(LABEL) :])
    if name in (READING_LIST, READ, STARRED):
        return StreamName(name[len(STATE) :])
    raise InvalidParameterError(f"no such stream: {stream_id[:100]}", "s")


def label_id(name: str) -> str:
    return LABEL + name


def feed_id(url: str) -> str:
    return FEED + url
