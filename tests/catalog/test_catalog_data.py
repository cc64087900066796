"""The shipped catalog file and the validation rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from newsstand.catalog import SECTIONS, Catalog, catalog_problems, load_default_catalog, parse_catalog_toml
from newsstand.catalog.core import check_http_url
from newsstand.catalog.sections import normalise_section
from newsstand.errors import CatalogError
from newsstand.model import Feed, Publisher


def test_default_catalog_is_valid_and_large_enough() -> None:
    catalog = load_default_catalog()
    assert len(catalog.publishers) >= 150
    assert len(catalog.countries) >= 20
    assert catalog.sections == set(SECTIONS), "every section of the vocabulary is used by some feed"
    assert catalog_problems(catalog, strict=True) == []


def test_default_catalog_entries_are_complete() -> None:
    catalog = load_default_catalog()
    for p in catalog.publishers:
        feeds = catalog.feeds_of(p.id)
        assert feeds, p.id
        assert p.sections == tuple(dict.fromkeys(f.section for f in feeds))
        assert p.logo_url.startswith(("https://", "http://"))
        assert p.name and p.language
    assert len({f.url for f in catalog.feeds}) == len(catalog.feeds)
    languages = {p.language for p in catalog.publishers}
    assert {"en", "de", "fr", "es", "pt", "it", "ja", "ar"} <= languages


def test_most_publishers_are_open_tier() -> None:
    tiers = [p.licence_tier.value for p in load_default_catalog().publishers]
    assert tiers.count("open") > 0.9 * len(tiers)


MINIMAL = """
format = 1
[[publisher]]
id = "daily-example"
name = "The Daily Example"
homepage = "https://news.example.org"
country = "GB"
language = "en"
feeds = [{ section = "World", url = "https://news.example.org/world.rss" }]
"""


def test_parse_minimal_file_fills_defaults() -> None:
    catalog = parse_catalog_toml(MINIMAL.encode())
    (p,) = catalog.publishers
    assert p.logo_url == "https://news.example.org/favicon.ico"
    assert p.sections == ("World",)
    assert catalog.feeds == (
        Feed(
            url="https://news.example.org/world.rss",
            publisher_id="daily-example",
            section="World",
            title="The Daily Example: World",
        ),
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('country = "GB"', 'country = "XX"'), "unknown country"),
        (('section = "World"', 'section = "Gossip"'), "unknown section"),
        (('url = "https://news', 'url = "ftp://news'), "http or https"),
        (('homepage = "https', 'homepage = "javascript'), "http or https"),
        (('id = "daily-example"', 'id = "Daily Example"'), "not a slug"),
        (('language = "en"', 'language = "English"'), "BCP 47"),
        (("format = 1", "format = 7"), "unsupported catalog format"),
        (("feeds = [", 'feeds = "none"\nx = ['), "feeds"),
    ],
)
def test_invalid_files_are_refused(change: tuple[str, str], message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_catalog_toml(MINIMAL.replace(*change).encode())


def test_duplicates_are_refused() -> None:
    doubled = MINIMAL + MINIMAL.replace("format = 1", "")
    with pytest.raises(CatalogError, match="appears more than once"):
        parse_catalog_toml(doubled.encode())


def test_non_strict_allows_unknown_country_and_free_sections() -> None:
    p = Publisher(id="x", name="X", homepage="https://x.example", country="ZZ", language="und")
    catalog = Catalog((p,), (Feed(url="https://x.example/f", publisher_id="x", section="Knitting"),))
    assert catalog_problems(catalog, strict=False) == []
    assert len(catalog_problems(catalog, strict=True)) == 2
    orphan = replace(catalog, feeds=(Feed(url="https://x.example/g", publisher_id="nobody", section="News"),))
    assert any("unknown publisher" in s for s in catalog_problems(orphan, strict=False))


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,hi",
        "ftp://example.org/feed",
        "https://user:pw@example.org/feed",
        "https:///nohost",
        "https://example.org/a b",
        "https://example.org/" + "a" * 3000,
        "",
    ],
)
def test_check_http_url_refuses(url: str) -> None:
    with pytest.raises(CatalogError):
        check_http_url(url)


def test_normalise_section() -> None:
    assert normalise_section("  tech ") == "Technology"
    assert normalise_section("Sports") == "Sport"
    assert normalise_section("Knitting  Circle") == "Knitting Circle"
    assert normalise_section("") == "News"
