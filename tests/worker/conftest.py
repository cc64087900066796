"""Real services for the distributed tests: RabbitMQ, Redis and PostgreSQL on 127.0.0.1.

A service that is down skips its tests, unless NEWSSTAND_REQUIRE_BROKER=1 (CI), where it
fails them. Each test gets its own queue prefix (queues deleted afterwards), its own
PostgreSQL database, and starts its processes in sessions of their own, so that exactly
those are stopped.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

AMQP_URL = os.environ.get("NEWSSTAND_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
REDIS_URL = os.environ.get("NEWSSTAND_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ENTRY = "from newsstand.cli import entry; entry()"
SRC = Path(__file__).resolve().parents[2] / "src"


def unavailable(what: str, reason: str) -> NoReturn:
    if os.environ.get("NEWSSTAND_REQUIRE_BROKER") == "1":
        pytest.fail(f"{what} is required (NEWSSTAND_REQUIRE_BROKER=1) but {reason}")
    pytest.skip(f"{what} not available: {reason}")


def _reachable(host: str, port: int) -> str:
    try:
        with socket.create_connection((host, port), timeout=2):
            return ""
    except OSError as exc:
        return str(exc)


@pytest.fixture
def amqp_url() -> Iterator[str]:
    try:
        import dramatiq  # noqa: F401
    except ImportError:
        unavailable("Dramatiq", "not installed (pip install 'newsstand[queue]')")
    problem = _reachable("127.0.0.1", 5672)
    if problem:
        unavailable("RabbitMQ", problem)
    yield AMQP_URL


@pytest.fixture
def redis_url() -> str:
    problem = _reachable("127.0.0.1", 6379)
    if problem:
        unavailable("Redis", problem)
    return REDIS_URL


@pytest.fixture
def queue_prefix(amqp_url: str) -> Iterator[str]:
    prefix = f"nstest-{secrets.token_hex(4)}"
    yield prefix
    import pika

    conn = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        for base in ("feeds", "steps"):
            for suffix in ("", ".DQ", ".XQ"):
                channel = conn.channel()
                channel.queue_delete(f"{prefix}.{base}{suffix}")
                channel.close()
    finally:
        conn.close()


class Processes:
    """Newsstand commands started in their own sessions; all stopped at the end."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, env: dict[str, str], *args: str, name: str) -> subprocess.Popen[bytes]:
        log = (self.tmp_path / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-c", ENTRY, *args], env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.started.append(proc)
        return proc

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.started:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(tmp_path)
    yield procs
    procs.stop_all()


def base_env(tmp_path: Path, database_url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSSTAND_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    env.update(
        NEWSSTAND_DATA_DIR=str(tmp_path / "data"),
        NEWSSTAND_DATABASE_URL=database_url,
        NEWSSTAND_ALLOW_PRIVATE_ADDRESSES="127.0.0.1/32",
        NEWSSTAND_FETCH_FULL_TEXT="false",
        NEWSSTAND_SECRET_KEY="a shared key for every process of this test",
    )
    env.update({f"NEWSSTAND_{k.upper()}": v for k, v in settings.items()})
    return env


def wait_for(check: object, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
