"""The search page: a query with filters, highlighted snippets and cursor pagination.

Whatever a person types or puts in the address gets a page, never an error: dates that
are not dates are left out, a reversed range is turned round, and a query with nothing
to look for asks for a word (or, with a filter, lists the filter's articles).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from newsstand.app.cache import remember
from newsstand.app.reading import search_query
from newsstand.catalog.languages import language_name
from newsstand.errors import SearchQueryError
from newsstand.model import Membership, Reader, SearchPage, SearchQuery
from newsstand.web.context import WebContext, membership_of, reader_of, web
from newsstand.web.fragments import render_macro, render_shared
from newsstand.web.threads import call_fast
from newsstand.web.timefmt import current_zone

PAGE_SIZE = 20
SORTS = {"relevance": "Best match", "newest": "Newest first"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class SearchForm:
    text: str = ""
    publisher: str = ""
    section: str = ""
    language: str = ""
    since: str = ""  # yyyy-mm-dd as typed, echoed back into the form
    until: str = ""
    sort: str = "relevance"
    cursor: str | None = None
    asked: bool = False  # the address carried a query, perhaps one with nothing to look for

    def query(self) -> SearchQuery:
        """The store query (the dates are checked by ``parse_form``)."""
        query = search_query(
            self.text,
            publisher=self.publisher,
            section=self.section,
            language=self.language,
            since=self.since,
            until=self.until,
            limit=PAGE_SIZE,
            cursor=self.cursor,
        )
        return replace(query, sort=self.sort)

    @property
    def browsing(self) -> bool:
        """Whether a filter is chosen: then no words still gives a listing."""
        return bool(self.publisher or self.section or self.language or self.since or self.until)

    def next_url(self, cursor: str) -> str:
        params = {k: v for k, v in self.filters().items() if v}
        params["cursor"] = cursor
        return "/search?" + urlencode(params)

    def filters(self) -> dict[str, str]:
        return {
            "q": self.text,
            "publisher": self.publisher,
            "section": self.section,
            "language": self.language,
            "since": self.since,
            "until": self.until,
            "sort": "" if self.sort == "relevance" else self.sort,
        }

    @property
    def first_url(self) -> str:
        return "/search?" + urlencode({k: v for k, v in self.filters().items() if v})


def parse_form(params: QueryParams) -> tuple[SearchForm, list[str]]:
    """The form as asked for, and notes on what was changed to make sense of it."""

    def get(name: str, limit: int = 200) -> str:
        return _CONTROL.sub(" ", params.get(name, "")).strip()[:limit]

    notes: list[str] = []
    since, until = _day(get("since", 40), "From", notes), _day(get("until", 40), "To", notes)
    if since and until and since > until:
        since, until = until, since
        notes.append("The dates were the wrong way round, so they were swapped.")
    sort = get("sort", 20)
    form = SearchForm(
        text=get("q", 500),
        publisher=get("publisher"),
        section=get("section"),
        language=get("language", 20),
        since=since,
        until=until,
        sort=sort if sort in SORTS else "relevance",
        cursor=get("cursor", 2000) or None,
        asked="q" in params,
    )
    return form, notes


def _day(raw: str, label: str, notes: list[str]) -> str:
    if not raw:
        return ""
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        notes.append(f"“{raw}” is not a date (year-month-day), so the {label} date was left out.")
        return ""


@dataclass(frozen=True, slots=True)
class Outcome:
    results: SearchPage | None
    notes: tuple[str, ...]
    prompt: bool  # nothing to look for: ask for a word


def run_search(
    ctx: WebContext, form: SearchForm, reader: Reader | None, membership: Membership | None
) -> tuple[SearchForm, Outcome]:
    """The results this reader may see; a stale or foreign cursor starts again at the first page."""
    if not form.text.strip() and not form.browsing:
        return form, Outcome(None, (), prompt=form.asked)
    reading = ctx.services.reading
    try:
        return form, Outcome(reading.search_for(form.query(), reader, membership), (), False)
    except SearchQueryError:
        if form.cursor is None:
            return form, Outcome(None, (), prompt=True)
    first = replace(form, cursor=None)
    try:
        page = reading.search_for(first.query(), reader, membership)
    except SearchQueryError:
        return first, Outcome(None, (), prompt=True)
    return first, Outcome(page, ("That page of results is no longer there; here is the first.",), False)


def build_search(
    ctx: WebContext, form: SearchForm, reader: Reader | None, membership: Membership | None, notes: list[str]
) -> tuple[Markup, str]:
    """The form and its results, from the shared cache when a reader of the same access
    class (the paywall shows them the same) asked the same lately; with the key they are kept
    under. Looked up by what was asked before anything is worked out: the paywall's decision
    for every hit and the filters' lists cost more than the rest of the page."""
    access = ctx.services.reading.access_class(reader, membership)
    asked = f"search-page:{access}:{sorted(form.filters().items())}:{form.cursor}:{form.asked}:{notes}"
    return remember(
        ctx.services.cache,
        f"{asked}:{current_zone()}",
        lambda: _build_search(ctx, form, reader, membership, notes),
    )


def _build_search(
    ctx: WebContext, form: SearchForm, reader: Reader | None, membership: Membership | None, notes: list[str]
) -> tuple[Markup, str]:
    form, outcome = run_search(ctx, form, reader, membership)
    publishers = sorted(ctx.publisher_map().values(), key=lambda p: p.name.casefold())
    codes = {p.language for p in publishers if p.language}
    languages = sorted(((c, language_name(c)) for c in codes), key=lambda pair: pair[1].casefold())
    sections = ctx.nav_sections(limit=30)
    access = ctx.services.reading.access_class(reader, membership)
    key = f"search:{access}:{sorted(form.filters().items())}:{form.cursor}:{form.asked}:{notes}"
    # Not cached on its own: build_search keeps it, under what was asked.
    main = render_macro(
        ctx,
        "_search_parts.html",
        "main",
        form,
        outcome.results,
        publishers,
        sections,
        languages,
        [*notes, *outcome.notes],
        outcome.prompt,
        SORTS,
    )
    return main, key


async def search_page(request: Request) -> Response:
    ctx = web(request)
    form, notes = parse_form(request.query_params)
    reader, membership = reader_of(request), membership_of(request)
    main, key = await call_fast(build_search, ctx, form, reader, membership, notes)
    # The results are kept per access class under ``key``; the page around them is the same.
    values = {"form": form, "main": main, "query_text": form.text}
    return render_shared(request, "search.html", values, f"{key}:{hash(main)}")


routes: list[BaseRoute] = [Route("/search", search_page, name="search")]
