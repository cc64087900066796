"""Accounts as a service: sign-up, sign-in, sessions, password reset and account changes.

Every front end (the web reader, the CLI, the APIs to come) signs readers in and
out through ``AccountService``; the rules themselves (email and password policy,
tokens, rate limits, the first trial) are the pure functions in ``newsstand.accounts``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from argon2 import PasswordHasher

from newsstand.accounts import credentials as cred
from newsstand.accounts import membership as ms
from newsstand.accounts import ratelimit
from newsstand.app.attempts import AttemptLimits
from newsstand.app.cache import SharedCache, TtlCache
from newsstand.app.mailing import SITE, MailService
from newsstand.config import Settings
from newsstand.errors import (
    AuthenticationError,
    ConflictError,
    InvalidDataError,
    InvalidFieldError,
    NotFoundError,
)
from newsstand.mail import email_verification, password_reset, signup_attempt
from newsstand.model import Membership, Reader, Role, SessionGrant, SessionRecord, utc
from newsstand.store.base import MembershipStore, ProfileStore, ReaderStore
from newsstand.timezones import checked_zone, zone

RESET_TOKEN_LIFETIME = timedelta(hours=1)
VERIFY_TOKEN_LIFETIME = timedelta(days=3)
SESSION_MEMORY = 5.0


def session_memory(settings: Settings) -> float:
    """Seconds a looked-up session is remembered."""
    return min(SESSION_MEMORY, settings.home_cache_seconds)


_WRONG = "Wrong email or password."
# Verified against when the email is unknown, so a miss costs as much time as a hit.
_DUMMY_PASSWORD = "not a real password, only a timing equaliser"  # noqa: S105


class AccountsStore(ReaderStore, MembershipStore, ProfileStore, Protocol):
    """What the account service reads and writes."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is reading this request: the reader and their membership, found with the session."""

    reader: Reader
    membership: Membership | None
    token: str


class AccountService:
    """Sign-up, sign-in, sessions, reset and account changes. Times come from ``clock`` (aware UTC)."""

    def __init__(
        self,
        store: AccountsStore,
        settings: Settings,
        mail: MailService,
        hasher: PasswordHasher,
        clock: Callable[[], datetime],
        sessions: SharedCache | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.mail = mail
        self.hasher = hasher
        self.clock = clock
        self._dummy_hash: str | None = None
        self.sleep: Callable[[float], None] = time.sleep  # how a slowed sign-in waits (tests record it)
        self.limits = AttemptLimits(store, settings, clock)
        # Every signed-in request looks its session up; a few seconds' memory of the answer saves
        # two queries a page. Changes made here forget it at once; a change made by another
        # process (a membership granted, a session revoked) shows within SESSION_MEMORY seconds.
        # With a cache shared by processes (``cache_url``) a change made anywhere shows at once.
        self._sessions: SharedCache = (
            sessions if sessions is not None else TtlCache(session_memory(settings), max_entries=10_000)
        )

    def now(self) -> datetime:
        return utc(self.clock())

    # --- sign-up and sign-in ---------------------------------------------------------

    def sign_up(
        self,
        email: str,
        password: str,
        *,
        display_name: str = "",
        address: str = "",
        start_trial: bool = True,
        role: Role = Role.READER,
        time_zone: str = "",
        base_url: str = "",
    ) -> Reader:
        """Create an account in ``time_zone`` (the browser's; an unknown one falls back to the
        site's default); a reader starts the free trial at once unless told not to, and is
        mailed a link to confirm the address (links start with ``base_url`` when the setting
        gives none).

        Raises InvalidFieldError (email syntax, password policy), ConflictError when
        the email is registered already, and RateLimitedError when ``address`` (the
        client's) has created accounts too fast.
        """
        normalised = cred.normalise_email(email)
        cred.check_password_policy(password, normalised)
        if address:
            keys = [ratelimit.signup_key(address)]
            self.limits.check(keys)
            self.limits.record(keys)
        now = self.now()
        days = self.settings.trial_days
        trial = None
        if start_trial and role is Role.READER:
            # the account and its trial are stored in one transaction: never one without the other
            def trial(reader_id: int) -> Membership:
                return ms.start_trial(None, reader_id, now, days)

        reader = self.store.add_reader(
            normalised,
            cred.hash_password(self.hasher, password),
            now,
            role,
            display_name.strip()[:100],
            first_membership=trial,
            time_zone=checked_zone(time_zone, ""),
        )
        self.send_verification(reader, base_url=base_url)
        return reader

    def register(
        self,
        email: str,
        password: str,
        *,
        display_name: str = "",
        address: str = "",
        time_zone: str = "",
        base_url: str = "",
    ) -> Reader | None:
        """Sign-up for front ends that must not reveal which emails have accounts: a new
        address gets its account (trial started, confirmation link mailed, as ``sign_up``);
        an address with an account already gets a mail telling its owner how to sign in or
        reset the password, and nothing changes. Either way the caller answers the same.
        Returns the new reader, or None. Raises InvalidFieldError and RateLimitedError (both
        say nothing about other accounts)."""
        try:
            return self.sign_up(
                email,
                password,
                display_name=display_name,
                address=address,
                time_zone=time_zone,
                base_url=base_url,
            )
        except ConflictError:
            owner = self.store.get_reader_by_email(cred.normalise_email(email))
            composed = signup_attempt(
                self.mail.recipient(owner),
                self.mail.link("/signin", base_url),
                self.mail.link("/account/reset", base_url),
                site=SITE,
            )
            self.mail.queue(composed)
            return None

    def confirm_and_sign_in(self, token: str, address: str = "") -> SessionGrant:
        """Follow the link mailed at sign-up from a browser that is not signed in: the address
        is confirmed and a session opens (the link went to the address's owner, like a reset
        link, and works once). Raises AuthenticationError for an unknown, used or expired link."""
        reader = self.verify_email(token)
        return self._open_session(reader, address)

    def sign_in(self, email: str, password: str, *, address: str = "") -> SessionGrant:
        """Check the password and open a session, in the same time whether the email has an
        account or not (an unknown one is checked against a dummy hash).

        Too many failures in a minute block the address (for every account) and the pair of
        account and address; failures of one account from everywhere only slow its sign-ins
        (``ratelimit.slowdown``), so strangers cannot lock its owner out. Without an address
        (a local caller) the account's own count blocks. Raises AuthenticationError for a wrong
        email or password and RateLimitedError when blocked.
        """
        try:
            normalised = cred.normalise_email(email)
        except InvalidFieldError as exc:
            raise AuthenticationError(_WRONG) from exc
        failures, wait = self.limits.before_sign_in(normalised, address)
        if wait > 0:
            self.sleep(wait)
        reader, stored = self._lookup(normalised)
        matches = cred.verify_password(self.hasher, stored, password)  # the dummy hash too
        if reader is None or not matches:
            self.limits.record(failures)
            raise AuthenticationError(_WRONG)
        if self.hasher.check_needs_rehash(stored):
            self.store.set_password_hash(reader.id, cred.hash_password(self.hasher, password))
        # Sign-ins are rare enough to carry the housekeeping of expired sessions.
        self.store.purge_expired_sessions(self.now())
        return self._open_session(reader, address)

    def viewer(self, token: str | None) -> Viewer | None:
        """The signed-in reader with their membership for a cookie token, in one read; None
        when the token is missing, expired or revoked."""
        if not token:
            return None
        hashed = cred.token_hash(token)
        found = self._sessions.get(hashed)
        if found is None:
            try:
                found = self.store.session_reader(hashed)
            except NotFoundError:
                return None
            self._sessions.put(hashed, found)
        record, reader, membership = found
        if record.expires <= self.now():
            self._sessions.clear()
            self.store.delete_session(record.token_hash)
            return None
        return Viewer(reader, membership, token)

    def remembered_viewer(self, token: str) -> Viewer | None:
        """The viewer for ``token`` if this process remembers it (no I/O: safe to call from an
        event loop); None when it must be looked up with ``viewer``."""
        if not isinstance(self._sessions, TtlCache):
            return None  # kept in Redis: a look-up is I/O, made in a thread by ``viewer``
        found = self._sessions.get(cred.token_hash(token))
        if found is None or found[0].expires <= self.now():
            return None
        return Viewer(found[1], found[2], token)

    def reader_for_session(self, token: str | None) -> Reader | None:
        """The signed-in reader for a cookie token; None when missing, expired or revoked."""
        found = self.viewer(token)
        return found.reader if found else None

    def sign_out(self, token: str | None) -> None:
        if token:
            self.store.delete_session(cred.token_hash(token))
            self._sessions.clear()

    def forget_sessions(self) -> None:
        """Drop what this process remembers of sessions (after a change to a reader)."""
        self._sessions.clear()

    # --- password reset -------------------------------------------------------------

    def request_password_reset(self, email: str, *, address: str = "", base_url: str = "") -> None:
        """Mail a single-use reset link valid for an hour, if the email has an account.

        Says nothing about whether it does. The link starts with the ``base_url``
        setting when set (a request's Host header can be forged to point reset links
        elsewhere), else with the ``base_url`` given, else with host and port. The mail is
        queued with the token and sent by the service loop's delivery.
        Raises RateLimitedError after too many requests for the account or from the
        address in a minute, MailError for an address that cannot be a mail header.
        """
        try:
            normalised = cred.normalise_email(email)
        except InvalidFieldError:
            return
        keys = self._limit_keys(normalised, address)
        self.limits.check(keys)
        self.limits.record(keys)  # every request counts: each one sends a mail
        reader, _ = self._lookup(normalised)
        if reader is None:
            return
        token, hashed = cred.new_token()
        now = self.now()
        expires = now + RESET_TOKEN_LIFETIME
        link = self.mail.link(f"/account/reset/{token}", base_url)
        composed = password_reset(self.mail.recipient(reader), link, expires, site=SITE)
        # The token and its mail are stored together: no link is mailed for a token never kept.
        self.store.add_reset_token(hashed, reader.id, now, expires, [self.mail.outgoing(composed)])

    def reset_link_usable(self, token: str) -> bool:
        """Whether a reset link's token is known, unused and unexpired (the page then offers
        the form; otherwise it says so at once)."""
        if not token or len(token) > 200:
            return False
        try:
            _, expires = self.store.peek_reset_token(cred.token_hash(token))
        except NotFoundError:
            return False
        return expires > self.now()

    def reset_password(self, token: str, new_password: str) -> Reader:
        """Set a new password with a reset token and sign the reader out everywhere.

        Raises AuthenticationError for an unknown, used or expired token, and
        InvalidFieldError("password") when the new password breaks the policy. A
        policy failure does not use up the token.
        """
        hashed = cred.token_hash(token)
        try:
            reader_id, expires = self.store.peek_reset_token(hashed)
        except NotFoundError as exc:
            raise AuthenticationError("This reset link is not valid. Ask for a new one.") from exc
        if expires <= self.now():
            self.store.take_reset_token(hashed)
            raise AuthenticationError("This reset link has expired. Ask for a new one.")
        reader = self.store.get_reader(reader_id)
        cred.check_password_policy(new_password, reader.email)
        try:
            self.store.take_reset_token(hashed)  # one winner when two tabs race
        except NotFoundError as exc:
            raise AuthenticationError("This reset link has been used already.") from exc
        self.store.set_password_hash(reader.id, cred.hash_password(self.hasher, new_password))
        self.store.delete_sessions(reader.id)
        self._sessions.clear()
        return reader

    # --- account changes --------------------------------------------------------------

    def change_email(
        self, reader_id: int, current_password: str, new_email: str, *, base_url: str = ""
    ) -> Reader:
        """Change the address; the new one is unconfirmed until the link mailed to it is
        followed. Raises AuthenticationError for a wrong password, InvalidFieldError("email")
        and ConflictError when another account has the address."""
        self._require_password(reader_id, current_password)
        normalised = cred.normalise_email(new_email)
        self.store.set_reader_email(reader_id, normalised)
        self._sessions.clear()
        reader = self.store.get_reader(reader_id)
        self.send_verification(reader, base_url=base_url)
        return reader

    # --- the confirmed address and the time zone ------------------------------------------

    def send_verification(self, reader: Reader, *, base_url: str = "") -> None:
        """Mail the reader a link confirming their address, valid for three days."""
        token, hashed = cred.new_token()
        now = self.now()
        expires = now + VERIFY_TOKEN_LIFETIME
        link = self.mail.link(f"/account/verify/{token}", base_url)
        composed = email_verification(self.mail.recipient(reader), link, expires, site=SITE)
        self.store.add_email_token(
            hashed, reader.id, reader.email, now, expires, [self.mail.outgoing(composed)]
        )

    def resend_verification(self, reader_id: int, *, base_url: str = "") -> bool:
        """Mail a new confirmation link unless the address is confirmed already; whether one went.
        Raises RateLimitedError when asked too often (each request sends a mail)."""
        reader = self.store.get_reader(reader_id)
        if reader.email_verified is not None:
            return False
        keys = [f"verify:{reader_id}"]
        self.limits.check(keys)
        self.limits.record(keys)
        self.send_verification(reader, base_url=base_url)
        return True

    def verify_email(self, token: str) -> Reader:
        """Confirm an address with the mailed token. Raises AuthenticationError for an unknown,
        used or expired link, or one sent to an address the account no longer has."""
        try:
            reader_id = self.store.verify_email(cred.token_hash(token), self.now())
        except NotFoundError as exc:
            raise AuthenticationError("This confirmation link is not valid any more.") from exc
        self._sessions.clear()
        return self.store.get_reader(reader_id)

    def set_time_zone(self, reader_id: int, time_zone: str) -> Reader:
        """Show the reader's times in ``time_zone`` (an IANA name). Raises
        InvalidFieldError("time_zone") for a name the zone database does not know."""
        try:
            name = zone(time_zone).key
        except InvalidDataError as exc:
            raise InvalidFieldError(str(exc), "time_zone") from exc
        self.store.set_reader_time_zone(reader_id, name)
        self._sessions.clear()
        return self.store.get_reader(reader_id)

    def change_password(
        self, reader_id: int, current_password: str, new_password: str, *, keep_token: str | None = None
    ) -> None:
        """Set a new password and end every session except ``keep_token``'s.

        Raises AuthenticationError and InvalidFieldError("new_password").
        """
        reader = self._require_password(reader_id, current_password)
        try:
            cred.check_password_policy(new_password, reader.email)
        except InvalidFieldError as exc:
            raise InvalidFieldError(str(exc), "new_password") from exc
        self.store.set_password_hash(reader_id, cred.hash_password(self.hasher, new_password))
        keep = cred.token_hash(keep_token) if keep_token else None
        self.store.delete_sessions(reader_id, keep=keep)
        self._sessions.clear()

    def delete_account(self, reader_id: int, current_password: str) -> None:
        """A reader deletes their own account. Raises AuthenticationError."""
        self._require_password(reader_id, current_password)
        self.delete_reader(reader_id)

    def delete_reader(self, reader_id: int) -> None:
        """Delete an account and its data; reading records stay, under a random pseudonym.
        Raises NotFoundError."""
        email = self.store.get_reader(reader_id).email
        # The sign-in attempts are keyed by the address: they go with the account.
        keys = self._limit_keys(email, "")
        per_address = ratelimit.account_address_key(email, "")  # the address follows the email
        self.store.delete_reader(
            reader_id,
            pseudonym=f"deleted:{secrets.token_hex(12)}",
            attempt_keys=keys,
            attempt_prefixes=[per_address],
        )
        self._sessions.clear()
        self.mail.forget_recipient(email)

    def get_reader(self, reader_id: int) -> Reader:
        return self.store.get_reader(reader_id)

    def get_reader_by_email(self, email: str) -> Reader:
        """Raises InvalidFieldError for a malformed address and NotFoundError."""
        return self.store.get_reader_by_email(cred.normalise_email(email))

    def list_readers(self) -> list[Reader]:
        return self.store.list_readers()

    def set_role(self, reader_id: int, role: Role) -> Reader:
        self.store.set_reader_role(reader_id, role)
        self._sessions.clear()
        return self.store.get_reader(reader_id)

    def set_password(self, reader_id: int, new_password: str) -> None:
        """Operator's password set (CLI): the policy applies, every session ends."""
        reader = self.store.get_reader(reader_id)
        cred.check_password_policy(new_password, reader.email)
        self.store.set_password_hash(reader_id, cred.hash_password(self.hasher, new_password))
        self.store.delete_sessions(reader_id)
        self._sessions.clear()

    # --- helpers ------------------------------------------------------------------------

    def _open_session(self, reader: Reader, address: str) -> SessionGrant:
        token, hashed = cred.new_token()
        now = self.now()
        expires = now + timedelta(days=self.settings.session_days)
        self.store.add_session(SessionRecord(hashed, reader.id, now, expires, address[:100]))
        return SessionGrant(token, reader, expires)

    def _lookup(self, email: str) -> tuple[Reader | None, str]:
        """The reader and stored hash for an email; (None, a dummy hash) when unknown."""
        try:
            reader = self.store.get_reader_by_email(email)
        except NotFoundError:
            if self._dummy_hash is None:
                self._dummy_hash = cred.hash_password(self.hasher, _DUMMY_PASSWORD)
            return None, self._dummy_hash
        return reader, self.store.password_hash(reader.id)

    def _require_password(self, reader_id: int, password: str) -> Reader:
        reader = self.store.get_reader(reader_id)
        if not cred.verify_password(self.hasher, self.store.password_hash(reader_id), password):
            raise AuthenticationError("Your current password is not right.")
        return reader

    def _limit_keys(self, email: str, address: str) -> list[str]:
        keys = [ratelimit.account_key(email)]
        if address:
            keys.append(ratelimit.address_key(address))
        return keys
