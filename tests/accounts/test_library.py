"""Reading through the paywall, reading records, history, saved articles, follows,
picks, the monthly report, and deleting an account with its data."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
import sqlalchemy as sa

from newsstand.accounts import AccessReason, Accounts, ReportRow, report_csv
from newsstand.errors import AuthenticationError, InvalidDataError, NotFoundError, PermissionDeniedError
from newsstand.model import LicenceTier, Role
from newsstand.store import SqlStore

from .conftest import PASSWORD, Clock, add_article


def _count(store: SqlStore, table: str, where: str = "1=1") -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one())


def test_anonymous_and_lapsed_readers_get_the_preview(
    accounts: Accounts, store: SqlStore, clock: Clock
) -> None:
    publisher, article = add_article(store)
    anonymous = accounts.read_article(None, article)
    assert (anonymous.full, anonymous.reason, anonymous.preview_paragraphs) == (
        False,
        AccessReason.ANONYMOUS,
        3,
    )
    reader = accounts.sign_up("r@example.org", PASSWORD)
    clock.advance(days=15)  # the trial is over
    lapsed = accounts.read_article(reader, article, publisher)
    assert not lapsed.full and lapsed.reason is AccessReason.LAPSED
    assert accounts.history(reader.id) == []
    assert _count(store, "reading_records") == 0


def test_member_reads_are_recorded_once_per_half_hour(
    accounts: Accounts, store: SqlStore, clock: Clock
) -> None:
    _, article = add_article(store)
    reader = accounts.sign_up("r@example.org", PASSWORD)
    access = accounts.read_article(reader, article)
    assert access.full and access.reason is AccessReason.TRIAL and access.counts_for_payment
    clock.advance(minutes=10)
    accounts.read_article(reader, article)  # a reload: same read
    assert _count(store, "reading_records") == 1
    clock.advance(minutes=30)
    accounts.read_article(reader, article)
    assert _count(store, "reading_records") == 2
    [item] = accounts.history(reader.id)
    assert item.article.id == article.id and item.at == clock.now


def test_open_and_staff_reads_go_to_history_but_are_not_paid(accounts: Accounts, store: SqlStore) -> None:
    _, open_article = add_article(store, "freesheet", LicenceTier.OPEN)
    _, paid_article = add_article(store, "daily", LicenceTier.PREMIUM)
    reader = accounts.sign_up("r@example.org", PASSWORD, start_trial=False)
    assert accounts.read_article(reader, open_article).reason is AccessReason.OPEN_LICENCE
    premium = accounts.read_article(reader, paid_article)
    assert not premium.full and premium.preview_paragraphs == 2
    editor = accounts.sign_up("ed@example.org", PASSWORD, role=Role.EDITOR)
    assert accounts.read_article(editor, paid_article).reason is AccessReason.STAFF
    assert [i.article.id for i in accounts.history(reader.id)] == [open_article.id]
    assert _count(store, "reading_records") == 0


def test_history_is_newest_first_one_row_per_article(
    accounts: Accounts, store: SqlStore, clock: Clock
) -> None:
    reader = accounts.sign_up("r@example.org", PASSWORD)
    _, first = add_article(store, slug="first")
    _, second = add_article(store, slug="second")
    accounts.read_article(reader, first)
    clock.advance(minutes=1)
    accounts.read_article(reader, second)
    clock.advance(minutes=1)
    accounts.read_article(reader, first)
    assert [i.article.id for i in accounts.history(reader.id)] == [first.id, second.id]
    assert len(accounts.history(reader.id, limit=1)) == 1


def test_saved_articles(accounts: Accounts, store: SqlStore, clock: Clock) -> None:
    reader = accounts.sign_up("r@example.org", PASSWORD)
    _, first = add_article(store, slug="first")
    _, second = add_article(store, slug="second")
    assert first.id is not None and second.id is not None
    accounts.save(reader.id, first.id)
    clock.advance(minutes=1)
    accounts.save(reader.id, second.id)
    accounts.save(reader.id, second.id)  # again: no change
    assert [i.article.id for i in accounts.saved(reader.id)] == [second.id, first.id]
    assert accounts.is_saved(reader.id, first.id)
    accounts.unsave(reader.id, first.id)
    assert not accounts.is_saved(reader.id, first.id)
    assert [i.article.title for i in accounts.saved(reader.id)] == [second.title]
    with pytest.raises(NotFoundError):
        accounts.save(reader.id, 999_999)


def test_follows_show_on_the_reader(accounts: Accounts, store: SqlStore) -> None:
    add_article(store, "daily")
    add_article(store, "weekly")
    reader = accounts.sign_up("r@example.org", PASSWORD)
    accounts.follow_publisher(reader.id, "weekly")
    accounts.follow_publisher(reader.id, "daily")
    accounts.follow_publisher(reader.id, "daily")
    accounts.follow_section(reader.id, " Politics ")
    got = accounts.get_reader(reader.id)
    assert got.followed_publishers == ("daily", "weekly") and got.followed_sections == ("Politics",)
    accounts.unfollow_publisher(reader.id, "daily")
    accounts.unfollow_section(reader.id, "Politics")
    got = accounts.get_reader(reader.id)
    assert got.followed_publishers == ("weekly",) and got.followed_sections == ()
    with pytest.raises(NotFoundError):
        accounts.follow_publisher(reader.id, "no-such-publisher")
    with pytest.raises(InvalidDataError):
        accounts.follow_section(reader.id, "  ")


def test_picks_are_for_editors_newest_first(accounts: Accounts, store: SqlStore, clock: Clock) -> None:
    _, first = add_article(store, slug="first")
    _, second = add_article(store, slug="second")
    reader = accounts.sign_up("r@example.org", PASSWORD)
    editor = accounts.sign_up("ed@example.org", PASSWORD, role=Role.EDITOR)
    with pytest.raises(PermissionDeniedError):
        accounts.pick(reader, article_id=first.id)
    one = accounts.pick(editor, article_id=first.id, note="A must read")
    clock.advance(minutes=1)
    accounts.pick(editor, article_id=second.id)
    clock.advance(minutes=1)
    story = accounts.pick(editor, story_id=77, note="Whole story")
    assert [(p.article_id, p.story_id) for p in accounts.list_picks()] == [
        (None, 77),
        (second.id, None),
        (first.id, None),
    ]
    assert one.note == "A must read" and one.picked_by == editor.id
    clock.advance(minutes=1)
    again = accounts.pick(editor, article_id=first.id, note="Still a must read")
    assert again.id == one.id and accounts.list_picks(limit=1) == [again]
    accounts.unpick(editor, story.id)
    assert len(accounts.list_picks()) == 2
    with pytest.raises(NotFoundError):
        accounts.unpick(editor, story.id)
    with pytest.raises(InvalidDataError):
        accounts.pick(editor)
    with pytest.raises(InvalidDataError):
        accounts.pick(editor, article_id=first.id, story_id=1)
    with pytest.raises(NotFoundError):
        accounts.pick(editor, article_id=999_999)


def test_monthly_report_and_csv(accounts: Accounts, store: SqlStore, clock: Clock) -> None:
    _, daily = add_article(store, "daily")
    _, weekly = add_article(store, "weekly")
    ann = accounts.sign_up("ann@example.org", PASSWORD)
    bob = accounts.sign_up("bob@example.org", PASSWORD)
    accounts.read_article(ann, daily)
    accounts.read_article(bob, daily)
    accounts.read_article(ann, weekly)
    clock.advance(hours=1)
    accounts.read_article(ann, daily)
    clock.now = clock.now.replace(month=12, day=1)
    accounts.grant(ann.id, days=30)
    accounts.read_article(ann, daily)  # December: not in November's report
    rows = accounts.reading_report("2026-11")
    assert rows == [ReportRow("daily", "Daily", 3, 2), ReportRow("weekly", "Weekly", 1, 1)]
    assert accounts.reading_report("2026-12") == [ReportRow("daily", "Daily", 1, 1)]
    assert accounts.reading_report("2026-10") == []
    parsed = list(csv.reader(io.StringIO(report_csv(rows))))
    assert parsed == [
        ["publisher_id", "publisher", "reads", "unique_readers"],
        ["daily", "Daily", "3", "2"],
        ["weekly", "Weekly", "1", "1"],
    ]
    for bad in ("2026-13", "November", ""):
        with pytest.raises(InvalidDataError):
            accounts.reading_report(bad)


def test_csv_defuses_formulas() -> None:
    text = report_csv([ReportRow("evil", "=HYPERLINK(1)", 1, 1)])
    assert "'=HYPERLINK(1)" in text


def test_deleting_an_account_removes_its_data_but_keeps_anonymous_reads(
    accounts: Accounts, store: SqlStore, clock: Clock
) -> None:
    publisher, article = add_article(store)
    assert article.id is not None
    ann = accounts.set_role(accounts.sign_up("ann@example.org", PASSWORD).id, Role.EDITOR)
    bob = accounts.sign_up("bob@example.org", PASSWORD)
    session = accounts.sign_in("ann@example.org", PASSWORD)
    accounts.request_password_reset("ann@example.org", base_url="http://x.test")
    accounts.grant(ann.id, days=30)
    ann = accounts.set_role(ann.id, Role.READER)
    accounts.read_article(ann, article, publisher)
    accounts.read_article(bob, article, publisher)
    accounts.save(ann.id, article.id)
    accounts.follow_publisher(ann.id, publisher.id)
    accounts.follow_section(ann.id, "World")
    pick = accounts.pick(accounts.set_role(ann.id, Role.EDITOR), article_id=article.id)
    with pytest.raises(AuthenticationError):  # a wrong password keeps the account
        accounts.delete_account(ann.id, "wrong password!")

    accounts.delete_account(ann.id, PASSWORD)

    with pytest.raises(NotFoundError):
        accounts.get_reader(ann.id)
    assert accounts.reader_for_session(session.token) is None
    for table in ("sessions", "reset_tokens", "memberships", "follows", "saved_articles", "reading_history"):
        assert _count(store, table, f"reader_id = {ann.id}") == 0, table
    assert _count(store, "reading_records") == 2
    assert _count(store, "reading_records", f"reader_id = {ann.id}") == 0
    assert _count(store, "reading_records", "reader_ref LIKE 'deleted:%'") == 1
    assert accounts.reading_report(clock.now.strftime("%Y-%m")) == [ReportRow("daily", "Daily", 2, 2)]
    assert accounts.list_picks() == [dataclasses.replace(pick, picked_by=None)]
    assert accounts.get_reader(bob.id).email == "bob@example.org"
    with pytest.raises(NotFoundError):
        accounts.delete_reader(ann.id)
    # The address is free again.
    assert accounts.sign_up("ann@example.org", PASSWORD).id != ann.id


def test_read_needs_a_stored_article(accounts: Accounts, store: SqlStore) -> None:
    _, article = add_article(store)
    with pytest.raises(InvalidDataError):
        accounts.read_article(None, dataclasses.replace(article, id=None))
