"""A reader's own folders through the Google Reader and Fever APIs over HTTP, on SQLite and
PostgreSQL: a label that names no section is a folder of the reader's subscriptions, made by
``subscription/edit a=``, listed by tag/list and subscription/list, read as a stream (JSON and
Atom), counted, marked read, renamed, emptied and deleted; a section's name keeps following the
section; the OPML export nests subscriptions in their folders and the import takes the file's
titles and folders."""

from __future__ import annotations

from urllib.parse import urlencode

import defusedxml.ElementTree as SafeET
import feedparser
from starlette.testclient import TestClient

from newsstand.app import Services
from web.conftest import NOW, Edition

from .test_fever import Fever, fever_key
from .test_greader import API, READ, STARRED, App, login, sign_up

HARBOUR = "feed/https://harbour-post.example/world.xml"
LEDGER = "feed/https://northern-ledger.example/science.xml"
QUAY = "feed/https://quay.example"  # no feed: known to apps by its homepage
WEEKEND = "user/-/label/Weekend reads"


def status(app: App, path: str, data: list[tuple[str, str]]) -> int:
    """The status of a write that may be refused."""
    body = urlencode([*data, ("T", app.raw(API + "/token"))])
    headers = {**app.headers, "Content-Type": "application/x-www-form-urlencoded"}
    return app.client.post(API + path, content=body, headers=headers).status_code


def tags(app: App) -> list[tuple[str, str]]:
    found = app.get("/tag/list")
    assert isinstance(found, dict)
    return [(t["id"], t.get("type", "")) for t in found["tags"]]


def categories(app: App) -> dict[str, list[str]]:
    found = app.get("/subscription/list")
    assert isinstance(found, dict)
    return {s["id"]: [c["id"] for c in s["categories"]] for s in found["subscriptions"]}


def unread(app: App) -> dict[str, int]:
    found = app.get("/unread-count")
    assert isinstance(found, dict)
    return {row["id"]: row["count"] for row in found["unreadcounts"]}


def test_a_label_that_names_no_section_is_the_readers_folder(
    client: TestClient, services: Services, edition: Edition
) -> None:
    reader, password = sign_up(services, "folders@example.org")
    other, other_password = sign_up(services, "neighbour@example.org")
    app = login(client, "folders@example.org", password)
    app.post("/subscription/edit", [("ac", "subscribe"), ("s", HARBOUR), ("s", QUAY)])
    # made on first use: one call puts a followed subscription in a new folder ...
    app.post("/subscription/edit", [("ac", "edit"), ("s", HARBOUR), ("a", WEEKEND)])
    # ... and subscribing with a= files the new subscription (any case finds the folder)
    app.post("/subscription/edit", [("ac", "subscribe"), ("s", LEDGER), ("a", "user/-/label/weekend READS")])
    assert tags(app) == [(STARRED, ""), (WEEKEND, "folder")]
    assert categories(app) == {HARBOUR: [WEEKEND], LEDGER: [WEEKEND], QUAY: []}
    assert services.store.reader_labels(reader.id) == {"Weekend reads": ("harbour-post", "northern-ledger")}
    # following a section is unchanged: a section's name is never a folder
    app.post("/subscription/edit", [("ac", "edit"), ("s", LEDGER), ("a", "user/-/label/science")])
    assert services.accounts.get_reader(reader.id).followed_sections == ("science",)
    assert set(services.store.reader_labels(reader.id)) == {"Weekend reads"}

    # the folder's stream is its publishers' articles, in JSON and in Atom
    a = edition.articles
    in_folder = [edition.live_id, a["open"], a["paid"], a["business"]]  # newest first
    page = app.get(f"/stream/contents/{WEEKEND}", n=50)
    assert isinstance(page, dict) and page["title"] == "Weekend reads"
    assert [int(i["id"].rsplit("/", 1)[1], 16) for i in page["items"]] == in_folder
    assert all(WEEKEND in i["categories"] for i in page["items"])
    assert app.ids(WEEKEND, r="o") == in_folder[::-1]
    atom = feedparser.parse(app.raw("/reader/atom/user/-/label/Weekend reads", n=2).encode())
    assert atom.feed.title == "Weekend reads" and len(atom.entries) == 2
    assert [e.title for e in atom.entries] == [
        "Storm over the bay – live",
        "Harbour cranes return after the long strike",
    ]
    assert unread(app)[WEEKEND] == 4

    # a second folder with one subscription; mark-all-as-read on it reads only that one
    app.post("/subscription/edit", [("ac", "edit"), ("s", HARBOUR), ("a", "user/-/label/Harbour only")])
    assert app.ids("user/-/label/Harbour only") == [a["open"], a["business"]]
    assert categories(app)[HARBOUR] == ["user/-/label/Harbour only", WEEKEND]  # by name
    app.post("/mark-all-as-read", [("s", "user/-/label/Harbour only")])
    counts = unread(app)
    assert "user/-/label/Harbour only" not in counts and counts[WEEKEND] == 2
    assert set(app.ids(READ)) == {a["open"], a["business"]}

    # rename-tag renames a folder; another label's name, a section's, or a bad name is 400
    assert status(app, "/rename-tag", [("s", "user/-/label/Harbour only"), ("dest", "weekend reads")]) == 400
    assert status(app, "/rename-tag", [("s", "user/-/label/Harbour only"), ("dest", "Business")]) == 400
    assert status(app, "/rename-tag", [("s", "user/-/label/Harbour only"), ("dest", "Science")]) == 400
    assert (
        status(app, "/rename-tag", [("s", "user/-/label/Harbour only"), ("dest", "user/-/label/a/b")]) == 400
    )
    assert status(app, "/rename-tag", [("s", "user/-/label/Nowhere"), ("dest", "Anywhere")]) == 404
    app.post("/rename-tag", [("s", "user/-/label/Harbour only"), ("dest", "user/-/label/Quayside")])
    assert [t for t, _ in tags(app)] == [STARRED, "user/-/label/Quayside", "user/-/label/science", WEEKEND]
    # and a section's label cannot take a folder's name
    assert status(app, "/rename-tag", [("s", "user/-/label/science"), ("dest", "QUAYSIDE")]) == 400

    # names the rules refuse, and a folder with nothing to put in it
    for bad in ("user/-/label/a/b", "user/-/label/bell\x07", "user/-/label/" + "x" * 101):
        assert status(app, "/subscription/edit", [("ac", "edit"), ("s", HARBOUR), ("a", bad)]) == 400
    assert status(app, "/subscription/edit", [("ac", "edit"), ("a", "user/-/label/Empty")]) == 400
    # only a subscription the reader follows can be filed
    no_follow = [("ac", "edit"), ("s", "feed/https://nowhere.example/x"), ("a", WEEKEND)]
    assert status(app, "/subscription/edit", no_follow) == 404

    # r= takes a subscription out; a folder left empty is gone
    app.post("/subscription/edit", [("ac", "edit"), ("s", HARBOUR), ("r", "user/-/label/Quayside")])
    assert "user/-/label/Quayside" not in [t for t, _ in tags(app)]
    assert app.ids("user/-/label/Quayside") == []
    # unsubscribing takes a subscription out of every folder
    app.post("/subscription/edit", [("ac", "unsubscribe"), ("s", HARBOUR)])
    assert services.store.reader_labels(reader.id) == {"Weekend reads": ("northern-ledger",)}

    # the reader's neighbour sees none of it
    assert tags(login(client, "neighbour@example.org", other_password)) == [(STARRED, "")]
    assert services.store.reader_labels(other.id) == {}

    # disable-tag deletes the folder; its subscriptions stay followed
    assert app.post("/disable-tag", [("s", WEEKEND)]) == "OK"
    assert services.store.reader_labels(reader.id) == {}
    assert set(services.accounts.get_reader(reader.id).followed_publishers) == {
        "quay-review",
        "northern-ledger",
    }
    assert categories(app) == {LEDGER: ["user/-/label/science"], QUAY: []}


def test_fever_groups_hold_the_readers_folders(
    client: TestClient, services: Services, edition: Edition
) -> None:
    _, password = sign_up(services, "fever-folders@example.org")
    app = login(client, "fever-folders@example.org", password)
    app.post("/subscription/edit", [("ac", "subscribe"), ("s", HARBOUR), ("s", LEDGER)])
    app.post("/subscription/edit", [("ac", "edit"), ("s", LEDGER), ("a", "user/-/label/Cold places")])
    app.post("/subscription/edit", [("ac", "edit"), ("a", "user/-/label/World")])
    fever = Fever(client, fever_key("fever-folders@example.org", password))
    body = fever.call("groups", "feeds")
    groups = {g["title"]: g["id"] for g in body["groups"]}
    assert list(groups) == ["Cold places", "World"]
    feeds = {f["title"]: f["id"] for f in body["feeds"]}
    grouped = {g["group_id"]: set(map(int, g["feed_ids"].split(","))) for g in body["feeds_groups"]}
    assert grouped == {
        groups["World"]: {feeds["Harbour Post"], feeds["Northern Ledger"]},
        groups["Cold places"]: {feeds["Northern Ledger"]},
    }
    # marking the folder's group read reads the articles of its publishers only
    fever.call(mark="group", **{"as": "read"}, id=groups["Cold places"], before=int(NOW.timestamp()))
    left = set(map(int, fever.call("unread_item_ids")["unread_item_ids"].split(",")))
    assert left == {edition.articles["open"], edition.articles["business"]}


def test_opml_nests_subscriptions_in_folders_and_imports_titles_and_folders(
    client: TestClient, services: Services, edition: Edition
) -> None:
    _, password = sign_up(services, "opml-folders@example.org")
    app = login(client, "opml-folders@example.org", password)
    app.post("/subscription/edit", [("ac", "subscribe"), ("s", HARBOUR), ("s", LEDGER), ("s", QUAY)])
    app.post(
        "/subscription/edit", [("ac", "edit"), ("s", HARBOUR), ("s", LEDGER), ("a", "user/-/label/Daily")]
    )
    app.post("/subscription/edit", [("ac", "edit"), ("s", LEDGER), ("a", "user/-/label/Deep")])
    exported = app.raw(API + "/subscription/export")
    body = SafeET.fromstring(exported.encode()).find("body")
    assert body is not None
    top = [(o.get("text"), [c.get("text") for c in o]) for o in body]
    assert top == [
        ("Daily", ["Harbour Post", "Northern Ledger"]),
        ("Deep", ["Northern Ledger"]),  # filed twice: its feed again, under the same name
        ("Quay Review", []),
    ]

    # a fresh reader imports the file of another app: titles and folders become theirs
    fresh, fresh_password = sign_up(services, "importer@example.org")
    other_app = (
        b'<?xml version="1.0"?><opml version="2.0"><body>'
        b'<outline text="Morning"><outline type="rss" text="My harbour" '
        b'xmlUrl="https://harbour-post.example/world.xml"/>'
        b'<outline type="rss" text="Northern Ledger" xmlUrl="https://northern-ledger.example/science.xml"/>'
        b"</outline>"
        b'<outline text="Science"><outline type="rss" text="Ledger science" '
        b'xmlUrl="https://northern-ledger.example/science.xml"/></outline>'
        b"</body></opml>"
    )
    importer = login(client, "importer@example.org", fresh_password)
    done = client.post(
        f"{API}/subscription/import?T={importer.raw(API + '/token')}",
        content=other_app,
        headers={**importer.headers, "Content-Type": "text/x-opml"},
    )
    assert done.status_code == 200, done.text
    found = importer.get("/subscription/list")
    assert isinstance(found, dict)
    assert [(s["title"], [c["label"] for c in s["categories"]]) for s in found["subscriptions"]] == [
        ("My harbour", ["Morning"]),
        ("Northern Ledger", ["Morning"]),  # "Science" is a section's name: no folder of that name
    ]
    assert services.accounts.get_reader(fresh.id).followed_sections == ()

    # Newsstand's own export comes back whole: folders, and the reader's own names (a
    # publisher without a feed has nothing to subscribe to in a file: Quay Review stays out)
    app.post("/subscription/edit", [("ac", "edit"), ("s", HARBOUR), ("t", "My harbour")])
    again = app.raw(API + "/subscription/export").encode()
    third, _ = sign_up(services, "third@example.org")
    done_third = services.subscriptions.import_opml(services.accounts.get_reader(third.id), again)
    assert done_third.folders == ("Daily", "Deep")
    mine = services.subscriptions.subscriptions(services.accounts.get_reader(third.id))
    assert [(s.shown, s.folders) for s in mine] == [
        ("My harbour", ("Daily",)),
        ("Northern Ledger", ("Daily", "Deep")),
    ]
