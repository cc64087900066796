"""The one exception tree.

Grouped by what a caller can do about an error, as httpx does: a caller that
only cares that a feed failed catches ``FeedError``; one that retries on
timeouts catches ``FetchTimeoutError``. Adapters translate library errors
here with ``raise ... from``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class NewsstandError(Exception):
    """Base of every error Newsstand raises on purpose."""


# --- configuration ---------------------------------------------------------------


class ConfigError(NewsstandError):
    """A setting is missing, malformed or inconsistent."""

    def __init__(self, message: str, setting: str = "") -> None:
        super().__init__(message)
        self.setting = setting


# --- data validity -----------------------------------------------------------------


class InvalidDataError(NewsstandError, ValueError):
    """A value handed to Newsstand breaks a domain rule."""


# --- storage -----------------------------------------------------------------------


class StorageError(NewsstandError):
    """The database failed or refused an operation."""


class TransferError(StorageError):
    """A backup, restore or copy between databases cannot go ahead: the file is not a
    Newsstand backup or is incomplete, the target already holds data, or the two
    schemas differ. Nothing was written."""


class NotFoundError(StorageError):
    """The thing asked for does not exist."""

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} not found: {key!r}")
        self.what = what
        self.key = key


class ConflictError(StorageError):
    """The thing to create exists already (a duplicate publisher id, feed URL, email)."""

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} already exists: {key!r}")
        self.what = what
        self.key = key


class BusyError(StorageError):
    """Someone else holds what was asked for (a feed another worker polls, a host at its limit);
    try again after ``retry_after`` seconds."""

    def __init__(self, what: str, key: object, retry_after: float = 1.0) -> None:
        super().__init__(f"{what} is busy: {key!r}")
        self.what = what
        self.key = key
        self.retry_after = retry_after


class BrokerError(NewsstandError):
    """The task broker cannot be reached or refused a message."""


class SearchQueryError(StorageError):
    """A search query could not be understood (bad cursor, empty query, bad filter)."""


class InvalidCursorError(InvalidDataError):
    """A page cursor is malformed, belongs to another listing, or names something gone since."""


# --- catalog and OPML ----------------------------------------------------------------


class CatalogError(NewsstandError):
    """A catalog or OPML file is malformed, hostile or inconsistent."""

    def __init__(self, message: str, source: str = "") -> None:
        super().__init__(f"{source}: {message}" if source else message)
        self.source = source


# --- fetching and parsing feeds and pages -----------------------------------------------


class FetchError(NewsstandError):
    """Fetching a URL failed. ``url`` is the URL asked for."""

    def __init__(self, message: str, url: str) -> None:
        super().__init__(f"{message} ({url})")
        self.url = url
        self.reason = message


class BlockedAddressError(FetchError):
    """The URL resolves to an address we refuse to connect to (SSRF guard)."""


class UnsupportedURLError(FetchError):
    """Not an http or https URL."""


class FetchTimeoutError(FetchError):
    """Connect, read or total time ran out."""


class NetworkError(FetchError):
    """DNS failure, refused connection, TLS failure and the like."""


class TooLargeError(FetchError):
    """The (decompressed) body passed the byte cap."""


class TooManyRedirectsError(FetchError):
    pass


class HTTPStatusError(FetchError):
    """The server answered with an error status."""

    def __init__(self, message: str, url: str, status: int, retry_after: float | None = None):
        super().__init__(message, url)
        self.status = status
        self.retry_after = retry_after


class GoneError(HTTPStatusError):
    """410 Gone: the feed was removed for good."""


class ParseError(NewsstandError):
    """Bytes could not be read as a feed or page."""

    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(f"{message} ({url})" if url else message)
        self.url = url
        self.reason = message


class FeedParseError(ParseError):
    pass


class ExtractionError(ParseError):
    """A page's article could not be extracted."""


# --- accounts ----------------------------------------------------------------------------


class AccountError(NewsstandError):
    pass


class AuthenticationError(AccountError):
    """Wrong email or password, or an expired or forged token."""


class RateLimitedError(AccountError):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermissionDeniedError(AccountError):
    pass


class InvalidFieldError(AccountError, InvalidDataError):
    """A form value breaks a rule (email syntax, password policy); ``field`` names the field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class MembershipError(AccountError):
    """A membership change that the reader's current membership does not allow
    (a second free trial, extending a membership that does not exist)."""


class MailError(NewsstandError):
    """Mail could not be written to the outbox or handed to the SMTP server. Worth trying
    again later (the server was down, busy or refused the sign-in)."""


class MailRejectedError(MailError):
    """The SMTP server refused the message for good (an unknown recipient, a message it will
    never take): trying again cannot help."""


# --- payments ------------------------------------------------------------------------------


class PaymentError(NewsstandError):
    """The payment provider failed or refused a request (checkout, customer portal)."""


class WebhookSignatureError(PaymentError):
    """A webhook's signature is missing, forged or too old: its payload must not be trusted."""


class WebhookPayloadError(PaymentError):
    """A signed webhook's payload cannot be read as an event."""


# --- web reader ----------------------------------------------------------------------------


class WebError(NewsstandError):
    """A request to the web reader cannot be served as asked."""


class CsrfError(WebError):
    """A form arrived without a valid CSRF token."""


class BadRequestError(WebError, ValueError):
    """A request's parameters or form fields are malformed."""


class InvalidParameterError(BadRequestError):
    """A request parameter is missing or malformed; ``parameter`` names it."""

    def __init__(self, message: str, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter


class SignInRequiredError(WebError):
    """The page is for signed-in readers; the web app answers with a redirect to sign in."""


# --- answering from memory -----------------------------------------------------------


class WouldBlock(NewsstandError):
    """Raised inside ``memory_only()`` by anything that would wait: a read or write of storage,
    or a cached value that must be made first. The caller then does the same work where
    waiting is allowed (a web handler: in a worker thread)."""


_MEMORY_ONLY: ContextVar[bool] = ContextVar("newsstand_memory_only", default=False)


@contextmanager
def memory_only() -> Iterator[None]:
    """Run a block that must answer from memory alone: storage and cache misses raise WouldBlock.
    A web handler tries a page this way on the event loop before paying for a thread."""
    token = _MEMORY_ONLY.set(True)
    try:
        yield
    finally:
        _MEMORY_ONLY.reset(token)


@contextmanager
def waiting_allowed() -> Iterator[None]:
    """Undo ``memory_only()`` for a block (work handed to a background thread with the
    caller's context variables)."""
    token = _MEMORY_ONLY.set(False)
    try:
        yield
    finally:
        _MEMORY_ONLY.reset(token)


def refuse_to_wait(what: str) -> None:
    """Raise WouldBlock when called inside ``memory_only()``; ``what`` says what would wait."""
    if _MEMORY_ONLY.get():
        raise WouldBlock(what)


def is_memory_only() -> bool:
    """Whether the caller runs inside ``memory_only()``."""
    return _MEMORY_ONLY.get()
