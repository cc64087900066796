"""The outbox folder and the SMTP mailer (against a small SMTP server on 127.0.0.1)."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsstand.config import load_settings
from newsstand.errors import MailError
from newsstand.mail import (
    OutboxMailer,
    SmtpMailer,
    build_message,
    clear_outbox,
    list_outbox,
    mailer_from_settings,
    message_text,
)


def test_outbox_writes_one_eml_per_message_and_lists_them(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    mailer = OutboxMailer(folder)
    mailer.send(build_message("Newsstand <n@example.org>", "a@example.org", "First", "Hello A\n"))
    mailer.send(build_message("Newsstand <n@example.org>", "b@example.org", "Second", "Hello B\n"))
    files = sorted(folder.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]  # no temporary files left behind
    entries = list_outbox(folder)
    assert [(e.to, e.subject) for e in entries] == [("a@example.org", "First"), ("b@example.org", "Second")]
    assert message_text(entries[1].read()).strip() == "Hello B"
    assert clear_outbox(folder) == 2
    assert list_outbox(folder) == []


def test_outbox_ignores_half_written_files(tmp_path: Path) -> None:
    tmp_path.joinpath(".20261101T000000Z-dead.eml.tmp").write_text("partial")
    assert list_outbox(tmp_path) == []
    assert list_outbox(tmp_path / "missing") == []


def test_unwritable_outbox_raises_mail_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(MailError):
        OutboxMailer(blocker / "outbox").send(build_message("n@example.org", "a@example.org", "S", "B"))


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept one message without TLS."""

    def handle(self) -> None:
        received: list[str] = self.server.received  # type: ignore[attr-defined]
        self.wfile.write(b"220 test ready\r\n")
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.wfile.write(b"250 test\r\n")
            elif command == "DATA":
                self.wfile.write(b"354 go on\r\n")
                body = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(data.decode())
                received.append("".join(body))
                self.wfile.write(b"250 queued\r\n")
            elif command == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[str]]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], server.received  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def test_smtp_mailer_delivers(smtp_server: tuple[int, list[str]], tmp_path: Path) -> None:
    port, received = smtp_server
    settings = load_settings({}).replace(
        smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, data_dir=str(tmp_path)
    )
    mailer = mailer_from_settings(settings)
    assert isinstance(mailer, SmtpMailer)
    mailer.send(build_message("n@example.org", "reader@example.org", "Reset", "Open the link\n"))
    assert len(received) == 1
    assert "Subject: Reset" in received[0] and "Open the link" in received[0]
    assert not (tmp_path / "outbox").exists()


def test_smtp_failure_is_a_mail_error(tmp_path: Path) -> None:
    closed = socketserver.TCPServer(("127.0.0.1", 0), socketserver.BaseRequestHandler)
    port = closed.server_address[1]
    closed.server_close()  # nothing listens there now
    settings = load_settings({}).replace(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    with pytest.raises(MailError):
        SmtpMailer(settings, timeout=2).send(build_message("n@example.org", "r@example.org", "S", "B"))


def test_without_smtp_host_mail_goes_to_the_outbox(tmp_path: Path) -> None:
    mailer = mailer_from_settings(load_settings({}).replace(data_dir=str(tmp_path)))
    assert isinstance(mailer, OutboxMailer) and mailer.folder == tmp_path / "outbox"
