"""Sign-up, sign-in, sessions, password reset and account changes, on real databases."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from newsstand.accounts.credentials import token_hash
from newsstand.app import Services, build_services
from newsstand.config import Settings
from newsstand.errors import (
    AuthenticationError,
    ConflictError,
    InvalidFieldError,
    NotFoundError,
    RateLimitedError,
)
from newsstand.mail import OutboxEntry, list_outbox, message_text, outbox_folder
from newsstand.model import Membership, MembershipState, Role
from newsstand.store import SqlStore
from support import make_services

from .conftest import PASSWORD, Clock

NEW_PASSWORD = "another long secret"


def test_sign_up_normalises_hashes_and_starts_the_trial(
    services: Services, store: SqlStore, clock: Clock
) -> None:
    reader = services.accounts.sign_up("  New.Reader@Example.ORG ", PASSWORD, display_name=" Ann ")
    assert reader.email == "new.reader@example.org" and reader.display_name == "Ann"
    assert reader.role is Role.READER and reader.created == clock.now
    stored = store.password_hash(reader.id)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    trial = services.membership.membership(reader.id)
    assert trial is not None and trial.state is MembershipState.TRIAL
    assert trial.ends is not None and (trial.ends - clock.now).days == 14
    with pytest.raises(ConflictError):
        services.accounts.sign_up("NEW.reader@example.org", PASSWORD)


def test_trial_length_comes_from_settings(store: SqlStore, store_settings: Settings, clock: Clock) -> None:
    services = make_services(store, store_settings.replace(trial_days=30), clock)
    trial = services.membership.membership(services.accounts.sign_up("r@example.org", PASSWORD).id)
    assert trial is not None and trial.ends is not None and (trial.ends - clock.now).days == 30


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("not-an-email", PASSWORD, "email"),
        ("r@example.org", "too short", "password"),
        ("long.address@example.org", "long.address@example.org", "password"),
    ],
)
def test_sign_up_refuses_bad_input(services: Services, email: str, password: str, field: str) -> None:
    with pytest.raises(InvalidFieldError) as info:
        services.accounts.sign_up(email, password)
    assert info.value.field == field
    assert services.accounts.list_readers() == []


def test_account_and_trial_are_stored_together_or_not_at_all(store: SqlStore, clock: Clock) -> None:
    def broken_trial(reader_id: int) -> Membership:
        raise RuntimeError("the trial could not be built")

    with pytest.raises(RuntimeError):
        store.add_reader("half@example.org", "hash", clock.now, first_membership=broken_trial)
    with pytest.raises(NotFoundError):
        store.get_reader_by_email("half@example.org")


def test_sign_in_opens_a_server_side_session(services: Services, store: SqlStore, clock: Clock) -> None:
    reader = services.accounts.sign_up("r@example.org", PASSWORD)
    grant = services.accounts.sign_in(" R@example.org", PASSWORD, address="192.0.2.1")
    assert grant.reader == reader
    assert services.accounts.reader_for_session(grant.token) == reader
    # Only the token's hash is stored.
    with pytest.raises(NotFoundError):
        store.session_reader(grant.token)
    record, who, membership = store.session_reader(token_hash(grant.token))
    assert record.reader_id == reader.id and who == reader
    assert membership is not None and membership.reader_id == reader.id
    assert services.accounts.reader_for_session("forged-token") is None
    assert services.accounts.reader_for_session(None) is None
    # Expiry: session_days (30) later the cookie is worthless.
    clock.advance(days=30)
    assert services.accounts.reader_for_session(grant.token) is None
    # Expired sessions nobody presents again are purged at the next sign-in.
    stale = services.accounts.sign_in("r@example.org", PASSWORD)
    clock.advance(days=31)
    services.accounts.sign_in("r@example.org", PASSWORD)
    with pytest.raises(NotFoundError):
        store.session_reader(token_hash(stale.token))


def test_wrong_password_and_unknown_email_fail_alike(services: Services) -> None:
    services.accounts.sign_up("r@example.org", PASSWORD)
    with pytest.raises(AuthenticationError) as wrong:
        services.accounts.sign_in("r@example.org", "wrong password!")
    with pytest.raises(AuthenticationError) as unknown:
        services.accounts.sign_in("nobody@example.org", PASSWORD)
    with pytest.raises(AuthenticationError):
        services.accounts.sign_in("not an email", PASSWORD)
    assert str(wrong.value) == str(unknown.value)


def test_sign_out_revokes_the_session(services: Services) -> None:
    services.accounts.sign_up("r@example.org", PASSWORD)
    first = services.accounts.sign_in("r@example.org", PASSWORD)
    second = services.accounts.sign_in("r@example.org", PASSWORD)
    services.accounts.sign_out(first.token)
    assert services.accounts.reader_for_session(first.token) is None
    assert services.accounts.reader_for_session(second.token) is not None


def test_sign_in_rehashes_when_parameters_change(
    store: SqlStore, store_settings: Settings, clock: Clock
) -> None:
    cheap = make_services(store, store_settings, clock)
    reader = cheap.accounts.sign_up("r@example.org", PASSWORD)
    old = store.password_hash(reader.id)
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    build_services(store_settings, store, hasher=stronger, clock=clock).accounts.sign_in(
        "r@example.org", PASSWORD
    )
    new = store.password_hash(reader.id)
    assert new != old and new.startswith("$argon2id$") and not stronger.check_needs_rehash(new)
    assert "m=2048,t=2,p=1" in new


def test_failures_from_everywhere_slow_the_account_but_never_lock_its_owner_out(
    services: Services, clock: Clock
) -> None:
    services.accounts.sign_up("r@example.org", PASSWORD)
    waits: list[float] = []
    services.accounts.sleep = waits.append
    for i in range(8):  # login_attempts_per_minute defaults to 5: three past it
        with pytest.raises(AuthenticationError):
            services.accounts.sign_in("r@example.org", "wrong password!", address=f"198.51.100.{i}")
    assert waits == [0.5, 1.0, 1.5]  # each failure past the limit holds the next one back longer
    # The owner, from their own address, is slowed but let in with the right password.
    assert services.accounts.sign_in("r@example.org", PASSWORD, address="203.0.113.9").reader.email == (
        "r@example.org"
    )
    assert waits[-1] == 2.0
    clock.advance(seconds=61)
    waits.clear()
    services.accounts.sign_in("r@example.org", PASSWORD, address="203.0.113.9")
    assert waits == []  # a minute later nothing is held back


def test_one_address_guessing_one_account_is_blocked(services: Services, clock: Clock) -> None:
    services.accounts.sign_up("r@example.org", PASSWORD)
    services.accounts.sleep = lambda seconds: None
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            services.accounts.sign_in("r@example.org", "wrong password!", address="198.51.100.7")
    with pytest.raises(RateLimitedError) as limited:
        services.accounts.sign_in("r@example.org", PASSWORD, address="198.51.100.7")  # even the right one
    assert 50 < limited.value.retry_after <= 60
    assert services.accounts.sign_in("r@example.org", PASSWORD, address="203.0.113.9")  # the owner elsewhere
    clock.advance(seconds=limited.value.retry_after)
    assert services.accounts.sign_in("r@example.org", PASSWORD, address="198.51.100.7")


def test_without_an_address_the_accounts_own_count_blocks(services: Services, clock: Clock) -> None:
    services.accounts.sign_up("r@example.org", PASSWORD)
    services.accounts.sleep = lambda seconds: None
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            services.accounts.sign_in("r@example.org", "wrong password!")
    with pytest.raises(RateLimitedError):
        services.accounts.sign_in("r@example.org", PASSWORD)
    clock.advance(seconds=61)
    assert services.accounts.sign_in("r@example.org", PASSWORD).reader.email == "r@example.org"


def test_rate_limit_per_address_covers_every_account(services: Services, clock: Clock) -> None:
    services.accounts.sign_up("victim@example.org", PASSWORD)
    for i in range(5):
        with pytest.raises(AuthenticationError):
            services.accounts.sign_in(f"guess{i}@example.org", PASSWORD, address="192.0.2.66")
    with pytest.raises(RateLimitedError):
        services.accounts.sign_in("victim@example.org", PASSWORD, address="192.0.2.66")
    # Another address is not held back, and a minute later the first one is free again.
    assert services.accounts.sign_in("victim@example.org", PASSWORD, address="192.0.2.67")
    clock.advance(seconds=61)
    assert services.accounts.sign_in("victim@example.org", PASSWORD, address="192.0.2.66")


def _resets(services: Services, settings: Settings) -> list[OutboxEntry]:
    """The reset mails in the outbox, once the queue has been delivered (as the loop does)."""
    services.mail.deliver()
    return [m for m in list_outbox(outbox_folder(settings)) if m.subject == "Reset your password"]


def _reset_link(services: Services, store_settings: Settings) -> str:
    messages = _resets(services, store_settings)
    assert messages, "no mail in the outbox"
    found = re.search(r"https?://\S+/account/reset/(\S+)", message_text(messages[-1].read()))
    assert found
    return found.group(1)


def test_password_reset_by_emailed_link(
    services: Services, store: SqlStore, store_settings: Settings
) -> None:
    reader = services.accounts.sign_up("r@example.org", PASSWORD)
    session = services.accounts.sign_in("r@example.org", PASSWORD)
    services.accounts.request_password_reset(
        "R@example.org", address="192.0.2.1", base_url="https://news.example/"
    )
    [message] = _resets(services, store_settings)
    assert message.to == "r@example.org" and "reset" in message.subject.lower()
    token = _reset_link(services, store_settings)
    with store.engine.connect() as conn:  # stored hashed, never as sent
        stored = conn.execute(sa.text("SELECT token_hash FROM reset_tokens")).scalars().all()
    assert stored == [token_hash(token)]
    with pytest.raises(InvalidFieldError):  # a weak password does not use the link up
        services.accounts.reset_password(token, "short")
    assert services.accounts.reset_password(token, NEW_PASSWORD) == reader
    assert services.accounts.reader_for_session(session.token) is None  # signed out everywhere
    assert services.accounts.sign_in("r@example.org", NEW_PASSWORD)
    with pytest.raises(AuthenticationError):
        services.accounts.sign_in("r@example.org", PASSWORD)
    with pytest.raises(AuthenticationError):  # single use
        services.accounts.reset_password(token, "yet another secret")


def test_reset_link_expires_after_an_hour(services: Services, store_settings: Settings, clock: Clock) -> None:
    services.accounts.sign_up("r@example.org", PASSWORD)
    services.accounts.request_password_reset("r@example.org", base_url="http://localhost:8080")
    token = _reset_link(services, store_settings)
    clock.advance(minutes=61)
    with pytest.raises(AuthenticationError):
        services.accounts.reset_password(token, NEW_PASSWORD)
    assert services.accounts.sign_in("r@example.org", PASSWORD)


def test_reset_for_unknown_email_sends_nothing_and_is_rate_limited(
    services: Services, store_settings: Settings, clock: Clock
) -> None:
    for _ in range(5):
        services.accounts.request_password_reset(
            "nobody@example.org", address="192.0.2.1", base_url="http://x.test"
        )
    assert _resets(services, store_settings) == []
    with pytest.raises(RateLimitedError):
        services.accounts.request_password_reset(
            "nobody@example.org", address="192.0.2.2", base_url="http://x.test"
        )
    clock.advance(minutes=1, seconds=1)
    services.accounts.request_password_reset("nobody@example.org", base_url="http://x.test")


def test_change_email_needs_the_current_password(services: Services) -> None:
    reader = services.accounts.sign_up("r@example.org", PASSWORD)
    services.accounts.sign_up("taken@example.org", PASSWORD)
    with pytest.raises(AuthenticationError):
        services.accounts.change_email(reader.id, "wrong password!", "new@example.org")
    with pytest.raises(ConflictError):
        services.accounts.change_email(reader.id, PASSWORD, "Taken@example.org")
    with pytest.raises(InvalidFieldError):
        services.accounts.change_email(reader.id, PASSWORD, "nope")
    assert services.accounts.change_email(reader.id, PASSWORD, " New@Example.org").email == "new@example.org"
    assert services.accounts.sign_in("new@example.org", PASSWORD).reader.id == reader.id


def test_change_password_ends_other_sessions(services: Services) -> None:
    reader = services.accounts.sign_up("r@example.org", PASSWORD)
    here = services.accounts.sign_in("r@example.org", PASSWORD)
    elsewhere = services.accounts.sign_in("r@example.org", PASSWORD)
    with pytest.raises(AuthenticationError):
        services.accounts.change_password(reader.id, "wrong password!", NEW_PASSWORD)
    with pytest.raises(InvalidFieldError) as weak:
        services.accounts.change_password(reader.id, PASSWORD, "short", keep_token=here.token)
    assert weak.value.field == "new_password"
    services.accounts.change_password(reader.id, PASSWORD, NEW_PASSWORD, keep_token=here.token)
    assert services.accounts.reader_for_session(here.token) == reader
    assert services.accounts.reader_for_session(elsewhere.token) is None
    assert services.accounts.sign_in("r@example.org", NEW_PASSWORD)


def test_roles_and_operator_password(services: Services) -> None:
    reader = services.accounts.sign_up("r@example.org", PASSWORD)
    assert services.accounts.set_role(reader.id, Role.EDITOR).is_editor
    session = services.accounts.sign_in("r@example.org", PASSWORD)
    services.accounts.set_password(reader.id, NEW_PASSWORD)
    assert services.accounts.reader_for_session(session.token) is None
    assert services.accounts.get_reader_by_email("R@example.org").role is Role.EDITOR
    admin = services.accounts.sign_up("boss@example.org", PASSWORD, role=Role.ADMIN)
    assert admin.is_admin and services.membership.membership(admin.id) is None  # staff get no trial
    with pytest.raises(NotFoundError):
        services.accounts.set_role(9999, Role.ADMIN)


def test_reset_link_prefers_the_configured_base_url(
    store: SqlStore, store_settings: Settings, clock: Clock
) -> None:
    settings = store_settings.replace(base_url="https://news.example/")
    services = make_services(store, settings, clock)
    services.accounts.sign_up("r@example.org", PASSWORD)
    services.accounts.request_password_reset("r@example.org", base_url="http://evil.example")  # a forged Host
    body = message_text(_resets(services, settings)[-1].read())
    assert "https://news.example/account/reset/" in body and "evil" not in body


def test_a_reset_link_used_twice_at_once_works_once(services: Services, store_settings: Settings) -> None:
    services.accounts.sign_up("r@example.org", PASSWORD)
    services.accounts.request_password_reset("r@example.org", base_url="http://x.test")
    token = _reset_link(services, store_settings)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def use(n: int) -> None:
        barrier.wait()
        try:
            services.accounts.reset_password(token, f"racing password {n}")
            outcomes.append("ok")
        except AuthenticationError:
            outcomes.append("refused")

    threads = [threading.Thread(target=use, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]


def test_sign_ups_from_one_address_are_rate_limited(services: Services, clock: Clock) -> None:
    for n in range(5):
        services.accounts.sign_up(f"r{n}@example.org", PASSWORD, address="192.0.2.9")
    with pytest.raises(RateLimitedError):
        services.accounts.sign_up("r5@example.org", PASSWORD, address="192.0.2.9")
    services.accounts.sign_up("r5@example.org", PASSWORD, address="192.0.2.10")
    clock.advance(seconds=61)
    services.accounts.sign_up("r6@example.org", PASSWORD, address="192.0.2.9")


def test_register_tells_the_owner_of_a_taken_address_and_changes_nothing(
    services: Services, store_settings: Settings
) -> None:
    owner = services.accounts.sign_up("taken@example.org", PASSWORD)
    before = services.store.password_hash(owner.id)
    assert services.accounts.register("Taken@Example.org", "another long secret", address="192.0.2.9") is None
    assert services.store.password_hash(owner.id) == before
    new = services.accounts.register("fresh@example.org", PASSWORD, address="192.0.2.9")
    assert new is not None and new.email == "fresh@example.org"
    services.mail.deliver()
    subjects = [(m.to, m.subject) for m in list_outbox(outbox_folder(store_settings))]
    assert any("taken@example.org" in to and subject == "Your Newsstand account" for to, subject in subjects)
    link = [m for m in list_outbox(outbox_folder(store_settings)) if m.subject == "Your Newsstand account"]
    assert "/account/reset" in message_text(link[0].read())
