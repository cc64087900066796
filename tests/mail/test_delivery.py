"""The mail queue in the database (SQLite and PostgreSQL) and ``deliver_pending`` sending
through a real SMTP server on 127.0.0.1: retries with backoff, dead mail, leases, two
deliverers at once, and enqueueing inside the transaction of the change that causes it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from newsstand.mail import (
    MailState,
    OutboxMailer,
    OutgoingMail,
    SmtpMailer,
    build_message,
    deliver_pending,
    list_outbox,
    next_attempt,
    outgoing_mail,
    retry_delay,
)
from newsstand.store import SqlStore
from newsstand.store.sql import mail as sqlmail

from .conftest import Server

T0 = datetime(2026, 11, 5, 7, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def _mail(n: int, key: str | None = None) -> OutgoingMail:
    message = build_message("n@example.org", f"reader{n}@example.org", f"Mail {n}", f"Body {n}\n", T0)
    return outgoing_mail("test", message, key)


# --- pure: when to try again -------------------------------------------------------------


def test_retry_delay_doubles_up_to_a_cap() -> None:
    delays = [retry_delay(n, MINUTE) for n in range(1, 12)]
    assert delays[:5] == [MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE, 16 * MINUTE]
    assert delays[-1] == timedelta(hours=6)
    assert retry_delay(10_000, MINUTE) == timedelta(hours=6)  # no overflow for a huge count


def test_next_attempt_is_none_when_dead() -> None:
    assert next_attempt(1, T0, MINUTE, 3) == T0 + MINUTE
    assert next_attempt(3, T0, MINUTE, 3) is None
    assert next_attempt(1, T0, MINUTE, 3, permanent=True) is None


# --- the queue on both databases ------------------------------------------------------------


def test_enqueue_claim_and_send_once(store: SqlStore) -> None:
    first = _mail(1)
    ids = store.enqueue_mail([first, _mail(2)], T0)
    assert len(set(ids)) == 2
    assert store.claim_mail(T0 - MINUTE, MINUTE, 10) == []  # not due yet
    claimed = store.claim_mail(T0, MINUTE, 10)
    assert [m.id for m in claimed] == ids
    assert all(m.state is MailState.SENDING and m.attempts == 1 and m.lease_token for m in claimed)
    assert store.claim_mail(T0, MINUTE, 10) == []  # leased: nobody else gets them
    assert store.mark_mail_sent(claimed[0].id, claimed[0].lease_token, T0)
    assert not store.mark_mail_sent(claimed[0].id, claimed[0].lease_token, T0)  # once only
    assert not store.mark_mail_sent(claimed[1].id, "not-the-token", T0)
    states = {m.id: m.state for m in store.mail_queue()}
    assert states == {ids[0]: MailState.SENT, ids[1]: MailState.SENDING}
    assert store.mail_queue([MailState.SENT])[0].data == first.data


def test_a_key_queues_a_mail_once(store: SqlStore) -> None:
    first = store.enqueue_mail([_mail(1, key="trial-ending-3:reader:7")], T0)
    again = store.enqueue_mail([_mail(1, key="trial-ending-3:reader:7"), _mail(2)], T0 + MINUTE)
    assert again[0] == first[0] and again[1] != first[0]
    assert len(store.mail_queue()) == 2


def test_an_expired_lease_is_claimed_again_and_the_old_holder_loses(store: SqlStore) -> None:
    store.enqueue_mail([_mail(1)], T0)
    [old] = store.claim_mail(T0, MINUTE, 10)
    [new] = store.claim_mail(T0 + 2 * MINUTE, MINUTE, 10)  # the first deliverer died mid-send
    assert new.id == old.id and new.attempts == 2 and new.lease_token != old.lease_token
    assert not store.mark_mail_failed(old.id, old.lease_token, "late", None)
    assert store.mark_mail_sent(new.id, new.lease_token, T0 + 2 * MINUTE)


def test_purge_sent_mail(store: SqlStore) -> None:
    store.enqueue_mail([_mail(1), _mail(2)], T0)
    first, _ = store.claim_mail(T0, MINUTE, 10)
    store.mark_mail_sent(first.id, first.lease_token, T0)
    assert store.purge_sent_mail(T0 + MINUTE) == 1
    assert [m.state for m in store.mail_queue()] == [MailState.SENDING]


def test_mail_enqueued_in_a_change_that_fails_is_not_queued(store: SqlStore) -> None:
    """How store methods enqueue mail in their own transaction: both commit, or neither."""
    meta = sa.table("store_meta", sa.column("key"), sa.column("value"))
    with pytest.raises(RuntimeError), store._write() as conn:
        conn.execute(meta.insert().values(key="changed", value="yes"))
        sqlmail.enqueue(conn, [_mail(1)], T0)
        raise RuntimeError("the change fails after the mail was queued")
    assert store.get_meta("changed") is None and store.mail_queue() == []
    with store._write() as conn:
        conn.execute(meta.insert().values(key="changed", value="yes"))
        sqlmail.enqueue(conn, [_mail(1)], T0)
    assert store.get_meta("changed") == "yes" and len(store.mail_queue()) == 1


# --- delivering through a real SMTP server --------------------------------------------------


def test_a_refusing_server_is_retried_later_with_backoff(
    store: SqlStore, smtp_server: Callable[..., Server], tmp_path: Path
) -> None:
    server = smtp_server()
    server.refuse.extend(["451 4.3.0 Busy", "451 4.3.0 Still busy"])
    sender = SmtpMailer(server.settings(tmp_path), timeout=5)
    store.enqueue_mail([_mail(1)], T0)

    report = deliver_pending(store, sender, T0, retry_base=MINUTE)
    assert (report.sent, report.retrying) == (0, 1)
    [row] = store.mail_queue()
    assert row.state is MailState.PENDING and row.next_attempt == T0 + MINUTE and "451" in row.last_error
    assert (
        deliver_pending(store, sender, T0 + timedelta(seconds=59), retry_base=MINUTE).retrying == 0
    )  # not due

    later = T0 + MINUTE
    assert deliver_pending(store, sender, later, retry_base=MINUTE).retrying == 1
    assert store.mail_queue()[0].next_attempt == later + 2 * MINUTE  # doubled
    report = deliver_pending(store, sender, later + 2 * MINUTE, retry_base=MINUTE)
    assert report.sent == 1
    [row] = store.mail_queue()
    assert row.state is MailState.SENT and row.attempts == 3 and row.last_error == ""
    assert [m["Subject"] for m in server.messages] == ["Mail 1"]


def test_mail_dies_after_max_attempts_or_a_refusal_for_good(
    store: SqlStore, smtp_server: Callable[..., Server], tmp_path: Path
) -> None:
    busy = smtp_server()
    busy.refuse.extend(["451 4.3.0 Busy"] * 5)
    store.enqueue_mail([_mail(1)], T0)
    now = T0
    for _ in range(3):
        deliver_pending(store, SmtpMailer(busy.settings(tmp_path), timeout=5), now, max_attempts=3)
        now += timedelta(hours=1)
    [row] = store.mail_queue()
    assert row.state is MailState.DEAD and row.attempts == 3
    assert deliver_pending(store, SmtpMailer(busy.settings(tmp_path)), now + timedelta(days=1)).sent == 0

    unknown = smtp_server()
    unknown.recorder.refuse_rcpt = "550 5.1.1 No such mailbox"
    store.enqueue_mail([_mail(2)], now)
    report = deliver_pending(store, SmtpMailer(unknown.settings(tmp_path), timeout=5), now)
    assert report.dead == 1
    assert {m.state for m in store.mail_queue()} == {MailState.DEAD}


def test_two_deliverers_at_once_send_each_mail_once(
    store: SqlStore, smtp_server: Callable[..., Server], tmp_path: Path
) -> None:
    server = smtp_server()
    store.enqueue_mail([_mail(n) for n in range(30)], T0)
    sender = SmtpMailer(server.settings(tmp_path), timeout=5)
    reports = []

    def deliver() -> None:
        while (report := deliver_pending(store, sender, T0, limit=4)).sent:
            reports.append(report)

    workers = [threading.Thread(target=deliver) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    subjects = sorted(str(m["Subject"]) for m in server.messages)
    assert subjects == sorted(f"Mail {n}" for n in range(30))  # every mail, none twice
    assert sum(r.sent for r in reports) == 30
    assert {m.state for m in store.mail_queue()} == {MailState.SENT}


def test_the_outbox_is_a_sender_too(store: SqlStore, tmp_path: Path) -> None:
    store.enqueue_mail([_mail(1)], T0)
    assert deliver_pending(store, OutboxMailer(tmp_path / "outbox"), T0).sent == 1
    assert [e.subject for e in list_outbox(tmp_path / "outbox")] == ["Mail 1"]
