"""Band keys kept per article, looked up in memory: ``article_sketches`` replaces ``article_bands``.

``article_bands`` indexed every original article under each of its sixteen band
keys. The keys are random, so each round's inserts landed on as many different
pages of that index as there were keys: at a million stored articles it was most
of what a story round wrote (docs/decisions.md, "Near copies in memory").
``article_sketches`` keeps one row per original, its keys packed in one blob, in
article order (new rows go to the end); the store looks copies up among the
articles of the last days in an index it keeps in memory (``copywindow``).

The keys stored so far are carried over, one row per article.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_ROWS = 320_000  # band rows read at a time (about 20,000 articles)


def _pack(keys: list[int]) -> bytes:
    return struct.pack(f">{len(keys)}q", *sorted(keys))


def _carried(conn: sa.Connection) -> Iterator[list[dict[str, object]]]:
    """The stored band keys as sketch rows, a batch of articles at a time (read by ranges of
    article ids, so no cursor stays open while the batch is written)."""
    old = sa.table("article_bands", sa.column("band", sa.BigInteger), sa.column("article_id", sa.Integer))
    after = -1
    while True:
        stmt = (
            sa.select(old.c.article_id, old.c.band)
            .where(old.c.article_id > after)
            .order_by(old.c.article_id)
            .limit(_ROWS)
        )
        rows = conn.execute(stmt).all()
        if not rows:
            return
        last = rows[-1][0]
        if len(rows) == _ROWS and rows[0][0] != last:
            rows = [r for r in rows if r[0] != last]  # its keys may go on past the limit
        keys: dict[int, list[int]] = {}
        for article_id, band in rows:
            keys.setdefault(article_id, []).append(band)
        yield [{"article_id": a, "band_keys": _pack(k)} for a, k in keys.items()]
        after = rows[-1][0]


def upgrade() -> None:
    sketches = op.create_table(
        "article_sketches",
        sa.Column("article_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("band_keys", sa.LargeBinary, nullable=False),
    )
    conn = op.get_bind()
    for batch in _carried(conn):
        conn.execute(sketches.insert(), batch)
    op.drop_table("article_bands")


def downgrade() -> None:
    bands = op.create_table(
        "article_bands",
        sa.Column("band", sa.BigInteger, primary_key=True),
        sa.Column("article_id", sa.Integer, primary_key=True),
    )
    conn = op.get_bind()
    columns = (sa.column("article_id", sa.Integer), sa.column("band_keys", sa.LargeBinary))
    old = sa.table("article_sketches", *columns)
    rows = []
    for article_id, blob in conn.execute(sa.select(old.c.article_id, old.c.band_keys)).all():
        rows += [{"band": key, "article_id": article_id} for (key,) in struct.iter_unpack(">q", blob)]
    if rows:
        conn.execute(bands.insert(), rows)
    op.drop_table("article_sketches")
