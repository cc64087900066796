"""Readers' app passwords for the Google Reader and Fever APIs: the password as Argon2id, and
the SHA-256 of what each API's requests carry (the Google Reader Auth token, the Fever key).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_passwords",
        sa.Column("reader_id", sa.Integer, sa.ForeignKey("readers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("token_salt", sa.String(64), nullable=False),
        sa.Column("auth_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("fever_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("app_passwords")
