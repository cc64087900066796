"""Page furniture: text that belongs to the site or service around an article, not to it.

Patterns live in ``data/furniture.txt`` (one regular expression a line), so an
operator can extend them without touching code.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def furniture_pattern() -> re.Pattern[str]:
    """All furniture patterns as one expression that must match a whole line (case-insensitive)."""
    text = resources.files("newsstand.extract").joinpath("data/furniture.txt").read_text("utf-8")
    lines = [line.strip() for line in text.splitlines()]
    alternatives = "|".join(f"(?:{line})" for line in lines if line and not line.startswith("#"))
    return re.compile(rf"^\s*(?:{alternatives})\s*$", re.IGNORECASE)


_LONGEST = 400  # no furniture line is longer; longer lines are text, skip the regex


def is_furniture(line: str) -> bool:
    """True when a whole line is known page or service furniture."""
    text = " ".join(line.split())
    return bool(text) and len(text) <= _LONGEST and furniture_pattern().match(text) is not None
