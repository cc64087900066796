"""A story's Full coverage page, the "+N publishers" link to it, and coverage around live blogs."""

from __future__ import annotations

from datetime import timedelta

from starlette.testclient import TestClient

from newsstand.model import LiveEntry, LiveMergeScope, StoryWrite
from newsstand.store import SqlStore

from .conftest import NOW, Edition


def _story(store: SqlStore, ids: list[int]) -> int:
    store.save_stories([StoryWrite(-1, "Harbour strike", NOW - timedelta(hours=4), NOW, ids[0], tuple(ids))])
    story_id = store.get_article(ids[0]).story_id
    assert story_id is not None
    return story_id


def test_story_page_shows_every_outlet_the_timeline_and_a_chart(
    client: TestClient, web_store: SqlStore, edition: Edition
) -> None:
    ids = [edition.articles["open"], edition.articles["business"], edition.articles["paid"], edition.live_id]
    story_id = _story(web_store, ids)
    html = client.get(f"/story/{story_id}").text
    assert "Full coverage" in html and "4 reports from 2 publishers" in html
    outlets = html.split('id="outlets-h"')[1].split("</section>")[0]
    for name, country, language in (("Harbour Post", "GB", "en"), ("Northern Ledger", "DE", "de")):
        assert name in outlets and f"<td>{country}</td><td>{language}</td>" in outlets
    timeline = html.split('id="timeline-h"')[1].split("</section>")[0]
    assert "Glacier survey finds meltwater lakes growing" in timeline
    assert "Power restored" in timeline and f'href="/live/{edition.live_id}#entry-e3"' in timeline
    assert '<svg class="chart"' in html and "4 reports" in html
    # The front page's card links to it.
    top = client.get("/").text.split('id="top-h"')[1].split("</section>")[0]
    assert f'href="/story/{story_id}"' in top and "+1 more publisher" in top
    assert client.get("/story/999999").status_code == 404
    assert client.get("/story/abc").status_code == 404


def test_a_live_blog_shows_its_story_from_other_publishers_and_can_be_saved(
    client: TestClient, web_store: SqlStore, edition: Edition
) -> None:
    from .conftest import make_reader, sign_in

    _story(web_store, [edition.live_id, edition.articles["open"]])
    web_store.merge_live_entries(
        edition.live_id,
        [LiveEntry("e9", NOW - timedelta(minutes=1), "More", "<p>x</p>", "x")],
        scope=LiveMergeScope.ADD_ONLY,
    )
    html = client.get(f"/live/{edition.live_id}").text
    coverage = html.split('id="coverage-h"')[1].split("</section>")[0]
    assert "Harbour cranes return after the long strike" in coverage
    make_reader(client.app.state.web.services, "saver@example.org")
    sign_in(client, "saver@example.org")
    page = client.get(f"/live/{edition.live_id}").text
    assert f'action="/saved/{edition.live_id}"' in page and "Save for later" in page


def test_wire_copy_carried_by_two_outlets_is_one_report_listing_both(
    client: TestClient, web_store: SqlStore, edition: Edition
) -> None:
    from newsstand.app.stories import update_stories
    from newsstand.model import Article

    wire = (
        "Rescue teams in the northern province of Valmera pulled 14 people alive from the rubble of a "
        "collapsed apartment block on Tuesday, the regional emergency service said. The six-storey "
        "building in the town of Ostrava Nova gave way shortly after 6 a.m. local time."
    )
    first = web_store.upsert_article(
        Article(
            "harbour-post", "https://harbour.example/valmera", "14 rescued in Valmera", NOW, body_text=wire
        )
    ).article_id
    copy = web_store.upsert_article(
        Article(
            "northern-ledger",
            "https://ledger.example/valmera-collapse",
            "Valmera collapse: 14 pulled alive",
            NOW + timedelta(minutes=20),
            body_text=wire,
        )
    ).article_id
    update_stories(web_store, NOW + timedelta(hours=1))
    story_id = web_store.get_article(first).story_id
    assert story_id is not None and web_store.get_article(copy).story_id == story_id
    html = client.get(f"/story/{story_id}").text
    assert "1 report from 2 publishers" in html
    timeline = html.split('id="timeline-h"')[1].split("</section>")[0]
    assert timeline.count("<li") == 1
    assert "Also carried by" in timeline and "Northern Ledger" in timeline
    outlets = html.split('id="outlets-h"')[1].split("</section>")[0]
    assert "Harbour Post" in outlets and "Northern Ledger" in outlets


def test_a_story_merged_into_another_sends_its_links_there(
    client: TestClient, web_store: SqlStore, edition: Edition
) -> None:
    from .conftest import make_reader

    open_id, business_id = edition.articles["open"], edition.articles["business"]
    web_store.save_stories(
        [
            StoryWrite(-1, "Harbour strike", NOW - timedelta(hours=4), NOW, open_id, (open_id,)),
            StoryWrite(-2, "Harbour talks", NOW - timedelta(hours=3), NOW, business_id, (business_id,)),
        ]
    )
    gone, kept = (web_store.get_article(a).story_id for a in (open_id, business_id))
    assert gone is not None and kept is not None
    reader = make_reader(client.app.state.web.services, "follower@example.org")
    web_store.follow(reader.id, "story", str(gone))
    assert client.get(f"/story/{gone}").status_code == 200
    merged = StoryWrite(
        kept, "", NOW - timedelta(hours=4), NOW, business_id, absorbs=(gone,), size=2, terms={"x": 1.0}
    )
    web_store.save_stories([merged])

    moved = client.get(f"/story/{gone}", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == f"/story/{kept}"
    page = client.get(f"/story/{gone}", follow_redirects=True)
    assert page.status_code == 200 and "2 reports from 1 publisher" in page.text
    # The JSON API answers with the story it joined, and its articles.
    story = client.get(f"/api/v1/stories/{gone}").json()
    assert story["id"] == kept
    listed = client.get(f"/api/v1/stories/{gone}/articles").json()["items"]
    assert {a["id"] for a in listed} == {open_id, business_id}
    assert web_store.get_reader(reader.id).followed_stories == (kept,)
    # A feed reader subscribed to the story's feed keeps getting its coverage.
    feed = client.get(f"/feeds/story/{gone}.json")
    assert feed.status_code == 200 and f"/story/{kept}" in feed.json()["home_page_url"]
    assert len(feed.json()["items"]) == 2
    assert client.get("/story/999999", follow_redirects=False).status_code == 404
