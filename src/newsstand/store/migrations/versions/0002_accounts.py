"""Accounts: readers, sessions, reset tokens, sign-in attempts, memberships, follows,
saved articles, reading history, reading records for publisher payment, editors' picks.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _dt(name: str, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _reader_fk(nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column[int]:
    return sa.Column(
        "reader_id", sa.Integer, sa.ForeignKey("readers.id", ondelete=ondelete), nullable=nullable
    )


def _article_fk(nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column[int]:
    return sa.Column(
        "article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete=ondelete), nullable=nullable
    )


def upgrade() -> None:
    _readers()
    _reading()
    _picks()


def _readers() -> None:
    op.create_table(
        "readers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("display_name", sa.Text, nullable=False, server_default=""),
        sa.Column("role", sa.String(16), nullable=False, server_default="reader"),
        _dt("created", nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        _reader_fk(),
        _dt("created", nullable=False),
        _dt("expires", nullable=False),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_sessions_reader", "sessions", ["reader_id"])
    op.create_table(
        "reset_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        _reader_fk(),
        _dt("created", nullable=False),
        _dt("expires", nullable=False),
    )
    op.create_index("ix_reset_tokens_reader", "reset_tokens", ["reader_id"])
    op.create_table(
        "auth_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(320), nullable=False),
        _dt("at", nullable=False),
    )
    op.create_index("ix_auth_attempts_key_at", "auth_attempts", ["key", "at"])
    op.create_table(
        "memberships",
        sa.Column("reader_id", sa.Integer, sa.ForeignKey("readers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        _dt("started", nullable=False),
        _dt("ends"),
        sa.Column("provider", sa.String(32), nullable=False, server_default="manual"),
        _dt("cancelled"),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )


def _reading() -> None:
    op.create_table(
        "follows",
        _reader_fk(),
        sa.Column("kind", sa.String(16), nullable=False),  # "publisher" or "section"
        sa.Column("value", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("reader_id", "kind", "value"),
    )
    op.create_table(
        "saved_articles",
        _reader_fk(),
        _article_fk(),
        _dt("saved", nullable=False),
        sa.PrimaryKeyConstraint("reader_id", "article_id"),
    )
    op.create_index("ix_saved_articles_reader_saved", "saved_articles", ["reader_id", "saved"])
    op.create_table(
        "reading_history",
        _reader_fk(),
        _article_fk(),
        _dt("read", nullable=False),
        sa.PrimaryKeyConstraint("reader_id", "article_id"),
    )
    op.create_index("ix_reading_history_reader_read", "reading_history", ["reader_id", "read"])
    # Records for publisher payment outlive the reader's account: reader_id goes NULL
    # and reader_ref becomes a random pseudonym, so unique-reader counts stay true.
    # No foreign key to publishers: removing a publisher must not erase what it is owed.
    op.create_table(
        "reading_records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _reader_fk(nullable=True, ondelete="SET NULL"),
        sa.Column("reader_ref", sa.String(64), nullable=False),
        _article_fk(nullable=True, ondelete="SET NULL"),
        sa.Column("publisher_id", sa.String(100), nullable=False),
        _dt("at", nullable=False),
    )
    op.create_index("ix_reading_records_at", "reading_records", ["at", "publisher_id"])
    op.create_index("ix_reading_records_reader_article", "reading_records", ["reader_id", "article_id", "at"])


def _picks() -> None:
    # story_id has no foreign key: the stories table arrives in a later migration.
    op.create_table(
        "picks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _article_fk(nullable=True),
        sa.Column("story_id", sa.Integer, nullable=True, unique=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("picked_by", sa.Integer, sa.ForeignKey("readers.id", ondelete="SET NULL"), nullable=True),
        _dt("picked", nullable=False),
        sa.UniqueConstraint("article_id", name="uq_picks_article"),
    )
    op.create_index("ix_picks_picked", "picks", ["picked"])


def downgrade() -> None:
    for table in (
        "picks",
        "reading_records",
        "reading_history",
        "saved_articles",
        "follows",
        "memberships",
        "auth_attempts",
        "reset_tokens",
        "sessions",
        "readers",
    ):
        op.drop_table(table)
