"""Fixtures for the extraction tests: a page server on 127.0.0.1 and fetcher settings."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from newsstand.config import Settings, load_settings


class PageServer:
    """Serves ``pages[path] = (status, html)``; a test changes ``pages`` between fetches."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str]] = {}
        self.hits: dict[str, int] = {}
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                status, body = server.pages.get(self.path, (404, "not here"))
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{path}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def page_server() -> Iterator[PageServer]:
    server = PageServer()
    yield server
    server.close()


@pytest.fixture
def fetch_settings(tmp_path: object) -> Settings:
    """Settings that let the fetcher reach the local test server, with short timeouts."""
    return load_settings(environ={}).replace(
        allow_private_addresses="127.0.0.1/32", connect_timeout=5, read_timeout=5, total_timeout=10
    )
