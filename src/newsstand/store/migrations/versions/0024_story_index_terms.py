"""A story's index terms kept in its own row: ``stories.index_terms`` replaces ``story_index``.

``story_index`` held one row per (term, story), under a primary key ordered by
term: each round's new stories added their sixteen strongest terms at as many
places of that index, and at a million stored articles it was most of what a
story round still wrote (docs/decisions.md, "Story index in the stories' rows").
The terms now sit in the story's row, which every round that writes a story
rewrites anyway; the store loads its index of open stories from them
(``storycache``), and a closed story's terms are emptied.

The terms indexed so far are carried over.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

_ROWS = 200_000  # index rows read at a time

_stories = sa.table("stories", sa.column("id", sa.Integer), sa.column("index_terms", sa.Text))


def _carried(conn: sa.Connection) -> Iterator[list[dict[str, object]]]:
    """Each story's indexed terms, a batch of stories at a time (read by ranges of story ids,
    so no cursor stays open while the batch is written)."""
    old = sa.table("story_index", sa.column("term", sa.String), sa.column("story_id", sa.Integer))
    after = -1
    while True:
        stmt = (
            sa.select(old.c.story_id, old.c.term)
            .where(old.c.story_id > after)
            .order_by(old.c.story_id, old.c.term)
            .limit(_ROWS)
        )
        rows = conn.execute(stmt).all()
        if not rows:
            return
        last = rows[-1][0]
        if len(rows) == _ROWS and rows[0][0] != last:
            rows = [r for r in rows if r[0] != last]  # its terms may go on past the limit
        terms: dict[int, list[str]] = {}
        for story_id, term in rows:
            terms.setdefault(story_id, []).append(term)
        yield [{"key": s, "terms": " ".join(held)} for s, held in terms.items()]
        after = rows[-1][0]


def upgrade() -> None:
    op.add_column("stories", sa.Column("index_terms", sa.Text, nullable=False, server_default=""))
    conn = op.get_bind()
    update = (
        _stories.update()
        .where(_stories.c.id == sa.bindparam("key"))
        .values(index_terms=sa.bindparam("terms"))
    )
    for batch in _carried(conn):
        conn.execute(update, batch)
    op.drop_table("story_index")


def downgrade() -> None:
    index = op.create_table(
        "story_index",
        sa.Column("term", sa.String(200), primary_key=True),
        sa.Column("story_id", sa.Integer, primary_key=True),
    )
    op.create_index("ix_story_index_story", "story_index", ["story_id"])
    conn = op.get_bind()
    rows = [
        {"term": term, "story_id": story_id}
        for story_id, terms in conn.execute(sa.select(_stories.c.id, _stories.c.index_terms)).all()
        for term in terms.split()
    ]
    if rows:
        conn.execute(index.insert(), rows)
    op.drop_column("stories", "index_terms")
