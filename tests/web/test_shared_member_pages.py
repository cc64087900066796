"""Members' article and live-blog pages are rendered once for every reader they look the same to,
with each reader's CSRF token and For you panel filled in per request (web/fragments.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.config import Settings
from newsstand.model import Role
from newsstand.store import SqlStore
from newsstand.web import create_app, fragments
from support import make_services

from .conftest import Clock, Edition, csrf_from, make_reader, post_form, sign_in


@pytest.fixture
def cached_app(web_settings: Settings, web_store: SqlStore, clock: Clock) -> Starlette:
    settings = web_settings.replace(home_cache_seconds=60)
    return create_app(settings, services=make_services(web_store, settings, clock))


@pytest.fixture
def readers(cached_app: Starlette) -> Iterator[dict[str, TestClient]]:
    """Three signed-in browsers on one app: two members and an editor."""
    services: Services = cached_app.state.web.services
    clients = {}
    for name, role in (("ann", Role.READER), ("bob", Role.READER), ("eve", Role.EDITOR)):
        make_reader(services, f"{name}@example.org", role=role)
        client = TestClient(cached_app, follow_redirects=False)
        sign_in(client, f"{name}@example.org")
        clients[name] = client
    yield clients
    for client in clients.values():
        client.close()


def pages_kept(app: Starlette, template: str) -> int:
    return sum(1 for key in app.state.web.reader_pages._values if key.startswith(f"page:{template}:"))


def assert_no_holes(html: str) -> None:
    assert fragments.CSRF_HOLE not in html and str(fragments.PANEL_HOLE) not in html


def test_one_page_serves_every_member_with_their_own_token_saved_state_and_panel(
    cached_app: Starlette, readers: dict[str, TestClient], edition: Edition
) -> None:
    ann, bob = readers["ann"], readers["bob"]
    path = f"/article/{edition.articles['open']}"
    # Ann saves the article and hides its author; Bob does neither.
    assert post_form(ann, path, f"/saved/{edition.articles['open']}", {"next": path}).status_code == 303
    hidden = {"facet": "author", "value": "Ada Quill", "action": "hide", "next": path}
    assert post_form(ann, path, "/train", hidden).status_code == 303
    pages = {name: client.get(path).text for name, client in readers.items()}
    for html in pages.values():
        assert_no_holes(html)
        assert "Tune your For you" in html
    tokens = {name: csrf_from(html) for name, html in pages.items()}
    assert len(set(tokens.values())) == 3  # each page carries its reader's own token...
    for name, html in pages.items():  # ...in every form on it
        assert html.count(tokens[name]) == html.count('name="csrf_token"') + html.count("data-csrf=")
    assert "Remove from saved" in pages["ann"] and "Save for later" in pages["bob"]
    assert "Undo" in pages["ann"] and ">Hidden<" in pages["ann"]
    assert "Undo" not in pages["bob"] and ">Hidden<" not in pages["bob"]
    assert 'href="/admin"' in pages["eve"] and 'href="/admin"' not in pages["bob"]
    assert "Add to Our picks" in pages["eve"] and "Add to Our picks" not in pages["bob"]
    # Bob's token works for Bob: the page he was given is his to use.
    saved = bob.post(f"/saved/{edition.articles['open']}", data={"csrf_token": tokens["bob"], "next": path})
    assert saved.status_code == 303
    assert bob.post("/train", data={**hidden, "csrf_token": tokens["ann"]}).status_code == 403
    # Shared: Ann's and Bob's pages (both saved it now) are one rendering; the editor's is another.
    before = pages_kept(cached_app, "article.html")
    bob_again = bob.get(path).text
    assert "Remove from saved" in bob_again and "Undo" not in bob_again
    assert pages_kept(cached_app, "article.html") == before
    assert ann.get(path).text.replace(tokens["ann"], "T").count("Remove from saved") == 1


def test_a_message_after_a_redirect_and_the_paywall_are_rendered_for_their_reader(
    cached_app: Starlette, readers: dict[str, TestClient], edition: Edition
) -> None:
    ann = readers["ann"]
    path = f"/article/{edition.articles['open']}"
    flashed = ann.get(f"{path}?msg=saved").text
    assert "Saved. It stays readable offline" in flashed and 'data-sync-saved="1"' in flashed
    assert "Saved. It stays readable offline" not in ann.get(path).text
    services: Services = cached_app.state.web.services
    lapsed = make_reader(services, "lapsed@example.org", trial=False)
    client = TestClient(cached_app, follow_redirects=False)
    sign_in(client, lapsed.email)
    paid = client.get(f"/article/{edition.articles['paid']}").text
    assert "Start your" in paid and "free trial to read this article" in paid
    assert_no_holes(paid)
    assert csrf_from(paid) != csrf_from(ann.get(f"/article/{edition.articles['paid']}").text)


def test_live_blogs_are_shared_too_and_new_entries_show_at_once(
    cached_app: Starlette, readers: dict[str, TestClient], edition: Edition, web_store: SqlStore
) -> None:
    from dataclasses import replace
    from datetime import timedelta

    ann, bob = readers["ann"], readers["bob"]
    path = f"/live/{edition.live_id}"
    first = ann.get(path).text
    assert_no_holes(first)
    assert csrf_from(first) != csrf_from(bob.get(path).text)
    assert pages_kept(cached_app, "live.html") == 1
    entries = web_store.live_entries(edition.live_id)
    newest = max(entries, key=lambda e: e.posted)
    fresh = replace(
        newest, entry_id="fresh-one", title="A brand new update", posted=newest.posted + timedelta(minutes=1)
    )
    web_store.merge_live_entries(edition.live_id, [*entries, fresh])
    cached_app.state.web.services.cache.clear()  # what the service loop does after a change
    assert "A brand new update" in bob.get(path).text


def test_search_and_home_pages_carry_each_readers_token_and_their_own_for_you(
    cached_app: Starlette, readers: dict[str, TestClient], edition: Edition
) -> None:
    ann, bob = readers["ann"], readers["bob"]
    pages = {name: c.get("/search?q=harbour").text for name, c in readers.items()}
    for html in pages.values():
        assert_no_holes(html)
        assert "Harbour" in html
    assert len({csrf_from(html) for html in pages.values()}) == 3
    assert 'href="/admin"' in pages["eve"] and 'href="/admin"' not in pages["ann"]
    assert pages_kept(cached_app, "search.html") == 2  # members share one page, staff another
    # Ann follows a section: her For you, and only hers, says why.
    post_form(ann, "/", "/follow", {"kind": "section", "value": "Science", "action": "follow", "next": "/"})
    homes = {name: c.get("/").text for name, c in readers.items()}
    for html in homes.values():
        assert_no_holes(html)
    assert "Because you follow Science" in homes["ann"]
    assert "Because you follow Science" not in homes["bob"]
    assert csrf_from(homes["ann"]) != csrf_from(homes["bob"])
    assert (
        bob.post(
            "/follow",
            data={
                "csrf_token": csrf_from(homes["bob"]),
                "kind": "section",
                "value": "Science",
                "action": "follow",
                "next": "/",
            },
        ).status_code
        == 303
    )
