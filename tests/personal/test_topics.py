"""Topics: the people, places and subjects found in an article's title, standfirst and tags."""

from __future__ import annotations

from datetime import UTC, datetime

from newsstand.model import Article
from newsstand.personal.topics import article_topics, names_in, topic_kind, topic_label

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_people_places_and_organisations_in_a_headline() -> None:
    found = names_in("Volodymyr Zelensky meets Emmanuel Macron in Paris as Ukraine talks resume")
    assert found == ["person:Volodymyr Zelensky", "person:Emmanuel Macron", "place:Paris", "place:Ukraine"]
    found = names_in("Bank of England holds rates; Rishi Sunak says New York trip off")
    assert "topic:Bank of England" in found and "person:Rishi Sunak" in found
    assert "place:New York" in found and "topic:York" not in found  # "New" starts the place's name


def test_a_capitalised_first_word_is_not_a_name() -> None:
    assert names_in("Harbour cranes return after the long strike") == []
    assert names_in("Storms hit Kyiv overnight") == ["place:Kyiv"]
    assert names_in("Kyiv braces for storms") == ["place:Kyiv"]  # a known place counts even first


def test_german_nouns_are_capitalised_so_only_places_count() -> None:
    assert names_in("Die Regierung in Berlin plant neue Steuern", capitalised_nouns=True) == ["place:Berlin"]


def test_article_topics_are_unique_with_tags_as_subjects() -> None:
    article = Article(
        "p",
        "https://p.example/1",
        "Kyiv talks: Zelensky and Kyiv officials meet",
        NOW,
        standfirst="Talks in Kyiv continue.",
        tags=("Ukraine war", "kyiv", "x"),
    )
    topics = article_topics(article)
    assert topics.count("place:Kyiv") == 1 and "topic:Ukraine war" in topics
    assert all(not t.endswith(":x") for t in topics)  # too short to be a subject


def test_keys_name_their_kind() -> None:
    assert topic_label("person:Ada Quill") == "Ada Quill" and topic_kind("person:Ada Quill") == "person"
    assert topic_kind("nonsense") == "topic"


def test_places_events_and_possessives() -> None:
    found = names_in("Storm Isolde batters Corran coast as Port Merrow evacuates thousands")
    assert found[0] == "topic:Storm Isolde" and "place:Port Merrow" in found
    assert names_in("Fishing stops for Storm Isolde's third day") == ["topic:Storm Isolde"]
    assert names_in("Quillon Systems agrees to buy Ferrowind") == ["topic:Quillon Systems", "topic:Ferrowind"]
