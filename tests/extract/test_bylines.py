from __future__ import annotations

import pytest

from newsstand.extract.bylines import authors_from, looks_like_byline, split_byline


@pytest.mark.parametrize(
    ("byline", "people"),
    [
        (
            "Léonie Chao-Fong (now); Jane Clinton, Martin Belam and Tom Bryant (earlier)",
            ("Léonie Chao-Fong", "Jane Clinton", "Martin Belam", "Tom Bryant"),
        ),
        ("By Jane Doe", ("Jane Doe",)),
        ("By Jane Doe, Political Editor", ("Jane Doe",)),
        ("Jane Doe and John Roe with agencies", ("Jane Doe", "John Roe")),
        ("By Jane Doe in Kyiv and John Roe in Moscow", ("Jane Doe", "John Roe")),
        ("Words by Ann Example & Bo Sample", ("Ann Example", "Bo Sample")),
        ("Guardian staff reporter", ("Guardian staff reporter",)),
        ("Jane Doe, jane@example.org", ("Jane Doe",)),
        ("", ()),
    ],
)
def test_split_byline(byline: str, people: tuple[str, ...]) -> None:
    assert split_byline(byline) == people


def test_authors_from_merges_and_dedupes_case_insensitively() -> None:
    assert authors_from(["By Jane Doe", "jane doe and John Roe"]) == ("Jane Doe", "John Roe")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("By Jane Doe", True),
        ("Jane Doe and John Roe", True),
        ("Léonie Chao-Fong (now); Jane Clinton, Martin Belam and Tom Bryant (earlier)", True),
        ("World", False),
        ("The minister said the plan would go ahead.", False),
        ("Zelenskyy insists on guarantees ahead of Trump meeting", False),
    ],
)
def test_looks_like_byline(line: str, expected: bool) -> None:
    assert looks_like_byline(line) is expected
