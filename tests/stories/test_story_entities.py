"""Names of people, places and organisations, found without a model."""

from __future__ import annotations

from newsstand.stories.entities import entities, name_term


def test_multi_word_names_with_particles_and_foreign_articles() -> None:
    text = (
        "North Korea fired a missile over Hokkaido, and Kim Jong Un watched. The Bank of England "
        "said nothing. Police in Las Vegas and the mayor of Rio de Janeiro spoke to NASA."
    )
    found = entities(text)
    for name in (
        "North Korea",
        "Hokkaido",
        "Kim Jong Un",
        "Bank of England",
        "Las Vegas",
        "Rio de Janeiro",
        "NASA",
    ):
        assert name in found
    assert "The" not in found and "Police" not in found


def test_titles_and_sentence_openers_are_not_names() -> None:
    found = entities("President Mara Lindqvist won. Voters chose her. Lindqvist thanked Kolby.")
    assert "Mara Lindqvist" in found and "Lindqvist" in found and "Kolby" in found
    assert "President" not in found and "Voters" not in found


def test_most_mentioned_first_then_first_mentioned() -> None:
    text = "Officials in Varnholm met Osk. Later Osk left for Brenner, and Osk spoke in Varnholm again."
    assert entities(text)[:3] == ("Osk", "Varnholm", "Brenner")


def test_german_and_french_names() -> None:
    found = entities("Die Regierung in Berlin und Angela Merkel trafen Emmanuel Macron in Paris.")
    assert {"Berlin", "Angela Merkel", "Emmanuel Macron", "Paris"} <= set(found)


def test_name_term_joins_words() -> None:
    assert name_term("Kim Jong Un") == "kim_jong_un"
