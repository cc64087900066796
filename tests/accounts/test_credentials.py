"""Email normalisation, the password policy, Argon2id hashing, tokens, the rate-limit rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from newsstand.accounts import credentials as cred
from newsstand.accounts.ratelimit import retry_after
from newsstand.errors import InvalidDataError, InvalidFieldError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Reader@Example.ORG ", "reader@example.org"),
        ("first.last+news@sub.example.co.uk", "first.last+news@sub.example.co.uk"),
        ("leser@bücher.example", "leser@bücher.example"),
    ],
)
def test_emails_are_normalised(raw: str, expected: str) -> None:
    assert cred.normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "no-at-sign",
        "two@@example.org",
        "a@b@example.org",
        "@example.org",
        "reader@",
        "reader@localhost",
        "reader@-bad.example",
        ".dot@example.org",
        "dot.@example.org",
        "do..t@example.org",
        "sp ace@example.org",
        "reader@exa mple.org",
        "x" * 65 + "@example.org",
        "reader@" + "a" * 250 + ".org",
    ],
)
def test_bad_emails_are_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(InvalidFieldError) as info:
        cred.normalise_email(raw)
    assert info.value.field == "email"
    assert isinstance(info.value, InvalidDataError)


@pytest.mark.parametrize(
    "password",
    ["short", "123456789", "reader@example.org", "READER@example.org", "reader", "x" * 1025],
)
def test_password_policy_refuses(password: str) -> None:
    with pytest.raises(InvalidFieldError) as info:
        cred.check_password_policy(password, "reader@example.org")
    assert info.value.field == "password"


def test_password_policy_accepts_ten_characters() -> None:
    cred.check_password_policy("0123456789", "reader@example.org")
    cred.check_password_policy("correct horse battery staple", "reader@example.org")


def test_hashes_are_argon2id_and_verify() -> None:
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    hashed = cred.hash_password(hasher, "correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert cred.verify_password(hasher, hashed, "correct horse battery")
    assert not cred.verify_password(hasher, hashed, "wrong horse battery")
    assert not cred.verify_password(hasher, "not a hash", "anything")
    assert cred.default_hasher().hash("x" * 10).startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_tokens_are_random_and_only_their_hash_is_kept() -> None:
    token, hashed = cred.new_token()
    other, _ = cred.new_token()
    assert token != other and len(token) >= 43
    assert hashed == cred.token_hash(token) and token not in hashed and len(hashed) == 64


T = datetime(2026, 11, 1, tzinfo=UTC)


def test_rate_limit_allows_up_to_the_limit_then_waits_for_the_oldest() -> None:
    attempts = [T + timedelta(seconds=s) for s in (0, 10, 20, 30, 40)]
    now = T + timedelta(seconds=45)
    assert retry_after(attempts[:4], now, 5) == 0.0
    assert retry_after(attempts, now, 5) == pytest.approx(15.0)
    assert retry_after(attempts, T + timedelta(seconds=61), 5) == 0.0  # the first one aged out
    assert retry_after([T - timedelta(minutes=5)] * 9, T, 5) == 0.0  # old attempts do not count
    assert retry_after(attempts, now, 0) == 0.0  # 0 turns the limit off
