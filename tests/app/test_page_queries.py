"""Pages read what they show in a bounded number of queries, on both databases.

Each page is requested twice with a store holding a few stories and picks, then again after
many more were added: the number of statements must not grow. The shared cache is off, so the
worst case (every shared part made for this request) is what is counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.config import Settings
from newsstand.model import (
    Article,
    ArticleKind,
    Facet,
    LicenceTier,
    LiveEntry,
    Publisher,
    Reader,
    Role,
    StoryWrite,
    utcnow,
)
from newsstand.store import SqlStore
from newsstand.web import create_app
from support import make_services

PASSWORD = "a long enough secret"
# Upper bounds: generous enough to leave room for the page to change, small enough to catch a
# query per story or per pick creeping back in.
BOUNDS = {"/": 18, "article": 13, "live": 8}
# With the shared cache on, a member's page costs only its personal part: the session, the
# article, the reader's state with it, For you.
SHARED_BOUNDS = {"/": 4, "article": 5, "live": 6}


@contextmanager
def counting(engine: sa.engine.Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            statements.append(statement)  # transaction control differs by database, queries do not

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def add_stories(store: SqlStore, first: int, count: int) -> list[int]:
    """``count`` stories, each covered by two publishers; returns one article id of each."""
    now = utcnow()
    writes, leads = [], []
    for n in range(first, first + count):
        ids = []
        for pub in ("alpha", "beta"):
            article = Article(
                pub, f"https://{pub}.example/{n}", f"Story number {n} as {pub} tells it",
                now - timedelta(minutes=n), body_html="<p>One.</p><p>Two.</p><p>Three.</p><p>Four.</p>",
                body_text="One. Two. Three. Four.", section="World", sections=("World",),
            )  # fmt: skip
            ids.append(store.upsert_article(article).article_id)
        writes.append(StoryWrite(-1 - n, f"Story {n}", now - timedelta(minutes=n), now, ids[0], tuple(ids)))
        leads.append(ids[0])
    store.save_stories(writes)
    return leads


@pytest.fixture
def page_services(store: SqlStore, store_settings: Settings) -> Services:
    return services_with_cache(store, store_settings, 0)


def services_with_cache(store: SqlStore, store_settings: Settings, seconds: float) -> Services:
    settings = store_settings.replace(home_cache_seconds=seconds, secret_key="page-query-test")
    for pub in ("alpha", "beta"):
        store.add_publisher(
            Publisher(
                pub,
                pub.title(),
                f"https://{pub}.example",
                "GB",
                "en",
                ("World",),
                licence_tier=LicenceTier.PARTNER,
            )
        )
    return make_services(store, settings)


def pages(store: SqlStore, services: Services, article_id: int, live_id: int, member: bool) -> dict[str, int]:
    """Statements each page costs, for an anonymous reader or a signed-in member."""
    app = create_app(services.settings, services=services)
    counts = {}
    with TestClient(app, follow_redirects=False) as client:
        if member:
            grant = services.accounts.sign_in("member@example.org", PASSWORD)
            client.cookies.set("ns_session", grant.token)
        for name, path in (("/", "/"), ("article", f"/article/{article_id}"), ("live", f"/live/{live_id}")):
            assert client.get(path).status_code == 200, path
            with counting(store.engine) as statements:
                assert client.get(path).status_code == 200, path
            counts[name] = len(statements)
    return counts


def edition(store: SqlStore, services: Services) -> tuple[Reader, list[int], int]:
    """A member following a publisher, an editor, three stories with picks, a live blog."""
    reader = services.accounts.sign_up("member@example.org", PASSWORD)
    services.interests.follow(reader.id, Facet.PUBLISHER, "alpha")
    editor = services.accounts.sign_up("editor@example.org", PASSWORD, role=Role.EDITOR)
    leads = add_stories(store, 0, 3)
    for article_id in leads:
        services.front.pick(editor, article_id=article_id, note="worth a read")
    live = Article("beta", "https://beta.example/live", "Live: the day", utcnow(), kind=ArticleKind.LIVEBLOG)
    live_id = store.upsert_article(live).article_id
    entries = [
        LiveEntry(f"e{i}", utcnow() - timedelta(minutes=i), f"Entry {i}", "<p>x</p>", "x") for i in range(5)
    ]
    store.merge_live_entries(live_id, entries)
    return editor, leads, live_id


def test_with_the_shared_cache_a_member_pays_only_for_the_personal_part(
    store: SqlStore, store_settings: Settings
) -> None:
    services = services_with_cache(store, store_settings, 60)
    _, leads, live_id = edition(store, services)
    counts = pages(store, services, leads[0], live_id, member=True)
    for name, bound in SHARED_BOUNDS.items():
        assert counts[name] <= bound, (name, counts)


@pytest.mark.parametrize("member", [False, True], ids=["anonymous", "member"])
def test_pages_cost_a_bounded_number_of_queries(
    store: SqlStore, page_services: Services, member: bool
) -> None:
    services = page_services
    reader = services.accounts.sign_up("member@example.org", PASSWORD)
    services.interests.follow(reader.id, Facet.PUBLISHER, "alpha")
    editor = services.accounts.sign_up(
        "editor@example.org", PASSWORD, role=__import__("newsstand").model.Role.EDITOR
    )
    leads = add_stories(store, 0, 3)
    for article_id in leads:
        services.front.pick(editor, article_id=article_id, note="worth a read")
    live = Article("beta", "https://beta.example/live", "Live: the day", utcnow(), kind=ArticleKind.LIVEBLOG)
    live_id = store.upsert_article(live).article_id
    entries = [
        LiveEntry(f"e{i}", utcnow() - timedelta(minutes=i), f"Entry {i}", "<p>x</p>", "x") for i in range(5)
    ]
    store.merge_live_entries(live_id, entries)

    few = pages(store, services, leads[0], live_id, member)
    more = add_stories(store, 3, 30)
    for article_id in more:
        services.front.pick(editor, article_id=article_id)
    store.merge_live_entries(
        live_id, [LiveEntry(f"m{i}", utcnow() - timedelta(seconds=i), "", "<p>y</p>", "y") for i in range(40)]
    )
    many = pages(store, services, leads[0], live_id, member)

    assert few == many, (few, many)
    for name, bound in BOUNDS.items():
        assert many[name] <= bound, (name, many)
