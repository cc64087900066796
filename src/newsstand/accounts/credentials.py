"""Email addresses, passwords and random tokens: the pure rules of credentials.

Passwords are hashed with Argon2id through argon2-cffi. Session and reset tokens
are 256-bit random strings; only their SHA-256 is stored, which is enough for
values that cannot be guessed (a slow hash is for low-entropy passwords).
"""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from newsstand.errors import InvalidFieldError

MIN_PASSWORD_LENGTH = 10
# Argon2 hashes any length, but a megabyte password is a denial of service, not a password.
MAX_PASSWORD_LENGTH = 1024
_MAX_EMAIL_LENGTH = 254
_LOCAL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalise_email(raw: str) -> str:
    """Return the address trimmed and lower-cased, or raise InvalidFieldError("email").

    The whole address is lower-cased: mail providers treat local parts case-blind in
    practice, and two accounts differing only in case would confuse everyone.
    """
    email = raw.strip().lower()
    if not email or len(email) > _MAX_EMAIL_LENGTH or email.count("@") != 1:
        raise InvalidFieldError("Enter an email address like name@example.org.", "email")
    local, domain = email.split("@")
    if not _LOCAL_RE.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        raise InvalidFieldError("The part before @ is not a valid mailbox name.", "email")
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidFieldError("The part after @ is not a valid domain.", "email") from exc
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_LABEL_RE.match(label) for label in labels):
        raise InvalidFieldError("The part after @ is not a valid domain.", "email")
    return f"{local}@{domain}"


def check_password_policy(password: str, email: str) -> None:
    """Raise InvalidFieldError("password") unless the password may be used for this email."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidFieldError(
            f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.", "password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidFieldError(f"Passwords are limited to {MAX_PASSWORD_LENGTH} characters.", "password")
    folded = password.strip().casefold()
    local = email.split("@", 1)[0].casefold()
    if folded in (email.casefold(), local):
        raise InvalidFieldError("Your password must not be your email address.", "password")


# OWASP's first Argon2id profile: 19 MiB, 2 passes, 1 lane. argon2-cffi's own default
# (64 MiB, 3 passes, 4 lanes) took ~10x longer here; see docs/decisions.md, "Accounts".
ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_PARALLELISM = 1


def default_hasher() -> PasswordHasher:
    """The Argon2id hasher for stored passwords; hashes made with other parameters are
    replaced at the reader's next sign-in."""
    return PasswordHasher(
        time_cost=ARGON2_TIME_COST,
        memory_cost=ARGON2_MEMORY_KIB,
        parallelism=ARGON2_PARALLELISM,
        type=Type.ID,
    )


def hash_password(hasher: PasswordHasher, password: str) -> str:
    return hasher.hash(password)


def verify_password(hasher: PasswordHasher, stored_hash: str, password: str) -> bool:
    """True when the password matches; False for a mismatch or an unreadable hash."""
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> tuple[str, str]:
    """A fresh random token and the hash to store for it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# API tokens carry a recognisable prefix, so a token pasted somewhere public is easy to spot
# (secret scanners look for such prefixes) and never mistaken for a session cookie.
API_TOKEN_PREFIX = "nsk_"  # noqa: S105 (a prefix, not a secret)
MAX_TOKEN_NAME = 100


def new_api_token() -> tuple[str, str]:
    """A fresh API token (256 random bits after the prefix) and the hash to store for it."""
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_name(raw: str) -> str:
    """A token's name, trimmed. Raises InvalidFieldError("name") when empty or too long."""
    name = " ".join(raw.split())
    if not name:
        raise InvalidFieldError("Give the token a name, such as the app it is for.", "name")
    if len(name) > MAX_TOKEN_NAME:
        raise InvalidFieldError(f"A token's name is at most {MAX_TOKEN_NAME} characters.", "name")
    return name
