"""Search that forgives (issue 15): accents folded, stems in the catalog's languages,
filter-only browsing, sort by date, and one shared query set giving the same results on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newsstand.errors import SearchQueryError
from newsstand.model import SearchQuery
from newsstand.store import SqlStore, open_url

from .helpers import T0, article, publisher

# (slug, language, section, title, body)
EDITION = [
    ("tempete", "fr", "Monde", "La tempête frappe la Bretagne", "Une tempête violente a traversé la côte."),
    ("battery", "en", "Business", "Battery makers expand", "A new battery plant opens in the north."),
    ("stormy", "en", "World", "Stormy weather ahead", "Forecasters warn of a storm on Friday."),
    ("sturm", "de", "Welt", "Stürme über Hamburg", "Der Sturm zog in der Nacht über die Stadt."),
    ("final", "en", "Sport", "Cup final tonight", "Both teams trained in the rain."),
    ("recall", "en", "Business", "Batteries recalled", "Two batteries overheated in a shop."),
    ("elan", "es", "Cultura", "Canción del año", "La canción más escuchada del verano."),
]

# Query -> the slugs it must find (as a set), on both databases.
EXPECTED = {
    "tempête": {"tempete"},
    "tempete": {"tempete"},
    "TEMPETES": {"tempete"},
    "battery": {"battery", "recall"},
    "batteries": {"battery", "recall"},
    "stormy": {"stormy"},
    "storms": {"stormy"},
    "Stürme": {"sturm"},
    "sturm": {"sturm"},
    "cancion": {"elan"},
    "canciones": {"elan"},
    '"tempête"': {"tempete"},
    '"tempete"': set(),  # quotes ask for the exact word
    "battery -recalled": {"battery"},
    "tempete OR sturm": {"tempete", "sturm"},
}


def fill(store: SqlStore) -> dict[str, int]:
    for lang in ("fr", "en", "de", "es"):
        store.add_publisher(publisher(f"pub-{lang}", language=lang))
    ids = {}
    for n, (slug, lang, section, title, body) in enumerate(EDITION):
        a = article(
            n,
            pid=f"pub-{lang}",
            title=title,
            body_text=body,
            body_html=f"<p>{body}</p>",
            standfirst="",
            language=lang,
            section=section,
            sections=(section,),
            published=T0 + timedelta(hours=n),
        )
        ids[slug] = store.upsert_article(a).article_id
    return ids


def found(store: SqlStore, ids: dict[str, int], query: SearchQuery) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    return [by_id[h.article.id or 0] for h in store.search(query).hits]


@pytest.mark.parametrize("text", sorted(EXPECTED))
def test_accents_and_stems_are_forgiven(store: SqlStore, text: str) -> None:
    ids = fill(store)
    assert set(found(store, ids, SearchQuery(text))) == EXPECTED[text]


def test_a_word_matched_by_its_stem_is_marked_in_the_snippet(store: SqlStore) -> None:
    ids = fill(store)
    [hit] = store.search(SearchQuery("tempete")).hits
    assert hit.article.id == ids["tempete"]
    assert "<mark>tempête</mark>" in hit.snippet


def test_filters_without_words_list_the_filters_articles(store: SqlStore) -> None:
    ids = fill(store)
    assert found(store, ids, SearchQuery("", sections=("Sport",))) == ["final"]
    assert found(store, ids, SearchQuery("  ", sections=("Business",))) == ["recall", "battery"]
    page = store.search(SearchQuery("", languages=("en",), limit=2))
    assert len(page.hits) == 2 and page.next_cursor
    rest = store.search(SearchQuery("", languages=("en",), limit=2, cursor=page.next_cursor))
    seen = [h.article.id for h in page.hits + rest.hits]
    assert len(set(seen)) == 4
    with pytest.raises(SearchQueryError):
        store.search(SearchQuery(""))  # nothing at all to look for


def test_sort_by_date_puts_the_newest_first(store: SqlStore) -> None:
    ids = fill(store)
    assert found(store, ids, SearchQuery("battery", sort="newest")) == ["recall", "battery"]
    with pytest.raises(SearchQueryError):
        store.search(SearchQuery("battery", sort="sideways"))


@pytest.mark.parametrize("text", ['"', "*", "OR", "\x00", "-", '"" OR *', "\x00OR\x00"])
def test_what_a_person_can_type_never_breaks_the_store(store: SqlStore, text: str) -> None:
    ids = fill(store)
    with pytest.raises(SearchQueryError):
        store.search(SearchQuery(text))
    assert found(store, ids, SearchQuery(text, sections=("Sport",))) == ["final"]


@pytest.mark.postgres
def test_the_shared_query_set_gives_the_same_results_on_both_databases(
    sqlite_store: SqlStore, fresh_pg_url: str
) -> None:
    pg = open_url(fresh_pg_url)
    try:
        stores = {"sqlite": sqlite_store, "postgresql": pg}
        ids = {name: fill(s) for name, s in stores.items()}
        queries = [SearchQuery(text) for text in EXPECTED]
        queries += [SearchQuery(text, sort="newest") for text in EXPECTED]
        queries += [SearchQuery("", sections=("Business",)), SearchQuery("storm", languages=("en",))]
        for query in queries:
            answers = {name: found(s, ids[name], query) for name, s in stores.items()}
            if query.sort == "relevance" and query.text.strip():
                assert set(answers["sqlite"]) == set(answers["postgresql"]), query
            else:
                assert answers["sqlite"] == answers["postgresql"], query
            snippets = (
                {name: [h.snippet for h in s.search(query).hits] for name, s in stores.items()}
                if (query.sort == "newest")
                else None
            )
            if snippets:
                assert snippets["sqlite"] == snippets["postgresql"], query
    finally:
        pg.close()
