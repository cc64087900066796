"""The search page: a query with filters, highlighted snippets and cursor pagination."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from newsstand.errors import BadRequestError
from newsstand.model import SearchPage, SearchQuery
from newsstand.web.context import call, render, web

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
        """The store query. Raises BadRequestError for a malformed date."""
        return SearchQuery(
            text=self.text,
            publisher_ids=(self.publisher,) if self.publisher else (),
            sections=(self.section,) if self.section else (),
            languages=(self.language,) if self.language else (),
            since=_day(self.since),
            until=_day(self.until, end=True),
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


def _day(raw: str, *, end: bool = False) -> datetime | None:
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise BadRequestError(f"not a date: {raw!r}") from exc
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start + timedelta(days=1) if end else start


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


async def search_page(request: Request) -> Response:
    ctx = web(request)
    form = parse_form(request.query_params)
    results: SearchPage | None = None
    if form.text:
        results = await call(ctx.services.reading.search, form.query())
    publishers = sorted(ctx.publisher_map().values(), key=lambda p: p.name)
    languages = sorted({p.language for p in publishers if p.language})
    sections = ctx.nav_sections(limit=30)
    return render(
        request,
        "search.html",
        {
            "form": form,
            "results": results,
            "publishers": publishers,
            "languages": languages,
            "sections": sections,
            "query_text": form.text,
        },
    )


routes: list[BaseRoute] = [Route("/search", search_page, name="search")]
