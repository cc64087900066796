"""Rough edges a new reader met on the web pages (issue 15): each test failed before its fix."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.model import Article, Image, Role
from newsstand.store import SqlStore

from .conftest import NOW, Edition, make_reader, post_form, sign_in


def main_of(html: str) -> str:
    return html.split("<main", 1)[-1].split("</main>", 1)[0]


def test_a_made_up_reset_link_says_so_at_once(client: TestClient) -> None:
    page = client.get("/account/reset/garbage")
    main = main_of(page.text)
    assert page.status_code == 404
    assert "<form" not in main and 'type="password"' not in main
    assert len(re.findall(r'role="alert"', main)) == 1
    assert main.count("expired") == 1, "one message, said once"
    assert 'href="/account/reset"' in main


def test_a_used_reset_link_offers_no_form(client: TestClient, services: Services) -> None:
    make_reader(services, "again@example.org")
    post_form(client, "/account/reset", "/account/reset", {"email": "again@example.org"})
    services.jobs.deliver_mail()
    from newsstand.mail import list_outbox, outbox_folder

    text = list_outbox(outbox_folder(services.accounts.settings))[-1].read().as_string()
    link = re.search(r"/account/reset/[\w\-]+", text.replace("=\n", ""))
    assert link
    fresh = client.get(link.group(0))
    assert fresh.status_code == 200 and 'type="password"' in fresh.text
    post_form(client, link.group(0), link.group(0), {"password": "a brand new password"})
    used = client.get(link.group(0))
    assert used.status_code == 404 and "<form" not in main_of(used.text)


def test_our_picks_with_an_unknown_article_is_a_form_error(
    client: TestClient, services: Services, edition: Edition
) -> None:
    make_reader(services, "picker@example.org", role=Role.EDITOR)
    sign_in(client, "picker@example.org")
    for raw in ("987654", "99999999999999999999999", "abc"):
        answer = post_form(client, "/admin/picks", "/admin/picks", {"article_id": raw, "note": "Look"})
        main = main_of(answer.text)
        assert answer.status_code == 400
        assert "Page not found" not in answer.text
        assert 'class="form-error"' in main or 'role="alert"' in main
        assert 'name="article_id"' in main, "the form is shown again"


HOSTILE = ['"', "*", "OR", "\x00", "-", "AND OR NOT", "NEAR(", "'; DROP TABLE articles; --", "x" * 600]


def test_whatever_is_typed_into_search_gets_a_friendly_page(client: TestClient, edition: Edition) -> None:
    for text in HOSTILE:
        page = client.get("/search", params={"q": text})
        assert page.status_code == 200, text
        assert "Type a word or two" in page.text or "Nothing matched" in page.text, text
    for params in (
        {"q": "glacier", "since": "2026-13-45"},
        {"q": "glacier", "until": "yesterday"},
        {"q": "glacier", "cursor": "not-a-cursor"},
        {"q": "glacier", "sort": "sideways"},
        {"q": "glacier", "since": "2026-11-30", "until": "2026-11-01"},
        {"q": "\x00", "section": "Science"},
    ):
        page = client.get("/search", params=params)
        assert page.status_code == 200, params
        assert "Glacier survey finds meltwater lakes growing" in page.text, params
    swapped = client.get("/search", params={"q": "glacier", "since": "2026-11-30", "until": "2026-11-01"})
    assert "wrong way round" in swapped.text


def test_filters_without_words_browse_the_section(client: TestClient, edition: Edition) -> None:
    page = client.get("/search", params={"section": "Business"})
    assert page.status_code == 200
    assert "Ferry operator orders two electric vessels" in page.text
    assert "Glacier survey" not in page.text


def test_search_forgives_accents_and_endings_and_sorts_by_date(client: TestClient, edition: Edition) -> None:
    assert "Ferry operator orders" in client.get("/search", params={"q": "fërries"}).text
    newest = client.get("/search", params={"q": "about", "sort": "newest"}).text
    assert newest.index("Harbour cranes return") < newest.index("Ferry operator orders")
    assert '<option value="newest" selected>' in newest


def test_language_filter_shows_names_and_landmarks_are_unique(client: TestClient, edition: Edition) -> None:
    page = client.get("/search", params={"q": "glacier"}).text
    assert '<option value="de">German (Deutsch)</option>' in page
    assert '<option value="en">English</option>' in page
    labels = re.findall(r'role="search"[^>]*aria-label="([^"]+)"', page)
    assert len(labels) == 2 and len(set(labels)) == 2


def test_a_members_snippet_never_reaches_a_reader_without_access(
    client: TestClient, services: Services, web_store: SqlStore, edition: Edition
) -> None:
    hidden = "lanthanum"
    paragraphs = [f"<p>Paragraph {i} on the glacier survey.</p>" for i in range(6)]
    paragraphs.append(f"<p>The last paragraph names the {hidden} deposit.</p>")
    web_store.upsert_article(
        Article(
            publisher_id="northern-ledger",
            url="https://northern-ledger.example/deposit",
            title="Survey of the ice",
            published=NOW - timedelta(hours=1),
            body_html="".join(paragraphs),
            body_text=" ".join(re.sub("<[^>]+>", "", p) for p in paragraphs),
            language="en",
            full_text=True,
        )
    )
    make_reader(services, "member@example.org")  # on the free trial: full access
    sign_in(client, "member@example.org")
    member_page = client.get("/search", params={"q": hidden}).text
    assert f"<mark>{hidden}</mark>" in member_page
    client.cookies.clear()
    anonymous = client.get("/search", params={"q": hidden}).text
    assert "Survey of the ice" in anonymous, "the article is found"
    assert hidden not in main_of(anonymous).replace(f'value="{hidden}"', ""), (
        "but its hidden words are not shown"
    )


def test_live_blog_meta_description_paywall_and_sidebar(
    client: TestClient, web_store: SqlStore, edition: Edition
) -> None:
    live = web_store.get_article(edition.live_id)
    web_store.upsert_article(replace(live, standfirst="", images=(Image("https://img.example/bay.jpg"),)))
    page = client.get(f"/live/{edition.live_id}").text
    description = re.search(r'<meta name="description" content="([^"]*)"', page)
    assert description and description.group(1).strip(), "a live blog always has a description"
    assert "Winds are easing" in description.group(1)  # from the pinned summary
    main = main_of(page)
    # Anonymous readers of the partner blog get the preview: no fading box above the paywall.
    assert 'class="timeline preview"' not in main and "preview-entries" in main
    # The key-events sidebar starts the layout, beside the photo rather than below it.
    layout = main.split('class="live-layout"', 1)[1]
    assert layout.index("Key events") < layout.index("bay.jpg")
    assert "bay.jpg" not in main.split('class="live-layout"', 1)[0]


def many_feeds(store: SqlStore, count: int) -> None:
    """``count`` feeds of one publisher, every third one failing with the same DNS error."""
    from newsstand.model import Feed, FeedState, FetchRecord, Publisher

    store.add_publisher(Publisher("wide-wire", "Wide Wire", "https://wide.example", "GB", "en"))
    for n in range(count):
        feed = store.add_feed(Feed(f"https://wide.example/feed-{n}.xml", "wide-wire", "Sport"))
        assert feed.id is not None
        error = "[Errno -2] Name or service not known" if n % 3 == 0 else ""
        failures = 6 if error and n % 2 else (1 if error else 0)
        record = FetchRecord(
            feed.id, NOW, None if error else 200, 5.0, 0, error=error, consecutive_failures=failures
        )
        state = FeedState(
            feed.id,
            last_fetched=NOW,
            last_success=None if error else NOW,
            consecutive_failures=failures,
            last_error=error,
            failing=failures >= 5,
        )
        store.record_fetch(record, state)


def test_admin_sources_counts_agree_with_filtered_rows_and_page(
    client: TestClient, services: Services, web_store: SqlStore, edition: Edition
) -> None:
    many_feeds(web_store, 130)
    make_reader(services, "ops-sources@example.org", role=Role.ADMIN)
    sign_in(client, "ops-sources@example.org")
    page = client.get("/admin/sources").text
    main = main_of(page)
    assert "`" not in main
    assert main.index("Add a feed") < main.index("Feeds, worst first")
    found = re.findall(r">(\d+) (failing|erroring|disabled|never fetched|ok)</a>", main)
    counts = {state: int(n) for n, state in found}
    assert sum(counts.values()) == 132  # the edition's two feeds and the 130 added
    assert main.count("<tr>") - 1 == 50, "a page of 50 feeds"
    for state, n in counts.items():
        filtered = main_of(client.get("/admin/sources", params={"state": state}).text)
        if n:
            assert f"of {n}" in filtered, state
        rows_seen = 0
        for number in range(1, 5):
            listed = main_of(client.get("/admin/sources", params={"state": state, "page": str(number)}).text)
            rows_seen += len(re.findall(r"<tr>\s*<td>", listed))
            if 'rel="next"' not in listed:
                break
        assert rows_seen == n, state
    narrowed = main_of(
        client.get("/admin/sources", params={"publisher": "wide-wire", "q": "feed-12.xml"}).text
    )
    assert "Feeds 1–1 of 1 matching" in narrowed and "https://wide.example/feed-12.xml" in narrowed
    by_section = main_of(client.get("/admin/sources", params={"section": "Science"}).text)
    assert "of 1 matching" in by_section and "northern-ledger" in by_section
    for junk in ({"page": "999999999999"}, {"state": "bogus"}, {"page": "-1"}):
        assert client.get("/admin/sources", params=junk).status_code == 200


def test_publisher_page_tells_readers_nothing_about_admin(
    client: TestClient, services: Services, web_store: SqlStore, edition: Edition
) -> None:
    many_feeds(web_store, 3)
    html = main_of(client.get("/publisher/wide-wire").text)
    assert "Admin" not in html and "Errno" not in html and "health" not in html
