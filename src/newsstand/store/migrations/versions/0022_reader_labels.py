"""Readers' own folders (labels a reader app makes that name no catalog section): one row per
subscription (a followed publisher) in a folder. A folder is its rows, so one with no
subscriptions left is gone. ``label`` is the name as the reader wrote it, ``label_key`` the
same name case-folded, which keeps a reader's folder names unique whatever their case.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reader_labels",
        sa.Column("reader_id", sa.Integer, sa.ForeignKey("readers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("label_key", sa.Text, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("publisher_id", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("reader_id", "label_key", "publisher_id"),
    )


def downgrade() -> None:
    op.drop_table("reader_labels")
