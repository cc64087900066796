"""The paywall: what anonymous, trial, and lapsed readers see, and that full reads are recorded."""

from __future__ import annotations

from starlette.testclient import TestClient

from newsstand.app import Services

from .conftest import Clock, Edition, make_reader, sign_in

PAYWALL_TEXTS = ("Sign up to read this article", "Start your 14-day free trial", "Already a member?")


def test_anonymous_reader_meets_the_paywall(client: TestClient, edition: Edition) -> None:
    html = client.get(f"/article/{edition.articles['paid']}").text
    for text in PAYWALL_TEXTS:
        assert text in html
    assert "Glacier survey finds meltwater lakes growing" in html and "A standfirst about glaciers." in html
    assert "Paragraph 3 about glaciers" in html  # preview_paragraphs = 3
    assert "Paragraph 4 about glaciers" not in html
    assert 'class="body preview"' in html
    assert "dialog" not in html and "modal" not in html  # one box in the page, no overlay


def test_open_publisher_is_read_in_full_by_anyone(client: TestClient, edition: Edition) -> None:
    html = client.get(f"/article/{edition.articles['open']}").text
    assert "Paragraph 8 about cranes" in html and "Sign up to read this article" not in html


def test_trial_member_reads_everything_and_the_read_is_recorded(
    client: TestClient, edition: Edition, services: Services
) -> None:
    reader = make_reader(services, "trial@example.org")
    sign_in(client, "trial@example.org")
    html = client.get(f"/article/{edition.articles['paid']}").text
    assert "Paragraph 8 about glaciers" in html and "Sign up to read this article" not in html
    history = services.reading.history(reader.id)
    assert [item.article.id for item in history] == [edition.articles["paid"]]
    report = services.membership.reading_report("2026-11")
    assert [(row.publisher_id, row.reads) for row in report] == [("northern-ledger", 1)]


def test_lapsed_member_sees_the_preview_again(
    client: TestClient, edition: Edition, services: Services, clock: Clock
) -> None:
    make_reader(services, "lapsing@example.org")
    sign_in(client, "lapsing@example.org")
    clock.advance(days=15)  # the 14-day trial is over
    html = client.get(f"/article/{edition.articles['paid']}").text
    assert "Paragraph 4 about glaciers" not in html
    assert "Your membership has ended" not in html  # the article page only shows the paywall box
    assert 'id="paywall-h"' in html


def test_signed_in_reader_without_membership_can_start_the_trial_from_the_paywall(
    client: TestClient, edition: Edition, services: Services
) -> None:
    make_reader(services, "notrial@example.org", trial=False)
    sign_in(client, "notrial@example.org")
    page = client.get(f"/article/{edition.articles['paid']}").text
    assert "Start your 14-day free trial" in page and 'action="/membership/trial"' in page
    from .conftest import csrf_from

    response = client.post(
        "/membership/trial",
        data={"csrf_token": csrf_from(page), "next": f"/article/{edition.articles['paid']}"},
    )
    assert response.status_code == 303
    assert "Paragraph 8 about glaciers" in client.get(response.headers["location"]).text


def test_paywalled_liveblog_shows_summary_and_first_entries_only(
    client: TestClient, edition: Edition
) -> None:
    html = client.get(f"/live/{edition.live_id}").text
    assert "What we know so far" in html  # the pinned summary is free to read
    assert "Sign up to read this article" in html
    assert "data-live-events" not in html  # no live stream behind the paywall


def test_reader_whose_trial_ended_is_offered_renewal_not_another_trial(
    client: TestClient, edition: Edition, services: Services, clock: Clock
) -> None:
    # A trial is given once: after it, the box must not offer one (the button would only
    # lead to a refusal), but the way to membership.
    make_reader(services, "ended@example.org")
    sign_in(client, "ended@example.org")
    clock.advance(days=15)
    html = client.get(f"/article/{edition.articles['paid']}").text
    assert "Your free trial or membership has ended" in html
    assert "Start your 14-day free trial" not in html and 'action="/membership/trial"' not in html
    assert 'href="/membership"' in html
