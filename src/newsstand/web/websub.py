"""The WebSub callback: hubs verify our subscription requests with a GET and push updated
feeds with a POST to ``/websub/<callback id>``; ``WebSubService`` decides both."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from newsstand.ingest.websub import HEADER
from newsstand.web.context import call, web


async def verify(request: Request) -> Response:
    params = dict(request.query_params.items())
    reply = await call(web(request).services.websub.intent, str(request.path_params["callback_id"]), params)
    return PlainTextResponse(reply.body, reply.status, headers={"Cache-Control": "no-store"})


async def receive(request: Request) -> Response:
    services = web(request).services
    limit = services.settings.max_response_bytes
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return PlainTextResponse("too large", 413)
    reply = await call(
        services.websub.push,
        str(request.path_params["callback_id"]),
        request.headers.get(HEADER),
        bytes(body),
        request.headers.get("content-type", ""),
    )
    return PlainTextResponse(reply.body, reply.status)


routes: list[BaseRoute] = [
    Route("/websub/{callback_id}", verify, methods=["GET"]),
    Route("/websub/{callback_id}", receive, methods=["POST"]),
]
