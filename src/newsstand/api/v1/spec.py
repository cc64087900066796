"""Route declarations and the OpenAPI document made from them.

Every operation is declared once, as an ``Operation``: its method and path, its parameters
(``Param``: how each is parsed and checked), who may call it, the dataclass it answers with,
and the handler. The router (``app.py``) serves exactly these declarations and this module
writes the OpenAPI 3.1 document from them, with the answer types turned into JSON Schema by
msgspec (the same library encodes the answers), so the document cannot promise what the
handlers do not do.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from newsstand.api.v1.views import ErrorBody
from newsstand.app import Services
from newsstand.app.tokens import TokenViewer
from newsstand.errors import AuthenticationError, InvalidParameterError
from newsstand.model import Reader, utc

API_VERSION = "1.0.0"
# Stored ids are 32-bit (PostgreSQL's integer, which refuses to be compared with larger numbers).
MAX_ID = 2**31 - 1
_PATH_PARAM = re.compile(r"\{([a-z_]+)\}")


class Auth(enum.Enum):
    """Who may call an operation."""

    OPTIONAL = "optional"  # anyone; with a token the answer is the reader's (paywall, saved)
    REQUIRED = "required"  # a reader's API token only


@dataclass(frozen=True, slots=True)
class Param:
    """One path or query parameter: how it is parsed and what the document says of it."""

    name: str
    where: str  # "path" or "query"
    kind: type  # int, str or datetime
    description: str
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    enum: tuple[str, ...] = ()
    default: int | str | None = None
    date_only: bool = False  # a str holding an ISO date (yyyy-mm-dd)

    def schema(self) -> dict[str, Any]:
        """The parameter's JSON Schema."""
        if self.kind is int:
            schema: dict[str, Any] = {"type": "integer"}
            if self.minimum is not None:
                schema["minimum"] = self.minimum
            if self.maximum is not None:
                schema["maximum"] = self.maximum
        elif self.kind is datetime:
            schema = {"type": "string", "format": "date-time"}
        else:
            schema = {"type": "string", "minLength": 1}
            if self.date_only:
                schema["format"] = "date"
            if self.max_length is not None:
                schema["maxLength"] = self.max_length
            if self.enum:
                schema = {"type": "string", "enum": list(self.enum)}
        if self.default is not None:
            schema["default"] = self.default
        return schema

    def parse(self, raw: str | None) -> Any:
        """The parameter's value from the request (its default when absent). Raises
        InvalidParameterError naming the parameter when it is missing or malformed."""
        if raw is None:
            if self.required:
                raise InvalidParameterError(f"{self.name} is required", self.name)
            return self.default
        if self.kind is int:
            return self._integer(raw)
        if self.kind is datetime:
            try:
                value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace("z", "+00:00"))
            except ValueError as exc:
                raise InvalidParameterError(f"{self.name} must be an RFC 3339 date-time", self.name) from exc
            if value.tzinfo is None:
                raise InvalidParameterError(f"{self.name} must give a time zone offset", self.name)
            return utc(value)
        return self._text(raw)

    def _integer(self, raw: str) -> int:
        text = raw.strip()
        digits = text[1:] if text.startswith("-") else text
        if not digits.isascii() or not digits.isdigit() or len(digits) > 19:
            raise InvalidParameterError(f"{self.name} must be an integer", self.name)
        value = int(text)
        low = self.minimum if self.minimum is not None else -MAX_ID
        high = self.maximum if self.maximum is not None else MAX_ID
        if not low <= value <= high:
            raise InvalidParameterError(f"{self.name} must be from {low} to {high}", self.name)
        return value

    def _text(self, raw: str) -> str:
        if not raw or (self.max_length is not None and len(raw) > self.max_length):
            limit = self.max_length or 0
            raise InvalidParameterError(f"{self.name} must be 1 to {limit} characters", self.name)
        if self.enum and raw not in self.enum:
            raise InvalidParameterError(f"{self.name} must be one of {', '.join(self.enum)}", self.name)
        if self.date_only and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise InvalidParameterError(f"{self.name} must be a date (yyyy-mm-dd)", self.name)
        return raw


@dataclass(frozen=True, slots=True)
class Call:
    """An API request as a handler sees it: the services, the parsed parameters, the caller."""

    services: Services
    params: dict[str, Any]
    viewer: TokenViewer | None

    @property
    def reader(self) -> Reader:
        """The token's reader. Raises AuthenticationError without one (the router checks first)."""
        if self.viewer is None:
            raise AuthenticationError("this needs an API token")
        return self.viewer.reader


@dataclass(frozen=True, slots=True)
class Operation:
    """One declared API operation. ``handler`` is blocking (run in a worker thread) and returns
    an instance of ``answer``, or None when ``answer`` is None (204 No Content)."""

    id: str
    method: str
    path: str
    tag: str
    summary: str
    handler: Callable[[Call], Any]
    answer: type | None
    params: tuple[Param, ...] = ()
    auth: Auth = Auth.OPTIONAL
    not_found: bool = False  # the answer may be 404 (an id or name that is not there)
    description: str = ""

    def path_params(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)


# --- parameters several operations share -----------------------------------------------------


def limit_param(default: int = 20, maximum: int = 100) -> Param:
    return Param("limit", "query", int, "Items per page.", minimum=1, maximum=maximum, default=default)


CURSOR = Param("cursor", "query", str, "Opaque: the next_cursor of the page before.", max_length=500)
ARTICLE_ID = Param("article_id", "path", int, "An article's id.", required=True, minimum=1, maximum=MAX_ID)


# --- the document ----------------------------------------------------------------------------

_COMMON = {
    "401": "No token, or a token that is unknown or revoked.",
    "429": "Too many requests from this token or address: wait Retry-After seconds.",
    "503": "The news store is not answering; try again shortly.",
}


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    if headers:
        response["headers"] = headers
    return response


def _responses(op: Operation, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    rate_headers = {
        "RateLimit-Limit": {"schema": {"type": "integer"}, "description": "Requests allowed a minute."},
        "RateLimit-Remaining": {"schema": {"type": "integer"}, "description": "Requests left now."},
    }
    if op.answer is None:
        responses["204"] = {"description": "Done.", "headers": rate_headers}
    else:
        content = {"application/json": {"schema": ref(op.answer)}}
        responses["200"] = {
            "description": op.answer.__doc__ or "OK",
            "content": content,
            "headers": rate_headers,
        }
    if op.params:
        responses["400"] = _error("A parameter or cursor is malformed: details.parameter names it.")
    responses["401"] = _error(
        _COMMON["401"], {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}}
    )
    if op.not_found or op.path_params():
        # A path parameter the router cannot take (a "/" in it, say) names no path at all.
        responses["404"] = _error("Not found: details.what says what was not.")
    responses["429"] = _error(
        _COMMON["429"], {"Retry-After": {"schema": {"type": "integer"}, "required": True}}
    )
    responses["503"] = _error(_COMMON["503"])
    return responses


def _operation(op: Operation, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.id,
        "tags": [op.tag],
        "summary": op.summary,
        "responses": _responses(op, ref),
        "security": [{"token": []}] if op.auth is Auth.REQUIRED else [{}, {"token": []}],
    }
    if op.description:
        doc["description"] = op.description
    if op.params:
        doc["parameters"] = [
            {
                "name": p.name,
                "in": p.where,
                "required": p.required or p.where == "path",
                "description": p.description,
                "schema": p.schema(),
            }
            for p in op.params
        ]
    return doc


def document(operations: Sequence[Operation], description: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``operations``; paths are relative to the server URL /api/v1."""
    answers = sorted({op.answer for op in operations if op.answer is not None}, key=lambda t: t.__name__)
    schemas, components = msgspec.json.schema_components(
        [ErrorBody, *answers], ref_template="#/components/schemas/{name}"
    )
    refs = dict(zip([ErrorBody, *answers], schemas, strict=True))
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, refs.__getitem__)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Newsstand API", "version": API_VERSION, "description": description},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A reader's API token (made on the account page or with "
                    "`newsstand tokens create`), sent as `Authorization: Bearer <token>`.",
                }
            },
        },
    }
