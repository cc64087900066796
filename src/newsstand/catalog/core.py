"""A catalog of publishers and feeds as plain data, and the rules it must keep.

Everything here is pure: a ``Catalog`` is built from a file (the default data
file, an OPML import, a CLI command) and checked by ``validate_catalog`` before
anything touches the store.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from newsstand.catalog.countries import COUNTRY_CODES, UNKNOWN_COUNTRY
from newsstand.catalog.sections import SECTIONS
from newsstand.errors import CatalogError
from newsstand.model import Feed, Publisher

MAX_URL_LENGTH = 2048
MAX_NAME_LENGTH = 200
MAX_SECTION_LENGTH = 60
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f<>\"\\^`{|}]")


@dataclass(frozen=True, slots=True)
class Catalog:
    """Publishers and their feeds; every feed's ``publisher_id`` names one of them."""

    publishers: tuple[Publisher, ...] = ()
    feeds: tuple[Feed, ...] = ()

    def feeds_of(self, publisher_id: str) -> tuple[Feed, ...]:
        return tuple(f for f in self.feeds if f.publisher_id == publisher_id)

    @property
    def countries(self) -> frozenset[str]:
        return frozenset(p.country for p in self.publishers)

    @property
    def sections(self) -> frozenset[str]:
        return frozenset(f.section for f in self.feeds)


def check_http_url(url: str, what: str = "URL") -> str:
    """Return ``url`` stripped if it is an absolute http(s) URL with a host.

    Raises CatalogError for any other scheme (javascript:, file:, data:, ftp:, ...),
    embedded credentials, spaces or control characters, or an absurd length.
    """
    cleaned = url.strip()
    if not cleaned:
        raise CatalogError(f"{what} is empty")
    if len(cleaned) > MAX_URL_LENGTH:
        raise CatalogError(f"{what} is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(cleaned)
        host = parts.hostname
    except ValueError as exc:
        raise CatalogError(f"{what} is not a valid URL: {cleaned!r}") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise CatalogError(f"{what} must be an http or https URL, got {cleaned[:100]!r}")
    if _UNSAFE_URL_CHARS.search(cleaned):
        raise CatalogError(f"{what} contains spaces or characters not allowed in a URL: {cleaned!r}")
    if not host:
        raise CatalogError(f"{what} has no host: {cleaned!r}")
    if parts.username is not None or parts.password is not None:
        raise CatalogError(f"{what} must not carry a user name or password: {cleaned!r}")
    return cleaned


def slugify(text: str) -> str:
    """A publisher id from free text: lower-case ASCII words joined by hyphens, accents folded
    ("Süddeutsche Zeitung" -> "suddeutsche-zeitung")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", plain.lower())
    return "-".join(words)[:64].strip("-")


def _problems_of_publisher(p: Publisher, strict: bool) -> Iterable[str]:
    if not _SLUG.match(p.id) or len(p.id) > 64:
        yield f"publisher id {p.id!r} is not a slug (lower-case letters, digits and hyphens)"
    if not p.name.strip() or len(p.name) > MAX_NAME_LENGTH:
        yield f"publisher {p.id!r}: name must be 1 to {MAX_NAME_LENGTH} characters"
    allowed_unknown = () if strict else (UNKNOWN_COUNTRY,)
    if p.country not in COUNTRY_CODES and p.country not in allowed_unknown:
        yield f"publisher {p.id!r}: unknown country code {p.country!r}"
    if not _LANGUAGE.match(p.language):
        yield f"publisher {p.id!r}: language {p.language!r} is not a lower-case BCP 47 primary tag"
    for what, url in (("homepage", p.homepage), ("logo URL", p.logo_url)):
        if url or what == "homepage":
            try:
                check_http_url(url, f"publisher {p.id!r}: {what}")
            except CatalogError as exc:
                yield str(exc)
    for section in p.sections:
        yield from _problems_of_section(section, f"publisher {p.id!r}", strict)


def _problems_of_section(section: str, owner: str, strict: bool) -> Iterable[str]:
    if strict and section not in SECTIONS:
        yield f"{owner}: unknown section {section!r} (known: {', '.join(SECTIONS)})"
    elif not section.strip() or len(section) > MAX_SECTION_LENGTH or "," in section:
        yield f"{owner}: section {section!r} must be 1 to {MAX_SECTION_LENGTH} characters without commas"


def _problems_of_feed(f: Feed, publisher_ids: set[str], strict: bool) -> Iterable[str]:
    try:
        check_http_url(f.url, "feed URL")
    except CatalogError as exc:
        yield str(exc)
    if f.publisher_id not in publisher_ids:
        yield f"feed {f.url!r}: unknown publisher {f.publisher_id!r}"
    yield from _problems_of_section(f.section, f"feed {f.url!r}", strict)
    if len(f.title) > MAX_NAME_LENGTH:
        yield f"feed {f.url!r}: title longer than {MAX_NAME_LENGTH} characters"


def catalog_problems(catalog: Catalog, *, strict: bool = True) -> list[str]:
    """Every rule the catalog breaks, as readable sentences (empty when it is valid).

    ``strict`` is for the shipped data file: sections must come from the fixed
    vocabulary and the country must be known. Imports from other readers are
    checked with ``strict=False``, which allows the unknown country ``ZZ`` and
    free-text section names.
    """
    problems: list[str] = []
    seen_ids: set[str] = set()
    for p in catalog.publishers:
        if p.id in seen_ids:
            problems.append(f"publisher id {p.id!r} appears more than once")
        seen_ids.add(p.id)
        problems.extend(_problems_of_publisher(p, strict))
    seen_urls: set[str] = set()
    for f in catalog.feeds:
        if f.url in seen_urls:
            problems.append(f"feed URL {f.url!r} appears more than once")
        seen_urls.add(f.url)
        problems.extend(_problems_of_feed(f, seen_ids, strict))
    return problems


def validate_catalog(catalog: Catalog, *, source: str = "", strict: bool = True) -> Catalog:
    """Return the catalog unchanged if it keeps every rule, else raise CatalogError
    naming the first few problems."""
    problems = catalog_problems(catalog, strict=strict)
    if problems:
        shown = "; ".join(problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise CatalogError(f"{len(problems)} problem(s): {shown}{more}", source)
    return catalog
