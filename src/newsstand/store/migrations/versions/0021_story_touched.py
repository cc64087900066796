"""Stories remember the round that last wrote them; the story index is found by story too.

``stories.touched`` is the number of the ``save_stories`` call that last wrote a
story (``store_meta`` counts them): the store's in-memory cache of ``story_index``
orders each term's stories by it, most recently written last, and a process that
starts afresh rebuilds the same order from the table. ``ix_story_index_story``
serves the deletes by story (a merged or closed story leaving the index), which
otherwise read the whole index; ``ix_follows_kind_value`` finds the readers following
a story that a merge folds into another (a scan of every follow before).

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("stories", sa.Column("touched", sa.Integer, nullable=False, server_default="0"))
    op.create_index("ix_story_index_story", "story_index", ["story_id"])
    op.create_index("ix_follows_kind_value", "follows", ["kind", "value"])


def downgrade() -> None:
    op.drop_index("ix_follows_kind_value", table_name="follows")
    op.drop_index("ix_story_index_story", table_name="story_index")
    op.drop_column("stories", "touched")
