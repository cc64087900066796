"""The mail queue: messages kept until a deliverer has sent them, with their attempts.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_queue",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=True, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("state", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_token", sa.String(32), nullable=False, server_default=""),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sa.Column("sent", sa.DateTime(timezone=True), nullable=True),
    )
    # What a deliverer asks for: rows in a state whose due time has come. A claimed row's
    # next_attempt is the end of its lease, so one condition finds due and abandoned rows.
    op.create_index("ix_mail_queue_due", "mail_queue", ["state", "next_attempt"])


def downgrade() -> None:
    op.drop_index("ix_mail_queue_due", table_name="mail_queue")
    op.drop_table("mail_queue")
