"""Readers' API tokens (only their SHA-256 is kept) and token buckets for the API's rate limits.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("reader_id", sa.Integer, sa.ForeignKey("readers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_tokens_reader", "api_tokens", ["reader_id"])
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.String(320), primary_key=True),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    # Pruning finds the buckets nobody used for a while.
    op.create_index("ix_rate_buckets_updated", "rate_buckets", ["updated"])


def downgrade() -> None:
    op.drop_index("ix_rate_buckets_updated", table_name="rate_buckets")
    op.drop_table("rate_buckets")
    op.drop_index("ix_api_tokens_reader", table_name="api_tokens")
    op.drop_table("api_tokens")
