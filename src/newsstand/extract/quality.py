"""Quality measures for extraction, shared by the CI gate and the benchmark.

Pure functions over text and data: token-level F1 of a body against expected
paragraphs, author-set and date agreement, and live-entry boundary agreement.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, accents and typographic variants folded."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _TOKEN.findall(folded)


def token_f1(predicted: str, expected: str) -> tuple[float, float, float]:
    """(precision, recall, F1) of the multiset of tokens; empty vs empty is a perfect match."""
    got, want = Counter(tokens(predicted)), Counter(tokens(expected))
    if not got and not want:
        return 1.0, 1.0, 1.0
    overlap = sum((got & want).values())
    if overlap == 0:
        return 0.0, 0.0, 0.0
    precision = overlap / sum(got.values())
    recall = overlap / sum(want.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def expected_body_text(body: Mapping[str, Any]) -> str:
    """The text of a fundus-style expected body: summary, then each section's headline and paragraphs."""
    parts: list[str] = list(body.get("summary", []))
    for section in body.get("sections", []):
        parts.extend(section.get("headline", []))
        parts.extend(section.get("paragraphs", []))
    return "\n".join(parts)


def normalise_name(name: str) -> str:
    """A person's name folded for comparison: accents dropped, case and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(tokens(plain))


def authors_match(predicted: Iterable[str], expected: Iterable[str]) -> bool:
    """True when both sides name the same set of people after normalisation."""
    return {normalise_name(a) for a in predicted} - {""} == {normalise_name(a) for a in expected} - {""}


def parse_expected_date(text: str) -> datetime:
    """Parse ``str(datetime)`` as the expected data writes it (offset optional)."""
    return datetime.fromisoformat(text.strip())


def dates_match(predicted: datetime | None, expected: datetime, tolerance_s: float = 60.0) -> bool:
    """Same instant within the tolerance; when ``expected`` carries no offset, the same calendar date."""
    if predicted is None:
        return False
    if expected.tzinfo is None:
        return predicted.date() == expected.date()
    return abs((predicted - expected).total_seconds()) <= tolerance_s


def titles_match(predicted: str, expected: str) -> bool:
    """Same headline once whitespace and typographic quotes are normalised."""
    return _fold_title(predicted) == _fold_title(expected)


def _fold_title(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    for src, dst in (("‘", "'"), ("’", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-")):
        text = text.replace(src, dst)
    return " ".join(text.split()).casefold()


def boundary_f1(predicted_ids: Sequence[str], expected_ids: Sequence[str]) -> float:
    """F1 of the set of entry ids found against the expected ones."""
    got, want = set(predicted_ids), set(expected_ids)
    if not got and not want:
        return 1.0
    hit = len(got & want)
    if hit == 0:
        return 0.0
    precision, recall = hit / len(got), hit / len(want)
    return 2 * precision * recall / (precision + recall)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
