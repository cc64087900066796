"""Paid memberships and what readers chose: billing records and the provider events applied,
payments, reading time, readers' time zones and confirmed addresses, the daily digest.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def _reader(
    ondelete: str = "CASCADE", *, primary_key: bool = False, nullable: bool = False
) -> sa.Column[int]:
    fk = sa.ForeignKey("readers.id", ondelete=ondelete)
    return sa.Column("reader_id", sa.Integer, fk, primary_key=primary_key, nullable=nullable)


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: rebuilding ``readers`` on SQLite would cascade
    # the drop of the old table into every table that refers to it.
    op.add_column("readers", sa.Column("time_zone", sa.String(64), nullable=False, server_default=""))
    op.add_column("readers", sa.Column("email_verified", _TS, nullable=True))
    op.add_column("reading_records", sa.Column("seconds", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "email_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        _reader(),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("created", _TS, nullable=False),
        sa.Column("expires", _TS, nullable=False),
    )
    op.create_table(
        "billing_records",
        _reader(primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("as_of", _TS, nullable=False),
        sa.Column("rank", sa.Integer, nullable=False, server_default="0"),
        sa.Column("customer", sa.String(255), nullable=False, server_default=""),
        sa.Column("subscription", sa.String(255), nullable=False, server_default=""),
        sa.Column("price", sa.String(255), nullable=False, server_default=""),
        sa.Column("period_end", _TS, nullable=True),
        sa.Column("grace_until", _TS, nullable=True),
        sa.Column("started", _TS, nullable=True),
        sa.Column("seen", sa.Text, nullable=False, server_default="[]"),
    )
    op.create_index("ix_billing_records_customer", "billing_records", ["customer"])
    op.create_table(
        "billing_events",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("received", _TS, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("reader_id", sa.Integer, nullable=True),
        sa.Column("applied", sa.Boolean, nullable=False),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(255), nullable=False),
        _reader("SET NULL", nullable=True),
        sa.Column("reader_ref", sa.String(64), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("paid", _TS, nullable=False),
        sa.Column("period_start", _TS, nullable=False),
        sa.Column("period_end", _TS, nullable=False),
        sa.Column("plan", sa.String(64), nullable=False, server_default=""),
        sa.UniqueConstraint("provider", "reference", name="uq_payments_reference"),
    )
    op.create_index("ix_payments_period", "payments", ["period_start", "period_end"])
    op.create_table(
        "digest_subscriptions",
        _reader(primary_key=True),
        sa.Column("minute", sa.Integer, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("last_edition", sa.String(10), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("digest_subscriptions")
    op.drop_index("ix_payments_period", table_name="payments")
    op.drop_table("payments")
    op.drop_table("billing_events")
    op.drop_index("ix_billing_records_customer", table_name="billing_records")
    op.drop_table("billing_records")
    op.drop_table("email_tokens")
    with op.batch_alter_table("reading_records") as batch:
        batch.drop_column("seconds")
    with op.batch_alter_table("readers") as batch:
        batch.drop_column("email_verified")
        batch.drop_column("time_zone")
