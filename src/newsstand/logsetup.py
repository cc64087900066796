"""Logging for long-running commands: text for a terminal, or one JSON object a line
(``log_format = "json"``) carrying the request id of the web request that logged it."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from newsstand.config import Settings
from newsstand.requestid import current_request_id


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id:
            data["request_id"] = request_id
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = current_request_id()
        return f"{line} [request {request_id}]" if request_id else line


def setup_logging(settings: Settings) -> None:
    """Send every log record to stderr in the chosen format, at ``log_level``."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # The AMQP client says every connection step at INFO: only its problems are news.
    logging.getLogger("pika").setLevel(max(logging.WARNING, root.level))
