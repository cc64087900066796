"""The Fever API (version 3), as Reeder, ReadKit, Unread and FeedMe speak it, over the app
services.

One endpoint, ``/fever/?api``: the ``api_key`` (md5 of "email:app password") comes in the POST
body or the query; the query's flags say what to answer (``groups``, ``feeds``, ``favicons``,
``items``, ``unread_item_ids``, ``saved_item_ids``, ``links``) and ``mark``/``as``/``id``/``before``
change state. Feeds are the reader's subscriptions (followed publishers, numbered by their first
feed's id), groups their followed sections and their own folders, items the subscriptions'
articles by id.
"""

from __future__ import annotations

import base64
import html
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import msgspec
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from newsstand.api import compat
from newsstand.app import Services
from newsstand.app.apppasswords import AppViewer
from newsstand.app.subscriptions import Item, Stream, StreamKind, Subscription
from newsstand.errors import AuthenticationError, InvalidParameterError, NewsstandError
from newsstand.model import Publisher, Reader

API_VERSION = 3
ITEMS_PER_PAGE = 50
JSON = "application/json; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Call:
    services: Services
    reader: Reader  # the reader with only their followed publishers as item sources
    viewer: AppViewer
    params: compat.Params
    site: str


def answer(data: dict[str, Any], status: int = 200) -> Response:
    return Response(msgspec.json.encode(data), status, media_type=JSON, headers={"Cache-Control": "no-store"})


def group_id(section: str) -> int:
    """A stable number for a section (Fever numbers its groups)."""
    return zlib.crc32(section.casefold().encode()) & 0x7FFFFFFF or 1


def folder_group_id(name: str) -> int:
    """A stable number for one of the reader's folders, apart from the sections' numbers."""
    return group_id(f"folder/{name}")


def _ids(raw: str) -> list[int]:
    found = []
    for part in raw.split(",")[:ITEMS_PER_PAGE]:
        part = part.strip()
        if part.isdigit() and len(part) < 11:
            found.append(int(part))
    return found


def _number(c: Call, name: str) -> int | None:
    raw = c.params.get(name).strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise InvalidParameterError(f"{name} is a whole number", name)
    return int(raw)


def icon(publisher: Publisher) -> str:
    """A favicon of our own for a publisher (Newsstand keeps no icon files): its initial on a
    colour made from its id, as an SVG data URI body, which is what Fever's favicons carry."""
    hue = zlib.crc32(publisher.id.encode()) % 360
    letter = html.escape((publisher.name.strip() or "?")[0].upper())
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32">'
        f'<rect width="32" height="32" rx="6" fill="hsl({hue},55%,40%)"/>'
        '<text x="16" y="22" font-size="18" font-family="sans-serif" fill="#fff" text-anchor="middle">'
        f"{letter}</text>"
        "</svg>"
    )
    return "image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _feeds_groups(subs: list[Subscription], numbers: dict[str, int]) -> list[dict[str, Any]]:
    groups: dict[int, list[int]] = {}
    for sub in subs:
        if sub.publisher.id not in numbers:
            continue
        wanted = [group_id(label) for label in sub.labels] + [folder_group_id(f) for f in sub.folders]
        for number in wanted:
            groups.setdefault(number, []).append(numbers[sub.publisher.id])
    return [{"group_id": number, "feed_ids": ",".join(map(str, ids))} for number, ids in groups.items()]


def groups(c: Call, data: dict[str, Any]) -> None:
    service = c.services.subscriptions
    subs = service.subscriptions(c.viewer.reader)
    labels = service.followed_labels(c.viewer.reader)
    # A group's number follows its section, so renaming a label keeps the app's group.
    found = [{"id": group_id(section), "title": name} for section, name in labels.items()]
    found += [{"id": folder_group_id(name), "title": name} for name in service.folders(c.viewer.reader)]
    data["groups"] = sorted(found, key=lambda g: str(g["title"]).casefold())
    data["feeds_groups"] = _feeds_groups(subs, service.feed_numbers())


def feeds(c: Call, data: dict[str, Any]) -> None:
    subs = c.services.subscriptions.subscriptions(c.viewer.reader)
    numbers = c.services.subscriptions.feed_numbers()
    data["feeds"] = [
        {
            "id": numbers[s.publisher.id],
            "favicon_id": numbers[s.publisher.id],
            "title": s.shown,
            "url": s.url,
            "site_url": s.publisher.homepage,
            "is_spark": 0,
            "last_updated_on_time": int(c.services.subscriptions.now().timestamp()),
        }
        for s in subs
        if s.publisher.id in numbers
    ]
    data["feeds_groups"] = _feeds_groups(subs, numbers)


def favicons(c: Call, data: dict[str, Any]) -> None:
    subs = c.services.subscriptions.subscriptions(c.viewer.reader)
    numbers = c.services.subscriptions.feed_numbers()
    data["favicons"] = [
        {"id": numbers[s.publisher.id], "data": icon(s.publisher)} for s in subs if s.publisher.id in numbers
    ]


def _item(entry: Item, numbers: dict[str, int], site: str) -> dict[str, Any]:
    article = entry.article
    body = entry.body_html
    if article.standfirst:
        body = f"<p><strong>{html.escape(article.standfirst)}</strong></p>{body}"
    if not entry.access.full:
        body += f'<p><a href="{html.escape(site)}/article/{entry.id}">Continue reading on Newsstand</a></p>'
    return {
        "id": entry.id,
        "feed_id": numbers.get(article.publisher_id, 0),
        "title": article.title,
        "author": ", ".join(article.authors),
        "html": body,
        "url": article.url,
        "is_saved": int(entry.starred),
        "is_read": int(entry.read),
        "created_on_time": int(article.published.timestamp()),
    }


def items(c: Call, data: dict[str, Any]) -> None:
    service = c.services.subscriptions
    wanted = _ids(c.params.get("with_ids"))
    if wanted:
        _, total = service.article_ids(c.reader, limit=1)
    else:
        since, before = _number(c, "since_id"), _number(c, "max_id")
        if since is not None:
            wanted, total = service.article_ids(c.reader, after_id=since, limit=ITEMS_PER_PAGE)
        else:
            wanted, total = service.article_ids(c.reader, before_id=before, limit=ITEMS_PER_PAGE)
    found = service.items(c.viewer.reader, c.viewer.membership, wanted)
    numbers = service.feed_numbers()
    data["items"] = [_item(i, numbers, c.site) for i in found]
    data["total_items"] = total


def unread_item_ids(c: Call, data: dict[str, Any]) -> None:
    data["unread_item_ids"] = ",".join(map(str, c.services.subscriptions.unread_ids(c.reader)))


def saved_item_ids(c: Call, data: dict[str, Any]) -> None:
    data["saved_item_ids"] = ",".join(map(str, c.services.subscriptions.saved_ids(c.reader)))


def links(c: Call, data: dict[str, Any]) -> None:
    data["links"] = []  # Fever's "hot links" rank links shared by many feeds; Newsstand has stories instead


def mark(c: Call, data: dict[str, Any]) -> None:
    """``mark=item|feed|group``, ``as=read|unread|saved|unsaved``, ``id``, and for feeds and
    groups ``before`` (seconds): only what was published by then is marked read."""
    what, how, target = c.params.get("mark"), c.params.get("as"), _number(c, "id")
    service, reader = c.services.subscriptions, c.viewer.reader
    if target is None:
        raise InvalidParameterError("give the id to mark", "id")
    if what == "item":
        if how in ("read", "unread"):
            service.set_read(reader, [target], how == "read")
        elif how in ("saved", "unsaved"):
            service.set_starred(reader, [target], how == "saved")
        else:
            raise InvalidParameterError("as is read, unread, saved or unsaved", "as")
        unread_item_ids(c, data) if how in ("read", "unread") else saved_item_ids(c, data)
        return
    if how != "read":
        raise InvalidParameterError("feeds and groups are marked read only", "as")
    raw_before = _number(c, "before")
    before = datetime.fromtimestamp(raw_before, UTC) if raw_before else None
    service.mark_stream_read(reader, _stream(c, what, target), before)
    unread_item_ids(c, data)


def _stream(c: Call, what: str, target: int) -> Stream:
    if what == "feed":
        by_number = {n: pid for pid, n in c.services.subscriptions.feed_numbers().items()}
        if target not in by_number:
            raise InvalidParameterError(f"no feed {target}", "id")
        return Stream(StreamKind.FEED, by_number[target])
    if what == "group":
        if target == 0:  # Fever's "Kindling": everything
            return Stream(StreamKind.READING_LIST)
        for name in c.services.subscriptions.labels(c.viewer.reader):
            if group_id(name) == target:
                return Stream(StreamKind.LABEL, name)
        for name in c.services.subscriptions.folders(c.viewer.reader):
            if folder_group_id(name) == target:
                return Stream(StreamKind.FOLDER, name)
        raise InvalidParameterError(f"no group {target}", "id")
    raise InvalidParameterError("mark is item, feed or group", "mark")


FLAGS: tuple[tuple[str, Callable[[Call, dict[str, Any]], None]], ...] = (
    ("groups", groups),
    ("feeds", feeds),
    ("favicons", favicons),
    ("items", items),
    ("links", links),
    ("unread_item_ids", unread_item_ids),
    ("saved_item_ids", saved_item_ids),
)


def respond(c: Call) -> dict[str, Any]:
    data: dict[str, Any] = {
        "api_version": API_VERSION,
        "auth": 1,
        "last_refreshed_on_time": int(c.services.subscriptions.now().timestamp()),
    }
    if "mark" in c.params:
        mark(c, data)
    for flag, fill in FLAGS:
        if flag in c.params:
            fill(c, data)
    return data


def fever_endpoint(services: Services) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        try:
            return await serve(request)
        except Exception as exc:  # answered in Fever's shape on every path it is mounted at
            return await handle_error(request, exc)

    async def serve(request: Request) -> Response:
        params = await compat.params(request)
        if "api" not in params:
            raise InvalidParameterError("Fever's API answers at /fever/?api", "api")
        key = params.get("api_key").strip().lower()
        viewer = await run_in_threadpool(
            services.app_passwords.viewer, "fever", key, address=compat.address(request)
        )
        request.state.fever_signed_in = True  # errors from here on are a signed-in reader's
        sources = replace(viewer.reader, followed_sections=())
        site = (services.settings.base_url or f"{request.url.scheme}://{request.url.netloc}").rstrip("/")
        return answer(await run_in_threadpool(respond, Call(services, sources, viewer, params, site)))

    return handle


async def handle_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return answer({"api_version": API_VERSION, "auth": 0, "error": str(exc.detail)}, exc.status_code)
    status, message, headers = compat.status_of(exc)
    body = {
        "api_version": API_VERSION,
        # "auth": 1 only once the key was accepted: an error before that proves nothing.
        "auth": 1 if getattr(request.state, "fever_signed_in", False) else 0,
        "error": message,
    }
    if isinstance(exc, AuthenticationError):
        # Fever's own failure signal: clients read "auth": 0 from a 200 answer, and some (the
        # PyPI client among them) take any other status for a network fault and retry.
        status = 200
    response = answer(body, status)
    response.headers.update(headers)
    return response


def create_fever(services: Services) -> list[BaseRoute]:
    """The routes to mount on the site's root: /fever/, and /api/fever.php where FreshRSS
    serves it (some clients only know that path)."""
    handler = fever_endpoint(services)
    handlers = {NewsstandError: handle_error, HTTPException: handle_error, Exception: handle_error}
    app = Starlette(routes=[Route("/", handler, methods=["GET", "POST"])], exception_handlers=handlers)
    return [Route("/api/fever.php", handler, methods=["GET", "POST"]), Mount("/fever", app=app)]
