"""An import of part of a live blog (one new entry, as text) adds to it and wipes nothing."""

from __future__ import annotations

from datetime import timedelta

from newsstand.config import Settings
from newsstand.extract.page import ExtractedPage
from newsstand.model import ArticleKind, Image, LiveEntry, Publisher, utcnow
from newsstand.store import SqlStore
from support import make_services

URL = "https://daily.example/live/storm"


def _page(entries: list[LiveEntry], **fields: object) -> ExtractedPage:
    base = {
        "url": URL,
        "headline": "Storm live",
        "kind": ArticleKind.LIVEBLOG,
        "live_entries": tuple(entries),
    }
    return ExtractedPage(**{**base, **fields})  # type: ignore[arg-type]


def _entry(n: int, **changes: object) -> LiveEntry:
    return LiveEntry(
        f"b{n}", utcnow() - timedelta(minutes=60 - n), f"Update {n}", f"<p>{n}</p>", f"{n}", **changes
    )  # type: ignore[arg-type]


def test_importing_one_new_entry_keeps_the_rest_of_the_blog(
    store: SqlStore, store_settings: Settings
) -> None:
    services = make_services(store, store_settings)
    store.add_publisher(Publisher("daily", "The Daily", "https://daily.example", "GB", "en"))
    whole = _page(
        [_entry(0, pinned=True, summary=True), _entry(1), _entry(2), _entry(3)],
        standfirst="Every update as it happens.",
        authors=("Ada Quill",),
        images=(Image("https://img.example/storm.jpg", caption="The storm", credit="Photograph: Desk"),),
        body_text="Every update.",
    )
    first = services.operations.import_page(whole, publisher="daily")
    assert first.stored.live is not None and len(first.stored.live.added) == 4
    one = _page([_entry(4)])  # a plain-text import of the newest entry only: no standfirst, byline or photo
    again = services.operations.import_page(one, publisher="daily")
    assert again.stored.live is not None
    assert again.stored.live.added == ("b4",) and again.stored.live.deleted == ()
    article = store.get_article(first.stored.upsert.article_id)
    assert article.standfirst == "Every update as it happens." and article.authors == ("Ada Quill",)
    assert article.images and article.images[0].credit == "Photograph: Desk"
    assert {e.entry_id for e in store.live_entries(article.id or 0)} == {"b0", "b1", "b2", "b3", "b4"}
