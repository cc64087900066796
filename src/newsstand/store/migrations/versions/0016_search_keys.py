"""Search: every article keeps the stems of its words with accents folded, indexed on both databases.

Revision ID: 0016
Revises: 0015

``articles.search_keys`` holds one key per distinct word of the article's title,
standfirst, authors and body: the word stemmed in the article's language and
folded (store/sql/searchwords.py). The store writes it with the article; this
migration fills it in for the articles already stored, in Python, since the keys
come from Snowball stemmers the databases do not share.

SQLite: the FTS5 table gains a sixth column, ``search_keys``, so an unquoted word
can match ``{title standfirst body_text authors} : "word" OR search_keys : "key"``;
it is rebuilt once, with the batch-indexing triggers of 0007. PostgreSQL: the
keys join each article's vector with weight C (unused until now), so a query asks
``'word':ABD | 'key':C``.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from newsstand.store.sql.searchwords import text_keys

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_FTS5_TOKENIZER = "unicode61 remove_diacritics 0"  # as 0001: both databases index the same words
_FTS_COLUMNS = "title, standfirst, body_text, authors, facets, search_keys"
_INDEXED_COLUMNS = (
    "title, standfirst, body_text, authors, publisher_id, language, published, section, section_words, "
    "search_keys"
)
_BATCH = 500


def _pg_words(column: str) -> str:
    # As 0001: split on anything but letters and digits, as SQLite's unicode61 does.
    return f"to_tsvector('simple', regexp_replace(coalesce({column}, ''), '[^[:alnum:]]+', ' ', 'g'))"


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("articles", sa.Column("search_keys", sa.Text, nullable=False, server_default=""))
    if bind.dialect.name == "sqlite":
        for trigger in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        _fill_keys(bind)
        _sqlite_index()
    else:
        _pg_vectors()
        _fill_keys(bind)  # the trigger recomputes each vector as its keys arrive


def _fill_keys(bind: Any) -> None:
    last = 0
    select = sa.text(
        "SELECT id, language, title, standfirst, authors, body_text FROM articles"
        " WHERE id > :last ORDER BY id LIMIT :n"
    )
    update = sa.text("UPDATE articles SET search_keys = :keys WHERE id = :id")
    while True:
        rows = list(bind.execute(select, {"last": last, "n": _BATCH}))
        if not rows:
            return
        params = [
            {
                "id": r.id,
                "keys": text_keys(r.language, r.title, r.standfirst, _authors(r.authors), r.body_text),
            }
            for r in rows
        ]
        bind.execute(update, params)
        last = rows[-1].id


def _authors(raw: str) -> str:
    try:
        names = json.loads(raw or "[]")
    except ValueError:
        return raw
    return " ".join(str(n) for n in names) if isinstance(names, list) else raw


def _sqlite_index() -> None:
    op.execute("DROP TABLE IF EXISTS articles_fts")
    op.execute(
        f"CREATE VIRTUAL TABLE articles_fts USING fts5({_FTS_COLUMNS}, content='articles', "
        f"content_rowid='id', tokenize='{_FTS5_TOKENIZER}')"
    )
    op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    op.execute("DELETE FROM search_pending")  # the rebuild indexed every article
    values_old = ", ".join(f"old.{c.strip()}" for c in _FTS_COLUMNS.split(","))
    values_new = ", ".join(f"new.{c.strip()}" for c in _FTS_COLUMNS.split(","))
    indexed = "NOT EXISTS (SELECT 1 FROM search_pending WHERE article_id = {row}.id)"
    delete_old = (
        f"INSERT INTO articles_fts(articles_fts, rowid, {_FTS_COLUMNS}) "
        f"SELECT 'delete', old.id, {values_old} WHERE {indexed.format(row='old')};"
    )
    insert_new = (
        f"INSERT INTO articles_fts(rowid, {_FTS_COLUMNS}) "
        f"SELECT new.id, {values_new} WHERE {indexed.format(row='new')};"
    )
    op.execute(
        "CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN "
        "INSERT OR IGNORE INTO search_pending (article_id) VALUES (new.id); END"
    )
    op.execute(
        f"CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN {delete_old} "
        "DELETE FROM search_pending WHERE article_id = old.id; END"
    )
    op.execute(
        f"CREATE TRIGGER articles_fts_au AFTER UPDATE OF {_INDEXED_COLUMNS} ON articles "
        f"BEGIN {delete_old} {insert_new} END"
    )


def _pg_vectors() -> None:
    vector = (
        f"setweight({_pg_words('NEW.title')}, 'A') || setweight({_pg_words('NEW.standfirst')}, 'B') || "
        f"setweight({_pg_words('NEW.authors')}, 'B') || setweight({_pg_words('NEW.body_text')}, 'D') || "
        "setweight(to_tsvector('simple', coalesce(NEW.search_keys, '')), 'C')"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION article_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO article_search (article_id, publisher_id, language, published, search) "
        f"VALUES (NEW.id, NEW.publisher_id, NEW.language, NEW.published, {vector}) "
        "ON CONFLICT (article_id) DO UPDATE SET publisher_id = EXCLUDED.publisher_id, "
        "language = EXCLUDED.language, published = EXCLUDED.published, search = EXCLUDED.search; "
        "RETURN NULL; END $$"
    )
    op.execute("DROP TRIGGER IF EXISTS article_search_sync ON articles")
    op.execute(
        "CREATE TRIGGER article_search_sync AFTER INSERT OR UPDATE OF title, standfirst, body_text, "
        "authors, publisher_id, language, published, search_keys ON articles "
        "FOR EACH ROW EXECUTE FUNCTION article_search_sync()"
    )


def downgrade() -> None:
    raise NotImplementedError("0013 is not reversible: restore a backup taken before it")
