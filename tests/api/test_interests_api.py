"""Follows, the trainer and the learned For you through the JSON API: one service with the web
pages' forms, so a follow from an app and from a page store the same and both refresh For you."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.config import Settings
from newsstand.model import StoryWrite
from newsstand.store import SqlStore
from web.conftest import NOW, Edition, post_form, sign_in

from .conftest import api_settings, reader_with_token

FOLLOWS = (("publisher", "harbour-post"), ("section", "Science"))


@pytest.fixture
def settings(store_settings: Settings) -> Settings:
    # Shared results kept for minutes, as in production: a follow must refresh For you itself,
    # not rely on nothing being cached.
    return api_settings(store_settings, home_cache_seconds=300.0)


def for_you_block(client: TestClient) -> str:
    return client.get("/").text.split('id="foryou-h"')[1].split("</section>")[0]


def reasons(client: TestClient, headers: dict[str, str]) -> set[str]:
    answer = client.get("/api/v1/me/for-you/learned", headers=headers)
    assert answer.status_code == 200, answer.text
    return {item["reason"] for item in answer.json()["items"]}


def test_a_follow_from_an_app_and_from_the_web_page_store_the_same_and_refresh_for_you(
    client: TestClient, services: Services, edition: Edition
) -> None:
    app_reader, headers = reader_with_token(services, "app@example.org")
    web_reader, _ = reader_with_token(services, "web@example.org")
    sign_in(client, "web@example.org")
    # Both For yous are made (and kept) before the follows; each reader's snapshot stays stale.
    before_web, before_app = for_you_block(client), reasons(client, headers)
    assert "Because you follow" not in before_web and not any("follow" in r for r in before_app)
    keys = {r.id: services.front.personal_key(r) for r in (app_reader, web_reader)}

    for kind, value in FOLLOWS:
        path = f"/api/v1/me/follows/{kind}s/{value}"
        assert client.put(path, headers=headers).status_code == 204
        done = post_form(client, "/", "/follow", {"kind": kind, "value": value, "action": "follow"})
        assert done.status_code == 303

    stored = [services.accounts.get_reader(r.id) for r in (app_reader, web_reader)]
    assert [(r.followed_publishers, r.followed_sections) for r in stored] == [
        (("harbour-post",), ("Science",))
    ] * 2
    # The activity hook ran for both: even a stale snapshot of the reader maps to a new For you.
    assert all(services.front.personal_key(r) != keys[r.id] for r in (app_reader, web_reader))
    assert "Because you follow Harbour Post" in for_you_block(client)
    assert "Because you follow Harbour Post" in reasons(client, headers)
    assert client.get("/api/v1/me/follows", headers=headers).json() == {
        "publishers": ["harbour-post"],
        "sections": ["Science"],
        "stories": [],
        "topics": [],
    }

    for kind, value in FOLLOWS:
        assert client.delete(f"/api/v1/me/follows/{kind}s/{value}", headers=headers).status_code == 204
        post_form(client, "/", "/follow", {"kind": kind, "value": value, "action": "unfollow"})
    stored = [services.accounts.get_reader(r.id) for r in (app_reader, web_reader)]
    assert [(r.followed_publishers, r.followed_sections) for r in stored] == [((), ())] * 2
    assert "Because you follow" not in for_you_block(client)
    assert not any(r.startswith("Because you follow") for r in reasons(client, headers))


def test_the_trainer_likes_hides_lists_and_forgets(
    client: TestClient, services: Services, edition: Edition
) -> None:
    reader, headers = reader_with_token(services, "trainer@example.org")
    base = "/api/v1/me/trainer"
    assert client.get(base, headers=headers).json() == {"likes": [], "hides": []}
    assert client.put(f"{base}/word/Glacier?choice=like", headers=headers).status_code == 204
    assert client.put(f"{base}/author/Ben Oar?choice=hide", headers=headers).status_code == 204
    trained = client.get(base, headers=headers).json()
    assert trained == {
        "likes": [{"facet": "word", "value": "glacier", "label": "Word in headlines: “glacier”"}],
        "hides": [{"facet": "author", "value": "Ben Oar", "label": "Author: Ben Oar"}],
    }
    # The web edition's articles are all Ben Oar's: For you keeps only the others.
    items = client.get("/api/v1/me/for-you/learned", headers=headers).json()["items"]
    assert items and all("Ben Oar" not in item["article"]["authors"] for item in items)
    assert edition.articles["paid"] not in {item["article"]["id"] for item in items}
    assert client.delete(f"{base}/author/Ben Oar", headers=headers).status_code == 204
    items = client.get("/api/v1/me/for-you/learned", headers=headers).json()["items"]
    assert items[0]["article"]["id"] == edition.articles["paid"]
    assert items[0]["reason"] == "Because you like “glacier” in headlines"
    # A like replaces a hide of the same thing and the other way round; the word's case is
    # forgotten as it was stored.
    client.put(f"{base}/word/glacier?choice=hide", headers=headers)
    assert client.get(base, headers=headers).json()["likes"] == []
    assert client.delete(f"{base}/word/GLACIER", headers=headers).status_code == 204
    assert services.accounts.get_reader(reader.id).trained == ()
    # The same store as the web's following page.
    client.put(f"{base}/publisher/northern-ledger?choice=like", headers=headers)
    sign_in(client, "trainer@example.org")
    assert "Publisher: Northern Ledger" in client.get("/account/following").text


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/me/trainer/section/World?choice=like", 400, "invalid_parameter"),
        ("/api/v1/me/trainer/word/glacier?choice=love", 400, "invalid_parameter"),
        ("/api/v1/me/trainer/word/glacier", 400, "invalid_parameter"),
        ("/api/v1/me/trainer/publisher/nobody?choice=like", 404, "not_found"),
        ("/api/v1/me/trainer/topic/no kind?choice=hide", 400, "invalid"),
        ("/api/v1/me/trainer/word/%20?choice=hide", 400, "invalid"),
        ("/api/v1/me/follows/topics/Kyiv", 400, "invalid"),
        ("/api/v1/me/follows/stories/999999", 404, "not_found"),
        ("/api/v1/me/follows/publishers/nobody", 404, "not_found"),
    ],
)
def test_what_cannot_be_trained_or_followed_is_refused(
    client: TestClient, services: Services, edition: Edition, path: str, status: int, code: str
) -> None:
    _, headers = reader_with_token(services, "refused@example.org")
    answer = client.put(path, headers=headers)
    assert answer.status_code == status and answer.json()["error"]["code"] == code
    assert client.put(path).status_code == 401


def test_stories_and_topics_are_followed_and_give_for_you_its_reasons(
    client: TestClient, services: Services, store: SqlStore, edition: Edition
) -> None:
    _, headers = reader_with_token(services, "stories@example.org")
    ids = [edition.articles["open"], edition.articles["business"]]
    store.save_stories([StoryWrite(-1, "Harbour strike", NOW - timedelta(hours=4), NOW, ids[0], tuple(ids))])
    story_id = store.get_article(ids[0]).story_id
    assert story_id is not None
    assert client.put(f"/api/v1/me/follows/stories/{story_id}", headers=headers).status_code == 204
    assert client.put("/api/v1/me/follows/topics/place:Kyiv", headers=headers).status_code == 204
    follows = client.get("/api/v1/me/follows", headers=headers).json()
    assert follows["stories"] == [story_id] and follows["topics"] == ["place:Kyiv"]
    items = client.get("/api/v1/me/for-you/learned?limit=3", headers=headers).json()["items"]
    # The followed story first, and once: For you's diversity cap keeps its second article out.
    assert [item["article"]["story_id"] for item in items].count(story_id) == 1
    assert items[0]["article"]["story_id"] == story_id
    assert items[0]["reason"] == "Because you follow this story"
    client.delete(f"/api/v1/me/follows/stories/{story_id}", headers=headers)
    client.delete("/api/v1/me/follows/topics/place:Kyiv", headers=headers)
    assert client.get("/api/v1/me/follows", headers=headers).json()["stories"] == []


def test_a_reader_we_know_nothing_about_gets_popular_news_and_choices(
    client: TestClient, services: Services, edition: Edition
) -> None:
    _, headers = reader_with_token(services, "new@example.org")
    answer = client.get("/api/v1/me/for-you/learned", headers=headers).json()
    assert answer["items"] and all(item["reason"] for item in answer["items"])
    assert {"facet": "publisher", "value": "harbour-post"}.items() <= next(
        c for c in answer["choices"] if c["value"] == "harbour-post"
    ).items()
    assert client.get("/api/v1/me/for-you/learned").status_code == 401
