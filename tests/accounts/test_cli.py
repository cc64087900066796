"""The users, members, outbox and report commands, run in-process on a SQLite data folder."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from newsstand.app import Services
from newsstand.cli import main
from newsstand.config import load_settings
from newsstand.errors import ConflictError, InvalidFieldError
from newsstand.model import MembershipState, Role
from newsstand.store import SqlStore, open_store
from support import make_services

from .conftest import PASSWORD, add_article


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def run(data_dir: Path, *args: str, input: str | None = None) -> Result:
    env = {"NEWSSTAND_DATA_DIR": str(data_dir), "NEWSSTAND_CONFIG": "", "NEWSSTAND_DATABASE_URL": ""}
    return CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=True)


def ok(data_dir: Path, *args: str, input: str | None = None) -> str:
    result = run(data_dir, *args, input=input)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def _accounts(data_dir: Path) -> tuple[Services, SqlStore]:
    settings = load_settings({"NEWSSTAND_DATA_DIR": str(data_dir)})
    store = open_store(settings)
    return make_services(store, settings), store


def test_users_create_list_set_role_delete(data_dir: Path) -> None:
    out = ok(
        data_dir, "users", "create", "Ops@Example.org", "--admin", "--password-stdin", input=PASSWORD + "\n"
    )
    assert "Created admin ops@example.org" in out
    ok(data_dir, "users", "create", "ann@example.org", input=PASSWORD + "\n")
    listed = ok(data_dir, "users", "list", "--json")
    assert '"email": "ops@example.org"' in listed and '"role": "admin"' in listed
    assert '"membership": "trial"' in listed  # a reader created by hand gets the trial too
    assert "editor" in ok(data_dir, "users", "set-role", "ann@example.org", "editor")
    services, store = _accounts(data_dir)
    try:
        assert services.accounts.get_reader_by_email("ann@example.org").role is Role.EDITOR
        assert services.accounts.sign_in("ops@example.org", PASSWORD).reader.is_admin
    finally:
        store.close()
    assert "Deleted ann@example.org" in ok(data_dir, "users", "delete", "ann@example.org", "--yes")
    assert "ann@example.org" not in ok(data_dir, "users", "list")


def test_users_create_refuses_weak_password_and_duplicates(data_dir: Path) -> None:
    weak = run(data_dir, "users", "create", "ops@example.org", "--admin", input="short\n")
    assert isinstance(weak.exception, InvalidFieldError)
    ok(data_dir, "users", "create", "ops@example.org", "--admin", input=PASSWORD + "\n")
    again = run(data_dir, "users", "create", "OPS@example.org", input=PASSWORD + "\n")
    assert isinstance(again.exception, ConflictError)
    refused = run(data_dir, "users", "delete", "ops@example.org", input="n\n")
    assert refused.exit_code != 0 and "ops@example.org" in ok(data_dir, "users", "list")


def test_members_grant_extend_end_list_show(data_dir: Path) -> None:
    ok(data_dir, "users", "create", "ann@example.org", "--no-trial", input=PASSWORD + "\n")
    assert "no membership" in ok(data_dir, "members", "show", "ann@example.org")
    assert "active" in ok(data_dir, "members", "grant", "ann@example.org", "--days", "30", "--note", "inv 7")
    extended = ok(data_dir, "members", "extend", "ann@example.org", "--days", "5")
    assert "active" in extended
    listed = ok(data_dir, "members", "list", "--json")
    assert '"state": "active"' in listed and '"note": "inv 7"' in listed
    ok(data_dir, "members", "grant", "ann@example.org", "--until", "2099-12-31")
    assert "2100-01-01 00:00 UTC" in ok(data_dir, "members", "show", "ann@example.org")
    assert "cancelled" in ok(data_dir, "members", "end", "ann@example.org")
    services, store = _accounts(data_dir)
    try:
        reader = services.accounts.get_reader_by_email("ann@example.org")
        assert services.membership.membership_state(reader.id) is MembershipState.CANCELLED
    finally:
        store.close()
    both = run(data_dir, "members", "grant", "ann@example.org", "--days", "3", "--forever")
    assert both.exit_code == 2 and "exactly one" in both.output


def test_outbox_lists_shows_and_clears_reset_mail(data_dir: Path) -> None:
    assert "empty" in ok(data_dir, "outbox")
    ok(data_dir, "users", "create", "ann@example.org", input=PASSWORD + "\n")
    services, store = _accounts(data_dir)
    try:
        services.accounts.request_password_reset("ann@example.org", base_url="http://127.0.0.1:8080")
    finally:
        store.close()
    listed = ok(data_dir, "outbox")  # delivers what was queued, then lists it
    assert "Confirm your email address" in listed and "Reset your password" in listed
    shown = ok(data_dir, "outbox", "--show", "2")
    assert "To: ann@example.org" in shown and "http://127.0.0.1:8080/account/reset/" in shown
    assert run(data_dir, "outbox", "--show", "3").exit_code == 2
    assert "Deleted 2" in ok(data_dir, "outbox", "--clear")
    assert "empty" in ok(data_dir, "outbox")


def test_report_reads_as_table_and_csv(data_dir: Path) -> None:
    services, store = _accounts(data_dir)
    try:
        _, article = add_article(store)
        reader = services.accounts.sign_up("ann@example.org", PASSWORD)
        services.reading.read_article(reader, article)
    finally:
        store.close()
    month = datetime.now(UTC).strftime("%Y-%m")
    assert "Daily (daily)" in ok(data_dir, "report", "reads", "--month", month)
    out_file = data_dir / "reads.csv"
    assert "Wrote 1 publishers" in ok(data_dir, "report", "reads", "--month", month, "--csv", str(out_file))
    rows = list(csv.reader(io.StringIO(out_file.read_text())))
    assert rows == [["publisher_id", "publisher", "reads", "unique_readers"], ["daily", "Daily", "1", "1"]]
    assert ok(data_dir, "report", "reads", "--month", month, "--csv", "-").startswith("publisher_id,")
    assert run(data_dir, "report", "reads", "--month", "nope").exit_code != 0


def test_members_grant_paid_and_report_payouts(data_dir: Path) -> None:
    services, store = _accounts(data_dir)
    try:
        _, article = add_article(store)
        reader = services.accounts.sign_up("ann@example.org", PASSWORD, start_trial=False)
    finally:
        store.close()
    assert "Granted" in ok(data_dir, "members", "grant", "ann@example.org", "--paid", "monthly")
    assert (
        run(data_dir, "members", "grant", "ann@example.org", "--paid", "monthly", "--forever").exit_code == 2
    )
    assert run(data_dir, "members", "grant", "ann@example.org", "--paid", "platinum").exit_code == 1
    services, store = _accounts(data_dir)
    try:
        services.reading.read_article(services.accounts.get_reader(reader.id), article)
    finally:
        store.close()
    month = datetime.now(UTC).strftime("%Y-%m")
    table = ok(data_dir, "report", "payouts", "--month", month)
    assert "Daily (daily)" in table and "EUR" in table
    rows = list(
        csv.DictReader(io.StringIO(ok(data_dir, "report", "payouts", "--month", month, "--csv", "-")))
    )
    daily = next(r for r in rows if r["publisher_id"] == "daily")
    revenue = next(r for r in rows if r["publisher"] == "revenue")
    assert daily["reads"] == "1" and daily["amount"] == revenue["amount"]  # the only paid read takes it all
