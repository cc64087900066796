"""OPML export and import: lossless round trip, other readers' files, hostile files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from newsstand.app.catalog import export_opml, import_opml, merge_catalog, store_catalog
from newsstand.catalog import Catalog, load_default_catalog
from newsstand.catalog.opml import (
    MAX_DEPTH,
    MAX_OPML_BYTES,
    MAX_OUTLINES,
    parse_opml,
    read_subscriptions,
    write_opml,
)
from newsstand.errors import CatalogError
from newsstand.model import Feed, LicenceTier, Publisher
from newsstand.store import SqlStore, open_url


@pytest.fixture
def other_store(tmp_path: Path) -> Iterator[SqlStore]:
    s = open_url(f"sqlite:///{tmp_path / 'other.db'}")
    yield s
    s.close()


def _small_catalog() -> Catalog:
    """A few default publishers, with the fields export must keep changed from defaults."""
    full = load_default_catalog()
    publishers = [p for p in full.publishers if p.id in ("bbc-news", "spiegel", "nhk-news", "le-monde")]
    publishers[0] = replace(publishers[0], enabled=False, licence_tier=LicenceTier.PARTNER)
    ids = {p.id for p in publishers}
    feeds = [f for f in full.feeds if f.publisher_id in ids]
    feeds[1] = replace(feeds[1], enabled=False, disabled_reason="returns 403 to bots & <friends>")
    feeds[2] = replace(feeds[2], title="Ünïcode “title” — 日本")
    return Catalog(tuple(publishers), tuple(feeds))


def test_export_import_round_trip_is_lossless(store: SqlStore, other_store: SqlStore) -> None:
    merge_catalog(store, _small_catalog())
    before = store_catalog(store)
    data = export_opml(store)
    plan = import_opml(other_store, data)
    assert len(plan.new_publishers) == 4
    after = store_catalog(other_store)
    assert sorted(after.publishers, key=lambda p: p.id) == sorted(before.publishers, key=lambda p: p.id)
    assert sorted(after.feeds, key=lambda f: f.url) == sorted(before.feeds, key=lambda f: f.url)
    # a second import finds everything present and adds nothing
    again = import_opml(other_store, data)
    assert again.is_empty and len(again.existing_feeds) == len(before.feeds)


def test_whole_default_catalog_round_trips_in_memory() -> None:
    catalog = load_default_catalog()
    assert parse_opml(write_opml(catalog)) == catalog


OTHER_READER = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>My feeds</title></head>
  <body>
    <outline text="Loose feed" title="Loose feed" type="rss" xmlUrl="https://loose.example.net/rss"/>
    <outline text="Tech">
      <outline text="Gadget Blog - All" type="rss" xmlUrl="https://gadgets.example.com/feed"
               htmlUrl="https://www.gadgets.example.com/"/>
      <outline text="Gadget Blog - Reviews" type="rss" xmlUrl="https://gadgets.example.com/reviews"
               htmlUrl="https://www.gadgets.example.com/" category="/Opinion"/>
      <outline text="Deep">
        <outline text="Knitting weekly" type="atom" xmlUrl="https://knit.example.org/atom" language="en-GB"/>
      </outline>
    </outline>
    <outline text="Sports" title="Sports">
      <outline text="Match reports" xmlUrl="https://ball.example.org/rss"/>
      <outline text="A bookmark, not a feed" type="link" url="https://ball.example.org/"/>
    </outline>
    <outline text="Tagged" type="rss" xmlUrl="https://tagged.example.org/rss" category="/News/World,/Other"/>
  </body>
</opml>
"""


def test_ordinary_opml_from_other_readers() -> None:
    catalog = parse_opml(OTHER_READER, default_country="NZ", default_language="en")
    sections = {f.url: f.section for f in catalog.feeds}
    assert sections == {
        "https://loose.example.net/rss": "News",
        "https://gadgets.example.com/feed": "Technology",
        "https://gadgets.example.com/reviews": "Opinion",
        "https://knit.example.org/atom": "Deep",  # innermost folder, kept as written
        "https://ball.example.org/rss": "Sport",
        "https://tagged.example.org/rss": "World",
    }
    by_id = {p.id: p for p in catalog.publishers}
    gadgets = by_id["gadgets-example-com"]
    assert gadgets.homepage == "https://www.gadgets.example.com/"
    assert gadgets.sections == ("Technology", "Opinion")
    assert gadgets.country == "NZ"
    assert by_id["knit-example-org"].language == "en"
    assert len(catalog.feeds_of("gadgets-example-com")) == 2


def test_ordinary_opml_defaults_to_unknown_country(store: SqlStore) -> None:
    plan = import_opml(store, OTHER_READER)
    assert {p.country for p in plan.new_publishers} == {"ZZ"}
    assert {p.id: p.language for p in plan.new_publishers}["loose-example-net"] == "und"
    assert len(store.list_feeds()) == 6


def test_dry_run_changes_nothing(store: SqlStore) -> None:
    plan = import_opml(store, OTHER_READER, dry_run=True)
    assert len(plan.new_feeds) == 6
    assert store.list_publishers() == []


# --- hostile and malformed files -------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE opml [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<opml version="2.0"><body><outline text="&lol4;" xmlUrl="https://a.example/rss"/></body></opml>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE opml [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<opml version="2.0"><body><outline text="&secret;" xmlUrl="https://a.example/rss"/></body></opml>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE opml SYSTEM "http://127.0.0.1:9/evil.dtd">
<opml version="2.0"><body><outline text="x" xmlUrl="https://a.example/rss"/></body></opml>
"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE opml [ <!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote; ]>
<opml version="2.0"><body/></opml>
"""


def _opml_with(outline: str) -> bytes:
    good = '<outline text="Good" type="rss" xmlUrl="https://good.example.org/rss"/>'
    return f'<?xml version="1.0"?><opml version="2.0"><body>{good}{outline}</body></opml>'.encode()


def _nested(depth: int) -> bytes:
    inner = '<outline text="f" xmlUrl="https://deep.example.org/rss"/>'
    return _opml_with('<outline text="d">' * depth + inner + "</outline>" * depth)


HOSTILE: dict[str, tuple[bytes, str]] = {
    "not xml": (b"this is not < xml", "not well-formed"),
    "truncated": (_opml_with("")[:-20], "not well-formed"),
    "billion laughs": (BILLION_LAUGHS, "refused"),
    "external entity": (EXTERNAL_ENTITY, "refused"),
    "external dtd": (EXTERNAL_DTD, "refused"),
    "parameter entity": (PARAMETER_ENTITY, "refused"),
    "not opml": (b"<rss version='2.0'><channel/></rss>", "not an OPML"),
    "no body": (b"<opml version='2.0'><head/></opml>", "no <body>"),
    "javascript feed": (_opml_with('<outline text="x" xmlUrl="javascript:alert(1)"/>'), "http or https"),
    "file feed": (_opml_with('<outline text="x" xmlUrl="file:///etc/passwd"/>'), "http or https"),
    "data feed": (_opml_with('<outline text="x" xmlUrl="data:text/xml,&lt;rss/&gt;"/>'), "http or https"),
    "ftp feed": (_opml_with('<outline text="x" xmlUrl="ftp://files.example.org/rss"/>'), "http or https"),
    "javascript homepage": (
        _opml_with('<outline text="x" xmlUrl="https://x.example.org/rss" htmlUrl="javascript:alert(1)"/>'),
        "http or https",
    ),
    "hostile logo": (
        _opml_with(
            '<outline xmlns:n="urn:newsstand:opml:1" text="P" htmlUrl="https://p.example.org" '
            'n:id="p" n:country="GB" n:language="en" n:logo="javascript:alert(1)">'
            '<outline xmlUrl="https://p.example.org/rss"/></outline>'
        ),
        "http or https",
    ),
    "bad tier": (
        _opml_with(
            '<outline xmlns:n="urn:newsstand:opml:1" text="P" htmlUrl="https://p.example.org" '
            'n:id="p" n:tier="platinum"><outline xmlUrl="https://p.example.org/rss"/></outline>'
        ),
        "licence tier",
    ),
    "bad publisher id": (
        _opml_with(
            '<outline xmlns:n="urn:newsstand:opml:1" text="P" htmlUrl="https://p.example.org" '
            'n:id="Not A Slug"><outline xmlUrl="https://p.example.org/rss"/></outline>'
        ),
        "not a slug",
    ),
    "absurd size": (
        _opml_with("<!--" + "x" * MAX_OPML_BYTES + "-->"),
        "limit is",
    ),
    "too many outlines": (
        _opml_with(
            "".join(
                f'<outline text="f" xmlUrl="https://m.example.org/{i}"/>' for i in range(MAX_OUTLINES + 1)
            )
        ),
        "outlines",
    ),
    "too deep": (_nested(MAX_DEPTH + 5), "nested deeper"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_files_are_refused_and_import_nothing(sqlite_store: SqlStore, case: str) -> None:
    # Refusal happens before any write, so one database is enough here.
    store = sqlite_store
    merge_catalog(store, _small_catalog())
    before = store_catalog(store)
    data, message = HOSTILE[case]
    with pytest.raises(CatalogError, match=message):
        import_opml(store, data, source="evil.opml")
    assert store_catalog(store) == before


def test_error_names_the_file() -> None:
    with pytest.raises(CatalogError) as info:
        parse_opml(b"<opml", source="evil.opml")
    assert str(info.value).startswith("evil.opml: ")


def test_nesting_within_the_limit_is_accepted() -> None:
    catalog = parse_opml(_nested(MAX_DEPTH - 2))
    assert {f.url for f in catalog.feeds} == {"https://good.example.org/rss", "https://deep.example.org/rss"}


def test_feed_listed_twice_is_kept_once() -> None:
    data = _opml_with('<outline text="Again" type="rss" xmlUrl="https://good.example.org/rss"/>')
    assert len(parse_opml(data).feeds) == 1


def test_partial_failure_during_write_is_rolled_back(store: SqlStore) -> None:
    """A feed URL taken by a publisher the store holds makes add_feed conflict midway;
    what the import added before that is removed again."""
    store.add_publisher(
        Publisher(id="owner", name="Owner", homepage="https://o.example", country="GB", language="en")
    )
    store.add_feed(Feed(url="https://taken.example.org/rss", publisher_id="owner", section="News"))
    before = store_catalog(store)
    catalog = Catalog(
        (Publisher(id="newcomer", name="N", homepage="https://n.example", country="FR", language="fr"),),
        (
            Feed(url="https://n.example/a", publisher_id="newcomer", section="News"),
            Feed(url="https://taken.example.org/rss", publisher_id="newcomer", section="News"),
        ),
    )
    from newsstand.app.catalog import apply_plan
    from newsstand.catalog import plan_merge
    from newsstand.errors import ConflictError

    plan = plan_merge(catalog, set(), set())  # a stale plan: it believes the URL is free
    with pytest.raises(ConflictError):
        apply_plan(store, plan)
    assert store_catalog(store) == before


@pytest.mark.parametrize("encoding", ["utf-7", "utf-16", "shift_jis", "x-no-such-encoding"])
def test_an_encoding_the_parser_cannot_read_is_a_catalog_error(encoding: str) -> None:
    """bench/fuzz.py found that an OPML file declaring utf-7 escaped as a bare ValueError."""
    document = f"<?xml version='1.0' encoding='{encoding}'?>\n<opml version='2.0'><body/></opml>".encode()
    with pytest.raises(CatalogError):
        parse_opml(document)


def test_a_readers_subscriptions_nest_in_folders_and_read_back_with_titles_and_folders() -> None:
    daily = Publisher("daily", "My daily", "https://daily.example/", "GB", "en", sections=("News",))
    weekly = Publisher("weekly", "Weekly", "https://weekly.example/", "GB", "en", sections=("News",))
    loose = Publisher("loose", "Loose", "https://loose.example/", "GB", "en", sections=("News",))
    feeds = (
        Feed("https://daily.example/rss", "daily", "News", title="Daily: all"),
        Feed("https://weekly.example/rss", "weekly", "News"),
        Feed("https://loose.example/rss", "loose", "News"),
    )
    catalog = Catalog((daily, weekly, loose), feeds)
    data = write_opml(catalog, folders={"Morning": ["daily", "weekly"], "Evening": ["daily"]})
    found = {f.url: (f.title, f.folders) for f in read_subscriptions(data)}
    assert found == {
        "https://daily.example/rss": ("My daily", ("Morning", "Evening")),
        "https://weekly.example/rss": ("Weekly", ("Morning",)),
        "https://loose.example/rss": ("Loose", ()),
    }
    # the catalog's own import still reads it: each publisher once, the second filing a plain feed
    assert {p.id for p in parse_opml(data).publishers} == {"daily", "weekly", "loose"}

    # another reader's file: nested folders (the nearest counts), titles from the feed outlines
    other = (
        b'<?xml version="1.0"?><opml version="2.0"><body>'
        b'<outline text="Reading"><outline title="Tech">'
        b'<outline type="rss" text="x" title="Bits" xmlUrl="https://bits.example/feed"/></outline>'
        b'<outline type="rss" text="Plain" xmlUrl="https://plain.example/feed"/></outline>'
        b'<outline type="rss" xmlUrl="https://untitled.example/feed"/>'
        b"</body></opml>"
    )
    assert [(f.url, f.title, f.folders) for f in read_subscriptions(other)] == [
        ("https://bits.example/feed", "Bits", ("Tech",)),
        ("https://plain.example/feed", "Plain", ("Reading",)),
        ("https://untitled.example/feed", "", ()),
    ]
    with pytest.raises(CatalogError):
        read_subscriptions(b'<!DOCTYPE x [<!ENTITY a "b">]><opml><body/></opml>')
    with pytest.raises(CatalogError):
        read_subscriptions(b'<opml><body><outline type="rss" xmlUrl="javascript:alert(1)"/></body></opml>')
