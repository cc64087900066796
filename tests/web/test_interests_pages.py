"""Follows, the trainer, the onboarding and the following page, through the web forms."""

from __future__ import annotations

from datetime import timedelta

from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.app.subscriptions import EditAction
from newsstand.model import Article, Facet, StoryWrite
from newsstand.store import SqlStore

from .conftest import NOW, Edition, csrf_from, make_reader, post_form, sign_in


def for_you(client: TestClient) -> str:
    return client.get("/").text.split('id="foryou-h"')[1].split("</section>")[0]


def test_a_new_reader_picks_interests_then_for_you_explains_itself(
    client: TestClient, services: Services, edition: Edition
) -> None:
    make_reader(services, "new@example.org")
    sign_in(client, "new@example.org")
    block = for_you(client)
    assert "Pick what interests you" in block and 'value="publisher|harbour-post"' in block
    assert "Popular in " in block  # sensible defaults meanwhile
    token = csrf_from(client.get("/").text)
    response = client.post(
        "/follow/many",
        data={"csrf_token": token, "pick": ["section|Science", "publisher|harbour-post"], "next": "/"},
    )
    assert response.status_code == 303 and response.headers["location"] == "/?msg=followed"
    block = for_you(client)
    assert "Pick what interests you" not in block
    assert "Because you follow Science" in block and "Because you follow Harbour Post" in block
    assert client.post("/follow/many", data={"csrf_token": token, "pick": ["author|Ada"]}).status_code == 400


def test_the_article_page_follows_topics_and_trains(
    client: TestClient, services: Services, web_store: SqlStore, edition: Edition
) -> None:
    make_reader(services, "trainer@example.org")
    sign_in(client, "trainer@example.org")
    path = f"/article/{edition.articles['open']}"
    page = client.get(path).text
    assert "Tune your For you" in page and 'name="facet" value="author"' in page and "Ada Quill" in page
    # Hide an author: every seeded article is theirs, so For you has none of them left.
    response = post_form(
        client, path, "/train", {"facet": "author", "value": "Ada Quill", "action": "hide", "next": path}
    )
    assert response.status_code == 303 and response.headers["location"] == f"{path}?msg=hidden"
    assert "Harbour cranes" not in for_you(client) and "Glacier survey" not in for_you(client)
    assert "Undo" in client.get(path).text
    following = client.get("/account/following").text
    assert "Author: Ada Quill" in following and "Unhide" in following
    # One click undoes it.
    post_form(
        client, "/account/following", "/train", {"facet": "author", "value": "Ada Quill", "action": "undo"}
    )
    assert "Author: Ada Quill" not in client.get("/account/following").text
    # Like a word of a title: its article ranks first, with the reason.
    post_form(client, path, "/train", {"facet": "word", "value": "glacier", "action": "like", "next": "/"})
    block = for_you(client)
    assert (
        block.index("Glacier survey") < block.index("Harbour cranes") if "Harbour cranes" in block else True
    )
    assert "Because you like “glacier” in headlines" in block
    assert client.post("/train", data={"facet": "word"}).status_code == 403  # no CSRF token
    bad = post_form(client, path, "/train", {"facet": "section", "value": "World", "action": "like"})
    assert bad.status_code == 400


def test_stories_and_topics_are_followed_from_their_pages_and_undone_from_the_following_page(
    client: TestClient, services: Services, web_store: SqlStore, edition: Edition
) -> None:
    ids = [edition.articles["open"], edition.articles["paid"]]
    web_store.save_stories(
        [StoryWrite(-1, "Harbour strike", NOW - timedelta(hours=4), NOW, ids[0], tuple(ids))]
    )
    story_id = web_store.get_article(ids[0]).story_id
    make_reader(services, "story@example.org")
    sign_in(client, "story@example.org")
    story = f"/story/{story_id}"
    assert "Follow this story" in client.get(story).text
    post_form(
        client, story, "/follow", {"kind": "story", "value": str(story_id), "action": "follow", "next": story}
    )
    assert "Following this story" in client.get(story).text
    # (The story is the front page's Top story, so For you leaves it to Top: see tests/app.)
    page = client.get("/account/following").text
    title = web_store.get_article(ids[0]).title  # a story is titled by its lead article
    assert f'href="/story/{story_id}"' in page and title in page
    post_form(
        client,
        "/account/following",
        "/follow",
        {"kind": "story", "value": str(story_id), "action": "unfollow"},
    )
    assert f'href="/story/{story_id}"' not in client.get("/account/following").text
    assert client.get("/account/following").status_code == 200
    client.cookies.clear()
    assert client.get("/account/following").status_code in (302, 303)
    assert "to follow this story" in client.get(story).text


def test_reading_alone_fills_for_you(
    client: TestClient, services: Services, web_store: SqlStore, edition: Edition
) -> None:
    web_store.upsert_article(
        Article(
            "harbour-post",
            "https://harbour-post.example/more-cranes",
            "Cranes at the Harbour Post yard: Rotterdam watches",
            NOW - timedelta(minutes=30),
            section="World",
            sections=("World",),
            authors=("Cy Dock",),
        )
    )
    make_reader(services, "reads@example.org")
    sign_in(client, "reads@example.org")
    client.get(f"/article/{edition.articles['open']}")  # reads a World article from Harbour Post
    block = for_you(client)
    assert "Pick what interests you" not in block
    assert "Because you read" in block and "Harbour cranes return" not in block  # not offered again


def test_section_pages_lead_with_their_top_stories(
    client: TestClient, services: Services, web_store: SqlStore, edition: Edition
) -> None:
    ids = [edition.articles["open"], edition.live_id]
    web_store.save_stories([StoryWrite(-1, "Harbour", NOW - timedelta(hours=4), NOW, ids[0], tuple(ids))])
    html = client.get("/section/World").text
    top = html.split('id="section-top-h"')[1].split("</section>")[0]
    assert "Top stories in World" in html and "+1 more publisher" in top
    rest = html.split("</section>", 1)[1]
    assert "Harbour cranes return" not in rest and "Storm over the bay" not in rest  # each story once


def test_publisher_and_live_pages_carry_the_trainer(
    client: TestClient, services: Services, edition: Edition
) -> None:
    make_reader(services, "pages@example.org")
    sign_in(client, "pages@example.org")
    publisher = client.get("/publisher/northern-ledger").text
    assert 'name="facet" value="publisher"' in publisher and "Hide<span" in publisher
    post_form(
        client,
        "/publisher/northern-ledger",
        "/train",
        {
            "facet": "publisher",
            "value": "northern-ledger",
            "action": "hide",
            "next": "/publisher/northern-ledger",
        },
    )
    assert "Glacier survey" not in for_you(client)  # the ledger's article
    assert "Publisher: Northern Ledger" in client.get("/account/following").text
    live = client.get(f"/live/{edition.live_id}").text
    assert "Tune your For you" in live and 'value="section"' in live


def test_the_following_page_shows_the_readers_folders_and_removes_one(
    client: TestClient, services: Services, edition: Edition
) -> None:
    """Folders made in a reader app are on the web too: the same subscriptions, both ways."""
    reader = make_reader(services, "folders@example.org")
    for pid in ("harbour-post", "northern-ledger"):
        services.interests.follow(reader.id, Facet.PUBLISHER, pid)
    reader = services.accounts.get_reader(reader.id)
    services.subscriptions.edit(
        reader, EditAction.EDIT, ["harbour-post", "northern-ledger"], add=["Morning <coffee>"]
    )
    services.subscriptions.edit(reader, EditAction.EDIT, ["harbour-post"], "My harbour", add=["Docks"])
    sign_in(client, "folders@example.org")
    page = client.get("/account/following").text
    block = page.split('id="folders-h"')[1].split("</section>")[0]
    assert block.index("Docks") < block.index("Morning &lt;coffee&gt;")  # escaped, in name order
    assert '<a href="/publisher/harbour-post">My harbour</a>' in block
    assert '<a href="/publisher/northern-ledger">Northern Ledger</a>' in block
    response = post_form(
        client, "/account/following", "/account/folders/remove", {"folder": "morning <COFFEE>"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/account/following?msg=folder-removed"
    block = client.get("/account/following").text.split('id="folders-h"')[1].split("</section>")[0]
    assert "Morning" not in block and "Docks" in block
    after = services.accounts.get_reader(reader.id)
    assert set(after.followed_publishers) == {"harbour-post", "northern-ledger"}  # still followed
    missing = post_form(client, "/account/following", "/account/folders/remove", {"folder": "Nowhere"})
    assert missing.status_code == 404
    assert client.post("/account/folders/remove", data={"folder": "Docks"}).status_code == 403  # no CSRF
