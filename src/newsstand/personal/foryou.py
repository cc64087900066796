"""For you as pure decisions: how much a reader cares about an article, why, and which to show.

Three kinds of evidence, strongest first:

- **follows** (publishers, sections, stories, topics) and **trainer likes** (an author, a
  publisher, a topic, a word in titles), which the reader chose;
- **reading**: every article the reader opened, how long they read it and whether they saved
  it, decaying with age (``signal_weight``), spread over what the article is about
  (``reading_profile``);
- **what is covered now**: a story many publishers report, for a reader we know little about.

Trainer hides are absolute: an article by a hidden author, from a hidden publisher, about a
hidden topic or with a hidden word in its title is never in For you. Articles the reader
opened or saved already are left out too. ``rank_for_you`` scores the rest, keeps the best
within the diversity caps (``diversify``), and gives every card the reason that weighed most.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from newsstand.model import Article, Facet, Reader, ReadingSignal
from newsstand.personal.topics import topic_label

# How much each explicit choice adds to an article's interest.
FOLLOW_WEIGHT = {Facet.STORY: 6.0, Facet.TOPIC: 4.0, Facet.PUBLISHER: 3.0, Facet.SECTION: 2.5}
LIKE_WEIGHT = {Facet.AUTHOR: 3.0, Facet.PUBLISHER: 3.0, Facet.TOPIC: 3.0, Facet.WORD: 2.0}
# How much of a read article's weight goes to each thing it is about. A story the reader read
# about counts most; a publisher least (people read what is on the front page).
SPREAD = {Facet.STORY: 2.0, Facet.TOPIC: 1.0, Facet.AUTHOR: 0.6, Facet.SECTION: 0.6, Facet.PUBLISHER: 0.4}
SIGNAL_HALF_LIFE = timedelta(days=7)  # last week's reading counts half as much as today's
FRESH_HALF_LIFE = timedelta(hours=18)  # an article's interest halves every 18 hours of age
SECONDS_PER_POINT = 120  # two minutes of reading weigh as much as opening the article
MAX_SECONDS = 600
SAVED_WEIGHT = 3.0
POPULAR_WEIGHT = 0.6  # per doubling of the publishers covering the article's story
PER_PUBLISHER = 2
PER_STORY = 1
_WORDS = re.compile(r"[^\W\d_]{3,}")
_STOPWORDS = frozenset(
    """
    the and for with from that this after over into about than what when where will have has are
    was were but not its their they you your our his her says said new
    """.split()  # noqa: SIM905 - a word list reads better as text
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An article For you may show, with what the page knows about it beforehand."""

    article: Article
    topics: tuple[str, ...] = ()
    breadth: int = 1  # publishers covering its story now (1 for a story of its own)
    # What the article is about (``features``), worked out once: candidates come from the
    # shared pool, kept for a cache period, and every member's For you scores each of them.
    about: frozenset[tuple[Facet, str]] = field(init=False, repr=False, compare=False)
    # The same with values case-folded, which trainer choices are matched against.
    about_folded: frozenset[tuple[Facet, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        about = frozenset(_features(self.article, self.topics))
        object.__setattr__(self, "about", about)
        object.__setattr__(self, "about_folded", frozenset((f, v.casefold()) for f, v in about))


@dataclass(frozen=True, slots=True)
class Card:
    article: Article
    reason: str
    score: float


@dataclass(frozen=True, slots=True)
class Evidence:
    """One reason an article interests the reader: what kind, about what, and how much."""

    weight: float
    reason: str


@dataclass(frozen=True, slots=True)
class Profile:
    """What the reader's reading says they care about: a weight per (facet, value)."""

    weights: Mapping[tuple[Facet, str], float] = field(default_factory=dict)
    seen: frozenset[int] = frozenset()  # articles opened or saved: not offered again

    @property
    def empty(self) -> bool:
        return not self.weights


def title_words(title: str) -> frozenset[str]:
    """The words of a title the trainer can like or hide: lower case, three letters or more,
    common words left out."""
    return frozenset(w for w in (m.lower() for m in _WORDS.findall(title)) if w not in _STOPWORDS)


def features(c: Candidate) -> frozenset[tuple[Facet, str]]:
    """Everything an article is about that a reader can follow, like, hide or read more of."""
    return c.about


def _features(a: Article, topics: Sequence[str]) -> set[tuple[Facet, str]]:
    found: set[tuple[Facet, str]] = {(Facet.PUBLISHER, a.publisher_id)}
    found |= {(Facet.SECTION, s.casefold()) for s in (a.section, *a.sections) if s}
    found |= {(Facet.AUTHOR, name) for name in a.authors}
    found |= {(Facet.TOPIC, key) for key in topics}
    found |= {(Facet.WORD, w) for w in title_words(a.title)}
    if a.story_id is not None:
        found.add((Facet.STORY, str(a.story_id)))
    return found


def signal_weight(signal: ReadingSignal, now: datetime) -> float:
    """How much one article the reader opened or saved says about them: opening counts 1,
    every two minutes of reading 1 more (up to ten minutes), saving 3; halved for every week
    since it happened."""
    weight = 0.0
    if signal.opened is not None:
        weight += 1.0 + min(signal.seconds, MAX_SECONDS) / SECONDS_PER_POINT
    if signal.saved is not None:
        weight += SAVED_WEIGHT
    when = max((t for t in (signal.opened, signal.saved) if t is not None), default=now)
    age = max(now - when, timedelta(0))
    decay: float = 0.5 ** (age / SIGNAL_HALF_LIFE)
    return weight * decay


def reading_profile(
    signals: Sequence[ReadingSignal], read: Mapping[int, Candidate], now: datetime
) -> Profile:
    """What the reader's reading says about them: each signal's weight spread over what its
    article (``read``, by id; signals whose article is gone are skipped) is about."""
    weights: dict[tuple[Facet, str], float] = {}
    for signal in signals:
        c = read.get(signal.article_id)
        if c is None:
            continue
        w = signal_weight(signal, now)
        for facet, value in features(c):
            share = SPREAD.get(facet)
            if share:
                weights[(facet, value)] = weights.get((facet, value), 0.0) + share * w
    return Profile(weights, frozenset(s.article_id for s in signals))


@dataclass(frozen=True, slots=True)
class Tastes:
    """The reader's trainer choices, case-folded once per For you rather than once per article."""

    hides: frozenset[tuple[Facet, str]]
    likes: Mapping[tuple[Facet, str], str]  # folded (facet, value) -> the value as the reader chose it


def tastes(reader: Reader) -> Tastes:
    return Tastes(
        frozenset((t.facet, t.value.casefold()) for t in reader.trained if not t.liked),
        {(t.facet, t.value.casefold()): t.value for t in reader.trained if t.liked},
    )


def hidden(c: Candidate, reader: Reader, chosen: Tastes | None = None) -> bool:
    """Whether the trainer hides this article from the reader."""
    hides = (chosen or tastes(reader)).hides
    return bool(hides) and not hides.isdisjoint(c.about_folded)


def evidence(
    c: Candidate,
    reader: Reader,
    profile: Profile,
    names: Mapping[str, str],
    chosen: Tastes | None = None,
) -> list[Evidence]:
    """Every reason the reader may care about the article, with its weight."""
    a = c.article
    found: list[Evidence] = []
    publisher = names.get(a.publisher_id, a.publisher_id)
    sections = {s.casefold(): s for s in (a.section, *a.sections) if s}
    if a.story_id is not None and a.story_id in reader.followed_stories:
        found.append(Evidence(FOLLOW_WEIGHT[Facet.STORY], "Because you follow this story"))
    for key in c.topics:
        if key in reader.followed_topics:
            found.append(Evidence(FOLLOW_WEIGHT[Facet.TOPIC], f"Because you follow {topic_label(key)}"))
    if a.publisher_id in reader.followed_publishers:
        found.append(Evidence(FOLLOW_WEIGHT[Facet.PUBLISHER], f"Because you follow {publisher}"))
    for name in reader.followed_sections:
        if name.casefold() in sections:
            found.append(
                Evidence(FOLLOW_WEIGHT[Facet.SECTION], f"Because you follow {sections[name.casefold()]}")
            )
    found += _liked(c, chosen or tastes(reader), publisher)
    found += _read(c, profile, publisher, sections)
    return found


def _liked(c: Candidate, chosen: Tastes, publisher: str) -> list[Evidence]:
    likes = chosen.likes
    if not likes or likes.keys().isdisjoint(c.about_folded):
        return []
    found = []
    for facet, value in sorted(features(c)):
        value_shown = likes.get((facet, value.casefold()))
        if value_shown is None or facet not in LIKE_WEIGHT:
            continue
        reason = {
            Facet.AUTHOR: f"Because you like {value_shown}",
            Facet.PUBLISHER: f"Because you like {publisher}",
            Facet.TOPIC: f"Because you like {topic_label(value_shown)}",
            Facet.WORD: f"Because you like “{value_shown}” in headlines",
        }[facet]
        found.append(Evidence(LIKE_WEIGHT[facet], reason))
    return found


def _read(c: Candidate, profile: Profile, publisher: str, sections: Mapping[str, str]) -> list[Evidence]:
    """What reading says, each weight dampened (log) so one habit does not drown the rest."""
    found: list[Evidence] = []
    if not profile.weights:
        return found
    for facet, value in features(c):
        w = profile.weights.get((facet, value))
        if not w:
            continue
        reason = {
            Facet.STORY: "More on a story you read",
            Facet.TOPIC: f"Because you read about {topic_label(value)}",
            Facet.AUTHOR: f"Because you read {value}",
            Facet.SECTION: f"Because you read {sections.get(value, value)}",
            Facet.PUBLISHER: f"Because you read {publisher}",
        }.get(facet)
        if reason:
            found.append(Evidence(math.log1p(w), reason))
    return found


def freshness(article: Article, now: datetime) -> float:
    age = max(now - article.published, timedelta(0))
    decay: float = 0.5 ** (age / FRESH_HALF_LIFE)
    return decay


def popularity(c: Candidate) -> float:
    return POPULAR_WEIGHT * math.log2(max(c.breadth, 1))


def score(
    c: Candidate,
    reader: Reader,
    profile: Profile,
    names: Mapping[str, str],
    now: datetime,
    chosen: Tastes | None = None,
) -> Card | None:
    """The article's place in the reader's For you with its reason, or None when it has no
    reason to be there (hidden, seen already, or nothing links it to the reader)."""
    chosen = chosen or tastes(reader)
    if c.article.id in profile.seen or hidden(c, reader, chosen):
        return None
    found = evidence(c, reader, profile, names, chosen)
    if not found:
        return None
    interest = sum(e.weight for e in found)
    best = max(found, key=lambda e: e.weight)
    return Card(c.article, best.reason, (interest + popularity(c)) * freshness(c.article, now))


def popular(
    c: Candidate, reader: Reader, profile: Profile, now: datetime, chosen: Tastes | None = None
) -> Card | None:
    """The article as a default for a reader we know little about: what many publishers cover,
    fresh. None when hidden or seen."""
    if c.article.id in profile.seen or hidden(c, reader, chosen):
        return None
    where = c.article.section or "the news"
    value = (1.0 + popularity(c)) * freshness(c.article, now)
    return Card(c.article, f"Popular in {where} now", value)


def diversify(
    cards: Iterable[Card], limit: int, per_publisher: int = PER_PUBLISHER, per_story: int = PER_STORY
) -> list[Card]:
    """The best ``limit`` cards (best first) with at most ``per_publisher`` from one publisher
    and ``per_story`` from one story, so no single source or event fills the list."""
    chosen: list[Card] = []
    publishers: Counter[str] = Counter()
    stories: Counter[int] = Counter()
    for card in sorted(cards, key=lambda c: (-c.score, -c.article.published.timestamp(), c.article.id or 0)):
        a = card.article
        if publishers[a.publisher_id] >= per_publisher:
            continue
        if a.story_id is not None and stories[a.story_id] >= per_story:
            continue
        chosen.append(card)
        publishers[a.publisher_id] += 1
        if a.story_id is not None:
            stories[a.story_id] += 1
        if len(chosen) == limit:
            break
    return chosen


def rank_for_you(
    candidates: Sequence[Candidate],
    reader: Reader,
    profile: Profile,
    names: Mapping[str, str],
    now: datetime,
    limit: int,
) -> list[Card]:
    """For you: the articles the reader's follows, likes and reading point to, best first and
    spread out; the rest of the list filled with what many publishers cover now (reason
    "Popular in <section> now"). Each article at most once."""
    unique = list({c.article.id: c for c in candidates}.values())
    chosen = tastes(reader)
    scored = [card for c in unique if (card := score(c, reader, profile, names, now, chosen)) is not None]
    cards = diversify(scored, limit)
    if len(cards) < limit:
        taken = {c.article.id for c in cards}
        rest = [
            card
            for c in unique
            if c.article.id not in taken and (card := popular(c, reader, profile, now, chosen))
        ]
        cards = diversify([*cards, *(replace_score(c, -1.0 + c.score / 1e3) for c in rest)], limit)
    return cards


def replace_score(card: Card, value: float) -> Card:
    """The card ranked below every card with a reason of its own (defaults come last)."""
    return Card(card.article, card.reason, value)


def knows_little(reader: Reader, profile: Profile) -> bool:
    """A reader with no follows, no trainer choices and no reading: one to ask what they like."""
    return not (
        reader.followed_publishers
        or reader.followed_sections
        or reader.followed_stories
        or reader.followed_topics
        or reader.trained
        or profile.seen
    )
