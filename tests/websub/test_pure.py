"""The pure WebSub steps: discovery, signatures, leases, intent and pushes."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsstand.errors import FeedParseError, InvalidDataError
from newsstand.feedsout import FeedDocument, FeedFormat, write_feed
from newsstand.ingest.websub import (
    METHODS,
    FeedLinks,
    PushVerdict,
    answer_intent,
    discover,
    feed_links,
    judge_push,
    new_subscription,
    parse_link_header,
    push_active,
    renew_at,
    request_failed,
    retry_delay,
    sign,
    subscribe_due,
    subscribe_form,
    verify_signature,
)
from newsstand.model import PushState, PushSubscription

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
HUB = "https://hub.example/"
TOPIC = "https://news.example/feeds/world.xml"

# --- discovery ---------------------------------------------------------------------------


def test_link_headers_are_parsed_with_quoted_and_multiple_rels() -> None:
    links = parse_link_header(
        [
            '<https://hub.example/>; rel="hub", </feed.xml>; rel="self alternate"; type="x,y"',
            "<https://b.example/>;rel=hub",
        ],
        base="https://news.example/dir/",
    )
    assert links == [
        ("https://hub.example/", frozenset({"hub"})),
        ("https://news.example/feed.xml", frozenset({"self", "alternate"})),
        ("https://b.example/", frozenset({"hub"})),
    ]


@given(st.text(max_size=200))
def test_link_header_parsing_never_raises(value: str) -> None:
    for url, rels in parse_link_header([value]):
        assert isinstance(url, str)
        assert isinstance(rels, frozenset)


@pytest.mark.parametrize("fmt", list(FeedFormat))
def test_our_own_feeds_are_discoverable(fmt: FeedFormat) -> None:
    doc = FeedDocument(
        title="World",
        self_url=TOPIC,
        home_url="https://news.example/",
        generated=NOW,
        hubs=(HUB, "https://hub2.example/"),
    )
    links = feed_links(write_feed(fmt, doc, []), url="https://mirror.example/world")
    assert links == FeedLinks((HUB, "https://hub2.example/"), TOPIC)


def test_hub_links_after_the_first_entry_do_not_count() -> None:
    data = (
        b'<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title>'
        b'<atom:link rel="hub" href="/hub"/><item><title>i</title>'
        b'<atom:link rel="hub" href="https://late.example/"/></item></channel></rss>'
    )
    assert feed_links(data, "https://news.example/feed") == FeedLinks(("https://news.example/hub",), "")


def test_non_web_hubs_are_never_contacted() -> None:
    data = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><link rel="hub" href="javascript:alert(1)"/>'
        b'<link rel="hub" href="file:///etc/passwd"/><link rel="self" href="ftp://x/"/></feed>'
    )
    assert feed_links(data, "https://news.example/feed") == FeedLinks((), "")


def test_entity_declarations_are_refused_and_broken_documents_declare_nothing() -> None:
    with pytest.raises(FeedParseError):
        feed_links(b'<!DOCTYPE x [<!ENTITY a "b">]><feed xmlns="http://www.w3.org/2005/Atom"/>')
    assert feed_links(b"not xml at all") == FeedLinks()
    assert feed_links(b'{"version": "https://jsonfeed.org/version/1.1", "hubs": 5}') == FeedLinks()


@given(st.binary(max_size=300))
def test_any_bytes_give_links_or_a_parse_error(data: bytes) -> None:
    try:
        links = feed_links(data, "https://news.example/feed")
    except FeedParseError:
        return
    assert all(hub.startswith(("http://", "https://")) for hub in links.hubs)


def test_link_headers_win_over_the_document() -> None:
    document = FeedLinks(("https://doc-hub.example/",), "https://news.example/doc-self")
    headers = ['<https://header-hub.example/>; rel="hub", <https://news.example/canonical>; rel="self"']
    assert discover("https://news.example/fetched", headers, document) == discover(
        "https://news.example/fetched", headers, None
    )
    found = discover("https://news.example/fetched", headers, document)
    assert (found.hubs, found.topic) == (("https://header-hub.example/",), "https://news.example/canonical")
    from_document = discover("https://news.example/fetched", ['</x>; rel="alternate"'], document)
    assert (from_document.hubs, from_document.topic) == (document.hubs, document.self_url)
    assert discover("https://news.example/fetched").hubs == ()
    assert discover("https://news.example/fetched").topic == "https://news.example/fetched"


# --- signatures ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_method_signs_and_verifies(method: str) -> None:
    body = b"<feed>pushed</feed>"
    header = sign(body, "s3cret", method)
    expected = hmac.new(b"s3cret", body, getattr(hashlib, method)).hexdigest()
    assert header == f"{method}={expected}"
    assert verify_signature(header, body, "s3cret")
    assert verify_signature(header.upper().replace(method.upper(), method), body, "s3cret")  # hex case
    assert not verify_signature(header, body + b" ", "s3cret")
    assert not verify_signature(header, body, "other")


@pytest.mark.parametrize(
    "header", [None, "", "sha256", "sha256=", "md5=abc", "sha256=zz", "sha256=é", "=abc", "sha1:abc"]
)
def test_malformed_signatures_do_not_verify(header: str | None) -> None:
    assert not verify_signature(header, b"body", "s3cret")


def test_an_empty_secret_verifies_nothing_and_unknown_methods_cannot_sign() -> None:
    assert not verify_signature(sign(b"b", "x"), b"b", "")
    with pytest.raises(InvalidDataError):
        sign(b"b", "x", "md5")


# --- leases ----------------------------------------------------------------------------------


def _active(lease: int, verified: datetime = NOW) -> PushSubscription:
    sub = replace(new_subscription(1, HUB, TOPIC, verified), state=PushState.ACTIVE)
    return replace(sub, lease_seconds=lease, verified=verified, expires=verified + timedelta(seconds=lease))


@pytest.mark.parametrize(
    ("lease", "margin"),
    [
        (10 * 24 * 3600, timedelta(days=1)),  # a tenth of a long lease
        (3600, timedelta(minutes=6)),
        (1200, timedelta(minutes=5)),  # at least five minutes
        (300, timedelta(seconds=150)),  # never more than half the lease
    ],
)
def test_leases_renew_ahead_of_their_end(lease: int, margin: timedelta) -> None:
    sub = _active(lease)
    assert sub.expires is not None
    assert renew_at(sub) == sub.expires - margin
    assert not subscribe_due(sub, sub.expires - margin - timedelta(seconds=1))
    assert subscribe_due(sub, sub.expires - margin)
    assert push_active(sub, sub.expires - timedelta(seconds=1))
    assert not push_active(sub, sub.expires)


def test_unverified_and_refused_requests_are_retried_with_backoff() -> None:
    requested = new_subscription(1, HUB, TOPIC, NOW)
    assert not subscribe_due(requested, NOW + timedelta(minutes=9))
    assert subscribe_due(requested, NOW + timedelta(minutes=10))
    failed = request_failed(requested, NOW, "503 from hub")
    assert failed.state is PushState.DENIED
    assert (failed.failures, failed.last_error) == (1, "503 from hub")
    assert not subscribe_due(failed, NOW + timedelta(minutes=4))
    assert subscribe_due(failed, NOW + timedelta(minutes=5))
    assert [retry_delay(n) for n in (0, 1, 2, 3)] == [
        timedelta(0),
        *(timedelta(minutes=m) for m in (5, 10, 20)),
    ]
    assert retry_delay(50) == timedelta(days=1)
    assert not push_active(failed, NOW)
    gone = replace(failed, state=PushState.UNSUBSCRIBED)
    assert not subscribe_due(gone, NOW + timedelta(days=30))


def test_a_failed_renewal_keeps_the_running_lease() -> None:
    sub = request_failed(_active(3600), NOW + timedelta(minutes=55), "timeout")
    assert sub.state is PushState.ACTIVE
    assert push_active(sub, NOW + timedelta(minutes=59))


# --- intent and pushes -------------------------------------------------------------------------


def test_a_subscription_has_a_random_secret_and_callback_and_a_valid_form() -> None:
    a, b = new_subscription(1, HUB, TOPIC, NOW), new_subscription(1, HUB, TOPIC, NOW)
    assert a.secret != b.secret and a.callback_id != b.callback_id
    assert "secret" not in repr(a) and a.secret not in repr(a)
    form = subscribe_form(a, "https://news.example/websub/" + a.callback_id, lease_seconds=600)
    assert form == {
        "hub.mode": "subscribe",
        "hub.topic": TOPIC,
        "hub.callback": "https://news.example/websub/" + a.callback_id,
        "hub.secret": a.secret,
        "hub.lease_seconds": "600",
    }
    leaving = subscribe_form(a, "https://news.example/cb", "unsubscribe")
    assert "hub.secret" not in leaving


@pytest.mark.parametrize(
    ("callback", "mode", "secret"),
    [
        ("/relative", "subscribe", "s"),
        ("https://n.example/cb", "watch", "s"),
        ("https://n.example/cb", "subscribe", "x" * 200),
    ],
)
def test_bad_requests_are_not_built(callback: str, mode: str, secret: str) -> None:
    sub = replace(new_subscription(1, HUB, TOPIC, NOW), secret=secret)
    with pytest.raises(InvalidDataError):
        subscribe_form(sub, callback, mode)


def test_bad_hub_or_topic_urls_are_refused() -> None:
    with pytest.raises(InvalidDataError):
        new_subscription(1, "javascript:x", TOPIC, NOW)
    with pytest.raises(InvalidDataError):
        new_subscription(1, HUB, "/relative", NOW)


def _intent(mode: str, **extra: str) -> dict[str, str]:
    return {"hub.mode": mode, "hub.topic": TOPIC, "hub.challenge": "ch4llenge", **extra}


def test_intent_is_confirmed_only_for_what_we_asked() -> None:
    sub = new_subscription(1, HUB, TOPIC, NOW)
    answer = answer_intent(sub, _intent("subscribe", **{"hub.lease_seconds": "3600"}), NOW)
    assert (answer.status, answer.body) == (200, "ch4llenge")
    assert answer.sub.state is PushState.ACTIVE
    assert answer.sub.expires == NOW + timedelta(hours=1)
    assert (
        answer_intent(sub, {**_intent("subscribe"), "hub.topic": "https://evil.example/"}, NOW).status == 404
    )
    assert answer_intent(sub, _intent("unsubscribe"), NOW).status == 404  # we did not ask to leave
    assert answer_intent(sub, _intent("subscribe"), NOW).status == 400  # no lease
    assert answer_intent(sub, _intent("subscribe", **{"hub.lease_seconds": "-5"}), NOW).status == 400
    assert answer_intent(sub, {"hub.mode": "subscribe", "hub.topic": TOPIC}, NOW).status == 400
    leaving = replace(sub, state=PushState.UNSUBSCRIBED)
    assert answer_intent(leaving, _intent("unsubscribe"), NOW).body == "ch4llenge"
    assert answer_intent(leaving, _intent("subscribe", **{"hub.lease_seconds": "60"}), NOW).status == 404


def test_a_denial_is_recorded() -> None:
    sub = new_subscription(1, HUB, TOPIC, NOW)
    answer = answer_intent(sub, {"hub.mode": "denied", "hub.topic": TOPIC, "hub.reason": "no"}, NOW)
    assert answer.status == 200
    assert (answer.sub.state, answer.sub.last_error) == (PushState.DENIED, "denied: no")


def test_pushes_are_judged_by_signature_and_subscription() -> None:
    sub = _active(3600)
    body = b"<feed/>"
    assert judge_push(sub, sign(body, sub.secret, "sha512"), body) is PushVerdict.ACCEPT
    assert judge_push(sub, sign(body, "guess"), body) is PushVerdict.IGNORE
    assert judge_push(sub, None, body) is PushVerdict.IGNORE
    assert judge_push(None, sign(body, sub.secret), body) is PushVerdict.GONE
    assert (
        judge_push(replace(sub, state=PushState.UNSUBSCRIBED), sign(body, sub.secret), body)
        is PushVerdict.GONE
    )
    assert [v.status for v in PushVerdict] == [202, 202, 410]
