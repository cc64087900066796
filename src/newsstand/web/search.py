"""The search page: a query with filters, highlighted snippets and cursor pagination."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from newsstand.app.reading import search_query
from newsstand.model import SearchPage, SearchQuery
from newsstand.web.context import WebContext, call, render, web
from newsstand.web.fragments import shared_markup

PAGE_SIZE = 20


@dataclass(frozen=True, slots=True)
class SearchForm:
    text: str = ""
    publisher: str = ""
    section: str = ""
    language: str = ""
    since: str = ""  # yyyy-mm-dd as typed, echoed back into the form
    until: str = ""
    cursor: str | None = None

    def query(self) -> SearchQuery:
        """The store query. Raises InvalidDataError for a malformed date."""
        return search_query(
            self.text,
            publisher=self.publisher,
            section=self.section,
            language=self.language,
            since=self.since,
            until=self.until,
            limit=PAGE_SIZE,
            cursor=self.cursor,
        )

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
        }

    @property
    def first_url(self) -> str:
        return "/search?" + urlencode({k: v for k, v in self.filters().items() if v})


def parse_form(params: QueryParams) -> SearchForm:
    def get(name: str, limit: int = 200) -> str:
        return params.get(name, "").strip()[:limit]

    return SearchForm(
        text=get("q", 500),
        publisher=get("publisher"),
        section=get("section"),
        language=get("language", 20),
        since=get("since", 10),
        until=get("until", 10),
        cursor=params.get("cursor") or None,
    )


def build_search(ctx: WebContext, form: SearchForm) -> Markup:
    """The form and its results, from the shared cache when someone asked the same lately."""
    results: SearchPage | None = ctx.services.reading.search(form.query()) if form.text else None
    publishers = sorted(ctx.publisher_map().values(), key=lambda p: p.name)
    languages = sorted({p.language for p in publishers if p.language})
    sections = ctx.nav_sections(limit=30)
    key = f"search:{sorted(form.filters().items())}:{form.cursor}"
    return shared_markup(
        ctx, key, "_search_parts.html", "main", form, results, publishers, sections, languages
    )


async def search_page(request: Request) -> Response:
    ctx = web(request)
    form = parse_form(request.query_params)
    form.query()  # a malformed date is the reader's error, before anything is looked up
    main = await call(build_search, ctx, form)
    return render(request, "search.html", {"form": form, "main": main, "query_text": form.text})


routes: list[BaseRoute] = [Route("/search", search_page, name="search")]
