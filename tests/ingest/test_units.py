"""Pure pieces: canonical URLs, sanitizing, dates, bylines, scheduling."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from newsstand.ingest.feeds.authors import split_byline
from newsstand.ingest.feeds.dates import parse_date
from newsstand.ingest.schedule import (
    PollPolicy,
    after_failure,
    after_success,
    failure_interval,
    publishing_interval,
    success_interval,
)
from newsstand.markup.sanitize import html_to_text, sanitize_html
from newsstand.markup.urls import canonical_url
from newsstand.model import FeedState

NOW = datetime(2025, 6, 3, 12, 0, tzinfo=UTC)
POLICY = PollPolicy(min_seconds=300, max_seconds=86_400, failing_after=5)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        (
            "HTTPS://News.Example.ORG:443/a/b?utm_source=x&b=2&a=1#frag",
            "https://news.example.org/a/b?a=1&b=2",
        ),
        ("http://example.org:80", "http://example.org/"),
        (
            "http://example.org:8080/x?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&igshid=5",
            "http://example.org:8080/x",
        ),
        ("https://example.org/x?id=7&utm_medium=social&utm_campaign=c", "https://example.org/x?id=7"),
        ("  https://example.org/with space ", "https://example.org/withspace"),
        ("mailto:someone@example.org", "mailto:someone@example.org"),
    ],
)
def test_canonical_url(raw: str, canonical: str):
    assert canonical_url(raw) == canonical


def test_canonical_url_resolves_relative_and_is_stable():
    assert canonical_url("/story?b=1&a=2", "https://Example.org/feed") == "https://example.org/story?a=2&b=1"
    once = canonical_url("https://example.org/x?b=2&a=1&utm_term=z")
    assert canonical_url(once) == once


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        '<iframe src="https://evil.example/x"></iframe>',
        '<form action="/steal"><input name=p></form>',
        "<style>body{display:none}</style>",
        "<svg onload=alert(1)>",
        '<object data="x.swf"></object>',
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_sanitize_removes_active_content(hostile: str):
    cleaned = sanitize_html(f"<p>keep</p>{hostile}", "https://example.org/a")
    lowered = cleaned.lower()
    for bad in (
        "<script",
        "onerror",
        "onload",
        "javascript:",
        "data:text",
        "evil.example",
        "<form",
        "<style",
        "<object",
        "style=",
    ):
        assert bad not in lowered
    assert "<p>keep</p>" in cleaned


def test_sanitize_keeps_structure_embeds_and_images():
    html = (
        '<h2>Head</h2><p>Text <a href="/rel">link</a></p>'
        '<figure><img src="img/a.jpg" alt="A"><figcaption>Cap</figcaption></figure>'
        '<iframe src="https://www.youtube-nocookie.com/embed/abc" width="560"></iframe>'
        '<iframe src="https://player.vimeo.com/video/123"></iframe>'
        '<img src="data:image/png;base64,iVBORw0KGgo=">'
    )
    cleaned = sanitize_html(html, "https://example.org/news/story")
    assert '<a href="https://example.org/rel" rel="noopener noreferrer">link</a>' in cleaned
    assert 'src="https://example.org/news/img/a.jpg"' in cleaned
    assert "youtube-nocookie.com/embed/abc" in cleaned and "player.vimeo.com/video/123" in cleaned
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in cleaned
    assert "<figcaption>Cap</figcaption>" in cleaned


def test_html_to_text_keeps_paragraphs():
    assert html_to_text("<p>One <b>two</b></p><p>Three<br>four</p><ul><li>a</li><li>b</li></ul>") == (
        "One two\nThree\nfour\na\nb"
    )
    assert html_to_text("") == ""
    assert html_to_text("<div>" * 5000 + "deep" + "</div>" * 5000) == "deep"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue, 03 Jun 2025 10:00:00 +0100", datetime(2025, 6, 3, 9, 0, tzinfo=UTC)),
        ("Tue, 3 Jun 2025 10:00 EST", datetime(2025, 6, 3, 15, 0, tzinfo=UTC)),
        ("03 Jun 25 10:00:00 GMT", datetime(2025, 6, 3, 10, 0, tzinfo=UTC)),
        ("Tue, 03 Jun 2025 10:00:00 PDT", datetime(2025, 6, 3, 17, 0, tzinfo=UTC)),
        ("2025-06-03T10:00:00Z", datetime(2025, 6, 3, 10, 0, tzinfo=UTC)),
        ("2025-06-03T10:00:00.5+02:00", datetime(2025, 6, 3, 8, 0, 0, 500000, tzinfo=UTC)),
        ("2025-06-03T10:00+0530", datetime(2025, 6, 3, 4, 30, tzinfo=UTC)),
        ("2025-06-03 10:00:00", datetime(2025, 6, 3, 10, 0, tzinfo=UTC)),
        ("2025-06-03", datetime(2025, 6, 3, tzinfo=UTC)),
        ("20250603T100000Z", datetime(2025, 6, 3, 10, 0, tzinfo=UTC)),
        ("Tuesday, 3rd June 2025 10:00:00 GMT", datetime(2025, 6, 3, 10, 0, tzinfo=UTC)),
        ("not a date", None),
        ("", None),
        ("Mon, 99 Foo 2025 99:99:99 GMT", None),
    ],
)
def test_parse_date(text: str, expected: datetime | None):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("Ada Writer and Ben Reporter", ("Ada Writer", "Ben Reporter")),
        ("By Ada Writer, Ben Reporter & Cy Editor", ("Ada Writer", "Ben Reporter", "Cy Editor")),
        ("Ada Writer, Ben Reporter and Cy Editor", ("Ada Writer", "Ben Reporter", "Cy Editor")),
        ("ada@example.org (Ada Writer)", ("Ada Writer",)),
        ("Ada Writer; Ben Reporter", ("Ada Writer", "Ben Reporter")),
        ("Sammy Davis, Jr.", ("Sammy Davis Jr.",)),
        ("", ()),
    ],
)
def test_split_byline(byline: str, names: tuple[str, ...]):
    assert split_byline(byline) == names


def _fixed(value: float) -> random.Random:
    rng = random.Random()
    rng.random = lambda: value  # type: ignore[method-assign]
    return rng


def test_publishing_rate_sets_the_interval():
    every_10_min = [NOW - timedelta(minutes=10 * i) for i in range(10)]
    assert publishing_interval(NOW, every_10_min) == 600
    assert success_interval(NOW, every_10_min, None, POLICY, _fixed(0.5).random) == 300
    hourly = [NOW - timedelta(hours=i) for i in range(10)]
    assert success_interval(NOW, hourly, None, POLICY, _fixed(0.5).random) == 1800
    quiet = [NOW - timedelta(days=20 + i) for i in range(5)]
    assert success_interval(NOW, quiet, None, POLICY, _fixed(0.5).random) == POLICY.max_seconds
    assert success_interval(NOW, [], None, POLICY, _fixed(0.5).random) == 3600


def test_cache_headers_delay_the_next_poll_within_bounds():
    fast = [NOW - timedelta(minutes=i) for i in range(10)]
    assert success_interval(NOW, fast, 7200, POLICY, _fixed(0.5).random) == 7200
    assert success_interval(NOW, fast, 10**9, POLICY, _fixed(0.5).random) == POLICY.max_seconds


def test_success_jitter_is_bounded_and_deterministic():
    hourly = [NOW - timedelta(hours=i) for i in range(10)]
    low = success_interval(NOW, hourly, None, POLICY, _fixed(0.0).random)
    high = success_interval(NOW, hourly, None, POLICY, _fixed(0.999).random)
    assert 1800 * 0.9 <= low < high <= 1800 * 1.1


def test_failure_backoff_is_exponential_with_jitter_and_capped():
    lows = [failure_interval(n, None, POLICY, _fixed(0.0).random) for n in range(1, 12)]
    highs = [failure_interval(n, None, POLICY, _fixed(0.999).random) for n in range(1, 12)]
    assert lows[:4] == [300, 300, 600, 1200]  # half the ceiling, floored at min
    assert highs[3] == pytest.approx(2400, rel=0.01)
    assert all(a <= b for a, b in itertools.pairwise(lows))
    assert max(highs) <= POLICY.max_seconds
    assert failure_interval(1, 5000, POLICY, _fixed(0.0).random) == 5000


def test_state_transitions_mark_failing_and_recover():
    state = FeedState(feed_id=1)
    for n in range(1, 6):
        state = after_failure(
            state, NOW, error=f"boom {n}", retry_after=None, policy=POLICY, rng=_fixed(0.5).random
        )
        assert state.consecutive_failures == n and state.failing == (n >= 5)
        assert state.next_poll is not None and state.next_poll > NOW
    assert state.last_error == "boom 5"
    ok = after_success(
        state,
        NOW,
        entry_times=[],
        max_age=None,
        etag='"x"',
        last_modified="",
        policy=POLICY,
        rng=_fixed(0.5).random,
    )
    assert not ok.failing and ok.consecutive_failures == 0 and ok.last_error == "" and ok.etag == '"x"'
    assert ok.last_success == NOW


def test_not_modified_keeps_the_previous_rhythm():
    state = FeedState(feed_id=1, last_fetched=NOW - timedelta(hours=2), next_poll=NOW - timedelta(minutes=30))
    ok = after_success(
        state,
        NOW,
        entry_times=[],
        max_age=None,
        etag="",
        last_modified="",
        policy=POLICY,
        rng=_fixed(0.5).random,
    )
    assert ok.next_poll == NOW + timedelta(minutes=90)
