"""What a reader follows and what they taught the trainer: publishers, sections, stories and
topics to follow; authors, publishers, topics and title words to like or hide.

Every change is told to ``on_change`` (with the reader's id), so what signed-in requests
remember of the reader is dropped and their For you is made afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from newsstand.app.cache import TtlCache, remember
from newsstand.errors import InvalidDataError
from newsstand.model import FOLLOWABLE, TRAINABLE, Article, Facet, Publisher, Reader, Story, Trained
from newsstand.personal.foryou import title_words
from newsstand.personal.topics import KINDS, article_topics, topic_kind, topic_label
from newsstand.store.base import CatalogStore, LibraryStore, StoryStore

ABOUT_SECONDS = 600.0  # keyed by the article's revision: only memory bounds it

MAX_VALUE = 200


class InterestStore(LibraryStore, StoryStore, CatalogStore, Protocol):
    """What follows and the trainer read and write."""


@dataclass(frozen=True, slots=True)
class Item:
    """One thing the reader follows, likes or hides, as the following page lists it."""

    facet: Facet
    value: str
    label: str
    href: str = ""


@dataclass(frozen=True, slots=True)
class Following:
    """Everything the reader follows, likes and hides."""

    follows: tuple[Item, ...]
    likes: tuple[Item, ...]
    hides: tuple[Item, ...]

    @property
    def empty(self) -> bool:
        return not (self.follows or self.likes or self.hides)


@dataclass(frozen=True, slots=True)
class About:
    """What an article is about that the reader can follow or train: its topics (keys), its
    authors and the words of its title."""

    topics: tuple[str, ...]
    authors: tuple[str, ...]
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Chip:
    """A follow button: what it follows, and whether the reader follows it already."""

    kind: str
    value: str
    label: str
    following: bool


@dataclass(frozen=True, slots=True)
class TrainRow:
    """A trainer row: like or hide something in For you, or undo what the reader chose."""

    facet: str
    value: str
    label: str
    state: str  # "liked", "hidden" or "" (not trained)


@dataclass(frozen=True, slots=True)
class Panel:
    """An article page's "Tune your For you" panel for one reader, decided here so the page only
    prints it (every button used to be a template macro working out its own state)."""

    chips: tuple[Chip, ...]
    rows: tuple[TrainRow, ...]


MAX_WORDS = 8  # title words offered to the trainer


def tune_panel(reader: Reader, article: Article, about: About, publisher: str) -> Panel:
    """The follow buttons (story, topics, publisher, section) and trainer rows (authors,
    publisher, topics, title words) of an article for ``reader``; ``publisher`` is its name."""
    sections = {s.casefold() for s in reader.followed_sections}
    a = article
    chips = []
    if a.story_id is not None:
        chips.append(Chip("story", str(a.story_id), "this story", a.story_id in reader.followed_stories))
    chips += [Chip("topic", k, topic_label(k), k in reader.followed_topics) for k in about.topics]
    chips.append(Chip("publisher", a.publisher_id, publisher, a.publisher_id in reader.followed_publishers))
    if a.section:
        chips.append(Chip("section", a.section, a.section, a.section.casefold() in sections))
    trained = {(t.facet.value, t.value.casefold()): "liked" if t.liked else "hidden" for t in reader.trained}

    def row(facet: str, value: str, label: str) -> TrainRow:
        return TrainRow(facet, value, label, trained.get((facet, value.casefold()), ""))

    rows = [row("author", name, name) for name in about.authors]
    rows.append(row("publisher", article.publisher_id, publisher))
    rows += [row("topic", k, topic_label(k)) for k in about.topics]
    rows += [row("word", w, f"“{w}”") for w in about.words[:MAX_WORDS]]
    return Panel(tuple(chips), tuple(rows))


def about_article(article: Article) -> About:
    return About(article_topics(article), article.authors, tuple(sorted(title_words(article.title))))


def topic_href(key: str) -> str:
    return f"/search?q={topic_label(key)}"


class InterestService:
    def __init__(
        self,
        store: InterestStore,
        publishers: Callable[[], dict[str, Publisher]],
        on_change: Callable[[int], None] | None = None,
    ) -> None:
        self.store = store
        self.publishers = publishers
        self.on_change = on_change or (lambda reader_id: None)
        # Finding an article's topics reads its text for names: done once per revision, not on
        # every signed-in view of the article.
        self._about = TtlCache(ABOUT_SECONDS, max_entries=5000)

    def follow(self, reader_id: int, facet: Facet, value: str) -> None:
        """Follow a publisher, section, story (its id) or topic (a key such as ``place:Kyiv``).
        Raises InvalidDataError for what cannot be followed, NotFoundError for an unknown
        publisher or story."""
        self.store.follow(reader_id, facet.value, self._checked(facet, value, FOLLOWABLE))
        self.on_change(reader_id)

    def unfollow(self, reader_id: int, facet: Facet, value: str) -> None:
        """Stop following; a publisher no longer followed leaves the reader's own folders."""
        self.store.unfollow(reader_id, facet.value, value.strip())
        if facet is Facet.PUBLISHER:
            self.store.unlabel_publisher(reader_id, value.strip())
        self.on_change(reader_id)

    def train(self, reader_id: int, facet: Facet, value: str, liked: bool) -> None:
        """Like (``liked``) or hide an author, publisher, topic or title word; it replaces the
        opposite choice. Raises InvalidDataError for what cannot be trained, NotFoundError
        for an unknown publisher."""
        checked = self._checked(facet, value, TRAINABLE)
        if facet is Facet.WORD:
            checked = checked.casefold()
        self.store.train(reader_id, Trained(facet, checked, liked))
        self.on_change(reader_id)

    def untrain(self, reader_id: int, facet: Facet, value: str) -> None:
        """Forget a like or hide (the following page's undo). A title word is kept in lower
        case, so it is forgotten whatever its case."""
        value = value.strip()
        self.store.untrain(reader_id, facet, value.casefold() if facet is Facet.WORD else value)
        self.on_change(reader_id)

    def _checked(self, facet: Facet, value: str, allowed: frozenset[Facet]) -> str:
        value = value.strip()
        if facet not in allowed or not value or len(value) > MAX_VALUE:
            raise InvalidDataError(f"cannot do that with {facet.value} {value[:40]!r}")
        if facet is Facet.PUBLISHER and value not in self.publishers():
            self.store.get_publisher(value)  # raises NotFoundError
        if facet is Facet.STORY:
            if not value.isdigit():
                raise InvalidDataError("a story is followed by its id")
            self.store.story(int(value))  # raises NotFoundError
        if facet is Facet.TOPIC and (":" not in value or value.split(":", 1)[0] not in KINDS):
            raise InvalidDataError("a topic is person:, place: or topic: and a name")
        return value

    def about(self, article: Article) -> About:
        """What of the article the reader can follow or train (no query)."""
        if article.id is None:
            return about_article(article)
        return remember(self._about, f"{article.id}:{article.revision}", lambda: about_article(article))

    def panel(self, reader: Reader, article: Article) -> Panel:
        """The article's follow buttons and trainer rows for ``reader`` (no query)."""
        found = self.publishers().get(article.publisher_id)
        return tune_panel(reader, article, self.about(article), found.name if found else article.publisher_id)

    def following(self, reader: Reader) -> Following:
        """Everything the reader follows, likes and hides, with names to show: one query for
        the titles of followed stories."""
        names = {p.id: p.name for p in self.publishers().values()}
        titles = {s.id: s.title for s in self._stories(reader.followed_stories)}
        follows = [
            Item(Facet.PUBLISHER, p, names.get(p, p), f"/publisher/{p}") for p in reader.followed_publishers
        ]
        follows += [Item(Facet.SECTION, s, s, f"/section/{s}") for s in reader.followed_sections]
        follows += [
            Item(Facet.STORY, str(s), titles.get(s, f"Story {s}"), f"/story/{s}")
            for s in reader.followed_stories
        ]
        follows += [Item(Facet.TOPIC, k, _topic_name(k), topic_href(k)) for k in reader.followed_topics]
        trained = [(t, Item(t.facet, t.value, _trained_label(t, names))) for t in reader.trained]
        return Following(
            tuple(follows),
            tuple(item for t, item in trained if t.liked),
            tuple(item for t, item in trained if not t.liked),
        )

    def _stories(self, ids: tuple[int, ...]) -> list[Story]:
        return self.store.stories(list(ids)) if ids else []


def _topic_name(key: str) -> str:
    kind = topic_kind(key)
    return topic_label(key) if kind == "topic" else f"{topic_label(key)} ({kind})"


def _trained_label(t: Trained, names: dict[str, str]) -> str:
    return {
        Facet.AUTHOR: f"Author: {t.value}",
        Facet.PUBLISHER: f"Publisher: {names.get(t.value, t.value)}",
        Facet.TOPIC: f"Topic: {_topic_name(t.value)}",
        Facet.WORD: f"Word in headlines: “{t.value}”",
    }.get(t.facet, t.value)
