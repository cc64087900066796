"""Helpers several test packages share (importable as ``support``: pytest puts tests/ on the path)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher, Type

from newsstand.app import Services, build_services
from newsstand.config import Settings
from newsstand.model import utcnow
from newsstand.store.base import Store


def cheap_hasher() -> PasswordHasher:
    """Argon2id with tiny costs: fast, still the real algorithm (suites that sign up many readers)."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)


def make_services(
    store: Store, settings: Settings, clock: Callable[[], datetime] | None = None, **extra: Any
) -> Services:
    """The application services over ``store``, with the cheap hasher."""
    return build_services(settings, store, clock=clock or utcnow, hasher=cheap_hasher(), **extra)


def listening_socket() -> Any:
    """A socket bound to a free port on 127.0.0.1 (for ``served``, when the app must know its
    address before it is made)."""
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def served(app: Any, sock: Any = None, **config: Any) -> Iterator[str]:
    """``app`` served for real by uvicorn on 127.0.0.1 (a free port, or ``sock``) in a thread;
    yields its base URL and stops it afterwards."""
    import threading
    import time

    import uvicorn

    sock = sock or listening_socket()
    server = uvicorn.Server(uvicorn.Config(app, **{"log_level": "warning", **config}))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    host, port = sock.getsockname()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
