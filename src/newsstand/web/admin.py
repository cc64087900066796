"""Operators' pages: sources and their health, feeds, Our picks, memberships, the reading report.

Operators (admins) see everything; editors may curate Our picks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from newsstand.app import membership
from newsstand.app.operations import HealthRow
from newsstand.catalog import SECTIONS
from newsstand.catalog.health import DESCRIPTIONS, FeedStatus, status_counts
from newsstand.errors import BadRequestError, CatalogError, ConflictError, NotFoundError
from newsstand.model import FetchRecord
from newsstand.web.articles import MAX_ID, path_id
from newsstand.web.charts import bucket_fetches, fetch_chart
from newsstand.web.context import WebContext, call, render, web
from newsstand.web.library import back_to
from newsstand.web.security import checked_form
from newsstand.web.sessions import require_admin, require_editor

PAGE_FEEDS = 50  # feeds a page of the list shows, each with its chart


@dataclass(frozen=True, slots=True)
class FeedRow:
    health: HealthRow
    chart: Markup | None


@dataclass(frozen=True, slots=True)
class SourcesFilter:
    """What the operator narrowed the list to; every field as typed in the address."""

    state: str = ""  # a FeedStatus value
    publisher: str = ""
    section: str = ""
    text: str = ""  # part of the feed's URL or the publisher's name
    page: int = 1

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> SourcesFilter:
        raw_page = params.get("page", "1")
        page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and len(raw_page) < 6 else 1
        state = params.get("state", "")
        return cls(
            state=state if state in {s.value for s in FeedStatus} else "",
            publisher=params.get("publisher", "")[:100],
            section=params.get("section", "")[:100],
            text=params.get("q", "").strip()[:200],
            page=max(1, page),
        )

    def keeps(self, row: HealthRow, publisher_name: str) -> bool:
        needle = self.text.casefold()
        return (
            (not self.state or row.status.value == self.state)
            and (not self.publisher or row.feed.publisher_id == self.publisher)
            and (not self.section or row.feed.section == self.section)
            and (not needle or needle in row.feed.url.casefold() or needle in publisher_name.casefold())
        )

    def url(self, **changes: str | int) -> str:
        values: dict[str, str | int] = {
            "state": self.state,
            "publisher": self.publisher,
            "section": self.section,
            "q": self.text,
            "page": self.page,
        }
        values.update(changes)
        kept = {k: v for k, v in values.items() if v and not (k == "page" and v == 1)}
        return "/admin/sources" + ("?" + urlencode(kept) if kept else "")


@dataclass(frozen=True, slots=True)
class SourcesView:
    rows: tuple[FeedRow, ...]
    overall: Markup
    counts: dict[FeedStatus, int]  # over every feed: each links to the rows it counts
    total: int
    matching: int  # feeds the filter keeps
    first: int  # position of the page's first row among them (1-based)
    pages: int


def build_sources(ctx: WebContext, now: datetime, flt: SourcesFilter) -> SourcesView:
    """The filtered feeds (problems first), a page at a time, each with its fetch chart."""
    operations = ctx.services.operations
    health = operations.health()
    names = {p.id: p.name for p in ctx.publisher_map().values()}
    kept = [r for r in health if flt.keeps(r, names.get(r.feed.publisher_id, r.feed.publisher_id))]
    pages = max(1, -(-len(kept) // PAGE_FEEDS))
    page = min(flt.page, pages)
    start = (page - 1) * PAGE_FEEDS
    rows = []
    all_records: list[FetchRecord] = []
    for row in kept[start : start + PAGE_FEEDS]:
        chart = None
        if row.feed.id is not None:
            records = operations.fetch_history(row.feed.id, 100)
            all_records.extend(records)
            chart = fetch_chart(
                bucket_fetches(records, now),
                label=f"Fetches of {row.feed.url}, last 48 hours",
                width=160,
                height=32,
            )
        rows.append(FeedRow(row, chart))
    overall = fetch_chart(
        bucket_fetches(all_records, now),
        label="Fetches of the feeds listed here, last 48 hours",
        width=480,
        height=80,
    )
    counts = status_counts((r.feed, r.state) for r in health)
    return SourcesView(tuple(rows), overall, counts, len(health), len(kept), start + 1, pages)


async def sources_page(request: Request, status: int = 200, **extra: str) -> Response:
    require_admin(request)
    ctx = web(request)
    flt = SourcesFilter.parse(request.query_params)
    view = await call(build_sources, ctx, ctx.clock(), flt)
    push = await call(ctx.services.websub.status)
    publishers = sorted(ctx.publisher_map().values(), key=lambda p: p.name.casefold())
    return render(
        request,
        "admin_sources.html",
        {
            "v": view,
            "f": flt,
            "statuses": list(FeedStatus),
            "descriptions": DESCRIPTIONS,
            "publishers": publishers,
            "sections": SECTIONS,
            "ingest": ctx.loop_status,
            "push": push,
            "tab": "sources",
            **extra,
        },
        status_code=status,
    )


async def admin_home(request: Request) -> Response:
    reader = require_editor(request)
    return RedirectResponse("/admin/sources" if reader.is_admin else "/admin/picks", status_code=303)


async def add_feed(request: Request) -> Response:
    """Add a feed through the catalog's rules (the CLI's): a refused feed is shown with why."""
    require_admin(request)
    ctx = web(request)
    form = await checked_form(request, ctx.secret)
    url, section = str(form.get("url", "")), str(form.get("section", ""))
    try:
        await call(
            ctx.services.catalog.add_feed,
            str(form.get("publisher_id", "")),
            url,
            section,
            str(form.get("title", "")),
        )
    except (CatalogError, ConflictError, NotFoundError) as exc:
        return await sources_page(request, 400, add_error=_feed_error(exc), add_url=url[:2000])
    return RedirectResponse("/admin/sources?msg=feed-added", status_code=303)


def _feed_error(exc: Exception) -> str:
    if isinstance(exc, ConflictError):
        return "A feed with that address is in the catalog already."
    if isinstance(exc, NotFoundError):
        return "Choose a publisher from the list."
    return f"This feed cannot be added: {exc}"


async def set_feed_enabled(request: Request) -> Response:
    require_admin(request)
    ctx = web(request)
    form = await checked_form(request, ctx.secret)
    enabled = form.get("enabled") == "1"
    reason = "" if enabled else (str(form.get("reason", "")).strip()[:200] or "disabled by an operator")
    await call(ctx.services.catalog.set_feed_enabled, path_id(request, "feed_id"), enabled, reason)
    return RedirectResponse("/admin/sources?msg=feed-updated", status_code=303)


async def picks_page(request: Request) -> Response:
    require_editor(request)
    ctx = web(request)
    picks = await call(ctx.services.front.picks_for_editors)
    return render(request, "admin_picks.html", {"picks": picks, "tab": "picks"})


async def add_pick(request: Request) -> Response:
    editor = require_editor(request)
    ctx = web(request)
    form = await checked_form(request, ctx.secret)
    raw = str(form.get("article_id", "")).strip()
    note = str(form.get("note", "")).strip()[:300]
    try:
        if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
            raise NotFoundError("article", raw[:40])
        await call(ctx.services.front.pick, editor, article_id=int(raw), note=note)
    except NotFoundError:
        picks = await call(ctx.services.front.picks_for_editors)
        values = {"picks": picks, "tab": "picks", "error": f"There is no article number {raw[:40]!s}."}
        return render(
            request, "admin_picks.html", {**values, "article_value": raw[:40], "note_value": note}, 400
        )
    return back_to(form.get("next"), "/admin/picks", "picked")


async def remove_pick(request: Request) -> Response:
    editor = require_editor(request)
    ctx = web(request)
    form = await checked_form(request, ctx.secret)
    await call(ctx.services.front.unpick, editor, path_id(request, "pick_id"))
    return back_to(form.get("next"), "/admin/picks", "unpicked")


async def members_page(request: Request) -> Response:
    require_admin(request)
    ctx = web(request)
    members = await call(ctx.services.membership.list_members)
    readers = await call(ctx.services.accounts.list_readers)
    with_membership = {row.reader.id for row in members}
    others = [r for r in readers if r.id not in with_membership]
    return render(request, "admin_members.html", {"members": members, "others": others, "tab": "members"})


async def change_membership(request: Request) -> Response:
    require_admin(request)
    ctx = web(request)
    form = await checked_form(request, ctx.secret)
    reader_id = path_id(request, "reader_id")
    action = str(form.get("action", ""))
    days_raw = str(form.get("days", "")).strip()
    try:
        days = int(days_raw) if days_raw else None
    except ValueError as exc:
        raise BadRequestError("days must be a number") from exc
    if days is not None and not 1 <= days <= 3660:
        raise BadRequestError("days must be between 1 and 3660")
    if action == "grant":
        await call(ctx.services.membership.grant, reader_id, days=days, note="granted in admin")
    elif action == "extend" and days is not None:
        await call(ctx.services.membership.extend, reader_id, days)
    elif action == "end":
        await call(ctx.services.membership.end, reader_id)
    else:
        raise BadRequestError("unknown membership action")
    return RedirectResponse("/admin/members?msg=membership-updated", status_code=303)


def month_param(request: Request, now: datetime) -> str:
    month = request.query_params.get("month", "") or f"{now:%Y-%m}"
    try:
        datetime.strptime(month, "%Y-%m")
    except ValueError as exc:
        raise BadRequestError("month must look like 2026-11") from exc
    return month


async def report_page(request: Request) -> Response:
    require_admin(request)
    ctx = web(request)
    month = month_param(request, ctx.clock())
    rows = await call(ctx.services.membership.reading_report, month)
    return render(request, "admin_report.html", {"rows": rows, "month": month, "tab": "report"})


async def report_csv(request: Request) -> Response:
    require_admin(request)
    ctx = web(request)
    month = month_param(request, ctx.clock())
    rows = await call(ctx.services.membership.reading_report, month)
    return Response(
        membership.report_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="newsstand-reads-{month}.csv"',
            "Cache-Control": "no-store",
        },
    )


routes: list[BaseRoute] = [
    Route("/admin", admin_home, name="admin"),
    Route("/admin/sources", sources_page, name="admin_sources"),
    Route("/admin/feeds", add_feed, methods=["POST"]),
    Route("/admin/feeds/{feed_id}/enabled", set_feed_enabled, methods=["POST"]),
    Route("/admin/picks", picks_page, name="admin_picks"),
    Route("/admin/picks", add_pick, methods=["POST"]),
    Route("/admin/picks/{pick_id}/remove", remove_pick, methods=["POST"]),
    Route("/admin/members", members_page, name="admin_members"),
    Route("/admin/members/{reader_id}", change_membership, methods=["POST"]),
    Route("/admin/report", report_page, name="admin_report"),
    Route("/admin/report.csv", report_csv, name="admin_report_csv"),
]
