"""Subscribe, verify, push and leave, over real sockets: the test hub and a subscriber
callback built from the pure steps. A feed written by ``feedsout`` advertises the hub;
what the hub pushes reads back through ``parse_feed``."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from newsstand.feedsout import FeedDocument, FeedFormat, FeedItem, write_feed
from newsstand.ingest.feeds import parse_feed
from newsstand.ingest.websub import discover, feed_links, new_subscription, push_active, sign
from newsstand.model import Access, AccessReason, Article, PushState

from .hub import Event, running_hub
from .subscriber import running_subscriber

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
TOPIC = "https://news.example/feeds/world.atom"


def _feed(hub_url: str, titles: list[str]) -> bytes:
    doc = FeedDocument("World", TOPIC, "https://news.example/world", NOW, hubs=(hub_url,))
    items = [
        FeedItem(
            Article("p", f"https://p.example/{n}", title, NOW, body_html=f"<p>{title}</p>"),
            Access(True, AccessReason.OPEN_LICENCE, 0),
        )
        for n, title in enumerate(titles)
    ]
    return write_feed(FeedFormat.ATOM, doc, items)


def _has(kind: str, count: int = 1) -> object:
    return lambda events: sum(e.kind == kind for e in events) >= count


def test_a_pushed_feed_arrives_verified_without_a_poll() -> None:
    with running_hub(lease_seconds=900) as hub, running_subscriber() as subscriber:
        found = discover("https://mirror.example/world", (), feed_links(_feed(hub.url, []), TOPIC))
        assert found.hubs == (hub.url,)
        sub = new_subscription(1, found.hubs[0], found.topic, datetime.now(UTC))
        assert subscriber.request(sub, lease_seconds=3600) == 202
        hub.wait_for(_has("verified"))
        record = subscriber.record(sub)
        assert record.state is PushState.ACTIVE
        assert record.lease_seconds == 900  # the hub's grant, not what we asked for
        assert push_active(record, datetime.now(UTC))

        assert hub.publish(TOPIC, _feed(hub.url, ["Breaking: pushed"])) == [202]
        assert len(subscriber.accepted) == 1
        entries = parse_feed(subscriber.accepted[0], url=TOPIC).entries
        assert [e.title for e in entries] == ["Breaking: pushed"]


def test_every_signature_method_the_hub_may_use_is_accepted() -> None:
    for method in ("sha1", "sha256", "sha384", "sha512"):
        with running_hub(method=method) as hub, running_subscriber() as subscriber:
            sub = new_subscription(1, hub.url, TOPIC, datetime.now(UTC))
            subscriber.request(sub)
            hub.wait_for(_has("verified"))
            assert hub.publish(TOPIC, b"<feed/>") == [202]
            assert subscriber.accepted == [b"<feed/>"], method


def test_forged_pushes_are_dropped_quietly() -> None:
    with running_hub() as hub, running_subscriber() as subscriber:
        sub = new_subscription(1, hub.url, TOPIC, datetime.now(UTC))
        subscriber.request(sub)
        hub.wait_for(_has("verified"))
        callback = subscriber.callback(sub)
        forged = httpx.post(
            callback, content=b"<feed>forged</feed>", headers={"X-Hub-Signature": sign(b"x", "guess")}
        )
        unsigned = httpx.post(callback, content=b"<feed>unsigned</feed>")
        assert (forged.status_code, unsigned.status_code) == (202, 202)  # a prober learns nothing
        assert subscriber.accepted == []
        assert subscriber.ignored == 2
        unknown = httpx.post(subscriber.base + "websub/no-such-callback", content=b"<feed/>")
        assert unknown.status_code == 410


def test_a_subscription_we_did_not_ask_for_is_not_confirmed() -> None:
    with running_hub() as hub, running_subscriber() as subscriber:
        sub = new_subscription(1, hub.url, TOPIC, datetime.now(UTC))
        subscriber.request(sub)
        hub.wait_for(_has("verified"))
        # Someone else asks the hub to unsubscribe our callback: verification fails.
        response = httpx.post(
            hub.url,
            data={"hub.mode": "unsubscribe", "hub.topic": TOPIC, "hub.callback": subscriber.callback(sub)},
        )
        assert response.status_code == 202
        hub.wait_for(_has("verify-failed"))
        assert hub.publish(TOPIC, b"<feed/>") == [202]  # still subscribed


def test_leaving_and_denial() -> None:
    with (
        running_hub(deny=frozenset({"https://news.example/denied"})) as hub,
        running_subscriber() as subscriber,
    ):
        sub = new_subscription(1, hub.url, TOPIC, datetime.now(UTC))
        subscriber.request(sub)
        hub.wait_for(_has("verified"))
        assert subscriber.request(subscriber.record(sub), mode="unsubscribe") == 202
        hub.wait_for(_has("unsubscribed"))
        assert subscriber.record(sub).state is PushState.UNSUBSCRIBED
        assert hub.publish(TOPIC, b"<feed/>") == []

        denied = new_subscription(2, hub.url, "https://news.example/denied", datetime.now(UTC))
        subscriber.request(denied)
        hub.wait_for(_has("denied"))
        assert subscriber.record(denied).state is PushState.DENIED
        assert Event("denied", denied.topic_url, subscriber.callback(denied), 200) in hub.events
