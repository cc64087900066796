"""Story merges: where a story folded into another now lives.

When a round's merge pass folds story A into story B, A's row goes; ``story_merges``
keeps A's id pointing at B, so links to A and readers' follows of A keep working.
Chains are kept short: when B in turn folds into C, A points at C.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "story_merges",
        sa.Column("story_id", sa.Integer, primary_key=True),
        sa.Column("merged_into", sa.Integer, nullable=False),
    )
    op.create_index("ix_story_merges_merged_into", "story_merges", ["merged_into"])


def downgrade() -> None:
    op.drop_index("ix_story_merges_merged_into", table_name="story_merges")
    op.drop_table("story_merges")
