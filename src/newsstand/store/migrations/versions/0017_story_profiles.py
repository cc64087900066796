"""Story profiles and store-wide word rarity: what clustering keeps between rounds.

Each story keeps its size, its summed term weights (JSON), how central its lead
is and until when it stays open; ``story_terms`` counts how many clustered
articles hold each term, and ``store_meta`` how many articles were counted.
``article_bands`` indexes articles by the band keys of their MinHash sketch, and
``story_index`` finds open stories by their strongest terms, so a round reads only
the stories its articles could join. ``article_copies`` names the earlier article a near copy repeats.
Stories made before this migration stay closed; ``newsstand stories rebuild``
gives them profiles.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("stories", sa.Column("size", sa.Integer, nullable=False, server_default="0"))
    op.add_column("stories", sa.Column("terms", sa.Text, nullable=False, server_default="{}"))
    op.add_column("stories", sa.Column("lead_score", sa.Float, nullable=False, server_default="0"))
    op.add_column("stories", sa.Column("open_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_stories_open_until", "stories", ["open_until"])
    op.create_table(
        "article_copies",
        sa.Column("article_id", sa.Integer, primary_key=True),
        sa.Column("copy_of", sa.Integer, nullable=False),
    )
    op.create_table(
        "article_bands",
        sa.Column("band", sa.BigInteger, primary_key=True),
        sa.Column("article_id", sa.Integer, primary_key=True),
    )
    op.create_table(
        "story_index",
        sa.Column("term", sa.String(200), primary_key=True),
        sa.Column("story_id", sa.Integer, primary_key=True),
    )
    op.create_table(
        "story_terms",
        sa.Column("term", sa.String(200), primary_key=True),
        sa.Column("df", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("story_terms")
    op.drop_table("story_index")
    op.drop_table("article_bands")
    op.drop_table("article_copies")
    op.drop_index("ix_stories_open_until", table_name="stories")
    for column in ("open_until", "lead_score", "terms", "size"):
        op.drop_column("stories", column)
