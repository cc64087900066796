"""A reader's own names for labels and subscriptions, and their folders' names: the pure rules."""

from __future__ import annotations

import pytest

from newsstand.app.readernames import (
    MAX_FOLDER_NAME,
    MAX_TITLE,
    LabelNames,
    LabelTarget,
    clean_title,
    folder_name,
    resolve_label,
)
from newsstand.errors import InvalidDataError


def test_labels_are_shown_under_the_readers_names_and_found_by_them() -> None:
    names = LabelNames({"Science": "Lab notes"})
    assert names.name("Science") == "Lab notes" and names.name("World") == "World"
    assert names.section("lab NOTES") == "Science"  # apps may send another case
    assert names.section("World") == "World" and names.section("Science") == "Science"


def test_titles_fold_spaces_and_are_bounded() -> None:
    assert clean_title("  My \t harbour \n") == "My harbour"
    assert clean_title("") == ""
    assert len(clean_title("x" * (MAX_TITLE + 50))) == MAX_TITLE


def test_folder_names_are_checked() -> None:
    assert folder_name("  Weekend \t reads ") == "Weekend reads"
    assert folder_name("x" * MAX_FOLDER_NAME) == "x" * MAX_FOLDER_NAME
    assert folder_name("Café ☕ & more") == "Café ☕ & more"
    for bad in (
        "",
        "   ",
        "x" * (MAX_FOLDER_NAME + 1),
        "a/b",
        "user/-/state/com.google/read",
        "bell\x07",
        "nul\x00",
    ):
        with pytest.raises(InvalidDataError):
            folder_name(bad)


def test_a_label_is_a_folder_unless_it_names_a_section() -> None:
    names = LabelNames({"Science": "Lab notes"})
    sections = frozenset({"world", "science", "business"})
    folders = ["Weekend reads"]
    # an existing folder, in any case, keeps its spelling
    assert resolve_label("weekend READS", names, folders, sections) == LabelTarget(True, "Weekend reads")
    # the reader's name for a followed section is that section; a section's own name too
    assert resolve_label("lab notes", names, folders, sections) == LabelTarget(False, "Science")
    assert resolve_label("World", names, folders, sections) == LabelTarget(False, "World")
    assert resolve_label("BUSINESS", names, folders, sections) == LabelTarget(False, "BUSINESS")
    # any other name is a folder it would make
    assert resolve_label("Harbour", names, folders, sections) == LabelTarget(True, "Harbour", exists=False)
