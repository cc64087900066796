"""WebSub subscriptions: one per feed and hub, with the secret pushes are signed with and the
lease the hub granted.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("feed_id", sa.Integer, sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
        sa.Column("hub_url", sa.Text, nullable=False),
        sa.Column("topic_url", sa.Text, nullable=False),
        sa.Column("callback_id", sa.String(64), nullable=False, unique=True),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("requested", _TS, nullable=False),
        sa.Column("lease_seconds", sa.Integer, nullable=True),
        sa.Column("verified", _TS, nullable=True),
        sa.Column("expires", _TS, nullable=True),
        sa.Column("last_push", _TS, nullable=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_push_subscriptions_feed", "push_subscriptions", ["feed_id"])


def downgrade() -> None:
    op.drop_index("ix_push_subscriptions_feed", table_name="push_subscriptions")
    op.drop_table("push_subscriptions")
