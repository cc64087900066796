from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsstand.extract import extract_page
from newsstand.extract.liveblog import (
    entries_from_dcr,
    entries_from_json_ld,
    is_summary_title,
    looks_live_headline,
    stable_entry_id,
)
from newsstand.model import ArticleKind


@pytest.mark.parametrize(
    "title",
    [
        "Summary of the day so far",
        "Closing summary",
        "Summary",
        "What we know so far",
        "Afternoon summary",
        "Evening summary: the main points",
        "Recap",
        "Key developments",
    ],
)
def test_summary_titles(title: str) -> None:
    assert is_summary_title(title)


@pytest.mark.parametrize(
    "title", ["", "Ministers summarise their plan", "Storm update", "What next for the port?"]
)
def test_not_summary_titles(title: str) -> None:
    assert not is_summary_title(title)


@pytest.mark.parametrize(
    ("headline", "live"),
    [
        ("Storm crosses the coast – live", True),
        ("Storm crosses the coast - live", True),
        ("Nasa briefing on the rover – as it happened", True),
        ("UK riots LIVE: protesters gather", True),
        ("Election night: live updates", True),
        ("Why the lighthouse matters", False),
        ("Liverpool beat Everton in derby", False),
    ],
)
def test_live_headlines(headline: str, live: bool) -> None:
    assert looks_live_headline(headline) is live


def test_stable_entry_id_depends_on_time_and_title_only() -> None:
    posted = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)
    assert stable_entry_id(posted, "Ferries cancelled", "a") == stable_entry_id(
        posted, "Ferries  cancelled", "b"
    )
    assert stable_entry_id(posted, "Ferries cancelled", "a") != stable_entry_id(posted, "Roads closed", "a")
    # without a time, the opening text tells entries apart
    assert stable_entry_id(None, "", "First text") != stable_entry_id(None, "", "Other text")


def test_json_ld_live_blog_updates() -> None:
    ld = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": "Storm crosses the coast",
        "datePublished": "2025-03-02T06:00:00Z",
        "liveBlogUpdate": [
            {
                "@type": "BlogPosting",
                "headline": "Closing summary",
                "url": "https://n.example/live#p2",
                "datePublished": "2025-03-02T18:00:00+00:00",
                "articleBody": "Roads reopen.\nFerries resume.",
            },
            {
                "@type": "BlogPosting",
                "headline": "Bridge shut",
                "url": "https://n.example/live#p1",
                "datePublished": "2025-03-02T10:00:00+01:00",
                "dateModified": "2025-03-02T09:30:00Z",
                "articleBody": "The bridge is shut &amp; traffic diverted.",
            },
        ],
    }
    html = (
        f'<html><head><script type="application/ld+json">{json.dumps(ld)}</script></head>'
        "<body><h1>Storm crosses the coast</h1><p>Coverage of the storm through the day.</p></body></html>"
    )
    page = extract_page(html, "https://n.example/live")
    assert page.kind is ArticleKind.LIVEBLOG
    summary, bridge = page.live_entries
    assert (summary.entry_id, summary.summary, summary.body_text) == (
        "p2",
        True,
        "Roads reopen.\nFerries resume.",
    )
    assert bridge.posted == datetime(2025, 3, 2, 9, 0, tzinfo=UTC)
    assert bridge.updated == datetime(2025, 3, 2, 9, 30, tzinfo=UTC)
    assert bridge.body_text == "The bridge is shut & traffic diverted."
    assert entries_from_json_ld([], "https://n.example/") == ()


def _fixture(shared_data: Path, name: str) -> tuple[dict[str, object], dict[str, object]]:
    base = shared_data / "liveblogs"
    return (
        json.loads((base / f"{name}.fixture.json").read_text()),
        json.loads((base / f"{name}.gold.json").read_text()),
    )


def test_dcr_blocks_become_entries(shared_data: Path) -> None:
    payload, gold = _fixture(shared_data, "guardian-live-pmqs-2023-12-13")
    entries = entries_from_dcr(payload)
    blocks = gold["blocks"]
    assert isinstance(blocks, list)
    by_id = {e.entry_id: e for e in entries}
    for block in blocks:
        entry = by_id[block["id"]]
        assert entry.posted.isoformat().replace("+00:00", "Z") == block["blockFirstPublished"]
        assert (entry.key_event, entry.summary, entry.pinned) == (
            block["keyEvent"],
            block["summary"],
            block["pinned"],
        )
        assert entry.body_text.splitlines() == block["text"].splitlines()
        assert entry.title == (block["title"] or "")
    pinned = [e for e in entries if e.pinned]
    assert [e.title for e in pinned] == ["PMQs – snap verdict"]


def test_dcr_images_keep_caption_and_credit(shared_data: Path) -> None:
    payload, _ = _fixture(shared_data, "guardian-live-pmqs-2023-12-13")
    images = [i for e in entries_from_dcr(payload) for i in e.images]
    assert images
    assert all(i.url.startswith("https://") for i in images)
    assert any(i.credit.startswith("Photograph:") and "Photograph" not in i.caption for i in images)


def test_dcr_payload_as_a_page(shared_data: Path) -> None:
    from newsstand.extract.dcr import is_dcr_payload, page_from_dcr

    payload, gold = _fixture(shared_data, "guardian-live-perseverance")
    assert is_dcr_payload(payload) and not is_dcr_payload({"blocks": []})
    page = page_from_dcr(payload)
    assert page.kind is ArticleKind.LIVEBLOG and page.headline == gold["headline"]
    assert page.authors == ("Tom McCarthy", "Natalie Grover")
    assert page.published == datetime(2021, 2, 19, 19, 41, 53, tzinfo=UTC)
    assert len(page.live_entries) == gold["n_blocks"]
    assert page.body_text.startswith("Summary\n")  # entries with their titles, for search
