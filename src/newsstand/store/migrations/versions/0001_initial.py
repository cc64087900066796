"""Catalog, feed state and health, articles with their sections, live entries, search.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Both databases index the same token stream so that one query finds the same
# articles on either: runs of letters and digits, lower-cased, no stemming, no
# stop words, diacritics kept. See store/README.md, "Search".
_FTS5_TOKENIZER = "unicode61 remove_diacritics 0"


def _dt(name: str, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    _catalog()
    _feed_state()
    _articles()
    _live_entries()
    if op.get_bind().dialect.name == "postgresql":
        _search_postgresql()
    else:
        _search_sqlite()


def _catalog() -> None:
    op.create_table(
        "publishers",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("homepage", sa.Text, nullable=False, server_default=""),
        sa.Column("country", sa.String(8), nullable=False, server_default=""),
        sa.Column("language", sa.String(16), nullable=False, server_default=""),
        sa.Column("sections", sa.Text, nullable=False, server_default="[]"),
        sa.Column("logo_url", sa.Text, nullable=False, server_default=""),
        sa.Column("licence_tier", sa.String(16), nullable=False, server_default="open"),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("url", sa.Text, nullable=False, unique=True),
        sa.Column(
            "publisher_id",
            sa.String(100),
            sa.ForeignKey("publishers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("section", sa.Text, nullable=False, server_default=""),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("disabled_reason", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_feeds_publisher", "feeds", ["publisher_id", "section"])


def _feed_state() -> None:
    op.create_table(
        "feed_states",
        sa.Column("feed_id", sa.Integer, sa.ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("etag", sa.Text, nullable=False, server_default=""),
        sa.Column("last_modified", sa.Text, nullable=False, server_default=""),
        _dt("last_fetched"),
        _dt("last_success"),
        _dt("next_poll"),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sa.Column("failing", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "fetch_records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("feed_id", sa.Integer, sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
        _dt("at", nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("bytes", sa.Integer, nullable=False),
        sa.Column("new_entries", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_entries", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
        _dt("next_poll"),
    )
    op.create_index("ix_fetch_records_feed_at", "fetch_records", ["feed_id", "at"])


def _articles() -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("publisher_id", sa.String(100), nullable=False),
        sa.Column("url", sa.Text, nullable=False, unique=True),
        sa.Column("guid", sa.Text, nullable=False, server_default=""),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("standfirst", sa.Text, nullable=False, server_default=""),
        sa.Column("authors", sa.Text, nullable=False, server_default="[]"),
        sa.Column("section", sa.Text, nullable=False, server_default=""),
        sa.Column("body_html", sa.Text, nullable=False, server_default=""),
        sa.Column("body_text", sa.Text, nullable=False, server_default=""),
        sa.Column("images", sa.Text, nullable=False, server_default="[]"),
        _dt("published", nullable=False),
        _dt("updated"),
        sa.Column("language", sa.String(16), nullable=False, server_default=""),
        sa.Column("kind", sa.String(16), nullable=False, server_default="article"),
        sa.Column("tags", sa.Text, nullable=False, server_default="[]"),
        sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
        sa.Column("full_text", sa.Boolean, nullable=False, server_default=sa.false()),
        _dt("fetched"),
        sa.Column("story_id", sa.Integer),
    )
    op.create_index("ix_articles_published", "articles", ["published", "id"])
    op.create_index("ix_articles_publisher_published", "articles", ["publisher_id", "published"])
    op.create_index(
        "ux_articles_publisher_guid",
        "articles",
        ["publisher_id", "guid"],
        unique=True,
        sqlite_where=sa.text("guid <> ''"),
        postgresql_where=sa.text("guid <> ''"),
    )
    op.create_table(
        "article_sections",
        sa.Column(
            "article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("section", sa.Text, primary_key=True),
        sa.Column("feed_id", sa.Integer, sa.ForeignKey("feeds.id", ondelete="SET NULL")),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_article_sections_section", "article_sections", ["section", "article_id"])
    op.create_index("ix_article_sections_feed", "article_sections", ["feed_id"])


def _live_entries() -> None:
    op.create_table(
        "live_entries",
        sa.Column(
            "article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("entry_id", sa.Text, primary_key=True),
        _dt("posted", nullable=False),
        sa.Column("title", sa.Text, nullable=False, server_default=""),
        sa.Column("body_html", sa.Text, nullable=False, server_default=""),
        sa.Column("body_text", sa.Text, nullable=False, server_default=""),
        _dt("updated"),
        sa.Column("key_event", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("pinned", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("summary", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("marked_updated", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
        sa.Column("images", sa.Text, nullable=False, server_default="[]"),
    )
    op.create_index("ix_live_entries_posted", "live_entries", ["article_id", "posted"])


# Filter values as single index words in a column of their own, so that a filter
# narrows the full-text match inside FTS5 instead of costing a row look-up for every
# match: publisher and language (hex keeps any id one word) and publication month.
_FACETS = "'p' || hex(publisher_id) || ' l' || hex(language) || ' m' || strftime('%Y%m', published)"
_FTS_COLUMNS = "title, standfirst, body_text, authors, facets"


def _fts_values(prefix: str) -> str:
    return ", ".join(f"{prefix}.{c.strip()}" for c in _FTS_COLUMNS.split(","))


def _search_sqlite() -> None:
    # External-content FTS5 table over the articles table, kept in step by triggers,
    # so every write path (the store's and any later migration's) stays indexed.
    op.execute(f"ALTER TABLE articles ADD COLUMN facets TEXT GENERATED ALWAYS AS ({_FACETS}) VIRTUAL")
    op.execute(
        f"CREATE VIRTUAL TABLE articles_fts USING fts5({_FTS_COLUMNS}, content='articles', "
        f"content_rowid='id', tokenize='{_FTS5_TOKENIZER}')"
    )
    insert = f"INSERT INTO articles_fts(rowid, {_FTS_COLUMNS}) VALUES (new.id, {_fts_values('new')});"
    delete = (
        f"INSERT INTO articles_fts(articles_fts, rowid, {_FTS_COLUMNS}) "
        f"VALUES ('delete', old.id, {_fts_values('old')});"
    )
    op.execute(f"CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN {delete} END")
    op.execute(
        "CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, standfirst, body_text, authors, "
        f"publisher_id, language, published ON articles BEGIN {delete} {insert} END"
    )


def _pg_words(column: str) -> str:
    # Split on anything but letters and digits, as SQLite's unicode61 tokenizer does,
    # so "e-mail", "3.5" or URLs become the same words on both databases.
    return f"to_tsvector('simple', regexp_replace(coalesce({column}, ''), '[^[:alnum:]]+', ' ', 'g'))"


def _search_postgresql() -> None:
    # A narrow table beside the articles: the GIN index finds matching ids, and the
    # filters and the id order are read from small rows instead of wide article rows.
    op.execute(
        "CREATE TABLE article_search ("
        " article_id integer PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,"
        " publisher_id varchar(100) NOT NULL,"
        " language varchar(16) NOT NULL,"
        " published timestamptz NOT NULL,"
        " search tsvector NOT NULL)"
    )
    op.execute("CREATE INDEX ix_article_search_search ON article_search USING gin (search)")
    op.execute("CREATE INDEX ix_article_search_publisher ON article_search (publisher_id, article_id)")
    op.execute("CREATE INDEX ix_article_search_published ON article_search (published)")
    vector = (
        f"setweight({_pg_words('NEW.title')}, 'A') || setweight({_pg_words('NEW.standfirst')}, 'B') || "
        f"setweight({_pg_words('NEW.authors')}, 'B') || setweight({_pg_words('NEW.body_text')}, 'D')"
    )
    op.execute(
        "CREATE FUNCTION article_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO article_search (article_id, publisher_id, language, published, search) "
        f"VALUES (NEW.id, NEW.publisher_id, NEW.language, NEW.published, {vector}) "
        "ON CONFLICT (article_id) DO UPDATE SET publisher_id = EXCLUDED.publisher_id, "
        "language = EXCLUDED.language, published = EXCLUDED.published, search = EXCLUDED.search; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER article_search_sync AFTER INSERT OR UPDATE OF title, standfirst, body_text, "
        "authors, publisher_id, language, published ON articles "
        "FOR EACH ROW EXECUTE FUNCTION article_search_sync()"
    )
