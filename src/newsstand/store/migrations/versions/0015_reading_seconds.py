"""Reading time kept with every reader's history, not only with reads counted for payment:
For you weighs what a reader stayed with.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reading_history") as batch:
        batch.add_column(sa.Column("seconds", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("reading_history") as batch:
        batch.drop_column("seconds")
