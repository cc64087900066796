"""Saved articles, follows and For you; the admin pages and who may use them."""

from __future__ import annotations

from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.model import MembershipState, Role
from newsstand.store import SqlStore

from .conftest import Edition, make_reader, post_form, sign_in


def test_save_list_offline_and_unsave(client: TestClient, services: Services, edition: Edition) -> None:
    make_reader(services, "saver@example.org")
    sign_in(client, "saver@example.org")
    article = f"/article/{edition.articles['paid']}"
    response = post_form(client, article, f"/saved/{edition.articles['paid']}", {"next": article})
    assert response.headers["location"] == f"{article}?msg=saved"
    assert (
        'data-sync-saved="1"' in client.get(f"{article}?msg=saved").text
    )  # the worker refreshes offline copies
    assert "Glacier survey" in client.get("/saved").text
    assert client.get("/saved/offline.json").json() == {"urls": [article]}
    post_form(client, "/saved", f"/saved/{edition.articles['paid']}/remove", {"next": "/saved"})
    assert client.get("/saved/offline.json").json() == {"urls": []}


def test_follow_fills_for_you_with_reasons(client: TestClient, services: Services, edition: Edition) -> None:
    make_reader(services, "follower@example.org")
    sign_in(client, "follower@example.org")
    assert "Pick what interests you" in client.get("/").text  # a new reader is asked first
    post_form(
        client,
        "/publisher/northern-ledger",
        "/follow",
        {"kind": "publisher", "value": "northern-ledger", "action": "follow", "next": "/"},
    )
    post_form(
        client,
        "/section/Business",
        "/follow",
        {"kind": "section", "value": "Business", "action": "follow", "next": "/"},
    )
    html = client.get("/").text
    for_you = html.split('id="foryou-h"')[1].split("</section>")[0]
    assert "Because you follow Northern Ledger" in for_you
    assert "Because you follow Business" in for_you
    assert "Following Northern Ledger" in client.get("/publisher/northern-ledger").text
    assert client.post("/follow", data={"kind": "x"}).status_code == 403  # no token


def test_history_lists_reads(client: TestClient, services: Services, edition: Edition) -> None:
    make_reader(services, "history@example.org")
    sign_in(client, "history@example.org")
    client.get(f"/article/{edition.articles['open']}")
    assert "Harbour cranes return" in client.get("/history").text


def test_admin_pages_are_for_operators(client: TestClient, services: Services, edition: Edition) -> None:
    make_reader(services, "plain@example.org")
    sign_in(client, "plain@example.org")
    for path in ("/admin/sources", "/admin/members", "/admin/report", "/admin/picks", "/admin/report.csv"):
        assert client.get(path).status_code == 403, path


def test_sources_page_shows_health_chart_and_failing_first(
    client: TestClient, services: Services, edition: Edition, web_store: SqlStore
) -> None:
    from .test_pages import seed_failing_feed

    seed_failing_feed(web_store)
    make_reader(services, "ops@example.org", role=Role.ADMIN)
    sign_in(client, "ops@example.org")
    html = client.get("/admin/sources").text
    assert html.index("https://quiet.example/rss") < html.index("https://harbour-post.example/world.xml")
    assert "name resolution failed" in html
    assert '<svg class="chart"' in html and 'class="chart-bad"' in html
    assert "Ingestion is not running in this process" in html
    assert "WebSub push is off" in html and "NEWSSTAND_BASE_URL" in html


def test_operator_adds_and_disables_a_feed(
    client: TestClient, services: Services, edition: Edition, web_store: SqlStore
) -> None:
    make_reader(services, "ops2@example.org", role=Role.ADMIN)
    sign_in(client, "ops2@example.org")
    response = post_form(
        client,
        "/admin/sources",
        "/admin/feeds",
        {
            "url": "https://harbour-post.example/business.xml",
            "publisher_id": "harbour-post",
            "section": "Business",
        },
    )
    assert response.headers["location"] == "/admin/sources?msg=feed-added"
    feed = web_store.get_feed_by_url("https://harbour-post.example/business.xml")
    post_form(client, "/admin/sources", f"/admin/feeds/{feed.id}/enabled", {"enabled": "0"})
    assert not web_store.get_feed(feed.id).enabled  # type: ignore[arg-type]
    assert (
        post_form(
            client,
            "/admin/sources",
            "/admin/feeds",
            {"url": "file:///etc/passwd", "publisher_id": "harbour-post"},
        ).status_code
        == 400
    )


def test_editor_picks_an_article_for_the_front_page(
    client: TestClient, services: Services, edition: Edition
) -> None:
    make_reader(services, "editor@example.org", role=Role.EDITOR)
    sign_in(client, "editor@example.org")
    article = f"/article/{edition.articles['business']}"
    response = post_form(
        client,
        article,
        "/admin/picks",
        {"article_id": str(edition.articles["business"]), "note": "Worth your time", "next": article},
    )
    assert response.status_code == 303
    picks = client.get("/").text.split('id="picks-h"')[1].split("</section>")[0]
    assert "Ferry operator orders two electric vessels" in picks and "Worth your time" in picks
    assert client.get("/admin/sources").status_code == 403  # editors curate picks only


def test_operator_manages_memberships_and_downloads_the_report(
    client: TestClient, services: Services, edition: Edition
) -> None:
    member = make_reader(services, "member@example.org", trial=False)
    make_reader(services, "ops3@example.org", role=Role.ADMIN)
    sign_in(client, "ops3@example.org")
    post_form(client, "/admin/members", f"/admin/members/{member.id}", {"action": "grant", "days": "30"})
    assert services.membership.membership_state(member.id) is MembershipState.ACTIVE
    post_form(client, "/admin/members", f"/admin/members/{member.id}", {"action": "end"})
    assert services.membership.membership_state(member.id) is MembershipState.CANCELLED
    csv = client.get("/admin/report.csv?month=2026-11")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "publisher_id,publisher,reads,unique_readers"
    assert client.get("/admin/report?month=2026-13").status_code == 400
