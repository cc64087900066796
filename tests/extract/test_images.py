from __future__ import annotations

import pytest

from newsstand.extract.images import is_credit_only, make_image, split_caption_credit


@pytest.mark.parametrize(
    ("text", "caption", "credit"),
    [
        (
            "Volodymyr Zelenskyy is seen during a summit on 24 February. "
            "Photograph: Ukrinform/REX/Shutterstock",
            "Volodymyr Zelenskyy is seen during a summit on 24 February.",
            "Photograph: Ukrinform/REX/Shutterstock",
        ),
        ("A harbour at dawn. Photo: Jane Doe", "A harbour at dawn.", "Photo: Jane Doe"),
        ("A harbour at dawn. Image: Example Agency", "A harbour at dawn.", "Image: Example Agency"),
        ("A harbour at dawn. Credit: Jane Doe/Agency", "A harbour at dawn.", "Credit: Jane Doe/Agency"),
        (
            "Crowds gather in the square. (AP Photo/Jane Doe)",
            "Crowds gather in the square.",
            "AP Photo/Jane Doe",
        ),
        ("Crowds gather (Photo by Jane Doe/Getty Images)", "Crowds gather", "Photo by Jane Doe/Getty Images"),
        ("A quiet street. © Jane Doe", "A quiet street.", "© Jane Doe"),
        ("Just a caption, no credit.", "Just a caption, no credit.", ""),
    ],
)
def test_split_caption_credit(text: str, caption: str, credit: str) -> None:
    assert split_caption_credit(text) == (caption, credit)


def test_credit_only_line_and_make_image() -> None:
    assert is_credit_only("Photograph: Jane Doe/Agency")
    assert not is_credit_only("A harbour at dawn.")
    image = make_image("https://img.example/1.jpg", caption="Boats. Photo: Jane Doe")
    assert (image.caption, image.credit) == ("Boats.", "Photo: Jane Doe")
