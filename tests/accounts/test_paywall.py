"""The paywall decision table and the preview in front of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsstand.accounts import AccessReason, decide_access, preview_html
from newsstand.accounts import membership as ms
from newsstand.errors import InvalidDataError
from newsstand.model import Article, LicenceTier, Membership, MembershipState, Publisher, Reader, Role

NOW = datetime(2026, 11, 15, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
READER = Reader(id=1, email="reader@example.org", created=NOW - 30 * DAY)
EDITOR = Reader(id=2, email="editor@example.org", created=NOW, role=Role.EDITOR)
ADMIN = Reader(id=3, email="admin@example.org", created=NOW, role=Role.ADMIN)
ARTICLE = Article(publisher_id="daily", url="https://daily.example/a", title="A", published=NOW, id=10)


def _publisher(tier: LicenceTier) -> Publisher:
    return Publisher("daily", "The Daily", "https://daily.example/", "GB", "en", licence_tier=tier)


def _memberships() -> dict[str, Membership | None]:
    trial = ms.start_trial(None, READER.id, NOW - DAY, 14)
    active = ms.grant(None, READER.id, NOW - DAY, NOW + 30 * DAY)
    return {
        "none": None,
        "trial": trial,
        "active": active,
        "open-ended": ms.grant(None, READER.id, NOW - DAY, None),
        "trial-over": ms.start_trial(None, READER.id, NOW - 20 * DAY, 14),
        "period-over": ms.grant(None, READER.id, NOW - 40 * DAY, NOW - 10 * DAY),
        "cancelled": ms.cancel(active, NOW - 1 * DAY),
    }


# (membership key, partner/premium outcome: full?, reason)
TABLE = [
    ("none", False, AccessReason.NO_MEMBERSHIP),
    ("trial", True, AccessReason.TRIAL),
    ("active", True, AccessReason.MEMBER),
    ("open-ended", True, AccessReason.MEMBER),
    ("trial-over", False, AccessReason.LAPSED),
    ("period-over", False, AccessReason.LAPSED),
    ("cancelled", False, AccessReason.CANCELLED),
]


@pytest.mark.parametrize("tier", [LicenceTier.PARTNER, LicenceTier.PREMIUM])
@pytest.mark.parametrize(("key", "full", "reason"), TABLE)
def test_member_states_on_paid_tiers(tier: LicenceTier, key: str, full: bool, reason: AccessReason) -> None:
    access = decide_access(READER, _memberships()[key], ARTICLE, _publisher(tier), NOW, preview_paragraphs=3)
    assert access.full is full
    assert access.reason is reason
    assert access.counts_for_payment is full  # every member read on a paid tier is counted
    if full:
        assert access.preview_paragraphs == 0
    else:
        # premium shows a shorter preview to non-members: the opening paragraphs only
        assert access.preview_paragraphs == (3 if tier is LicenceTier.PARTNER else 2)


@pytest.mark.parametrize(("tier", "teaser"), [(LicenceTier.PARTNER, 4), (LicenceTier.PREMIUM, 2)])
def test_anonymous_reader_gets_the_preview(tier: LicenceTier, teaser: int) -> None:
    access = decide_access(None, None, ARTICLE, _publisher(tier), NOW, preview_paragraphs=4)
    assert (access.full, access.reason, access.preview_paragraphs) == (False, AccessReason.ANONYMOUS, teaser)
    assert not access.counts_for_payment


@pytest.mark.parametrize("reader", [None, READER, EDITOR])
@pytest.mark.parametrize("key", ["none", "cancelled", "trial"])
def test_open_publishers_are_read_by_everyone_and_not_counted(reader: Reader | None, key: str) -> None:
    membership = _memberships()[key] if reader is READER else None
    access = decide_access(reader, membership, ARTICLE, _publisher(LicenceTier.OPEN), NOW)
    assert access.full and access.reason is AccessReason.OPEN_LICENCE
    assert not access.counts_for_payment


@pytest.mark.parametrize("staff", [EDITOR, ADMIN])
@pytest.mark.parametrize("tier", [LicenceTier.PARTNER, LicenceTier.PREMIUM])
def test_editors_and_admins_read_everything_uncounted(staff: Reader, tier: LicenceTier) -> None:
    access = decide_access(staff, None, ARTICLE, _publisher(tier), NOW)
    assert access.full and access.reason is AccessReason.STAFF
    assert not access.counts_for_payment


def test_time_moves_a_trial_member_behind_the_paywall() -> None:
    trial = ms.start_trial(None, READER.id, NOW, 14)
    publisher = _publisher(LicenceTier.PARTNER)
    assert decide_access(READER, trial, ARTICLE, publisher, NOW + 13 * DAY).full
    assert not decide_access(READER, trial, ARTICLE, publisher, NOW + 14 * DAY).full


def test_mismatched_inputs_are_refused() -> None:
    other = Publisher(
        "other", "Other", "https://other.example/", "GB", "en", licence_tier=LicenceTier.PARTNER
    )
    with pytest.raises(InvalidDataError):
        decide_access(READER, None, ARTICLE, other, NOW)
    strangers = Membership(reader_id=99, state=MembershipState.ACTIVE, started=NOW, ends=None)
    with pytest.raises(InvalidDataError):
        decide_access(READER, strangers, ARTICLE, _publisher(LicenceTier.PARTNER), NOW)
    with pytest.raises(InvalidDataError):
        decide_access(None, strangers, ARTICLE, _publisher(LicenceTier.PARTNER), NOW)


BODY = (
    "<h2>Heading</h2><p>First <em>para</em>.</p>"
    "<figure><img src='x.jpg'><figcaption><p>Caption</p></figcaption></figure>"
    "<div><p>Second.</p></div><p>   </p><aside><p>Related</p></aside><p>Third.</p><p>Fourth.</p>"
)


def test_preview_takes_the_first_paragraphs_of_the_text() -> None:
    assert preview_html(BODY, 2) == "<p>First <em>para</em>.</p><p>Second.</p>"
    assert preview_html(BODY, 3) == "<p>First <em>para</em>.</p><p>Second.</p><p>Third.</p>"
    assert preview_html(BODY, 10).count("<p>") == 4
    assert preview_html(BODY, 0) == ""
    assert preview_html("", 3) == ""


def test_preview_is_sanitized_again() -> None:
    hostile = '<p onclick="steal()">Hi<script>alert(1)</script><a href="javascript:x">link</a></p><p>Two</p>'
    out = preview_html(hostile, 1)
    assert "script" not in out and "onclick" not in out and "javascript:" not in out
    assert out.startswith("<p>Hi")
    assert "Two" not in out


def test_preview_of_plain_text_splits_blocks_and_escapes() -> None:
    out = preview_html("First block & more\n\nSecond <b>block</b>\n\nThird", 2)
    assert out == "<p>First block &amp; more</p><p>Second block</p>"


@pytest.mark.parametrize(("setting", "shown"), [(0, 0), (1, 1), (2, 1), (3, 2), (6, 3)])
def test_premium_preview_is_half_the_usual_and_never_nothing(setting: int, shown: int) -> None:
    access = decide_access(
        None, None, ARTICLE, _publisher(LicenceTier.PREMIUM), NOW, preview_paragraphs=setting
    )
    assert access.preview_paragraphs == shown


def test_preview_counts_inner_paragraphs_of_malformed_nesting() -> None:
    # Found by the property test: a shell paragraph holding two others counted as one.
    assert preview_html("<p><script></script><svg><p><p><p><p>0<p>0", 1) == "<p>0</p>"
