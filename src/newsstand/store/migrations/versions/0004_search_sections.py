"""Search: sections become filter words of the full-text index on SQLite.

Revision ID: 0004
Revises: 0003

A section filter used to cost a row look-up per full-text match; at a million
articles a mid-frequency word filtered to one section took up to 0.9 s. The
``facets`` column now also holds the article's sections, so the filter is part
of the MATCH like publisher, language and month (store/README.md, "Search").

Sections live in the ``article_sections`` link table, which a generated column
cannot read, so ``articles.section_words`` keeps the listed sections other than
the primary one (``articles.section``, in the facets directly), kept in step by
triggers on the link table. Most articles are listed only under their primary section, so adding
an article does not index it twice. The full-text index is rebuilt once.

PostgreSQL is unchanged.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Must stay the tokenizer of 0001: both databases index the same words.
_FTS5_TOKENIZER = "unicode61 remove_diacritics 0"
_FACETS = (
    "'p' || hex(publisher_id) || ' l' || hex(language) || ' m' || strftime('%Y%m', published)"
    " || ' s' || hex(section) || ' ' || section_words"
)
_FTS_COLUMNS = "title, standfirst, body_text, authors, facets"
# The listed sections other than the primary one, as facet words.
_OTHER_SECTIONS = (
    "coalesce((SELECT group_concat('s' || hex(s.section), ' ') FROM article_sections AS s"
    " WHERE s.article_id = articles.id AND s.section <> articles.section), '')"
)


def _fts_values(prefix: str) -> str:
    return ", ".join(f"{prefix}.{c.strip()}" for c in _FTS_COLUMNS.split(","))


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # The old facets column is named in the triggers and read by the FTS table.
    for trigger in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS articles_fts")
    op.execute("ALTER TABLE articles DROP COLUMN facets")
    op.add_column("articles", sa.Column("section_words", sa.Text, nullable=False, server_default=""))
    op.execute(f"UPDATE articles SET section_words = {_OTHER_SECTIONS}")
    op.execute(f"ALTER TABLE articles ADD COLUMN facets TEXT GENERATED ALWAYS AS ({_FACETS}) VIRTUAL")
    op.execute(
        f"CREATE VIRTUAL TABLE articles_fts USING fts5({_FTS_COLUMNS}, content='articles', "
        f"content_rowid='id', tokenize='{_FTS5_TOKENIZER}')"
    )
    op.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    _fts_triggers()
    _section_triggers()


def _fts_triggers() -> None:
    insert = f"INSERT INTO articles_fts(rowid, {_FTS_COLUMNS}) VALUES (new.id, {_fts_values('new')});"
    delete = (
        f"INSERT INTO articles_fts(articles_fts, rowid, {_FTS_COLUMNS}) "
        f"VALUES ('delete', old.id, {_fts_values('old')});"
    )
    op.execute(f"CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN {delete} END")
    op.execute(
        "CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, standfirst, body_text, authors, "
        f"publisher_id, language, published, section, section_words ON articles BEGIN {delete} {insert} END"
    )


def _section_triggers() -> None:
    # Listing an article under its primary section changes nothing: that word is in
    # the facets already, and skipping the update spares re-indexing the article.
    op.execute(
        "CREATE TRIGGER article_sections_words_ai AFTER INSERT ON article_sections BEGIN "
        "UPDATE articles SET section_words = section_words || ' s' || hex(new.section) "
        "WHERE id = new.article_id AND section <> new.section; END"
    )
    op.execute(
        "CREATE TRIGGER article_sections_words_ad AFTER DELETE ON article_sections BEGIN "
        f"UPDATE articles SET section_words = {_OTHER_SECTIONS} WHERE id = old.article_id; END"
    )
    op.execute(
        "CREATE TRIGGER article_sections_words_au AFTER UPDATE OF article_id, section ON article_sections "
        f"BEGIN UPDATE articles SET section_words = {_OTHER_SECTIONS} "
        "WHERE id IN (old.article_id, new.article_id); END"
    )
    # The primary section is in the facets through articles.section. The store never
    # replaces a primary section once set (the first sighting keeps it); replacing
    # it would drop the old one from the facets while it stays listed, and fixing
    # that up from a trigger on articles would re-index the article in a nested
    # trigger whose order against articles_fts_au SQLite does not define.
    op.execute(
        "CREATE TRIGGER articles_section_kept BEFORE UPDATE OF section ON articles "
        "WHEN old.section <> '' AND new.section IS NOT old.section BEGIN "
        "SELECT RAISE(ABORT, 'an article keeps the section it was first listed in'); END"
    )
