"""WebSub (W3C Recommendation, 2018) for the subscriber: pure protocol steps.

- ``discovery``  hubs and topic from ``Link`` headers and the feed's own links
- ``protocol``   subscription records, the request to the hub, answering its
  verification, judging pushed bodies
- ``signature``  ``X-Hub-Signature`` HMACs (sha1, sha256, sha384, sha512)
- ``lease``      when to renew or retry, and whether pushes are flowing

Records are ``model.PushSubscription``; storing them, the HTTP calls to hubs and the
callback route belong to the layers above.
"""

from newsstand.ingest.websub.discovery import Discovery, FeedLinks, discover, feed_links, parse_link_header
from newsstand.ingest.websub.lease import push_active, renew_at, retry_delay, subscribe_due
from newsstand.ingest.websub.protocol import (
    IntentAnswer,
    PushVerdict,
    answer_intent,
    judge_push,
    new_subscription,
    request_failed,
    resubscribing,
    subscribe_form,
    unsubscribing,
)
from newsstand.ingest.websub.signature import HEADER, METHODS, sign, verify_signature

__all__ = [
    "HEADER",
    "METHODS",
    "Discovery",
    "FeedLinks",
    "IntentAnswer",
    "PushVerdict",
    "answer_intent",
    "discover",
    "feed_links",
    "judge_push",
    "new_subscription",
    "parse_link_header",
    "push_active",
    "renew_at",
    "request_failed",
    "resubscribing",
    "retry_delay",
    "sign",
    "subscribe_due",
    "subscribe_form",
    "unsubscribing",
    "verify_signature",
]
