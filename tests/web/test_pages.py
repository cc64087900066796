"""Every reader page renders from a real SQLite store, with what the page promises on it."""

from __future__ import annotations

import re
from dataclasses import replace

from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.model import FeedState, FetchRecord, Image, Role
from newsstand.store import SqlStore

from .conftest import NOW, Edition, sign_in


def test_home_lists_top_stories_latest_and_sections(client: TestClient, edition: Edition) -> None:
    html = client.get("/").text
    assert 'id="top-h">Top stories' in html
    # No story grouping ran, so the fallback spans both publishers with their newest articles.
    top = html.split('id="top-h"')[1].split("</section>")[0]
    assert "Harbour Post" in top and "Northern Ledger" in top
    assert 'id="latest-h">Latest' in html
    assert "Glacier survey finds meltwater lakes growing" in html
    assert 'href="/section/World"' in html
    assert 'class="skip-link" href="#main"' in html and '<main id="main"' in html


def test_home_empty_state_keeps_fetch_errors_from_readers(
    client: TestClient, web_store: SqlStore, services: Services
) -> None:
    seed_failing_feed(web_store)
    html = client.get("/").text
    assert "No articles yet" in html
    assert "name resolution failed" not in html and "Admin" not in html.split("<main", 1)[1]
    services.accounts.sign_up("ops-home@example.org", "correct horse battery", role=Role.ADMIN)
    sign_in(client, "ops-home@example.org")
    operator = client.get("/").text
    assert "1 feed failed so far" in operator and 'href="/admin/sources?state=erroring"' in operator
    assert "newsstand serve --sample" in operator and "name resolution failed" not in operator


def seed_failing_feed(store: SqlStore) -> None:
    from newsstand.model import Feed, Publisher

    store.add_publisher(Publisher("quiet-times", "Quiet Times", "https://quiet.example", "FR", "fr"))
    feed = store.add_feed(Feed("https://quiet.example/rss", "quiet-times", "World"))
    assert feed.id is not None
    record = FetchRecord(feed.id, NOW, None, 5.0, 0, error="name resolution failed", consecutive_failures=1)
    store.record_fetch(
        record,
        FeedState(feed.id, last_fetched=NOW, consecutive_failures=1, last_error="name resolution failed"),
    )


def test_article_page_shows_meta_times_image_and_body(client: TestClient, edition: Edition) -> None:
    html = client.get(f"/article/{edition.articles['open']}").text
    assert '<a class="publisher" href="/publisher/harbour-post">Harbour Post</a>' in html
    assert '<a class="section" href="/section/World">World</a>' in html
    assert "<h1" in html and "Harbour cranes return after the long strike" in html
    assert "By Ada Quill, Ben Oar" in html
    assert '<time datetime="2026-11-20T10:00:00Z" title="20 Nov 2026, 10:00 UTC">2 h ago</time>' in html
    assert re.search(
        r'<img src="https://img.example/lead.jpg"[^>]*width="1200" height="675" loading="lazy"', html
    )
    assert '<span class="credit">Photograph: Test Desk</span>' in html
    assert "Paragraph 8 about cranes" in html  # open publisher: the whole body


def test_a_photo_without_an_address_shows_its_caption_and_credit(
    client: TestClient, web_store: SqlStore, edition: Edition
) -> None:
    article = web_store.get_article(edition.articles["open"])
    photo = Image("", "Cranes at dawn.", "Photograph: Test Desk")
    web_store.upsert_article(replace(article, images=(photo,)))
    html = client.get(f"/article/{article.id}").text
    figure = html.split("<figure>", 1)[1].split("</figure>", 1)[0]
    assert "<img" not in figure
    assert "Cranes at dawn." in figure and '<span class="credit">Photograph: Test Desk</span>' in figure


def test_liveblog_page_pins_summary_and_lists_key_events(
    client: TestClient, edition: Edition, services: Services
) -> None:
    from .conftest import make_reader, sign_in

    make_reader(services, "live@example.org")  # type: ignore[arg-type]
    sign_in(client, "live@example.org")
    html = client.get(f"/live/{edition.live_id}").text
    pinned = html.index('class="pinned"')
    timeline = html.index('class="timeline"')
    assert pinned < timeline and "What we know so far" in html[pinned:timeline]
    assert '<a href="#entry-e1">' in html and '<a href="#entry-e3">' in html  # key events link to anchors
    assert (
        html.index('id="entry-e3"') < html.index('id="entry-e2"') < html.index('id="entry-e1"')
    )  # newest first
    assert 'class="badge updated">Updated' in html
    assert f'data-live-events="/live/{edition.live_id}/events?since=' in html
    assert 'id="new-updates"' in html and "hidden" in html


def test_article_and_live_urls_redirect_to_the_right_kind(client: TestClient, edition: Edition) -> None:
    assert client.get(f"/article/{edition.live_id}").headers["location"] == f"/live/{edition.live_id}"
    assert (
        client.get(f"/live/{edition.articles['open']}").headers["location"]
        == f"/article/{edition.articles['open']}"
    )


def test_search_with_filter_highlights_and_filters(client: TestClient, edition: Edition) -> None:
    html = client.get("/search", params={"q": "glacier"}).text
    assert "Glacier survey finds meltwater lakes growing" in html
    assert "<mark>" in html
    filtered = client.get("/search", params={"q": "glacier", "publisher": "harbour-post"}).text
    assert "Glacier survey" not in filtered and "Nothing matched" in filtered
    bad_date = client.get("/search", params={"q": "glacier", "since": "not-a-date"})
    assert bad_date.status_code == 200 and "is not a date" in bad_date.text


def test_search_paginates_by_cursor(client: TestClient, web_store: SqlStore, edition: Edition) -> None:
    from dataclasses import replace

    base = web_store.get_article(edition.articles["business"])
    for i in range(25):
        web_store.upsert_article(
            replace(
                base,
                id=None,
                url=f"https://harbour-post.example/f{i}",
                guid="",
                title=f"Ferry timetable number {i}",
            )
        )
    first = client.get("/search", params={"q": "ferry"}).text
    match = re.search(r'href="(/search\?[^"]*cursor=[^"]+)" rel="next"', first)
    assert match, "first page links to the next"
    second = client.get(match.group(1).replace("&amp;", "&")).text
    titles_first = set(re.findall(r"Ferry timetable number \d+", first))
    titles_second = set(re.findall(r"Ferry timetable number \d+", second))
    assert titles_second and not titles_first & titles_second


def test_publisher_and_section_pages(client: TestClient, edition: Edition) -> None:
    html = client.get("/publisher/harbour-post").text
    assert "Harbour Post" in html and "Ferry operator orders two electric vessels" in html
    assert "Glacier survey" not in html
    section = client.get("/section/Science").text
    assert "Glacier survey" in section and "Ferry operator" not in section
    assert client.get("/publisher/nobody").status_code == 404
    assert "Harbour Post" in client.get("/publishers").text
    # A section is found whatever its case; one nobody lists is not offered to follow.
    assert "Glacier survey" in client.get("/section/science").text
    missing = client.get("/section/Nonexistent")
    assert missing.status_code == 404 and "follow" not in missing.text.lower().split("<main", 1)[1]


def test_unknown_pages_are_404_pages(client: TestClient, edition: Edition) -> None:
    huge = "9" * 30  # past 64 bits: still just a page that does not exist
    for path in (
        "/article/999999",
        "/live/999999",
        "/no-such-page",
        "/article/abc",
        "/live/abc",
        f"/article/{huge}",
        f"/live/{huge}",
        f"/live/{huge}/events",
        "/article/-1",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "<main" in response.text


def test_pwa_manifest_service_worker_and_offline_page(client: TestClient) -> None:
    manifest = client.get("/manifest.webmanifest").json()
    assert manifest["display"] == "standalone" and {i["sizes"] for i in manifest["icons"]} >= {
        "192x192",
        "512x512",
    }
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200
    sw = client.get("/sw.js")
    assert sw.headers["content-type"].startswith("text/javascript") and "saved/offline.json" in sw.text
    assert client.get("/offline").status_code == 200


def test_pages_stay_light(client: TestClient, edition: Edition) -> None:
    html = client.get("/").text
    css = re.search(r'href="(/static/app.css\?v=\w+)"', html)
    js = re.search(r'src="(/static/app.js\?v=\w+)"', html)
    assert css and js
    assert len(client.get(css.group(1)).content) < 30_000
    assert len(client.get(js.group(1)).content) < 20_000
    assert not re.search(
        r'(src|href)="https?://(?!img\.example|harbour|northern|ledger)', html
    )  # no third-party assets


def test_article_page_shows_the_same_story_from_other_publishers(
    client: TestClient, web_store: SqlStore, edition: Edition
) -> None:
    from dataclasses import replace

    from newsstand.app.stories import update_stories

    base = web_store.get_article(edition.articles["open"])
    twin = replace(
        base,
        id=None,
        publisher_id="northern-ledger",
        url="https://northern-ledger.example/cranes",
        guid="",
        section="World",
        sections=("World",),
    )
    web_store.upsert_article(twin)
    update_stories(web_store, NOW)
    html = client.get(f"/article/{edition.articles['open']}").text
    coverage = html.split('id="coverage-h"')[1].split("</section>")[0]
    assert "Northern Ledger" in coverage and "Harbour cranes return after the long strike" in coverage
    top = client.get("/").text.split('id="top-h"')[1].split("</section>")[0]
    assert "+1 more publisher" in top  # the grouped story leads Top stories


def test_read_by_url_finds_the_article(client: TestClient, edition: Edition) -> None:
    response = client.get("/read", params={"url": "https://harbour-post.example/open"})
    assert response.headers["location"] == f"/article/{edition.articles['open']}"
    assert client.get("/read", params={"url": "https://nowhere.example/x"}).status_code == 404
