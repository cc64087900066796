"""The subscriber's side of WebSub, as pure steps over ``PushSubscription`` records.

``new_subscription`` makes the record, ``subscribe_form`` the body of the request to
the hub, ``answer_intent`` the reply to the hub's verification GET, ``judge_push`` the
verdict on a pushed body. Sending requests and storing records is the caller's.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from newsstand.errors import InvalidDataError
from newsstand.ingest.websub.signature import verify_signature
from newsstand.model import PushState, PushSubscription

DEFAULT_LEASE_SECONDS = 7 * 24 * 3600  # asked for; the hub decides what it grants
MAX_SECRET_BYTES = 199  # the spec: "less than 200 bytes"


def new_subscription(feed_id: int, hub_url: str, topic_url: str, now: datetime) -> PushSubscription:
    """A REQUESTED record with a fresh random secret and callback id.

    Raises InvalidDataError when the hub or topic is not an absolute http(s) URL.
    """
    for name, url in (("hub", hub_url), ("topic", topic_url)):
        _require_web(name, url)
    return PushSubscription(
        feed_id=feed_id,
        hub_url=hub_url,
        topic_url=topic_url,
        callback_id=secrets.token_urlsafe(24),
        secret=secrets.token_hex(32),
        state=PushState.REQUESTED,
        requested=now,
    )


def subscribe_form(
    sub: PushSubscription,
    callback_url: str,
    mode: str = "subscribe",
    lease_seconds: int = DEFAULT_LEASE_SECONDS,
) -> dict[str, str]:
    """The form fields of a (un)subscribe request to ``sub.hub_url``.

    Raises InvalidDataError for an unknown mode, a callback that is not absolute
    http(s), or a secret the spec does not allow.
    """
    if mode not in ("subscribe", "unsubscribe"):
        raise InvalidDataError(f"hub.mode must be subscribe or unsubscribe, got {mode!r}")
    _require_web("callback", callback_url)
    form = {"hub.mode": mode, "hub.topic": sub.topic_url, "hub.callback": callback_url}
    if mode == "subscribe":
        if not sub.secret or len(sub.secret.encode("utf-8")) > MAX_SECRET_BYTES:
            raise InvalidDataError("a WebSub secret must be 1 to 199 bytes")
        form["hub.secret"] = sub.secret
        form["hub.lease_seconds"] = str(lease_seconds)
    return form


def resubscribing(sub: PushSubscription, now: datetime) -> PushSubscription:
    """The record after a (re)subscribe request was sent: waiting for verification again.

    An active lease stays active until it ends or the hub verifies the renewal."""
    if sub.state is PushState.ACTIVE:
        return replace(sub, requested=now)
    return replace(sub, state=PushState.REQUESTED, requested=now)


def unsubscribing(sub: PushSubscription, now: datetime) -> PushSubscription:
    """The record once we decide to leave: pushes are refused (410) from now on, and the
    hub's unsubscribe verification is confirmed."""
    return replace(sub, state=PushState.UNSUBSCRIBED, requested=now)


def request_failed(sub: PushSubscription, now: datetime, error: str) -> PushSubscription:
    """The record after the hub answered a request with an error or could not be reached."""
    state = sub.state if sub.state is PushState.ACTIVE else PushState.DENIED
    return replace(sub, state=state, requested=now, failures=sub.failures + 1, last_error=error[:500])


@dataclass(frozen=True, slots=True)
class IntentAnswer:
    """The reply to a hub's verification request, and the record as it stands after it."""

    status: int
    body: str
    sub: PushSubscription


def answer_intent(sub: PushSubscription, params: Mapping[str, str], now: datetime) -> IntentAnswer:
    """Reply to the hub's GET on our callback (WebSub 5.3) or to its denial (5.2).

    The challenge is echoed only for a request we made: subscribe while we want the
    subscription, unsubscribe once we asked to leave, and only for our topic. Anything
    else gets 404, so nobody can subscribe or unsubscribe us on our behalf.
    """
    mode = params.get("hub.mode", "")
    if params.get("hub.topic") != sub.topic_url:
        return IntentAnswer(404, "", sub)
    if mode == "denied":
        reason = params.get("hub.reason", "")[:500]
        return IntentAnswer(200, "", replace(sub, state=PushState.DENIED, last_error=f"denied: {reason}"))
    challenge = params.get("hub.challenge", "")
    if not challenge:
        return IntentAnswer(400, "", sub)
    if mode == "unsubscribe":
        ok = sub.state is PushState.UNSUBSCRIBED
        return IntentAnswer(200, challenge, sub) if ok else IntentAnswer(404, "", sub)
    if mode != "subscribe" or sub.state not in (PushState.REQUESTED, PushState.ACTIVE):
        return IntentAnswer(404, "", sub)
    try:
        lease = int(params.get("hub.lease_seconds", ""))
    except ValueError:
        return IntentAnswer(400, "", sub)
    if lease <= 0:
        return IntentAnswer(400, "", sub)
    verified = replace(
        sub,
        state=PushState.ACTIVE,
        lease_seconds=lease,
        verified=now,
        expires=now + timedelta(seconds=lease),
        failures=0,
        last_error="",
    )
    return IntentAnswer(200, challenge, verified)


class PushVerdict(enum.StrEnum):
    """What to do with a pushed body; ``status`` is the answer to give the hub."""

    ACCEPT = "accept"  # signed with our secret: store the content
    IGNORE = "ignore"  # bad or missing signature: drop it, but answer as if accepted (spec 8)
    GONE = "gone"  # no live subscription behind this callback: 410 tells the hub to stop

    @property
    def status(self) -> int:
        return 410 if self is PushVerdict.GONE else 202


def judge_push(sub: PushSubscription | None, signature: str | None, body: bytes) -> PushVerdict:
    """ACCEPT only a body signed with the subscription's secret while it is subscribed."""
    if sub is None or sub.state in (PushState.UNSUBSCRIBED, PushState.DENIED):
        return PushVerdict.GONE
    if not verify_signature(signature, body, sub.secret):
        return PushVerdict.IGNORE
    return PushVerdict.ACCEPT


def _require_web(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidDataError(f"{name} must be an absolute http(s) URL, got {url!r}")
