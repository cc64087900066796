"""The id of the web request being served, for log lines (a context variable: each request,
and the threads it starts through Starlette, sees its own)."""

from __future__ import annotations

from contextvars import ContextVar

REQUEST_ID: ContextVar[str] = ContextVar("newsstand_request_id", default="")


def current_request_id() -> str:
    return REQUEST_ID.get()
