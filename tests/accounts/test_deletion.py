"""Deleting an account leaves no personal data behind: no row of any table and no
development mail names the reader's address afterwards (both databases)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from newsstand.app import Services
from newsstand.app.subscriptions import EditAction
from newsstand.config import Settings
from newsstand.errors import AuthenticationError
from newsstand.mail import list_outbox, outbox_folder
from newsstand.model import Facet, Publisher
from newsstand.store import SqlStore

from .conftest import PASSWORD

EMAIL = "leaving.reader@example.org"


def rows_naming(store: SqlStore, needle: str) -> list[str]:
    """``table.column`` for every text value in the database holding ``needle`` (any case)."""
    found = []
    engine: sa.Engine = store._engine  # the test reads every table directly
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, (sa.String, sa.Text, sa.LargeBinary)):
                    continue
                if isinstance(column.type, sa.LargeBinary):
                    values = conn.execute(sa.select(column)).scalars()
                    if any(v and needle.encode() in bytes(v).lower() for v in values):
                        found.append(f"{table.name}.{column.name}")
                    continue
                hit = sa.select(sa.func.count()).where(sa.func.lower(column).contains(needle))
                if conn.execute(hit).scalar_one():
                    found.append(f"{table.name}.{column.name}")
    return found


def test_deleted_account_leaves_no_email_anywhere(
    services: Services, store: SqlStore, store_settings: Settings
) -> None:
    reader = services.accounts.sign_up(EMAIL, PASSWORD)
    for _ in range(2):  # failed sign-ins are recorded under the address
        with pytest.raises(AuthenticationError):
            services.accounts.sign_in(EMAIL, "not the password at all", address="192.0.2.7")
    services.accounts.request_password_reset(EMAIL, address="192.0.2.7")
    services.jobs.deliver_mail()  # the development outbox now holds mail to the reader
    assert rows_naming(store, EMAIL), "the scan finds the address while the account exists"
    assert any(EMAIL in e.to for e in list_outbox(outbox_folder(store_settings)))

    services.accounts.delete_account(reader.id, PASSWORD)

    assert rows_naming(store, EMAIL) == []
    assert [e.to for e in list_outbox(outbox_folder(store_settings)) if EMAIL in e.to.lower()] == []
    # Another reader's account and mail are untouched by the deletion.
    services.accounts.sign_up("stays@example.org", PASSWORD)
    services.jobs.deliver_mail()
    services.accounts.delete_reader(services.accounts.sign_up("third@example.org", PASSWORD).id)
    assert rows_naming(store, "stays@example.org")
    assert any("stays@example.org" in e.to for e in list_outbox(outbox_folder(store_settings)))


def test_deleted_account_leaves_no_folder_or_own_name(services: Services, store: SqlStore) -> None:
    """Folders and the reader's own names for subscriptions are personal data too."""
    store.add_publisher(Publisher("harbour-post", "Harbour Post", "https://harbour.example", "GB", "en"))
    reader = services.accounts.sign_up(EMAIL, PASSWORD)
    services.interests.follow(reader.id, Facet.PUBLISHER, "harbour-post")
    reader = services.accounts.get_reader(reader.id)
    services.subscriptions.edit(
        reader, EditAction.EDIT, ["harbour-post"], "Leaving harbour", add=["Leaving folder"]
    )
    assert services.subscriptions.folders(reader) == {"Leaving folder": ("harbour-post",)}
    assert rows_naming(store, "leaving folder") and rows_naming(store, "leaving harbour")

    services.accounts.delete_account(reader.id, PASSWORD)

    assert rows_naming(store, "leaving folder") == []
    assert rows_naming(store, "leaving harbour") == []
