"""Keep secrets out of the access log.

Reader apps may send an app password, a Fever key or an Auth token in the query string
(``/accounts/ClientLogin?Email=..&Passwd=..``, ``/fever/?api&api_key=..``), and the server's
access log writes every request line. This filter blanks those values in the line before
any handler sees it, whichever server runs the app.
"""

from __future__ import annotations

import logging
import re

SECRET_PARAMS = re.compile(r"(?i)(?<![A-Za-z0-9_])(passwd|password|api_key|auth|T)=[^&\s\"]*")
ACCESS_LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn")


def redact(text: str) -> str:
    return SECRET_PARAMS.sub(lambda m: f"{m.group(1)}=[hidden]", text)


class RedactSecrets(logging.Filter):
    """Blanks secret query parameters in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install() -> None:
    """Put the filter on the server's loggers (once each)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
