"""Plain-text import: the seed document as a golden test, and a small article of our own."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from newsstand.extract.page import ExtractedPage
from newsstand.extract.textimport import is_heading, parse_text_article
from newsstand.model import ArticleKind

GOLDEN = Path(__file__).parent / "golden" / "seed.expected.json"
SEED = "seed/000_b59a93715979ef6c.txt"
# Service furniture around the seed article: none of it may reach the stored article.
FURNITURE = [
    "Get all your news in one place",
    "100’s of premium titles",
    "One app.",
    "Start reading",
    "Sign up to read this article",
    "Read news from 100’s of titles",
    "Already a member? Sign in here",
    "Related Stories",
    "Top stories on inkl right now",
    "One subscription that gives you access",
    "Our Picks",
    "Fourteen days free",
    "Download the app",
    "One app. One membership.",
    "trusted global sources",
]


def golden_view(page: ExtractedPage) -> dict[str, Any]:
    """What the golden file pins: every field that matters, entries by title, flags and text."""
    lead = page.lead_image
    reposted = set(page.reposted_entry_ids)
    return {
        "headline": page.headline,
        "publisher": page.site_name,
        "section": page.section,
        "authors": list(page.authors),
        "kind": page.kind.value,
        "standfirst": page.standfirst,
        "lead_image": {"caption": lead.caption, "credit": lead.credit} if lead else None,
        "entries": [
            {
                "title": e.title,
                "summary": e.summary,
                "pinned": e.pinned,
                "key_event": e.key_event,
                "marked_updated": e.marked_updated,
                "reposted": e.entry_id in reposted,
                "paragraphs": len(e.body_text.splitlines()),
                "starts": e.body_text[:60],
                "ends": e.body_text[-40:],
            }
            for e in page.live_entries
        ],
    }


@pytest.fixture(scope="module")
def seed_page(shared_dir: Path) -> ExtractedPage:
    return parse_text_article((shared_dir / SEED).read_text(encoding="utf-8"))


def test_seed_matches_golden_file(seed_page: ExtractedPage) -> None:
    got = golden_view(seed_page)
    if os.environ.get("NEWSSTAND_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for key in want:
        if key != "entries":
            assert got[key] == want[key], key
    assert len(got["entries"]) == len(want["entries"])
    for i, (g, w) in enumerate(zip(got["entries"], want["entries"], strict=True)):
        assert g == w, f"entry {i} ({w['title'] or w['starts']!r})"


def test_seed_has_the_required_parts(seed_page: ExtractedPage) -> None:
    assert seed_page.site_name == "The Guardian - UK" and seed_page.section == "World"
    assert seed_page.authors == ("Léonie Chao-Fong", "Jane Clinton", "Martin Belam", "Tom Bryant")
    assert seed_page.kind is ArticleKind.LIVEBLOG
    lead = seed_page.lead_image
    assert lead is not None and lead.credit == "Photograph: Ukrinform/REX/Shutterstock"
    assert lead.caption == "Volodymyr Zelenskyy is seen during a summit on 24 February."
    first = seed_page.live_entries[0]
    assert (first.title, first.pinned, first.summary) == ("Closing summary", True, True)
    assert first.body_html.count("<li>") == 7
    explainers = [
        e for e in seed_page.live_entries if e.title == "What are critical minerals and rare earth elements?"
    ]
    assert len(explainers) == 1 and seed_page.reposted_entry_ids == (explainers[0].entry_id,)
    assert "<h3>What are critical minerals?</h3>" in explainers[0].body_html
    summaries = [e.title for e in seed_page.live_entries if e.summary]
    assert summaries == ["Closing summary", "Summary of the day so far"]


def test_seed_keeps_no_furniture_and_no_updated_marks(seed_page: ExtractedPage) -> None:
    texts = [seed_page.body_text, seed_page.body_html] + [e.body_text for e in seed_page.live_entries]
    for text in texts:
        for furniture in FURNITURE:
            assert furniture not in text, furniture
        assert "\nUpdated\n" not in f"\n{text}\n"
    assert sum(e.marked_updated for e in seed_page.live_entries) >= 10


OWN_ARTICLE = """\
The Coastal Courier
Environment
By Ada Fieldwork and Ben Tidewater

Seagrass meadows return to the bay after a decade of replanting

Volunteers planted more than a million shoots by hand.
A diver checks young seagrass near the harbour wall. Photo: Cara Deep/Courier Images

Ten years after the first volunteers waded into the shallows with buckets of seedlings, the meadows that
once lined the bay have started to spread on their own, marine scientists said on Tuesday.

Surveys this spring found healthy patches along most of the northern shore, where boats had torn up the
plants in the 1990s. Fish that had not been seen in the bay for years are back.

What changed

The harbour board moved the moorings in 2016 and asked visiting boats to anchor further out.

"We gave the plants a chance and they took it," said one of the divers who carried out the survey.

The scientists want the replanting to continue for five more years:
  • more shoots along the southern shore
  • a ban on dragging anchors in the shallows
  • yearly counts by volunteer divers

Related Stories
Download the app
"""


def test_own_plain_text_article() -> None:
    page = parse_text_article(OWN_ARTICLE, url="https://courier.example/seagrass")
    assert page.headline == "Seagrass meadows return to the bay after a decade of replanting"
    assert page.site_name == "The Coastal Courier" and page.section == "Environment"
    assert page.authors == ("Ada Fieldwork", "Ben Tidewater")
    assert page.standfirst == "Volunteers planted more than a million shoots by hand."
    lead = page.lead_image
    assert lead is not None
    assert (lead.caption, lead.credit) == (
        "A diver checks young seagrass near the harbour wall.",
        "Photo: Cara Deep/Courier Images",
    )
    assert page.kind is ArticleKind.ARTICLE and page.live_entries == ()
    assert page.body_text.startswith("Ten years after the first volunteers")
    assert "<h2>What changed</h2>" in page.body_html and page.body_html.count("<li>") == 3
    assert "Download the app" not in page.body_text and "Related Stories" not in page.body_text
    assert "Photo:" not in page.body_text


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("High level US-EU talks abruptly cancelled", True),
        ("What are critical minerals?", True),
        ("The talks will resume on Monday.", False),
        ("On his meeting with the president, she said:", False),
        ("“We’re doing very well,” the president said during the meeting on Wednesday", False),
        ("Uncertainty, deals. Are these really the rules the new order should be based on?", False),
    ],
)
def test_heading_lines(line: str, heading: bool) -> None:
    assert is_heading(line) is heading


@pytest.mark.parametrize(
    "text",
    [
        "Ferry service returns to the island after two years\nBy Ann Writer\n\n"
        "The first boat left at dawn.\n\nPassengers cheered as it docked.\n",
        "Ferry service returns to the island after two years\n\n"
        "The first boat left at dawn.\n\nPassengers cheered as it docked.\n",
        "By Ann Writer\nFerry service returns to the island after two years\n\n"
        "The first boat left at dawn.\n\nPassengers cheered as it docked.\n",
    ],
)
def test_headline_and_byline_in_either_order(text: str) -> None:
    page = parse_text_article(text, url="https://x.example/ferry")
    assert page.headline == "Ferry service returns to the island after two years"
    assert page.authors in ((), ("Ann Writer",))
    assert ("By Ann Writer" in text) == (page.authors == ("Ann Writer",))
    assert page.body_text == "The first boat left at dawn.\nPassengers cheered as it docked."
