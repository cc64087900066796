"""Search: articles are indexed for full-text search in batches on SQLite.

Revision ID: 0007
Revises: 0006

Inserting an article used to index it at once, from a trigger, one row at a
time; that was the largest single cost of storing a feed. The insert trigger
now only notes the article in ``search_pending``, and the store indexes every
noted article with one INSERT ... SELECT: at the end of each write transaction
(so a single store call stays searchable when it returns), or, for ingestion,
once per round (``Store.index_search``). The notes are rows of the same
database, so a crash between storing and indexing loses nothing: the next
flush indexes them.

Updates and deletes keep the index in step as before, except for a noted
article, which is not in the index yet: its old words must not be deleted
from it (an external-content FTS5 table trusts the values it is given), and
its new ones will be indexed with the batch. PostgreSQL is unchanged.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_FTS_COLUMNS = "title, standfirst, body_text, authors, facets"
_INDEXED_COLUMNS = (
    "title, standfirst, body_text, authors, publisher_id, language, published, section, section_words"
)


def _values(prefix: str) -> str:
    return ", ".join(f"{prefix}.{c.strip()}" for c in _FTS_COLUMNS.split(","))


def _indexed(row: str) -> str:
    return f"NOT EXISTS (SELECT 1 FROM search_pending WHERE article_id = {row}.id)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE search_pending (article_id INTEGER PRIMARY KEY)")
    for trigger in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    delete_old = (
        f"INSERT INTO articles_fts(articles_fts, rowid, {_FTS_COLUMNS}) "
        f"SELECT 'delete', old.id, {_values('old')} WHERE {_indexed('old')};"
    )
    insert_new = (
        f"INSERT INTO articles_fts(rowid, {_FTS_COLUMNS}) "
        f"SELECT new.id, {_values('new')} WHERE {_indexed('new')};"
    )
    op.execute(
        "CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN "
        "INSERT OR IGNORE INTO search_pending (article_id) VALUES (new.id); END"
    )
    # One trigger per event, statements in order: the note is dropped only after the
    # index delete has looked at it.
    op.execute(
        f"CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN {delete_old} "
        "DELETE FROM search_pending WHERE article_id = old.id; END"
    )
    op.execute(
        f"CREATE TRIGGER articles_fts_au AFTER UPDATE OF {_INDEXED_COLUMNS} ON articles "
        f"BEGIN {delete_old} {insert_new} END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        f"INSERT INTO articles_fts(rowid, {_FTS_COLUMNS}) SELECT a.id, {_values('a')} "
        "FROM search_pending AS p JOIN articles AS a ON a.id = p.article_id"
    )
    for trigger in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    insert = f"INSERT INTO articles_fts(rowid, {_FTS_COLUMNS}) VALUES (new.id, {_values('new')});"
    delete = (
        f"INSERT INTO articles_fts(articles_fts, rowid, {_FTS_COLUMNS}) "
        f"VALUES ('delete', old.id, {_values('old')});"
    )
    op.execute(f"CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN {delete} END")
    op.execute(
        f"CREATE TRIGGER articles_fts_au AFTER UPDATE OF {_INDEXED_COLUMNS} ON articles "
        f"BEGIN {delete} {insert} END"
    )
    op.execute("DROP TABLE search_pending")
