"""Hostile and broken input: extraction either returns a page or raises ExtractionError, nothing else."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsstand.errors import ExtractionError
from newsstand.extract import extract_page, parse_text_article

from .pages import article_page

PAGE = article_page()


def _extract_or_refuse(data: str | bytes) -> None:
    try:
        page = extract_page(data, "https://news.example.org/x")
    except ExtractionError:
        return
    assert "<script" not in page.body_html.lower()
    assert all(e.body_html.count("<script") == 0 for e in page.live_entries)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=0, max_value=len(PAGE)),
    st.integers(min_value=0, max_value=400),
    st.text(max_size=50),
)
def test_mutated_pages_never_crash(cut: int, length: int, junk: str) -> None:
    _extract_or_refuse(PAGE[:cut] + junk + PAGE[cut + length :])


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(data: bytes) -> None:
    _extract_or_refuse(data)


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=400))
def test_random_text_articles_never_crash(text: str) -> None:
    page = parse_text_article(text, url="https://x.example/a")
    assert "<script" not in page.body_html


def test_hostile_json_ld_and_markup_are_harmless() -> None:
    hostile = PAGE.replace(
        '<script type="application/ld+json">',
        '<script type="application/ld+json">{"@graph": [[[{"@type": ["NewsArticle"], "author": {"name": 5},'
        ' "datePublished": "yesterday", "liveBlogUpdate": {"headline": null}}]]]}</script>'
        '<script type="application/ld+json">',
    ).replace(
        "<p>The plan includes:</p>",
        '<p onclick="steal()">The plan <a href="javascript:x()">includes</a>:</p>',
    )
    page = extract_page(hostile, "https://news.example.org/x")
    assert "onclick" not in page.body_html and "javascript:" not in page.body_html
