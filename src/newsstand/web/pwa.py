"""The installable app: manifest, service worker and the offline page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from newsstand.web.context import render, web


async def manifest(request: Request) -> Response:
    assets = web(request).assets
    data = {
        "name": "Newsstand",
        "short_name": "Newsstand",
        "description": "All your news in one place.",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b3d91",
        "icons": [
            {"src": assets.url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": assets.url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": assets.url("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": assets.url("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JSONResponse(
        data, media_type="application/manifest+json", headers={"Cache-Control": "public, max-age=3600"}
    )


async def service_worker(request: Request) -> Response:
    """Served from the root so its scope covers every page; never cached long, so updates land."""
    body = web(request).assets.read_text("sw.js")
    return Response(body, media_type="text/javascript", headers={"Cache-Control": "no-cache"})


async def offline_page(request: Request) -> Response:
    return render(request, "offline.html")


routes: list[BaseRoute] = [
    Route("/manifest.webmanifest", manifest, name="manifest"),
    Route("/sw.js", service_worker, name="service_worker"),
    Route("/offline", offline_page, name="offline"),
]
