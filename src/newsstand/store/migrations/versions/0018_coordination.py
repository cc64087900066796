"""Coordination between processes: leases (the scheduler's leadership, one-at-a-time steps),
feed claims (queued by the scheduler, held by the worker polling the feed), host slots
(fetches in flight to one host across workers), and on PostgreSQL a NOTIFY for every change
to a live blog's entries, so every web process hears of it.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("holder", sa.String(100), nullable=False),
        sa.Column("expires", _TS, nullable=False),
    )
    op.create_table(
        "feed_claims",
        sa.Column("feed_id", sa.Integer, sa.ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("queued_at", _TS, nullable=True),
        sa.Column("holder", sa.String(100), nullable=False, server_default=""),
        sa.Column("held_until", _TS, nullable=True),
    )
    op.create_table(
        "host_slots",
        sa.Column("host", sa.String(255), primary_key=True),
        sa.Column("holder", sa.String(100), primary_key=True),
        sa.Column("expires", _TS, nullable=False),
    )
    # Metrics count the fetches of the last minutes by outcome.
    op.create_index("ix_fetch_records_at", "fetch_records", ["at"])
    if op.get_bind().dialect.name == "postgresql":
        # Identical notifications in one transaction are delivered once: a fetch storing fifty
        # entries of one blog wakes its readers once.
        op.execute(
            """
            CREATE FUNCTION newsstand_live_notify() RETURNS trigger AS $$
            BEGIN
                PERFORM pg_notify('newsstand_live', NEW.article_id::text);
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER live_entries_notify AFTER INSERT OR UPDATE ON live_entries "
            "FOR EACH ROW EXECUTE FUNCTION newsstand_live_notify()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS live_entries_notify ON live_entries")
        op.execute("DROP FUNCTION IF EXISTS newsstand_live_notify()")
    op.drop_index("ix_fetch_records_at", "fetch_records")
    op.drop_table("host_slots")
    op.drop_table("feed_claims")
    op.drop_table("leases")
