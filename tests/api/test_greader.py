"""The Google Reader API through the web app, on SQLite and PostgreSQL: signing in with an app
password, subscriptions (the reader's follows), every stream with continuation, item ids and
contents, edit-tag, mark-all-as-read with its time bound, the Atom streams, and the paywall."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from urllib.parse import urlencode

import feedparser
import pytest
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.errors import NotFoundError
from newsstand.model import Facet, Reader
from web.conftest import NOW, PASSWORD, Clock, Edition

from .conftest import PREMIUM_PARAGRAPHS, SECRET_WORD

API = "/reader/api/0"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
READING_LIST = "user/-/state/com.google/reading-list"


class App:
    """A signed-in Google Reader client."""

    def __init__(self, client: TestClient, auth: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"GoogleLogin auth={auth}"}
        self._token = ""

    def get(self, path: str, **params: object) -> object:
        response = self.client.get(API + path, params={"output": "json", **params}, headers=self.headers)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    def raw(self, path: str, **params: object) -> str:
        response = self.client.get(path, params=params, headers=self.headers)
        assert response.status_code == 200, (path, response.text)
        return response.text

    def post(self, path: str, data: list[tuple[str, str]]) -> str:
        if not self._token:
            self._token = self.raw(API + "/token")
        body = urlencode([*data, ("T", self._token)])
        headers = {**self.headers, "Content-Type": "application/x-www-form-urlencoded"}
        response = self.client.post(API + path, content=body, headers=headers)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.text

    def ids(self, stream: str, **params: object) -> list[int]:
        found = self.get(f"/stream/contents/{stream}", n=100, **params)
        assert isinstance(found, dict)
        return [int(item["id"].rsplit("/", 1)[1], 16) for item in found["items"]]


def sign_up(services: Services, email: str, *, trial: bool = True) -> tuple[Reader, str]:
    reader = services.accounts.sign_up(email, PASSWORD, start_trial=trial)
    return reader, services.app_passwords.create(reader.id)


def login(client: TestClient, email: str, password: str) -> App:
    response = client.post("/accounts/ClientLogin", data={"Email": email, "Passwd": password})
    assert response.status_code == 200, response.text
    lines = dict(line.split("=", 1) for line in response.text.strip().splitlines())
    return App(client, lines["Auth"])


def test_client_login_answers_failures_as_failures(client: TestClient, services: Services) -> None:
    reader, password = sign_up(services, "app@example.org")
    wrong = client.post("/accounts/ClientLogin", data={"Email": "app@example.org", "Passwd": PASSWORD})
    assert wrong.status_code == 401 and wrong.text.strip() == "Error=BadAuthentication"
    unknown = client.post("/accounts/ClientLogin", data={"Email": "nobody@example.org", "Passwd": password})
    assert unknown.status_code == 401 and "BadAuthentication" in unknown.text
    app = login(client, "app@example.org", password)
    again = login(client, "APP@example.org", password)  # every sign-in gets the same token
    assert app.headers == again.headers
    info = app.get("/user-info")
    assert isinstance(info, dict) and info["userEmail"] == "app@example.org"
    assert client.get(API + "/user-info").status_code == 401
    services.app_passwords.revoke(reader.id)
    assert client.get(API + "/user-info", headers=app.headers).status_code == 401


def test_sign_ins_are_rate_limited_with_the_web_sign_in(client: TestClient, services: Services) -> None:
    _, password = sign_up(services, "limited@example.org")
    limit = services.settings.login_attempts_per_minute
    for _ in range(limit):
        bad = client.post("/accounts/ClientLogin", data={"Email": "limited@example.org", "Passwd": "nope"})
        assert bad.status_code == 401
    blocked = client.post("/accounts/ClientLogin", data={"Email": "limited@example.org", "Passwd": password})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1


def test_writes_need_the_edit_token(client: TestClient, services: Services, edition: Edition) -> None:
    _, password = sign_up(services, "token@example.org")
    app = login(client, "token@example.org", password)
    article = edition.articles["open"]
    refused = client.post(API + "/edit-tag", data={"i": str(article), "a": STARRED}, headers=app.headers)
    assert refused.status_code == 401 and refused.headers["X-Reader-Google-Bad-Token"] == "true"
    assert app.post("/edit-tag", [("i", str(article)), ("a", STARRED)]) == "OK"


def test_subscriptions_are_the_readers_follows(
    client: TestClient, services: Services, edition: Edition
) -> None:
    reader, password = sign_up(services, "subs@example.org")
    app = login(client, "subs@example.org", password)
    added = app.client.post(
        API + "/subscription/quickadd",
        data={"quickadd": "https://harbour-post.example/world.xml", "T": app.raw(API + "/token")},
        headers=app.headers,
    ).json()
    assert added["streamId"] == "feed/https://harbour-post.example/world.xml"
    assert services.accounts.get_reader(reader.id).followed_publishers == ("harbour-post",)
    app.post(
        "/subscription/edit", [("ac", "subscribe"), ("s", "feed/https://northern-ledger.example/science.xml")]
    )
    app.post("/subscription/edit", [("ac", "edit"), ("a", "user/-/label/Science")])
    subs = app.get("/subscription/list")
    assert isinstance(subs, dict)
    assert [(s["title"], [c["label"] for c in s["categories"]]) for s in subs["subscriptions"]] == [
        ("Harbour Post", []),
        ("Northern Ledger", ["Science"]),
    ]
    tags = app.get("/tag/list")
    assert isinstance(tags, dict)
    assert [t["id"] for t in tags["tags"]] == [STARRED, "user/-/label/Science"]
    opml = app.raw(API + "/subscription/export")
    assert "https://harbour-post.example/world.xml" in opml and "northern-ledger.example/science.xml" in opml
    app.post(
        "/subscription/edit", [("ac", "unsubscribe"), ("s", "feed/https://harbour-post.example/world.xml")]
    )
    after = services.accounts.get_reader(reader.id)
    assert after.followed_publishers == ("northern-ledger",) and after.followed_sections == ("Science",)


def test_feeds_outside_the_catalog_need_the_operators_leave(
    client: TestClient, services: Services, edition: Edition
) -> None:
    _, password = sign_up(services, "adder@example.org")
    app = login(client, "adder@example.org", password)
    data = {"quickadd": "https://new-voice.example/feed.xml", "T": app.raw(API + "/token")}
    refused = client.post(API + "/subscription/quickadd", data=data, headers=app.headers)
    assert refused.status_code == 403
    with pytest.raises(NotFoundError):
        services.catalog.find_feed("https://new-voice.example/feed.xml")
    services.settings = dataclasses.replace(services.settings, readers_may_add_feeds=True)
    services.subscriptions.settings = services.settings
    added = client.post(API + "/subscription/quickadd", data=data, headers=app.headers)
    assert added.status_code == 200, added.text
    feed = services.catalog.find_feed("https://new-voice.example/feed.xml")
    assert feed is not None and feed.publisher_id == "new-voice-example"
    bad = client.post(
        API + "/subscription/quickadd", data={**data, "quickadd": "ftp://x.example/f"}, headers=app.headers
    )
    assert bad.status_code == 400


def follow_all(services: Services, reader: Reader) -> None:
    for pid in ("harbour-post", "northern-ledger", "quay-review"):
        services.interests.follow(reader.id, Facet.PUBLISHER, pid)


def test_streams_states_and_marks(
    client: TestClient, services: Services, edition: Edition, clock: Clock
) -> None:
    reader, password = sign_up(services, "streams@example.org")
    follow_all(services, reader)
    app = login(client, "streams@example.org", password)
    everything = app.ids(READING_LIST)
    assert len(everything) == 5 and set(everything) == set(edition.articles.values()) | {edition.live_id}
    assert app.ids("feed/https://harbour-post.example/world.xml") == [
        edition.articles["open"],
        edition.articles["business"],
    ]
    assert app.ids("user/-/label/Science") == [edition.articles["paid"]]

    opened, paid = edition.articles["open"], edition.articles["paid"]
    assert (
        app.post("/edit-tag", [("i", f"tag:google.com,2005:reader/item/{opened:016x}"), ("a", READ)]) == "OK"
    )
    assert app.post("/edit-tag", [("i", str(paid)), ("a", STARRED)]) == "OK"
    assert opened not in app.ids(READING_LIST, xt=READ)
    assert app.ids(READ) == [opened]
    assert app.ids(STARRED) == [paid]
    item = app.get("/stream/items/contents", i=str(paid))
    assert isinstance(item, dict) and STARRED in item["items"][0]["categories"]
    counts = app.get("/unread-count")
    assert isinstance(counts, dict)
    by_id = {row["id"]: row["count"] for row in counts["unreadcounts"]}
    assert by_id[READING_LIST] == 4 and by_id["feed/https://harbour-post.example/world.xml"] == 1

    # kept-unread, as newsboat sends it, takes an item out of the history again
    app.post("/edit-tag", [("i", str(opened)), ("r", READ), ("a", "user/-/state/com.google/kept-unread")])
    assert opened in app.ids(READING_LIST, xt=READ)
    app.post("/edit-tag", [("i", str(paid)), ("r", STARRED)])
    assert app.ids(STARRED) == []

    # mark-all-as-read marks only what was published by the time bound
    business = edition.articles["business"]
    bound = int((NOW - timedelta(hours=2, minutes=30)).timestamp() * 1_000_000)
    app.post("/mark-all-as-read", [("s", READING_LIST), ("ts", str(bound))])
    unread = app.ids(READING_LIST, xt=READ)
    assert business not in unread and paid not in unread and opened in unread
    refs = app.get("/stream/items/ids", s=READING_LIST, xt=READ)
    assert isinstance(refs, dict) and [int(r["id"]) for r in refs["itemRefs"]] == unread


@pytest.mark.parametrize("unread_only", [False, True])
def test_continuation_walks_every_stream_once(
    client: TestClient, services: Services, edition: Edition, unread_only: bool
) -> None:
    reader, password = sign_up(services, "pages@example.org")
    follow_all(services, reader)
    for aid in edition.articles.values():
        services.reading.save(reader.id, aid)
    app = login(client, "pages@example.org", password)
    for stream in (READING_LIST, STARRED, "feed/https://harbour-post.example/world.xml"):
        params: dict[str, object] = {"n": 2, **({"xt": READ} if unread_only else {})}
        seen: list[str] = []
        while True:
            page = app.get(f"/stream/contents/{stream}", **params)
            assert isinstance(page, dict)
            seen += [i["id"] for i in page["items"]]
            if "continuation" not in page:
                break
            params["c"] = page["continuation"]
        whole = app.get(f"/stream/contents/{stream}", n=100, **({"xt": READ} if unread_only else {}))
        assert isinstance(whole, dict)
        assert seen == [i["id"] for i in whole["items"]] and len(seen) == len(set(seen)) > 0, stream
    assert (
        client.get(
            API + "/stream/contents/" + READING_LIST, params={"c": "nonsense"}, headers=app.headers
        ).status_code
        == 400
    )


def test_atom_streams_answer_and_page(client: TestClient, services: Services, edition: Edition) -> None:
    reader, password = sign_up(services, "atom@example.org")
    follow_all(services, reader)
    app = login(client, "atom@example.org", password)
    first = feedparser.parse(app.raw(f"/reader/atom/{READING_LIST}", n=3).encode())
    assert not first.bozo and len(first.entries) == 3
    assert first.feed["gr_continuation"]
    rest = feedparser.parse(
        app.raw(f"/reader/atom/{READING_LIST}", n=3, c=first.feed["gr_continuation"]).encode()
    )
    assert len(rest.entries) == 2 and "gr_continuation" not in rest.feed
    assert {e.id for e in first.entries}.isdisjoint({e.id for e in rest.entries})
    assert all(e.id.startswith("tag:google.com,2005:reader/item/") for e in first.entries + rest.entries)


def every_answer(app: App, edition: Edition) -> list[str]:
    premium = edition.articles["premium"]
    return [
        app.raw(f"{API}/stream/contents/{READING_LIST}", n=50),
        app.raw(f"{API}/stream/contents/feed/https://quay.example/"),
        app.raw(f"{API}/stream/contents/{STARRED}"),
        app.raw(f"{API}/stream/items/contents", i=str(premium)),
        app.raw(f"/reader/atom/{READING_LIST}"),
        app.raw(f"/reader/atom/{STARRED}"),
    ]


def test_the_paywall_holds(client: TestClient, services: Services, edition: Edition, clock: Clock) -> None:
    lapsed, password = sign_up(services, "lapsed@example.org")
    follow_all(services, lapsed)
    services.reading.save(lapsed.id, edition.articles["premium"])
    clock.advance(days=services.settings.trial_days + 1)
    app = login(client, "lapsed@example.org", password)
    answers = every_answer(app, edition)
    assert not any(SECRET_WORD in text for text in answers)
    item = app.get("/stream/items/contents", i=str(edition.articles["premium"]))
    assert isinstance(item, dict)
    content = item["items"][0]["summary"]["content"]
    assert "Opening paragraph 1" in content and "Continue reading" in content
    assert services.reading.history(lapsed.id) == []  # syncing is not reading


def test_members_get_the_full_text(client: TestClient, services: Services, edition: Edition) -> None:
    reader, password = sign_up(services, "trial@example.org")
    follow_all(services, reader)
    app = login(client, "trial@example.org", password)
    item = app.get("/stream/items/contents", i=str(edition.articles["premium"]))
    assert isinstance(item, dict)
    content = item["items"][0]["summary"]["content"]
    assert SECRET_WORD in content and content.count("<p>") >= PREMIUM_PARAGRAPHS
    live = app.get("/stream/items/contents", i=str(edition.live_id))
    assert isinstance(live, dict)
    entries = live["items"][0]["summary"]["content"]  # a live blog's body is its entries
    assert entries.index("Power is back in the old town.") < entries.index("Winds are easing.")


def test_time_bounds_order_include_import_and_disable_tag(
    client: TestClient, services: Services, edition: Edition
) -> None:
    reader, password = sign_up(services, "bounds@example.org")
    follow_all(services, reader)
    app = login(client, "bounds@example.org", password)
    everything = app.ids(READING_LIST)
    newer = int((NOW - timedelta(hours=2, minutes=30)).timestamp())
    recent = app.ids(READING_LIST, nt=newer)
    assert recent and all(i in everything[: len(recent)] for i in recent)
    older = app.ids(READING_LIST, ot=newer)
    assert older == everything[len(recent) :]
    assert app.ids(READING_LIST, r="o") == everything[::-1]
    services.reading.save(reader.id, edition.articles["paid"])
    assert app.ids(READING_LIST, it=STARRED) == [edition.articles["paid"]]

    token = app.raw(API + "/token")
    opml = (
        b'<?xml version="1.0"?><opml version="2.0"><body>'
        b'<outline type="rss" text="x" xmlUrl="https://northern-ledger.example/science.xml"/></body></opml>'
    )
    services.interests.unfollow(reader.id, Facet.PUBLISHER, "northern-ledger")
    imported = client.post(
        f"{API}/subscription/import?T={token}",
        content=opml,
        headers={**app.headers, "Content-Type": "text/x-opml"},
    )
    assert imported.status_code == 200 and imported.text == "OK"
    assert "northern-ledger" in services.accounts.get_reader(reader.id).followed_publishers

    services.interests.follow(reader.id, Facet.SECTION, "Science")
    assert app.post("/disable-tag", [("s", "user/-/label/Science")]) == "OK"
    assert services.accounts.get_reader(reader.id).followed_sections == ()
    unknown = client.get(f"{API}/stream/contents/pop/whatever", headers=app.headers)
    assert unknown.status_code == 400
    missing = client.get(f"{API}/stream/contents/feed/https://nowhere.example/feed", headers=app.headers)
    assert missing.status_code == 404


def walk(app: App, path: str, **params: object) -> list[str]:
    """Every page of a stream's item ids, following its continuations."""
    seen: list[str] = []
    for _ in range(50):
        page = app.get(path, **params)
        assert isinstance(page, dict)
        seen += [i["id"] for i in page["items"]] if "items" in page else [r["id"] for r in page["itemRefs"]]
        if "continuation" not in page:
            return seen
        params["c"] = page["continuation"]
    raise AssertionError("the stream never ended")


@pytest.mark.parametrize("unread_only", [False, True])
def test_oldest_first_walks_every_stream_forwards(
    client: TestClient, services: Services, edition: Edition, clock: Clock, unread_only: bool
) -> None:
    from newsstand.model import Article

    for i in range(7):  # more of one feed, two by two at the same minute: keys tie on time
        article = Article(
            "harbour-post",
            f"https://harbour-post.example/extra/{i}",
            f"Extra {i}",
            NOW - timedelta(hours=3, minutes=i // 2),
            section="World",
            sections=("World",),
        )
        services.store.upsert_article(article)
    reader, password = sign_up(services, "oldest@example.org")
    follow_all(services, reader)
    services.interests.follow(reader.id, Facet.SECTION, "World")
    app = login(client, "oldest@example.org", password)
    every = app.ids(READING_LIST)
    for aid in every[::2]:
        clock.advance(seconds=30)
        services.reading.save(reader.id, aid)
    clock.advance(seconds=30)
    services.subscriptions.set_read(reader, every[1:6], True)
    extra = {"xt": READ} if unread_only else {}
    streams = [READING_LIST, STARRED, "feed/https://harbour-post.example/world.xml", "user/-/label/World"]
    streams += [] if unread_only else [READ]
    for stream in streams:
        newest = walk(app, f"/stream/contents/{stream}", n=100, **extra)
        assert len(newest) >= 3, stream
        for n in (1, 2, 3):
            oldest = walk(app, f"/stream/contents/{stream}", n=n, r="o", **extra)
            assert oldest == newest[::-1], (stream, n)
        refs = walk(app, "/stream/items/ids", s=stream, n=2, r="o", **extra)
        assert refs == [str(int(i.rsplit("/", 1)[1], 16)) for i in newest[::-1]], stream

    # with time bounds (in seconds; ot exclusive, nt exclusive), still forwards and whole
    page = app.get(f"/stream/contents/{READING_LIST}", n=100, **extra)
    assert isinstance(page, dict)
    stamps = [int(i["timestampUsec"]) // 1_000_000 for i in page["items"]]
    ot, nt = stamps[1], stamps[-2] - 1
    bounded = walk(app, f"/stream/contents/{READING_LIST}", n=2, r="o", ot=ot, nt=nt, **extra)
    inside = [i["id"] for i, s in zip(page["items"], stamps, strict=True) if nt < s < ot]
    assert bounded == inside[::-1] and len(inside) >= 2

    # the Atom form takes r=o and pages forwards too
    first = feedparser.parse(app.raw(f"/reader/atom/{READING_LIST}", n=4, r="o", **extra).encode())
    going_on = {"n": 100, "r": "o", "c": first.feed["gr_continuation"], **extra}
    rest = feedparser.parse(app.raw(f"/reader/atom/{READING_LIST}", **going_on).encode())
    newest = walk(app, f"/stream/contents/{READING_LIST}", n=100, **extra)
    assert [e.id for e in first.entries + rest.entries] == newest[::-1]

    # a continuation of one order is refused in the other
    newest_page = app.get(f"/stream/contents/{READING_LIST}", n=2, **extra)
    assert isinstance(newest_page, dict)
    mixed = client.get(
        f"{API}/stream/contents/{READING_LIST}",
        params={"r": "o", "c": newest_page["continuation"]},
        headers=app.headers,
    )
    assert mixed.status_code == 400


def test_renaming_a_subscription_is_the_readers_own(
    client: TestClient, services: Services, edition: Edition
) -> None:
    from .test_fever import fever_key

    reader, password = sign_up(services, "renamer@example.org")
    other, other_password = sign_up(services, "other@example.org")
    for who in (reader, other):
        services.interests.follow(who.id, Facet.PUBLISHER, "harbour-post")
    app = login(client, "renamer@example.org", password)
    feed = "feed/https://harbour-post.example/world.xml"
    # rename and relabel in one call, as apps send it
    app.post(
        "/subscription/edit",
        [("ac", "edit"), ("s", feed), ("t", "  My  harbour "), ("a", "user/-/label/World")],
    )
    subs = app.get("/subscription/list")
    assert isinstance(subs, dict)
    assert [(s["title"], [c["label"] for c in s["categories"]]) for s in subs["subscriptions"]] == [
        ("My harbour", ["World"])
    ]
    page = app.get(f"/stream/contents/{feed}", n=5)
    assert isinstance(page, dict) and page["title"] == "My harbour"
    assert {i["origin"]["title"] for i in page["items"]} == {"My harbour"}
    atom = feedparser.parse(app.raw(f"/reader/atom/{feed}").encode())
    assert atom.feed.title == "My harbour"
    assert 'text="My harbour"' in app.raw(API + "/subscription/export")
    fever = client.post("/fever/?api", data={"api_key": fever_key("renamer@example.org", password)})
    assert fever.status_code == 200, fever.text
    fever_feeds = client.post(
        "/fever/?api&feeds", data={"api_key": fever_key("renamer@example.org", password)}
    ).json()["feeds"]
    assert [f["title"] for f in fever_feeds] == ["My harbour"]

    # nobody else sees it: not another reader, not the catalog
    assert services.catalog.get_publisher("harbour-post").name == "Harbour Post"
    others = login(client, "other@example.org", other_password).get("/subscription/list")
    assert isinstance(others, dict) and [s["title"] for s in others["subscriptions"]] == ["Harbour Post"]

    # the label goes with r= in the same call as a title back to the publisher's own
    app.post(
        "/subscription/edit",
        [("ac", "edit"), ("s", feed), ("t", "Harbour Post"), ("r", "user/-/label/World")],
    )
    subs = app.get("/subscription/list")
    assert isinstance(subs, dict)
    assert [(s["title"], s["categories"]) for s in subs["subscriptions"]] == [("Harbour Post", [])]
    assert services.store.reader_titles(reader.id) == {}

    # subscribing with t names it too; renaming what one does not follow is 404
    app.post(
        "/subscription/edit",
        [("ac", "subscribe"), ("s", "feed/https://northern-ledger.example/science.xml"), ("t", "Ledger")],
    )
    subs = app.get("/subscription/list")
    assert isinstance(subs, dict) and [s["title"] for s in subs["subscriptions"]] == [
        "Harbour Post",
        "Ledger",
    ]
    token = app.raw(API + "/token")
    missing = client.post(
        API + "/subscription/edit",
        data={"ac": "edit", "s": "feed/https://quay.example/", "t": "Nope", "T": token},
        headers=app.headers,
    )
    assert missing.status_code == 404
    app.post(
        "/subscription/edit",
        [("ac", "unsubscribe"), ("s", "feed/https://northern-ledger.example/science.xml")],
    )
    assert services.store.reader_titles(reader.id) == {}  # an unsubscribe forgets the name


def test_rename_tag_is_the_readers_own_and_streams_follow_it(
    client: TestClient, services: Services, edition: Edition
) -> None:
    reader, password = sign_up(services, "tags@example.org")
    other, _ = sign_up(services, "tags2@example.org")
    follow_all(services, reader)
    for who in (reader, other):
        services.interests.follow(who.id, Facet.SECTION, "Science")
    app = login(client, "tags@example.org", password)
    before = app.ids("user/-/label/Science")
    assert (
        app.post("/rename-tag", [("s", "user/-/label/Science"), ("dest", "user/-/label/Lab notes")]) == "OK"
    )
    tags = app.get("/tag/list")
    assert isinstance(tags, dict) and [t["id"] for t in tags["tags"]] == [STARRED, "user/-/label/Lab notes"]
    assert app.ids("user/-/label/Lab notes") == before and before
    page = app.get("/stream/contents/user/-/label/Lab notes")
    assert isinstance(page, dict) and page["title"] == "Lab notes"
    item = page["items"][0]
    assert "user/-/label/Lab notes" in item["categories"] and "user/-/label/Science" not in item["categories"]
    counts = app.get("/unread-count")
    assert isinstance(counts, dict)
    assert "user/-/label/Lab notes" in {row["id"] for row in counts["unreadcounts"]}
    subs = app.get("/subscription/list")
    assert isinstance(subs, dict)
    ledger = next(s for s in subs["subscriptions"] if s["title"] == "Northern Ledger")
    assert [c["label"] for c in ledger["categories"]] == ["Lab notes"]
    # the section itself and the other reader are untouched
    assert services.accounts.get_reader(reader.id).followed_sections == ("Science",)
    assert services.subscriptions.followed_labels(services.accounts.get_reader(other.id)) == {
        "Science": "Science"
    }
    # another label's name is refused; the t= form names a label by its name alone
    services.interests.follow(reader.id, Facet.SECTION, "World")
    token = app.raw(API + "/token")
    taken = client.post(
        API + "/rename-tag",
        data={"s": "user/-/label/World", "dest": "user/-/label/lab NOTES", "T": token},
        headers=app.headers,
    )
    assert taken.status_code == 400
    section_name = client.post(
        API + "/rename-tag",
        data={"s": "user/-/label/Science", "dest": "user/-/label/business", "T": token},
        headers=app.headers,
    )
    assert section_name.status_code == 400  # a section's name is left to that section
    assert app.post("/rename-tag", [("t", "Lab notes"), ("dest", "Science")]) == "OK"  # back again
    assert services.store.reader_titles(reader.id) == {}
    app.post("/rename-tag", [("s", "user/-/label/Science"), ("dest", "user/-/label/Lab notes")])
    # disable-tag takes the reader's name and stops following the section (forgetting the name)
    assert app.post("/disable-tag", [("s", "user/-/label/Lab notes")]) == "OK"
    assert services.accounts.get_reader(reader.id).followed_sections == ("World",)
    assert services.store.reader_titles(reader.id) == {}
