"""Reading through the paywall, reading records, history, saved articles, follows,
picks, the monthly report, and deleting an account with its data."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
import sqlalchemy as sa

from newsstand.app import Services
from newsstand.app.membership import report_csv
from newsstand.errors import AuthenticationError, InvalidDataError, NotFoundError, PermissionDeniedError
from newsstand.model import AccessReason, Facet, LicenceTier, ReportRow, Role
from newsstand.store import SqlStore

from .conftest import PASSWORD, Clock, add_article


def _count(store: SqlStore, table: str, where: str = "1=1") -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one())


def test_anonymous_and_lapsed_readers_get_the_preview(
    services: Services, store: SqlStore, clock: Clock
) -> None:
    publisher, article = add_article(store)
    anonymous = services.reading.read_article(None, article)
    assert (anonymous.full, anonymous.reason, anonymous.preview_paragraphs) == (
        False,
        AccessReason.ANONYMOUS,
        3,
    )
    reader = services.accounts.sign_up("r@example.org", PASSWORD)
    clock.advance(days=15)  # the trial is over
    lapsed = services.reading.read_article(reader, article, publisher)
    assert not lapsed.full and lapsed.reason is AccessReason.LAPSED
    assert services.reading.history(reader.id) == []
    assert _count(store, "reading_records") == 0


def test_member_reads_are_recorded_once_per_half_hour(
    services: Services, store: SqlStore, clock: Clock
) -> None:
    _, article = add_article(store)
    reader = services.accounts.sign_up("r@example.org", PASSWORD)
    access = services.reading.read_article(reader, article)
    assert access.full and access.reason is AccessReason.TRIAL and access.counts_for_payment
    clock.advance(minutes=10)
    services.reading.read_article(reader, article)  # a reload: same read
    assert _count(store, "reading_records") == 1
    clock.advance(minutes=30)
    services.reading.read_article(reader, article)
    assert _count(store, "reading_records") == 2
    [item] = services.reading.history(reader.id)
    assert item.article.id == article.id and item.at == clock.now


def test_open_and_staff_reads_go_to_history_but_are_not_paid(services: Services, store: SqlStore) -> None:
    _, open_article = add_article(store, "freesheet", LicenceTier.OPEN)
    _, paid_article = add_article(store, "daily", LicenceTier.PREMIUM)
    reader = services.accounts.sign_up("r@example.org", PASSWORD, start_trial=False)
    assert services.reading.read_article(reader, open_article).reason is AccessReason.OPEN_LICENCE
    premium = services.reading.read_article(reader, paid_article)
    assert not premium.full and premium.preview_paragraphs == 2
    editor = services.accounts.sign_up("ed@example.org", PASSWORD, role=Role.EDITOR)
    assert services.reading.read_article(editor, paid_article).reason is AccessReason.STAFF
    assert [i.article.id for i in services.reading.history(reader.id)] == [open_article.id]
    assert _count(store, "reading_records") == 0


def test_history_is_newest_first_one_row_per_article(
    services: Services, store: SqlStore, clock: Clock
) -> None:
    reader = services.accounts.sign_up("r@example.org", PASSWORD)
    _, first = add_article(store, slug="first")
    _, second = add_article(store, slug="second")
    services.reading.read_article(reader, first)
    clock.advance(minutes=1)
    services.reading.read_article(reader, second)
    clock.advance(minutes=1)
    services.reading.read_article(reader, first)
    assert [i.article.id for i in services.reading.history(reader.id)] == [first.id, second.id]
    assert len(services.reading.history(reader.id, limit=1)) == 1


def test_saved_articles(services: Services, store: SqlStore, clock: Clock) -> None:
    reader = services.accounts.sign_up("r@example.org", PASSWORD)
    _, first = add_article(store, slug="first")
    _, second = add_article(store, slug="second")
    assert first.id is not None and second.id is not None
    services.reading.save(reader.id, first.id)
    clock.advance(minutes=1)
    services.reading.save(reader.id, second.id)
    services.reading.save(reader.id, second.id)  # again: no change
    assert [i.article.id for i in services.reading.saved(reader.id)] == [second.id, first.id]
    assert services.reading.is_saved(reader.id, first.id)
    services.reading.unsave(reader.id, first.id)
    assert not services.reading.is_saved(reader.id, first.id)
    assert [i.article.title for i in services.reading.saved(reader.id)] == [second.title]
    with pytest.raises(NotFoundError):
        services.reading.save(reader.id, 999_999)


def test_follows_show_on_the_reader(services: Services, store: SqlStore) -> None:
    add_article(store, "daily")
    add_article(store, "weekly")
    reader = services.accounts.sign_up("r@example.org", PASSWORD)
    services.interests.follow(reader.id, Facet.PUBLISHER, "weekly")
    services.interests.follow(reader.id, Facet.PUBLISHER, "daily")
    services.interests.follow(reader.id, Facet.PUBLISHER, "daily")
    services.interests.follow(reader.id, Facet.SECTION, " Politics ")
    got = services.accounts.get_reader(reader.id)
    assert got.followed_publishers == ("daily", "weekly") and got.followed_sections == ("Politics",)
    services.interests.unfollow(reader.id, Facet.PUBLISHER, "daily")
    services.interests.unfollow(reader.id, Facet.SECTION, "Politics")
    got = services.accounts.get_reader(reader.id)
    assert got.followed_publishers == ("weekly",) and got.followed_sections == ()
    with pytest.raises(NotFoundError):
        services.interests.follow(reader.id, Facet.PUBLISHER, "no-such-publisher")
    with pytest.raises(InvalidDataError):
        services.interests.follow(reader.id, Facet.SECTION, "  ")


def test_picks_are_for_editors_newest_first(services: Services, store: SqlStore, clock: Clock) -> None:
    _, first = add_article(store, slug="first")
    _, second = add_article(store, slug="second")
    reader = services.accounts.sign_up("r@example.org", PASSWORD)
    editor = services.accounts.sign_up("ed@example.org", PASSWORD, role=Role.EDITOR)
    with pytest.raises(PermissionDeniedError):
        services.front.pick(reader, article_id=first.id)
    one = services.front.pick(editor, article_id=first.id, note="A must read")
    clock.advance(minutes=1)
    services.front.pick(editor, article_id=second.id)
    clock.advance(minutes=1)
    story = services.front.pick(editor, story_id=77, note="Whole story")
    assert [(p.article_id, p.story_id) for p in services.front.list_picks()] == [
        (None, 77),
        (second.id, None),
        (first.id, None),
    ]
    assert one.note == "A must read" and one.picked_by == editor.id
    clock.advance(minutes=1)
    again = services.front.pick(editor, article_id=first.id, note="Still a must read")
    assert again.id == one.id and services.front.list_picks(limit=1) == [again]
    services.front.unpick(editor, story.id)
    assert len(services.front.list_picks()) == 2
    with pytest.raises(NotFoundError):
        services.front.unpick(editor, story.id)
    with pytest.raises(InvalidDataError):
        services.front.pick(editor)
    with pytest.raises(InvalidDataError):
        services.front.pick(editor, article_id=first.id, story_id=1)
    with pytest.raises(NotFoundError):
        services.front.pick(editor, article_id=999_999)


def test_monthly_report_and_csv(services: Services, store: SqlStore, clock: Clock) -> None:
    _, daily = add_article(store, "daily")
    _, weekly = add_article(store, "weekly")
    ann = services.accounts.sign_up("ann@example.org", PASSWORD)
    bob = services.accounts.sign_up("bob@example.org", PASSWORD)
    services.reading.read_article(ann, daily)
    services.reading.read_article(bob, daily)
    services.reading.read_article(ann, weekly)
    clock.advance(hours=1)
    services.reading.read_article(ann, daily)
    clock.now = clock.now.replace(month=12, day=1)
    services.membership.grant(ann.id, days=30)
    services.reading.read_article(ann, daily)  # December: not in November's report
    rows = services.membership.reading_report("2026-11")
    assert rows == [ReportRow("daily", "Daily", 3, 2), ReportRow("weekly", "Weekly", 1, 1)]
    assert services.membership.reading_report("2026-12") == [ReportRow("daily", "Daily", 1, 1)]
    assert services.membership.reading_report("2026-10") == []
    parsed = list(csv.reader(io.StringIO(report_csv(rows))))
    assert parsed == [
        ["publisher_id", "publisher", "reads", "unique_readers"],
        ["daily", "Daily", "3", "2"],
        ["weekly", "Weekly", "1", "1"],
    ]
    for bad in ("2026-13", "November", ""):
        with pytest.raises(InvalidDataError):
            services.membership.reading_report(bad)


def test_csv_defuses_formulas() -> None:
    text = report_csv([ReportRow("evil", "=HYPERLINK(1)", 1, 1)])
    assert "'=HYPERLINK(1)" in text


def test_deleting_an_account_removes_its_data_but_keeps_anonymous_reads(
    services: Services, store: SqlStore, clock: Clock
) -> None:
    publisher, article = add_article(store)
    assert article.id is not None
    ann = services.accounts.set_role(services.accounts.sign_up("ann@example.org", PASSWORD).id, Role.EDITOR)
    bob = services.accounts.sign_up("bob@example.org", PASSWORD)
    session = services.accounts.sign_in("ann@example.org", PASSWORD)
    services.accounts.request_password_reset("ann@example.org", base_url="http://x.test")
    services.membership.grant(ann.id, days=30)
    ann = services.accounts.set_role(ann.id, Role.READER)
    services.reading.read_article(ann, article, publisher)
    services.reading.read_article(bob, article, publisher)
    services.reading.save(ann.id, article.id)
    services.interests.follow(ann.id, Facet.PUBLISHER, publisher.id)
    services.interests.follow(ann.id, Facet.SECTION, "World")
    pick = services.front.pick(services.accounts.set_role(ann.id, Role.EDITOR), article_id=article.id)
    with pytest.raises(AuthenticationError):  # a wrong password keeps the account
        services.accounts.delete_account(ann.id, "wrong password!")

    services.accounts.delete_account(ann.id, PASSWORD)

    with pytest.raises(NotFoundError):
        services.accounts.get_reader(ann.id)
    assert services.accounts.reader_for_session(session.token) is None
    for table in ("sessions", "reset_tokens", "memberships", "follows", "saved_articles", "reading_history"):
        assert _count(store, table, f"reader_id = {ann.id}") == 0, table
    assert _count(store, "reading_records") == 2
    assert _count(store, "reading_records", f"reader_id = {ann.id}") == 0
    assert _count(store, "reading_records", "reader_ref LIKE 'deleted:%'") == 1
    assert services.membership.reading_report(clock.now.strftime("%Y-%m")) == [
        ReportRow("daily", "Daily", 2, 2)
    ]
    assert services.front.list_picks() == [dataclasses.replace(pick, picked_by=None)]
    assert services.accounts.get_reader(bob.id).email == "bob@example.org"
    with pytest.raises(NotFoundError):
        services.accounts.delete_reader(ann.id)
    # The address is free again.
    assert services.accounts.sign_up("ann@example.org", PASSWORD).id != ann.id


def test_read_needs_a_stored_article(services: Services, store: SqlStore) -> None:
    _, article = add_article(store)
    with pytest.raises(InvalidDataError):
        services.reading.read_article(None, dataclasses.replace(article, id=None))
