"""Static files with versioned URLs: ``/static/app.css?v=<content hash>``.

A URL that carries the file's current hash is cached for a year (``immutable``);
any other request for the file gets a short cache, so a deploy never serves
stale CSS to a page that links the new hash.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

STATIC_DIR = Path(__file__).resolve().parent / "static"
LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"


class Assets:
    """Content hashes of the files under ``static/``, computed once at start-up."""

    def __init__(self, root: Path = STATIC_DIR) -> None:
        self.root = root
        self.hashes: dict[str, str] = {}
        for path in sorted(root.rglob("*")):
            if path.is_file():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
                self.hashes[path.relative_to(root).as_posix()] = digest

    def url(self, name: str) -> str:
        """The versioned URL of a static file. Raises KeyError for a file that does not exist."""
        return f"/static/{name}?v={self.hashes[name]}"

    def read_text(self, name: str) -> str:
        return (self.root / name).read_text(encoding="utf-8")


class VersionedStatic(StaticFiles):
    """StaticFiles that sets Cache-Control by whether the URL names the current version."""

    def __init__(self, assets: Assets) -> None:
        super().__init__(directory=assets.root)
        self.assets = assets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = self.get_path(scope).replace("\\", "/")
        query = scope.get("query_string", b"").decode("latin-1")
        current = self.assets.hashes.get(name)
        cache = LONG_CACHE if current and f"v={current}" in query.split("&") else SHORT_CACHE

        async def send_with_cache(message: dict[str, object]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))  # type: ignore[call-overload]
                headers.append((b"cache-control", cache.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await super().__call__(scope, receive, send_with_cache)  # type: ignore[arg-type]
