"""What a new reader is offered to follow: what the news covers now, never the catalog's order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from newsstand.model import Facet
from newsstand.personal.foryou import Candidate
from newsstand.personal.topics import topic_label

SECTIONS_OFFERED = 6
PUBLISHERS_OFFERED = 6
TOPICS_OFFERED = 8


@dataclass(frozen=True, slots=True)
class Choice:
    """Something to follow, with how much of the news now is about it."""

    facet: Facet
    value: str
    label: str
    articles: int


def _ranked(
    counts: Mapping[str, set[int]], breadth: Mapping[str, set[str]], limit: int, minimum: int = 1
) -> list[tuple[str, int]]:
    """Values covered by the most publishers, then articles; ties by name, so the order is stable."""
    eligible = [v for v, ids in counts.items() if len(ids) >= minimum]
    eligible.sort(key=lambda v: (-len(breadth[v]), -len(counts[v]), v.casefold()))
    return [(v, len(counts[v])) for v in eligible[:limit]]


def interest_choices(candidates: Sequence[Candidate], names: Mapping[str, str]) -> list[Choice]:
    """Sections, publishers and topics with articles among ``candidates`` (what is covered now),
    the most widely covered first. A publisher is offered only with articles, a topic only
    when two articles or more are about it."""
    by: dict[Facet, dict[str, set[int]]] = {
        f: defaultdict(set) for f in (Facet.SECTION, Facet.PUBLISHER, Facet.TOPIC)
    }
    reach: dict[Facet, dict[str, set[str]]] = {f: defaultdict(set) for f in by}
    for c in candidates:
        a = c.article
        if a.id is None:
            continue
        values = {
            Facet.SECTION: [a.section] if a.section else [],
            Facet.PUBLISHER: [a.publisher_id],
            Facet.TOPIC: list(c.topics),
        }
        for facet, found in values.items():
            for value in found:
                by[facet][value].add(a.id)
                reach[facet][value].add(a.publisher_id)
    choices = [
        Choice(Facet.SECTION, v, v, n)
        for v, n in _ranked(by[Facet.SECTION], reach[Facet.SECTION], SECTIONS_OFFERED)
    ]
    choices += [
        Choice(Facet.PUBLISHER, v, names.get(v, v), n)
        for v, n in _ranked(by[Facet.PUBLISHER], reach[Facet.PUBLISHER], PUBLISHERS_OFFERED)
    ]
    choices += [
        Choice(Facet.TOPIC, v, topic_label(v), n)
        for v, n in _ranked(by[Facet.TOPIC], reach[Facet.TOPIC], TOPICS_OFFERED, minimum=2)
    ]
    return choices
