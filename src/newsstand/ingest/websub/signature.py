"""HMAC signatures on pushed content (WebSub section 8): ``X-Hub-Signature: method=hex``.

A push whose signature is missing, malformed, made with another secret or with a
method outside sha1/sha256/sha384/sha512 does not verify. The comparison is
constant-time so timing reveals nothing about the expected digest.
"""

from __future__ import annotations

import hashlib
import hmac

from newsstand.errors import InvalidDataError

METHODS = frozenset({"sha1", "sha256", "sha384", "sha512"})
HEADER = "X-Hub-Signature"


def sign(body: bytes, secret: str, method: str = "sha256") -> str:
    """The ``X-Hub-Signature`` value for ``body``. Raises InvalidDataError for another method."""
    if method not in METHODS:
        raise InvalidDataError(f"unsupported WebSub signature method {method!r}")
    return f"{method}={hmac.new(secret.encode('utf-8'), body, method).hexdigest()}"


def verify_signature(header: str | None, body: bytes, secret: str) -> bool:
    """True only when ``header`` is a valid signature of ``body`` with ``secret``."""
    if not header or not secret:
        return False
    method, sep, given = header.strip().partition("=")
    method = method.strip().lower()
    if not sep or method not in METHODS:
        return False
    expected = hmac.new(secret.encode("utf-8"), body, getattr(hashlib, method)).hexdigest()
    # Compare bytes: a non-ASCII header must fail, not raise from compare_digest.
    return hmac.compare_digest(expected.encode("ascii"), given.strip().lower().encode("utf-8"))
