"""The article page's "Tune your For you" panel, decided for one reader (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from newsstand.app.interests import About, Chip, TrainRow, tune_panel
from newsstand.model import Article, Facet, Reader, Trained

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def _article() -> Article:
    return Article(
        id=7,
        publisher_id="herald",
        url="https://herald.example/storm",
        title="Storm closes the coast road",
        published=NOW,
        section="Weather",
        story_id=42,
        authors=("Ada Quill",),
    )


def test_every_button_shows_what_the_reader_follows_and_trained() -> None:
    reader = Reader(
        id=1,
        email="r@example.org",
        created=NOW,
        followed_stories=(42,),
        followed_sections=("weather",),
        followed_topics=("place:Kyiv",),
        trained=(Trained(Facet.AUTHOR, "ada quill", True), Trained(Facet.WORD, "storm", False)),
    )
    about = About(("place:Kyiv", "topic:Storms"), ("Ada Quill",), ("coast", "road", "storm"))
    panel = tune_panel(reader, _article(), about, "The Herald")
    assert panel.chips == (
        Chip("story", "42", "this story", True),
        Chip("topic", "place:Kyiv", "Kyiv", True),
        Chip("topic", "topic:Storms", "Storms", False),
        Chip("publisher", "herald", "The Herald", False),
        Chip("section", "Weather", "Weather", True),  # followed in another case
    )
    assert panel.rows == (
        TrainRow("author", "Ada Quill", "Ada Quill", "liked"),  # trained in another case
        TrainRow("publisher", "herald", "The Herald", ""),
        TrainRow("topic", "place:Kyiv", "Kyiv", ""),
        TrainRow("topic", "topic:Storms", "Storms", ""),
        TrainRow("word", "coast", "“coast”", ""),
        TrainRow("word", "road", "“road”", ""),
        TrainRow("word", "storm", "“storm”", "hidden"),
    )


def test_a_reader_with_no_choices_gets_every_button_unpressed() -> None:
    reader = Reader(id=2, email="n@example.org", created=NOW)
    words = tuple(f"word{i}" for i in range(12))
    panel = tune_panel(reader, _article(), About((), (), words), "The Herald")
    assert not any(c.following for c in panel.chips) and not any(r.state for r in panel.rows)
    assert sum(r.facet == "word" for r in panel.rows) == 8  # the trainer offers at most eight words
