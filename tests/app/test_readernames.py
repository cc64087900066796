"""A reader's own names for labels and subscriptions: the pure rules."""

from __future__ import annotations

from newsstand.app.readernames import MAX_TITLE, LabelNames, clean_title


def test_labels_are_shown_under_the_readers_names_and_found_by_them() -> None:
    names = LabelNames({"Science": "Lab notes"})
    assert names.name("Science") == "Lab notes" and names.name("World") == "World"
    assert names.section("lab NOTES") == "Science"  # apps may send another case
    assert names.section("World") == "World" and names.section("Science") == "Science"


def test_titles_fold_spaces_and_are_bounded() -> None:
    assert clean_title("  My \t harbour \n") == "My harbour"
    assert clean_title("") == ""
    assert len(clean_title("x" * (MAX_TITLE + 50))) == MAX_TITLE
