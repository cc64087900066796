"""The JSON API's ASGI app: routes made from the operation declarations, mounted at /api/v1.

A request goes: the Bearer token (if any) to its reader, one request counted against the
token's or the address's rate limit, the reader required where the operation says so, the
parameters parsed as declared, the handler run in a worker thread, its answer encoded. Every
error on the way is answered in one shape by ``errors.answer_error``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import msgspec
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from newsstand.api.v1 import ops_news, ops_reader
from newsstand.api.v1.errors import handle_error, handle_http
from newsstand.api.v1.spec import Auth, Call, Operation, document
from newsstand.app import Services
from newsstand.app.tokens import Allowance, TokenViewer
from newsstand.errors import AuthenticationError, InvalidParameterError, NewsstandError

OPERATIONS: tuple[Operation, ...] = (*ops_news.OPERATIONS, *ops_reader.OPERATIONS)
README = Path(__file__).with_name("README.md")
JSON = "application/json"


def describe() -> str:
    """The document's description: the package README's opening (what a client must know)."""
    text = README.read_text(encoding="utf-8")
    return text.split("\n## ", 1)[0].split("\n", 1)[1].strip()


def bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header; None without one. Raises
    AuthenticationError for an Authorization header of another kind."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("send the token as: Authorization: Bearer <token>")
    return token.strip()


async def authenticate(services: Services, request: Request) -> tuple[TokenViewer | None, Allowance | None]:
    """The request's reader (None without a token) and what is left of its rate limit. Raises
    AuthenticationError for an unknown or revoked token (counted against the address first, so
    guessing tokens is rate-limited too) and RateLimitedError."""
    address = request.client.host if request.client else ""
    token = bearer(request)
    viewer = await run_in_threadpool(services.tokens.viewer, token) if token else None
    allowance = await run_in_threadpool(services.tokens.allow, viewer, address)
    if token and viewer is None:
        raise AuthenticationError("this token is unknown or has been revoked")
    return viewer, allowance


def parse(op: Operation, request: Request) -> dict[str, object]:
    """The operation's parameters, parsed as declared. Raises InvalidParameterError, also for a
    query parameter the operation does not take (a misspelt one would otherwise pass unnoticed)."""
    declared = {p.name for p in op.params if p.where == "query"}
    for name in request.query_params:
        if name not in declared:
            raise InvalidParameterError(f"{name[:40]} is not a parameter of this operation", name[:40])
    values: dict[str, object] = {}
    for param in op.params:
        if param.where == "path":
            raw: str | None = str(request.path_params[param.name])
        else:
            found = request.query_params.getlist(param.name)
            if len(found) > 1:
                raise InvalidParameterError(f"give {param.name} once", param.name)
            raw = found[0] if found else None
        values[param.name] = param.parse(raw)
    return values


def encode(op: Operation, result: object, allowance: Allowance | None) -> Response:
    headers = {"Cache-Control": "no-store"}
    if allowance is not None:
        headers["RateLimit-Limit"] = str(allowance.limit)
        headers["RateLimit-Remaining"] = str(allowance.remaining)
    if op.answer is None:
        return Response(status_code=204, headers=headers)
    return Response(msgspec.json.encode(result), 200, headers=headers, media_type=JSON)


def endpoint(services: Services, by_method: dict[str, Operation]) -> Callable[[Request], Awaitable[Response]]:
    """One path's handler: dispatches on the method to that operation."""

    async def handle(request: Request) -> Response:
        op = by_method.get("GET" if request.method == "HEAD" else request.method)
        if op is None:  # Route answers 405 before this; kept for safety
            raise HTTPException(405, headers={"Allow": ", ".join(sorted(by_method))})
        viewer, allowance = await authenticate(services, request)
        if op.auth is Auth.REQUIRED and viewer is None:
            raise AuthenticationError("this needs an API token: Authorization: Bearer <token>")
        call = Call(services, parse(op, request), viewer)
        return encode(op, await run_in_threadpool(op.handler, call), allowance)

    return handle


def routes(services: Services, operations: Sequence[Operation]) -> list[BaseRoute]:
    by_path: dict[str, dict[str, Operation]] = defaultdict(dict)
    for op in operations:
        by_path[op.path][op.method] = op
    found: list[BaseRoute] = []
    for path, by_method in by_path.items():
        found.append(Route(path, endpoint(services, by_method), methods=list(by_method)))
    return found


def create_api(services: Services) -> Starlette:
    """The JSON API over ``services``, to be mounted at /api/v1 (the web app does)."""
    spec = msgspec.json.encode(document(OPERATIONS, describe()))

    async def openapi(request: Request) -> Response:
        return Response(spec, media_type=JSON, headers={"Cache-Control": "public, max-age=300"})

    return Starlette(
        routes=[Route("/openapi.json", openapi, methods=["GET"]), *routes(services, OPERATIONS)],
        exception_handlers={
            NewsstandError: handle_error,
            HTTPException: handle_http,
            Exception: handle_error,
        },
    )
