"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the mail tests, with TLS from a CA made here.

``smtp_server(...)`` starts one and returns it; keyword arguments go to aiosmtpd's SMTP
(``tls_context``, ``require_starttls``, ``authenticator``...), ``implicit_tls`` wraps the
listening socket in TLS from the first byte. ``server.refuse`` holds replies the server
gives to DATA before it accepts again ("451 ..." to make the sender retry).
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from newsstand.config import Settings, load_settings
from newsstand.mail import parse_message

USER, PASSWORD = "newsstand", "correct horse battery"


@dataclass
class Recorder:
    """aiosmtpd handler: keeps each accepted message; answers DATA from ``refuse`` first."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: list[str] = field(default_factory=list)
    refuse_rcpt: str = ""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse.pop(0)
        self.messages.append(parse_message(envelope.original_content))
        return "250 Message accepted"


@dataclass
class Server:
    port: int
    recorder: Recorder

    @property
    def messages(self) -> list[EmailMessage]:
        return self.recorder.messages

    @property
    def refuse(self) -> list[str]:
        return self.recorder.refuse

    def settings(self, tmp_path: Path, **changes: Any) -> Settings:
        base = {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_tls": "none",
            "data_dir": str(tmp_path),
        }
        return load_settings({}).replace(**{**base, **changes})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, str]:
    """(the server's TLS context, a PEM file of the authority that signed its certificate)."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return context, str(path)


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword) and data.login.decode() == USER and data.password.decode() == PASSWORD
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., Server]]:
    controllers: list[Controller] = []

    def start(*, implicit_tls: ssl.SSLContext | None = None, **smtp: Any) -> Server:
        recorder = Recorder()
        port = _free_port()
        controller = Controller(
            recorder,
            hostname="127.0.0.1",
            port=port,
            ssl_context=implicit_tls,
            auth_exclude_mechanism=["CRAM-MD5"],
            **smtp,
        )
        controller.start()
        controllers.append(controller)
        return Server(port, recorder)

    yield start
    for controller in controllers:
        controller.stop()
