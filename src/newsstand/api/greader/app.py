"""The Google Reader API, as FreshRSS, Miniflux and Inoreader serve it, over the app services.

Mounted by the web app at ``/accounts`` (ClientLogin) and ``/reader`` (``/reader/api/0/...`` and
the Atom streams under ``/reader/atom/...``). A request's ``Authorization: GoogleLogin auth=``
token finds its reader through ``AppPasswordService``; every handler then makes one call to
``SubscriptionService`` and writes Google Reader's shape. Writes need the edit token ``T``
(from ``/reader/api/0/token``), as in the original API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

import msgspec
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from newsstand.api import compat
from newsstand.api.greader import ids, render
from newsstand.app import Services
from newsstand.app.apppasswords import AppViewer, edit_token
from newsstand.app.subscriptions import MAX_UNREAD, EditAction, Stream, StreamKind, StreamRequest
from newsstand.errors import AuthenticationError, InvalidParameterError, NewsstandError
from newsstand.feedsout import CONTENT_TYPES, FeedDocument, FeedFormat, FeedItem, write_feed

JSON = "application/json; charset=utf-8"
BAD_TOKEN = {"X-Reader-Google-Bad-Token": "true"}
URL_SAFE = "/:?&=%@!$'()*+,;~"  # what a feed URL inside a stream id keeps as it is


@dataclass(frozen=True, slots=True)
class Call:
    """What a handler is given: the services, the reader, the parameters, the site's URL."""

    services: Services
    viewer: AppViewer
    auth: str
    params: compat.Params
    path: dict[str, str]
    site: str  # the site's base URL, without a trailing slash


Handler = Callable[[Call], Response]


def json(data: object) -> Response:
    return Response(msgspec.json.encode(data), media_type=JSON, headers={"Cache-Control": "no-store"})


def ok() -> Response:
    return PlainTextResponse("OK", headers={"Cache-Control": "no-store"})


def auth_token(request: Request) -> str:
    """The token of ``Authorization: GoogleLogin auth=<token>``. Raises AuthenticationError."""
    header = request.headers.get("authorization", "")
    scheme, _, rest = header.strip().partition(" ")
    key, _, token = rest.strip().partition("=")
    if scheme != "GoogleLogin" or key.strip().lower() != "auth" or not token.strip():
        raise AuthenticationError(
            "sign in with /accounts/ClientLogin and send Authorization: GoogleLogin auth="
        )
    return token.strip()


def site_url(services: Services, request: Request) -> str:
    base = services.settings.base_url or f"{request.url.scheme}://{request.url.netloc}"
    return base.rstrip("/")


def endpoint(
    services: Services, handler: Handler, *, edit: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """A route's ASGI handler: the reader found by the Auth token, the edit token checked for
    writes, the parameters parsed, ``handler`` run in a worker thread."""

    async def handle(request: Request) -> Response:
        token = auth_token(request)
        viewer = await run_in_threadpool(
            services.app_passwords.viewer, "auth", token, address=compat.address(request)
        )
        params = await compat.params(request)
        if edit and params.get("T").strip() != edit_token(token):
            return PlainTextResponse("Unauthorized: bad or missing edit token T", 401, headers=BAD_TOKEN)
        call = Call(services, viewer, token, params, dict(request.path_params), site_url(services, request))
        return await run_in_threadpool(handler, call)

    return handle


# --- signing in --------------------------------------------------------------------------------


def login_endpoint(services: Services) -> Callable[[Request], Awaitable[Response]]:
    async def client_login(request: Request) -> Response:
        params = await compat.params(request)
        token = await run_in_threadpool(
            services.app_passwords.client_login,
            params.get("Email"),
            params.get("Passwd"),
            address=compat.address(request),
        )
        body = f"SID={token}\nLSID=null\nAuth={token}\n"
        return PlainTextResponse(body, headers={"Cache-Control": "no-store"})

    return client_login


def token(c: Call) -> Response:
    return PlainTextResponse(edit_token(c.auth), headers={"Cache-Control": "no-store"})


def user_info(c: Call) -> Response:
    return json(render.user_info(c.viewer.reader))


# --- subscriptions and tags --------------------------------------------------------------------


def subscription_list(c: Call) -> Response:
    subs = c.services.subscriptions.subscriptions(c.viewer.reader)
    labels = c.services.subscriptions.followed_labels(c.viewer.reader)
    return json({"subscriptions": [render.subscription(s, labels) for s in subs]})


def _feed_url(stream_id: str) -> str:
    name = ids.parse_stream(stream_id) if stream_id.startswith(ids.FEED) else None
    if name is None:
        raise InvalidParameterError(f"not a feed: {stream_id[:100]}", "s")
    return name.value


def _labels(raws: list[str]) -> list[str]:
    """The label names of the label stream ids among ``raws`` (others are states: left out)."""
    names = [ids.parse_stream(raw if "/" in raw else ids.label_id(raw)) for raw in raws if raw.strip()]
    return [n.value for n in names if n.kind == "label"]


def subscription_edit(c: Call) -> Response:
    try:
        action = EditAction(c.params.get("ac"))
    except ValueError:
        raise InvalidParameterError("ac is subscribe, unsubscribe or edit", "ac") from None
    c.services.subscriptions.edit(
        c.viewer.reader,
        action,
        [_feed_url(s) for s in c.params.getlist("s")],
        c.params.get("t"),
        add=_labels(c.params.getlist("a")),
        remove=_labels(c.params.getlist("r")),
    )
    return ok()


def quickadd(c: Call) -> Response:
    raw = c.params.get("quickadd").strip()
    url = raw[len(ids.FEED) :] if raw.startswith(ids.FEED) else raw
    if not url:
        raise InvalidParameterError("give the feed's URL as quickadd", "quickadd")
    sub = c.services.subscriptions.subscribe(c.viewer.reader, url)
    return json({"numResults": 1, "query": raw, "streamId": ids.feed_id(sub.url), "streamName": sub.shown})


def subscription_export(c: Call) -> Response:
    data = c.services.subscriptions.export_opml(c.viewer.reader)
    headers = {
        "Cache-Control": "no-store",
        "Content-Disposition": 'attachment; filename="subscriptions.opml"',
    }
    return Response(data, media_type="text/x-opml; charset=utf-8", headers=headers)


def tag_list(c: Call) -> Response:
    """Starred, then the labels in name order: followed sections and the reader's folders."""
    tags: list[dict[str, str]] = [{"id": ids.STARRED}]
    labels = c.services.subscriptions.label_list(c.viewer.reader)
    tags += [{"id": ids.label_id(name), "type": "folder"} for name, _ in labels]
    return json({"tags": tags})


def disable_tag(c: Call) -> Response:
    """A folder is deleted (its subscriptions stay followed); a section is no longer followed."""
    for label in _labels(c.params.getlist("s") + c.params.getlist("t")):
        c.services.subscriptions.disable_label(c.viewer.reader, label)
    return ok()


def rename_tag(c: Call) -> Response:
    """A label renamed for this reader: ``s`` (or ``t``) names it, ``dest`` the new name (a
    folder is renamed, a followed section given the reader's own name for it)."""
    old = _labels([c.params.get("s") or c.params.get("t")])
    new = _labels([c.params.get("dest")])
    if not old or not new:
        raise InvalidParameterError("give the label as s (or t) and its new name as dest", "dest")
    c.services.subscriptions.rename_label(c.viewer.reader, old[0], new[0])
    return ok()


def unread_count(c: Call) -> Response:
    counts = c.services.subscriptions.unread_counts(c.viewer.reader)
    labels = c.services.subscriptions.followed_labels(c.viewer.reader)
    return json(render.unread_counts(counts, c.services.subscriptions.feed_urls(), labels, MAX_UNREAD))


# --- streams -----------------------------------------------------------------------------------


def stream_of(c: Call, stream_id: str) -> Stream:
    """The service's stream for a Google Reader stream id. Raises InvalidParameterError and
    NotFoundError (a feed the reader's catalog does not have)."""
    name = ids.parse_stream(stream_id or ids.READING_LIST)
    if name.kind == "feed":
        return Stream(StreamKind.FEED, c.services.subscriptions.publisher_for(name.value).id)
    if name.kind == "label":
        return c.services.subscriptions.label_stream(c.viewer.reader, name.value)
    return Stream(StreamKind(name.kind))


def _seconds(c: Call, name: str) -> datetime | None:
    raw = c.params.get(name).strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise InvalidParameterError(f"{name} is a time in seconds since 1970", name)
    return datetime.fromtimestamp(int(raw), UTC)


def stream_request(c: Call, stream_id: str, default_count: int = 20) -> StreamRequest:
    stream = stream_of(c, stream_id)
    include = ids.normal(c.params.get("it"))
    if stream.kind is StreamKind.READING_LIST and include in (ids.STARRED, ids.READ):
        stream = Stream(StreamKind(include[len(ids.STATE) :]))
    raw_n = c.params.get("n", str(default_count)).strip()
    if not raw_n.isdigit():
        raise InvalidParameterError("n is a number of items", "n")
    return StreamRequest(
        stream=stream,
        count=int(raw_n) or default_count,
        continuation=c.params.get("c").strip(),
        unread_only=ids.READ in {ids.normal(x) for x in c.params.getlist("xt")},
        newer_than=_seconds(c, "nt"),
        older_than=_seconds(c, "ot"),
        oldest_first=c.params.get("r") == "o",
    )


def stream_contents(c: Call) -> Response:
    stream_id = c.path.get("stream") or c.params.get("s") or ids.READING_LIST
    req = stream_request(c, stream_id)
    service = c.services.subscriptions
    page = service.items_page(c.viewer.reader, c.viewer.membership, req)
    urls = service.feed_urls()
    labels = service.followed_labels(c.viewer.reader)
    folders = service.folders_by_publisher(c.viewer.reader)
    found: dict[str, object] = {
        "id": stream_id,
        "title": service.stream_title(c.viewer.reader, req.stream),
        "updated": int(c.services.subscriptions.now().timestamp()),
        "items": [render.item(i, urls, f"{c.site}/article/{i.id}", labels, folders) for i in page.items],
    }
    if page.continuation:
        found["continuation"] = page.continuation
    return json(found)


def stream_item_ids(c: Call) -> Response:
    stream_id = c.params.get("s")
    if not stream_id:
        raise InvalidParameterError("give the stream as s", "s")
    req = stream_request(c, stream_id, default_count=1000)
    page = c.services.subscriptions.items_page(c.viewer.reader, c.viewer.membership, req)
    refs = [
        {"id": str(i.id), "directStreamIds": [], "timestampUsec": render.usec(i.sort_time)}
        for i in page.items
    ]
    found: dict[str, object] = {"itemRefs": refs}
    if page.continuation:
        found["continuation"] = page.continuation
    return json(found)


def _item_ids(c: Call) -> list[int]:
    wanted = [ids.parse_item_id(raw) for raw in c.params.getlist("i")]
    return [i for i in wanted if i is not None]


def stream_items_contents(c: Call) -> Response:
    items = c.services.subscriptions.items(c.viewer.reader, c.viewer.membership, _item_ids(c))
    urls = c.services.subscriptions.feed_urls()
    labels = c.services.subscriptions.followed_labels(c.viewer.reader)
    folders = c.services.subscriptions.folders_by_publisher(c.viewer.reader)
    return json(
        {
            "id": ids.READING_LIST,
            "updated": int(c.services.subscriptions.now().timestamp()),
            "items": [render.item(i, urls, f"{c.site}/article/{i.id}", labels, folders) for i in items],
        }
    )


def edit_tag(c: Call) -> Response:
    chosen = _item_ids(c)
    service, reader = c.services.subscriptions, c.viewer.reader
    added = {ids.normal(a) for a in c.params.getlist("a")}
    removed = {ids.normal(r) for r in c.params.getlist("r")}
    if ids.READ in added:
        service.set_read(reader, chosen, True)
    elif ids.READ in removed or ids.KEPT_UNREAD in added:
        service.set_read(reader, chosen, False)
    if ids.STARRED in added:
        service.set_starred(reader, chosen, True)
    if ids.STARRED in removed:
        service.set_starred(reader, chosen, False)
    return ok()


def mark_all_as_read(c: Call) -> Response:
    stream = stream_of(c, c.params.get("s") or ids.READING_LIST)
    raw = c.params.get("ts").strip()
    before = None
    if raw:
        if not raw.isdigit() or len(raw) > 20:
            raise InvalidParameterError("ts is a time in microseconds since 1970", "ts")
        before = datetime.fromtimestamp(int(raw) / 1_000_000, UTC)
    c.services.subscriptions.mark_stream_read(c.viewer.reader, stream, before)
    return ok()


def atom_stream(c: Call) -> Response:
    """A stream as Atom, as the original API served it, with gr:continuation for the next page."""
    stream_id = c.path.get("stream") or ids.READING_LIST
    req = stream_request(c, stream_id)
    page = c.services.subscriptions.items_page(c.viewer.reader, c.viewer.membership, req)
    doc = FeedDocument(
        title=c.services.subscriptions.stream_title(c.viewer.reader, req.stream),
        # a label's name may hold spaces and any letter: the address carries it escaped
        self_url=f"{c.site}/reader/atom/{quote(stream_id, safe=URL_SAFE)}",
        home_url=f"{c.site}/",
        generated=c.services.subscriptions.now(),
        id=f"tag:google.com,2005:reader/{ids.normal(stream_id)}",
        continuation=page.continuation,
    )
    items = [
        FeedItem(
            i.article,
            i.access,
            link=f"{c.site}/article/{i.id}",
            id=ids.long_id(i.id),
            publisher_name=i.source_title,
            reader_states=(("read",) if i.read else ()) + (("starred",) if i.starred else ()),
        )
        for i in page.items
    ]
    body = write_feed(FeedFormat.ATOM, doc, items)
    return Response(body, media_type=CONTENT_TYPES[FeedFormat.ATOM], headers={"Cache-Control": "no-store"})


# --- the apps ----------------------------------------------------------------------------------


async def handle_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return PlainTextResponse(str(exc.detail), exc.status_code, headers=dict(exc.headers or {}))
    status, message, headers = compat.status_of(exc)
    if isinstance(exc, AuthenticationError):
        message = "Error=BadAuthentication" if request.url.path.endswith("ClientLogin") else "Unauthorized"
    headers["Cache-Control"] = "no-store"
    return PlainTextResponse(f"{message}\n", status, headers=headers)


def import_endpoint(services: Services) -> Callable[[Request], Awaitable[Response]]:
    """OPML in the request body (FreshRSS's subscription/import): the reader follows what it lists."""

    async def handle(request: Request) -> Response:
        token = auth_token(request)
        viewer = await run_in_threadpool(
            services.app_passwords.viewer, "auth", token, address=compat.address(request)
        )
        if request.query_params.get("T", "").strip() != edit_token(token):
            return PlainTextResponse("Unauthorized: bad or missing edit token T", 401, headers=BAD_TOKEN)
        body = await request.body()
        if len(body) > compat.MAX_FORM_BYTES * 5:
            raise InvalidParameterError("the OPML file is too large", "body")
        await run_in_threadpool(services.subscriptions.import_opml, viewer.reader, body)
        return ok()

    return handle


READS: tuple[tuple[str, Handler], ...] = (
    ("/token", token),
    ("/user-info", user_info),
    ("/subscription/list", subscription_list),
    ("/subscription/export", subscription_export),
    ("/tag/list", tag_list),
    ("/unread-count", unread_count),
    ("/stream/contents", stream_contents),
    ("/stream/contents/{stream:path}", stream_contents),
    ("/stream/items/ids", stream_item_ids),
    ("/stream/items/contents", stream_items_contents),
)
WRITES: tuple[tuple[str, Handler], ...] = (
    ("/subscription/edit", subscription_edit),
    ("/subscription/quickadd", quickadd),
    ("/edit-tag", edit_tag),
    ("/mark-all-as-read", mark_all_as_read),
    ("/disable-tag", disable_tag),
    ("/rename-tag", rename_tag),
)


def create_greader(services: Services) -> list[BaseRoute]:
    """The routes to mount on the site's root: /accounts/ClientLogin and /reader/..."""
    api: list[BaseRoute] = [
        Route(f"/api/0{path}", endpoint(services, fn), methods=["GET", "POST"]) for path, fn in READS
    ]
    api += [
        Route(f"/api/0{path}", endpoint(services, fn, edit=True), methods=["POST"]) for path, fn in WRITES
    ]
    api.append(Route("/api/0/subscription/import", import_endpoint(services), methods=["POST"]))
    api.append(Route("/atom/{stream:path}", endpoint(services, atom_stream), methods=["GET"]))
    handlers = {NewsstandError: handle_error, HTTPException: handle_error, Exception: handle_error}
    login = Starlette(
        routes=[Route("/ClientLogin", login_endpoint(services), methods=["GET", "POST"])],
        exception_handlers=handlers,
    )
    return [
        Mount("/accounts", app=login),
        Mount("/reader", app=Starlette(routes=api, exception_handlers=handlers)),
    ]
