"""Cursor pagination: every list pages to its end with nothing lost or repeated, cursors are
opaque and belong to their list. Both databases (the keyset queries differ per list)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.model import Article, StoryWrite
from newsstand.store import SqlStore
from web.conftest import NOW, Clock, Edition

from .conftest import reader_with_token


def walk(
    client: TestClient, path: str, headers: dict[str, str] | None = None, **params: object
) -> list[dict]:  # type: ignore[type-arg]
    """Every item of a list, page by page."""
    items: list[dict] = []  # type: ignore[type-arg]
    cursor = None
    for _ in range(50):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, params=query, headers=headers or {})
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= int(str(params.get("limit", 20)))
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the pages never ended")


def add_articles(store: SqlStore, count: int, *, same_time: bool = False) -> list[int]:
    ids = []
    for i in range(count):
        published = NOW - timedelta(days=1) if same_time else NOW - timedelta(days=1, minutes=i)
        url = f"https://harbour-post.example/more/{i}"
        article = Article(
            "harbour-post", url, f"More news {i}", published, section="World", sections=("World",)
        )
        ids.append(store.upsert_article(article).article_id)
    return ids


@pytest.mark.parametrize("same_time", [False, True])
def test_articles_page_to_the_end(
    client: TestClient, store: SqlStore, edition: Edition, same_time: bool
) -> None:
    added = add_articles(store, 23, same_time=same_time)
    items = walk(client, "/api/v1/articles", limit=7)
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids)) == 23 + len(edition.articles) + 1
    assert set(added) <= set(ids)
    assert ids == [i["id"] for i in client.get("/api/v1/articles", params={"limit": 100}).json()["items"]]
    publisher = walk(client, "/api/v1/publishers/harbour-post/articles", limit=5)
    assert {i["id"] for i in publisher} >= set(added)
    section = walk(client, "/api/v1/sections/world/articles", limit=4)
    assert {i["id"] for i in section} >= set(added)


def test_saved_and_history_page_even_when_times_tie(
    client: TestClient, services: Services, store: SqlStore, edition: Edition
) -> None:
    added = add_articles(store, 12)
    _, headers = reader_with_token(services, "pager@example.org")
    for article_id in added:  # the clock stands still: every save has the same time
        assert client.put(f"/api/v1/me/saved/{article_id}", headers=headers).status_code == 204
        assert client.put(f"/api/v1/me/read/{article_id}", headers=headers).status_code == 204
    saved = walk(client, "/api/v1/me/saved", headers, limit=5)
    assert sorted(i["article"]["id"] for i in saved) == sorted(added)
    history = walk(client, "/api/v1/me/history", headers, limit=5)
    assert sorted(i["article"]["id"] for i in history) == sorted(added)


def test_stories_for_you_publishers_and_sections_page(
    client: TestClient, services: Services, store: SqlStore, edition: Edition, clock: Clock
) -> None:
    added = add_articles(store, 9)
    writes = [StoryWrite(-1 - i, f"Story {i}", NOW - timedelta(hours=i), NOW - timedelta(hours=i), a, (a,))
              for i, a in enumerate(added)]  # fmt: skip
    store.save_stories(writes)
    stories = walk(client, "/api/v1/stories", limit=4)
    assert len(stories) == 9 and len({s["id"] for s in stories}) == 9
    assert [s["last_updated"] for s in stories] == sorted((s["last_updated"] for s in stories), reverse=True)
    _, headers = reader_with_token(services, "foryou@example.org")
    client.put("/api/v1/me/follows/publishers/harbour-post", headers=headers)
    client.put("/api/v1/me/follows/sections/Science", headers=headers)
    cards = walk(client, "/api/v1/me/for-you", headers, limit=3)
    ids = [c["article"]["id"] for c in cards]
    assert len(ids) == len(set(ids)) and set(added) <= set(ids) and edition.articles["paid"] in ids
    assert len(walk(client, "/api/v1/publishers", limit=1)) == 3
    assert len(walk(client, "/api/v1/sections", limit=2)) == 3
    story_id = stories[0]["id"]
    assert len(walk(client, f"/api/v1/stories/{story_id}/articles", limit=1)) == 1


def test_cursors_belong_to_their_list(client: TestClient, store: SqlStore, edition: Edition) -> None:
    add_articles(store, 5)
    cursor = client.get("/api/v1/articles", params={"limit": 2}).json()["next_cursor"]
    response = client.get("/api/v1/publishers/harbour-post/articles", params={"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"
    for junk in ("x", "WyJhcnRpY2xlczoiLCJ4Il0", "e30", "W10", "!" * 20, "a" * 600):
        response = client.get("/api/v1/articles", params={"cursor": junk})
        assert response.status_code == 400, junk
    search = client.get("/api/v1/search", params={"q": "news", "limit": 1}).json()
    assert search["next_cursor"]
    other = client.get("/api/v1/search", params={"q": "other words", "cursor": search["next_cursor"]})
    assert other.json()["error"]["code"] == "invalid_cursor"


def test_a_cursor_whose_article_is_gone_is_a_bad_cursor(
    client: TestClient, store: SqlStore, edition: Edition
) -> None:
    from newsstand.api.v1 import cursors

    response = client.get("/api/v1/articles", params={"cursor": cursors.encode("articles:", 2**31 - 2)})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_cursor"
