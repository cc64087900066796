from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsstand.errors import ExtractionError
from newsstand.extract import extract_page
from newsstand.extract.page import decode_html, strip_site_suffix
from newsstand.extract.structured import parse_datetime
from newsstand.model import ArticleKind

from .pages import Block, article_page, live_page

URL = "https://news.example.org/local/2025/mar/01/lighthouse-vote?utm_source=feed"


def test_metadata_comes_from_structured_data() -> None:
    page = extract_page(article_page(), URL)
    assert page.headline == "Harbour town votes to rebuild its old lighthouse"
    assert page.url == "https://news.example.org/local/2025/mar/01/lighthouse-vote"
    assert page.authors == ("Mara Example", "Tom Sample")
    assert page.section == "Local"
    assert page.language == "en"
    assert page.site_name == "Example Gazette"
    assert page.tags == ("lighthouses", "heritage", "local politics")
    assert page.standfirst.startswith("Residents back a plan")
    # +01:00 on the page: stored as the same instant in UTC
    assert page.published == datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
    assert page.updated == datetime(2025, 3, 1, 11, 5, tzinfo=UTC)
    assert page.kind is ArticleKind.ARTICLE


def test_lead_image_keeps_caption_and_credit_apart() -> None:
    page = extract_page(article_page(), URL)
    lead = page.lead_image
    assert lead is not None
    assert lead.url == "https://img.example.org/lighthouse.jpg"
    assert lead.caption == "The lighthouse at dusk, seen from the pier."
    assert lead.credit == "Photograph: Jo Lens/Example Agency"
    assert "Photograph:" not in page.body_text


def test_body_keeps_structure_and_drops_furniture() -> None:
    page = extract_page(article_page(), URL)
    html = page.body_html
    assert "<h2>A long campaign</h2>" in html or "A long campaign</h" in html
    assert "<blockquote>" in html and "<li>" in html
    assert 'href="https://news.example.org/local/lighthouse-history"' in html  # made absolute
    assert "noopener" in html
    assert "<script" not in html and "alert(" not in page.body_text
    text = page.body_text
    assert text.startswith("Residents of the harbour town voted on Saturday")
    assert "seafront would stay open throughout" in text
    for furniture in (
        "cookies",
        "Share on Facebook",
        "Copy link",
        "Sign up for our free",
        "Related stories",
        "Harbour dredging delayed",
        "All rights reserved",
        "Home",
    ):
        assert furniture not in text, furniture


def test_bytes_in_a_declared_legacy_charset_are_decoded() -> None:
    raw = article_page(headline="Café owners back the lighthouse plan").replace("utf-8", "iso-8859-1")
    page = extract_page(raw.encode("iso-8859-1"), URL)
    assert page.headline == "Café owners back the lighthouse plan"
    assert decode_html("Ünïcode".encode()) == "Ünïcode"


def test_live_blog_blocks_in_html_become_entries() -> None:
    blocks = [
        Block(
            "b3", "2025-03-02T09:40:00Z", "Summary of the day so far", ["Roads are closing along the coast."]
        ),
        Block(
            "b2",
            "2025-03-02T08:10:00+00:00",
            "Ferries cancelled",
            ["All crossings are off today."],
            updated="2025-03-02T08:30:00Z",
            css="is-key-event",
        ),
        Block("b1", "2025-03-02T07:00:00Z", "", ["Good morning and welcome to our coverage."]),
    ]
    page = extract_page(live_page(blocks), "https://news.example.org/weather/live/storm")
    assert page.kind is ArticleKind.LIVEBLOG
    assert [e.entry_id for e in page.live_entries] == ["b3", "b2", "b1"]
    first, second, third = page.live_entries
    assert first.summary and not first.key_event
    assert second.key_event and second.updated == datetime(2025, 3, 2, 8, 30, tzinfo=UTC)
    assert second.title == "Ferries cancelled" and second.body_text == "All crossings are off today."
    assert third.title == "" and third.posted == datetime(2025, 3, 2, 7, 0, tzinfo=UTC)
    assert page.authors == ("Ann Writer",)


def test_page_without_text_or_headline_raises() -> None:
    with pytest.raises(ExtractionError):
        extract_page(b"", "https://x.example/")
    with pytest.raises(ExtractionError):
        extract_page("<html><body><nav><a href='/'>Home</a></nav></body></html>", "https://x.example/")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-02-26T14:36:00Z", datetime(2025, 2, 26, 14, 36, tzinfo=UTC)),
        ("2025-02-26T15:36:00+0100", datetime(2025, 2, 26, 14, 36, tzinfo=UTC)),
        ("2025-02-26 09:36:00-05:00", datetime(2025, 2, 26, 14, 36, tzinfo=UTC)),
        ("Wed, 26 Feb 2025 14:36:00 GMT", datetime(2025, 2, 26, 14, 36, tzinfo=UTC)),
        ("2025-02-26", datetime(2025, 2, 26, tzinfo=UTC)),
        ("not a date", None),
    ],
)
def test_parse_datetime_keeps_offsets(raw: str, expected: datetime | None) -> None:
    assert parse_datetime(raw) == expected


def test_site_suffix_is_stripped_but_live_marker_kept() -> None:
    assert strip_site_suffix("Storm hits coast | Example Gazette", "Example Gazette") == "Storm hits coast"
    assert strip_site_suffix("Storm hits coast – live", "Example Gazette") == "Storm hits coast – live"
