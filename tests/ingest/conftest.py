"""A real HTTP server on 127.0.0.1 for the ingestion tests.

``feed_server`` serves whatever a test puts in its route table: fixed bodies with
ETag/Last-Modified (answering conditional requests with 304), redirects, error
statuses, slow or stalled bodies, gzip bodies. Nothing is mocked: the fetcher
talks to it over a socket like it would to a publisher.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from newsstand.config import Settings, load_settings


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str = ""
    last_modified: str = ""
    gzip: bool = False
    delay: float = 0.0  # before the status line
    drip: float = 0.0  # pause between 1 KB pieces of the body
    stall: float = 0.0  # send headers, then wait this long before the body


Handler = Callable[[BaseHTTPRequestHandler], None]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up mid-body is what several tests do on purpose


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route | Handler] = {}
        self.hits: Counter[str] = Counter()
        self.request_headers: dict[str, list[dict[str, str]]] = {}
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path
                server.hits[path] += 1
                server.request_headers.setdefault(path, []).append(dict(self.headers.items()))
                route = server.routes.get(path)
                if route is None:
                    self._send(Route(b"not here", 404, content_type="text/plain"))
                elif isinstance(route, Route):
                    self._send(route)
                else:
                    route(self)

            def _send(self, route: Route) -> None:
                if route.delay:
                    time.sleep(route.delay)
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    return self._head(304, {"ETag": route.etag}, 0)
                if route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified:
                    return self._head(304, {"Last-Modified": route.last_modified}, 0)
                body = gzip.compress(route.body) if route.gzip else route.body
                headers = {"Content-Type": route.content_type, **route.headers}
                if route.gzip:
                    headers["Content-Encoding"] = "gzip"
                if route.etag:
                    headers["ETag"] = route.etag
                if route.last_modified:
                    headers["Last-Modified"] = route.last_modified
                self._head(route.status, headers, len(body))
                try:
                    if route.stall:
                        time.sleep(route.stall)
                    if route.drip:
                        for i in range(0, len(body), 1024):
                            self.wfile.write(body[i : i + 1024])
                            self.wfile.flush()
                            time.sleep(route.drip)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return None

            def _head(self, status: int, headers: dict[str, str], length: int) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(length))
                self.end_headers()

        self.httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def local_settings(tmp_path: object) -> Settings:
    """Settings for fetching from the local test server: loopback allowed, short timeouts."""
    return load_settings(environ={}).replace(
        data_dir=str(tmp_path),
        allow_private_addresses="127.0.0.1/32",
        connect_timeout=2.0,
        read_timeout=2.0,
        total_timeout=5.0,
        fetch_full_text=False,
        poll_min_seconds=60,
    )
