"""Property tests: random and mutated feeds only ever produce our own errors, quickly."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsstand.errors import FeedParseError, NewsstandError
from newsstand.ingest.articles import feed_articles
from newsstand.ingest.feeds import parse_feed
from newsstand.markup.sanitize import html_to_text, sanitize_html
from newsstand.model import Feed

from .feeds import atom, rss, rss_item

NOW = datetime(2025, 6, 3, tzinfo=UTC)
FEED = Feed(url="https://news.example.org/feed", publisher_id="example", section="world", id=1)
JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J",
        "items": [
            {
                "id": "1",
                "url": "https://j.example/1",
                "title": "T",
                "content_html": "<p>x</p>",
                "tags": ["a"],
            },
            {"id": "2", "url": "/2", "summary": "s", "date_published": "2025-06-01T10:00:00Z"},
        ],
    }
).encode()
SEEDS = [rss([rss_item(1), rss_item(2, title="A &amp; B")]), atom(2), JSON_FEED]
FAST = settings(max_examples=120, deadline=3000, suppress_health_check=[HealthCheck.too_slow])

_mutation = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 4000), st.integers(1, 200)),
    st.tuples(st.just("insert"), st.integers(0, 4000), st.binary(min_size=1, max_size=40)),
    st.tuples(st.just("duplicate"), st.integers(0, 4000), st.integers(1, 400)),
    st.tuples(
        st.just("markup"),
        st.integers(0, 4000),
        st.sampled_from(
            [
                b"<",
                b"]]>",
                b"<![CDATA[",
                b"&",
                b"&#0;",
                b"&#xD800;",
                b"<!DOCTYPE x>",
                b"\xff\xfe",
                b"</item>",
                b'"',
            ],
        ),
    ),
)


def _mutate(doc: bytes, mutations: list[tuple[str, int, object]]) -> bytes:
    for kind, pos, arg in mutations:
        pos %= max(1, len(doc))
        if kind == "delete":
            doc = doc[:pos] + doc[pos + int(arg) :]  # type: ignore[call-overload]
        elif kind == "duplicate":
            doc = doc[:pos] + doc[pos : pos + int(arg)] + doc[pos:]  # type: ignore[call-overload]
        else:
            doc = doc[:pos] + bytes(arg) + doc[pos:]  # type: ignore[call-overload]
    return doc


def _ingest(doc: bytes) -> None:
    try:
        parsed = parse_feed(doc, FEED.url)
    except FeedParseError:
        return
    for article in feed_articles(parsed, FEED, NOW):
        assert "<script" not in article.body_html.lower()
        assert article.published.tzinfo is not None


@FAST
@given(seed=st.sampled_from(SEEDS), mutations=st.lists(_mutation, min_size=1, max_size=6))
def test_mutated_feeds_raise_only_our_errors(seed: bytes, mutations: list[tuple[str, int, object]]):
    with contextlib.suppress(NewsstandError):
        _ingest(_mutate(seed, mutations))


@FAST
@given(st.binary(max_size=3000))
def test_random_bytes_raise_only_feed_parse_error(data: bytes):
    with contextlib.suppress(FeedParseError):
        _ingest(data)


@FAST
@given(st.text(max_size=2000))
def test_sanitize_and_text_accept_anything(text: str):
    cleaned = sanitize_html(text, "https://example.org/a/")
    assert "<script" not in cleaned.lower()
    assert isinstance(html_to_text(cleaned), str)
    assert isinstance(html_to_text(text), str)


_html = st.recursive(
    st.sampled_from(["text", "&amp;", "&lt;script&gt;", " "]),
    lambda inner: st.tuples(
        st.sampled_from(["p", "div", "a", "img", "script", "iframe", "svg", "style", "b", "table"]),
        st.sampled_from(
            [
                "",
                ' onclick="x()"',
                ' href="javascript:alert(1)"',
                ' src="data:text/html,x"',
                ' href="/r"',
                ' style="a"',
            ]
        ),
        st.lists(inner, max_size=3),
    ).map(lambda t: f"<{t[0]}{t[1]}>{''.join(t[2])}</{t[0]}>"),
    max_leaves=20,
)


@FAST
@given(_html)
def test_sanitized_markup_has_no_active_content(html: str):
    cleaned = sanitize_html(html, "https://example.org/").lower()
    for bad in ("<script", "onclick", "javascript:", "data:text", "<style", "<svg", "<iframe", "style="):
        assert bad not in cleaned
