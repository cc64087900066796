"""Every kind of mail in plain text and HTML, with times in the reader's zone, named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsstand.errors import InvalidDataError, MailError
from newsstand.mail import (
    Composed,
    DigestItem,
    Recipient,
    build_message,
    daily_digest,
    email_verification,
    message_html,
    message_text,
    password_reset,
    payment_failed,
    receipt,
    trial_ending,
)
from newsstand.model import Money
from newsstand.timezones import local_time

T0 = datetime(2026, 11, 5, 6, 30, tzinfo=UTC)
BERLIN = Recipient("ann@example.org", "Ann", "Europe/Berlin")
KOLKATA = Recipient("ravi@example.org", "", "Asia/Kolkata")


def _all(to: Recipient) -> list[Composed]:
    item = DigestItem(
        "Storm <reaches> coast", "https://n.example/s/1", "Daily & Co", T0, "Winds of 120 km/h."
    )
    return [
        email_verification(to, "https://n.example/verify?t=abc", T0 + timedelta(days=2)),
        password_reset(to, "https://n.example/reset?t=abc", T0 + timedelta(hours=1)),
        trial_ending(
            to, T0 + timedelta(days=3), 3, "https://n.example/membership", [("Monthly", Money(900, "EUR"))]
        ),
        trial_ending(
            to, T0 + timedelta(days=1), 1, "https://n.example/membership", [("Yearly", Money(9000, "EUR"))]
        ),
        receipt(
            to,
            Money(900, "EUR"),
            "Monthly",
            T0,
            T0 + timedelta(days=30),
            "in_123",
            "https://n.example/account",
        ),
        payment_failed(to, Money(900, "EUR"), T0 + timedelta(days=7), "https://n.example/account/billing"),
        daily_digest(to, T0, [item], [], "https://n.example/digest/unsubscribe?t=xyz"),
    ]


@pytest.mark.parametrize("to", [BERLIN, KOLKATA], ids=["berlin", "kolkata"])
def test_every_kind_has_text_and_html_with_local_named_times(to: Recipient) -> None:
    for composed in _all(to):
        message = composed.message("Newsstand <n@example.org>", T0)
        text, html = message_text(message), message_html(message)
        assert text.strip() and html.startswith("<!doctype html>"), composed.kind
        zone_name = to.time_zone
        assert zone_name in text and zone_name in html, composed.kind
        assert "UTC" not in text, composed.kind  # nothing in storage time
        assert message["Auto-Submitted"] == "auto-generated"
        assert "\n" not in composed.subject


def test_times_are_the_readers_wall_clock() -> None:
    mail = password_reset(BERLIN, "https://n.example/r", T0 + timedelta(hours=1))
    assert "Thursday 5 November 2026, 08:30 CET (Europe/Berlin)" in mail.text
    summer = password_reset(BERLIN, "https://n.example/r", datetime(2026, 7, 1, 6, 30, tzinfo=UTC))
    assert "08:30 CEST (Europe/Berlin)" in summer.text
    assert local_time(T0, "Asia/Kolkata").endswith("12:00 IST (Asia/Kolkata)")


def test_subjects_and_amounts() -> None:
    by_kind = {c.subject: c for c in _all(BERLIN)}
    assert "Your free trial ends in 3 days" in by_kind and "Your free trial ends tomorrow" in by_kind
    assert "Your Newsstand receipt: 9.00 EUR" in by_kind
    assert "Newsstand for Thursday 5 November 2026" in by_kind
    assert "Yearly: 90.00 EUR" in by_kind["Your free trial ends tomorrow"].text


def test_html_escapes_what_publishers_and_readers_wrote_and_text_keeps_it() -> None:
    item = DigestItem("<script>alert(1)</script>", "https://n.example/a?x=1&y=2", "P", T0)
    digest = daily_digest(Recipient("a@example.org", "<b>Eve</b>"), T0, [item], [], "https://n.example/u")
    assert "<script>" not in digest.html and "&lt;script&gt;" in digest.html
    assert "<b>Eve</b>" not in digest.html
    assert "https://n.example/a?x=1&amp;y=2" in digest.html
    assert "<script>alert(1)</script>" in digest.text and "https://n.example/a?x=1&y=2" in digest.text


def test_the_digest_offers_one_click_unsubscribe() -> None:
    digest = daily_digest(BERLIN, T0, [], [], "https://n.example/digest/unsubscribe?t=xyz")
    message = digest.message("n@example.org", T0)
    assert message["List-Unsubscribe"] == "<https://n.example/digest/unsubscribe?t=xyz>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "No top stories this morning." in digest.text


def test_bad_input_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(InvalidDataError, match="time zone"):
        Recipient("a@example.org", time_zone="Mars/Olympus")
    with pytest.raises(MailError):
        build_message("n@example.org", "a@example.org", "Hi\nBcc: victim@example.org", "body")
    with pytest.raises(InvalidDataError):
        password_reset(BERLIN, "https://n.example/r", datetime(2026, 11, 5, 6, 30))  # naive time
