"""Readers' own names for what they follow: a subscription renamed in a reader app (a
publisher, ``kind`` "publisher") or a label renamed (a followed section, ``kind``
"section"). Personal: the catalog's names stay as they are for everyone else.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reader_titles",
        sa.Column("reader_id", sa.Integer, sa.ForeignKey("readers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("reader_id", "kind", "value"),
    )


def downgrade() -> None:
    op.drop_table("reader_titles")
