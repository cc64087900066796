"""The paywall on the API, exactly as on the pages: anonymous and lapsed readers get the preview
only (a word from a premium article's last paragraph never reaches them), members the whole
text, and reading through the API records reads as the web page does. Both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.model import LiveEntry, LiveMergeScope, Reader
from newsstand.store import SqlStore
from web.conftest import NOW, Clock, Edition

from .conftest import PREMIUM_PARAGRAPHS, SECRET_WORD, reader_with_token


def lapse(services: Services, reader: Reader, clock: Clock) -> None:
    """Let the reader's trial run out."""
    clock.advance(days=services.settings.trial_days + 1)


def every_answer(client: TestClient, edition: Edition, headers: dict[str, str]) -> list[str]:
    """The text of every API answer that could carry the premium article's words."""
    premium = edition.articles["premium"]
    paths = [
        f"/api/v1/articles/{premium}",
        "/api/v1/articles?limit=100",
        "/api/v1/publishers/quay-review/articles",
        "/api/v1/sections/Business/articles",
        f"/api/v1/search?q={SECRET_WORD}",
        "/api/v1/search?q=harbour+accounts",
        "/api/v1/stories",
    ]
    if headers:
        paths += ["/api/v1/me/for-you", "/api/v1/me/saved", "/api/v1/me/history"]
    answers = []
    for path in paths:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)
        answers.append(response.text)
    return answers


def test_anonymous_readers_get_only_the_preview(client: TestClient, edition: Edition) -> None:
    body = client.get(f"/api/v1/articles/{edition.articles['premium']}").json()
    assert body["access"] == {"full": False, "reason": "anonymous", "preview_paragraphs": 2}
    assert body["body_html"].count("<p>") == 2
    assert body["saved"] is None
    assert not any(SECRET_WORD in text for text in every_answer(client, edition, {}))


def test_lapsed_readers_get_only_the_preview(
    client: TestClient, services: Services, edition: Edition, clock: Clock, store: SqlStore
) -> None:
    reader, headers = reader_with_token(services, "lapsed@example.org")
    client.put(f"/api/v1/me/saved/{edition.articles['premium']}", headers=headers)
    client.put("/api/v1/me/follows/publishers/quay-review", headers=headers)
    lapse(services, reader, clock)
    body = client.get(f"/api/v1/articles/{edition.articles['premium']}", headers=headers).json()
    assert body["access"]["full"] is False and body["access"]["reason"] == "lapsed"
    assert body["body_html"].count("<p>") == 2
    assert not any(SECRET_WORD in text for text in every_answer(client, edition, headers))
    assert services.reading.history(reader.id) == []  # a preview is not a read
    assert store.reading_counts(NOW, clock.now + timedelta(days=1)) == []


def test_members_read_in_full_and_the_read_is_recorded_once(
    client: TestClient, services: Services, edition: Edition, clock: Clock, store: SqlStore
) -> None:
    reader, headers = reader_with_token(services, "member@example.org")
    premium = edition.articles["premium"]
    body = client.get(f"/api/v1/articles/{premium}", headers=headers).json()
    assert body["access"] == {"full": True, "reason": "trial", "preview_paragraphs": 0}
    assert body["body_html"].count("<p>") == PREMIUM_PARAGRAPHS and SECRET_WORD in body["body_html"]
    hits = client.get(f"/api/v1/search?q={SECRET_WORD}", headers=headers).json()["items"]
    assert SECRET_WORD in hits[0]["snippet"]
    clock.advance(minutes=5)
    client.get(f"/api/v1/articles/{premium}", headers=headers)  # a reload: the same read
    assert [i.article.id for i in services.reading.history(reader.id)] == [premium]
    window = (NOW - timedelta(days=1), clock.now + timedelta(days=1))
    assert store.reading_counts(*window) == [("quay-review", 1, 1)]
    clock.advance(minutes=31)
    client.get(f"/api/v1/articles/{premium}", headers=headers)
    assert store.reading_counts(*window) == [("quay-review", 2, 1)]


@pytest.mark.parametrize("through", ["api", "web"])
def test_the_api_records_what_the_page_records(
    client: TestClient, services: Services, edition: Edition, store: SqlStore, through: str
) -> None:
    from web.conftest import sign_in

    reader, headers = reader_with_token(services, "same@example.org")
    paid = edition.articles["paid"]
    if through == "api":
        client.get(f"/api/v1/articles/{paid}", headers=headers)
    else:
        sign_in(client, "same@example.org")
        client.get(f"/article/{paid}")
    assert store.reading_history(reader.id) == [(paid, NOW)]
    publisher = store.get_articles([paid])[0].publisher_id
    records = store.paid_reads(NOW - timedelta(days=1), NOW + timedelta(days=1))
    expected = [(f"reader:{reader.id}", publisher, NOW)]
    assert [(r.reader_ref, r.publisher_id, r.at) for r in records] == expected


def test_live_blog_entries_follow_the_paywall(
    client: TestClient, services: Services, edition: Edition, store: SqlStore
) -> None:
    live = edition.live_id
    older = [
        LiveEntry(
            f"old{i}", NOW - timedelta(minutes=59 - i), f"Early {i}", f"<p>Early {SECRET_WORD} {i}.</p>"
        )
        for i in range(2)
    ]
    store.merge_live_entries(live, older, scope=LiveMergeScope.ADD_ONLY)
    anonymous = client.get(f"/api/v1/articles/{live}/entries").json()
    assert anonymous["access"]["full"] is False
    # The pinned summary and the newest three entries, as the page's preview shows; oldest change first.
    assert [e["id"] for e in anonymous["items"]] == ["summary", "e1", "e2", "e3"]
    page = client.get(f"/api/v1/articles/{live}")
    assert page.json()["live"]["hidden"] == 2 and page.json()["body_html"] == ""
    assert SECRET_WORD not in page.text
    _, headers = reader_with_token(services, "live@example.org")
    everything = client.get(f"/api/v1/articles/{live}/entries", headers=headers).json()
    assert [e["id"] for e in everything["items"]] == ["old0", "old1", "summary", "e1", "e2", "e3"]
    since = (NOW - timedelta(minutes=25)).isoformat()
    member = client.get(f"/api/v1/articles/{live}/entries", params={"since": since}, headers=headers).json()
    assert member["access"]["full"] is True
    assert [e["id"] for e in member["items"]] == ["e2", "e3"]  # changed after `since`, oldest first
    assert member["next_since"] == (NOW - timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    assert client.get(f"/api/v1/articles/{edition.articles['open']}/entries").status_code == 404
