"""SMTP delivery: STARTTLS or implicit TLS with certificate checks, and a sign-in.

``smtp_tls`` picks how the connection is protected: ``starttls`` (the default, port 587)
upgrades a plain connection and refuses to go on when the server does not offer it,
``implicit`` speaks TLS from the first byte (port 465), ``none`` sends in the clear and is
only allowed to a loopback relay when credentials would go with it. Certificates are
checked against the system's authorities, or ``smtp_ca_file`` for a private relay.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from email.message import EmailMessage

from newsstand.config import Settings
from newsstand.errors import ConfigError, MailError, MailRejectedError
from newsstand.mail.message import Mailer
from newsstand.mail.outbox import OutboxMailer, outbox_folder

TLS_MODES = ("starttls", "implicit", "none")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SmtpMailer:
    """Sends each message over one SMTP connection of its own."""

    def __init__(self, settings: Settings, timeout: float = 30.0) -> None:
        """Raises ConfigError when credentials would cross the network unencrypted."""
        if settings.smtp_tls == "none" and settings.smtp_user and not _is_loopback(settings.smtp_host):
            raise ConfigError(
                "smtp_tls is none but smtp_user is set: the password would cross the network "
                "in the clear; use starttls or implicit",
                "smtp_tls",
            )
        self.settings = settings
        self.timeout = timeout

    def _tls_context(self) -> ssl.SSLContext:
        cafile = self.settings.smtp_ca_file or None
        try:
            return ssl.create_default_context(cafile=cafile)
        except (OSError, ssl.SSLError) as exc:
            raise MailError(f"cannot read smtp_ca_file {cafile}: {exc}") from exc

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_tls == "implicit":
            context = self._tls_context()
            return smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout)
        if s.smtp_tls == "starttls":
            try:
                smtp.starttls(context=self._tls_context())
            except BaseException:
                smtp.close()
                raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Hand the message to the server. Raises MailRejectedError when the server refuses
        it for good (5xx for its recipients or content), MailError for anything worth
        trying again (connection, TLS, sign-in, a busy server)."""
        s = self.settings
        where = f"{s.smtp_host}:{s.smtp_port}"
        try:
            with self._connect() as smtp:
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(code >= 500 for code in codes):
                raise MailRejectedError(f"{where} refused every recipient: {exc.recipients}") from exc
            raise MailError(f"{where} refused recipients for now: {exc.recipients}") from exc
        except smtplib.SMTPDataError as exc:
            error = MailRejectedError if exc.smtp_code >= 500 else MailError
            raise error(f"{where} refused the message: {exc.smtp_code} {exc.smtp_error!r}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"cannot send mail through {where}: {exc}") from exc


def mailer_from_settings(settings: Settings) -> Mailer:
    """SMTP when ``smtp_host`` is set, else the outbox folder (the development default)."""
    if settings.smtp_host:
        return SmtpMailer(settings)
    return OutboxMailer(outbox_folder(settings))
