"""Stories: the same news event across publishers; articles point at their story.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        # No foreign key: articles are never deleted while their story lives, and
        # a rebuild replaces every story anyway.
        sa.Column("lead_article_id", sa.Integer, nullable=True),
        # Never reuse an id after a rebuild emptied the table: editors' picks and
        # readers' links name stories by id.
        sqlite_autoincrement=True,
    )
    op.create_index("ix_stories_last_updated", "stories", ["last_updated"])
    # Serves both "articles of this story" and "articles without a story, oldest first".
    op.create_index("ix_articles_story_published", "articles", ["story_id", "published"])


def downgrade() -> None:
    op.drop_index("ix_articles_story_published", table_name="articles")
    op.drop_table("stories")
