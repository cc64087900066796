"""SMTP delivery against a real server (aiosmtpd) on 127.0.0.1: plain, STARTTLS, implicit TLS,
sign-in, and the server refusing for now or for good."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path

import pytest

from newsstand.errors import ConfigError, MailError, MailRejectedError
from newsstand.mail import SmtpMailer, build_message, mailer_from_settings, message_html, message_text

from .conftest import PASSWORD, USER, Server, authenticator

Start = Callable[..., Server]


def _message(subject: str = "Hello") -> object:
    return build_message(
        "Newsstand <n@example.org>", "reader@example.org", subject, "Plain body\n", html="<p>HTML body</p>"
    )


def test_plain_delivery_to_a_loopback_relay_keeps_both_parts(smtp_server: Start, tmp_path: Path) -> None:
    server = smtp_server()
    mailer = mailer_from_settings(server.settings(tmp_path))
    assert isinstance(mailer, SmtpMailer)
    mailer.send(_message("Reset"))
    [received] = server.messages
    assert received["Subject"] == "Reset" and received["To"] == "reader@example.org"
    assert message_text(received).strip() == "Plain body"
    assert message_html(received).strip() == "<p>HTML body</p>"
    assert not (tmp_path / "outbox").exists()


def _signed_in(
    smtp_server: Start, tls: tuple[ssl.SSLContext, str], tmp_path: Path, password: str
) -> tuple[Server, SmtpMailer]:
    """A server that demands STARTTLS and a sign-in, and a mailer that trusts its authority."""
    context, ca_file = tls
    server = smtp_server(
        tls_context=context, require_starttls=True, authenticator=authenticator, auth_required=True
    )
    settings = server.settings(
        tmp_path, smtp_tls="starttls", smtp_ca_file=ca_file, smtp_user=USER, smtp_password=password
    )
    return server, SmtpMailer(settings, timeout=5)


def test_starttls_with_sign_in_and_a_private_authority(
    smtp_server: Start, tls: tuple[ssl.SSLContext, str], tmp_path: Path
) -> None:
    server, mailer = _signed_in(smtp_server, tls, tmp_path, PASSWORD)
    mailer.send(_message())
    assert len(server.messages) == 1


def test_a_wrong_password_is_an_error_worth_retrying(
    smtp_server: Start, tls: tuple[ssl.SSLContext, str], tmp_path: Path
) -> None:
    server, mailer = _signed_in(smtp_server, tls, tmp_path, "wrong")
    with pytest.raises(MailError) as caught:
        mailer.send(_message())
    assert not isinstance(caught.value, MailRejectedError)
    assert server.messages == []


def test_starttls_refuses_a_certificate_no_trusted_authority_signed(
    smtp_server: Start, tls: tuple[ssl.SSLContext, str], tmp_path: Path
) -> None:
    context, _ = tls
    server = smtp_server(tls_context=context, require_starttls=True)
    with pytest.raises(MailError, match=r"CERTIFICATE_VERIFY_FAILED|certificate"):
        SmtpMailer(server.settings(tmp_path, smtp_tls="starttls"), timeout=5).send(_message())
    assert server.messages == []


def test_starttls_never_falls_back_to_plain_text(smtp_server: Start, tmp_path: Path) -> None:
    server = smtp_server()  # offers no STARTTLS
    with pytest.raises(MailError, match="STARTTLS"):
        SmtpMailer(server.settings(tmp_path, smtp_tls="starttls"), timeout=5).send(_message())
    assert server.messages == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls(smtp_server: Start, tls: tuple[ssl.SSLContext, str], tmp_path: Path) -> None:
    context, ca_file = tls
    # aiosmtpd only counts STARTTLS as TLS for AUTH; here the whole connection is TLS already.
    server = smtp_server(
        implicit_tls=context, authenticator=authenticator, auth_required=True, auth_require_tls=False
    )
    settings = server.settings(
        tmp_path, smtp_tls="implicit", smtp_ca_file=ca_file, smtp_user=USER, smtp_password=PASSWORD
    )
    SmtpMailer(settings, timeout=5).send(_message())
    assert len(server.messages) == 1


def test_credentials_never_cross_the_network_in_the_clear(tmp_path: Path) -> None:
    from newsstand.config import load_settings

    settings = load_settings({}).replace(
        smtp_host="mail.example.org", smtp_tls="none", smtp_user="u", smtp_password="p"
    )
    with pytest.raises(ConfigError, match="in the clear"):
        SmtpMailer(settings)


def test_a_busy_server_is_worth_retrying_and_an_unknown_recipient_is_not(
    smtp_server: Start, tmp_path: Path
) -> None:
    busy = smtp_server()
    busy.refuse.append("451 4.3.0 Try again later")
    mailer = SmtpMailer(busy.settings(tmp_path), timeout=5)
    with pytest.raises(MailError) as caught:
        mailer.send(_message())
    assert not isinstance(caught.value, MailRejectedError)
    mailer.send(_message())  # the server takes it now
    assert len(busy.messages) == 1

    unknown = smtp_server()
    unknown.recorder.refuse_rcpt = "550 5.1.1 No such mailbox"
    with pytest.raises(MailRejectedError):
        SmtpMailer(unknown.settings(tmp_path), timeout=5).send(_message())


def test_a_server_that_is_not_there_is_worth_retrying(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    from newsstand.config import load_settings

    settings = load_settings({}).replace(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none")
    with pytest.raises(MailError) as caught:
        SmtpMailer(settings, timeout=2).send(_message())
    assert not isinstance(caught.value, MailRejectedError)
