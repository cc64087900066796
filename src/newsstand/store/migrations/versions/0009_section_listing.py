"""Listings by section read an index in publication order: ``article_sections`` keeps each
article's publication time beside its section.

A section page, a section row of the front page or a reader's followed sections asked
for the newest articles whose section, or any section they are listed in, matched:
the database walked articles newest first and tested each one, which at 20,000
articles took 128 ms for a section few articles are in and grows with the store. With
``published`` copied into the link table and indexed after ``section``, the newest
articles of a section are an index range read newest first, whatever the store's size.

Triggers keep the copy true, so no writer has to remember it: a new link takes its
article's time, and an article whose publication time is corrected passes it on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_PG_FUNCTIONS = """
CREATE FUNCTION article_sections_take_published() RETURNS trigger AS $$
BEGIN
  NEW.published := (SELECT published FROM articles WHERE id = NEW.article_id);
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE FUNCTION articles_pass_published() RETURNS trigger AS $$
BEGIN
  UPDATE article_sections SET published = NEW.published WHERE article_id = NEW.id;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER article_sections_published_bi BEFORE INSERT ON article_sections
  FOR EACH ROW EXECUTE FUNCTION article_sections_take_published();
CREATE TRIGGER articles_published_au AFTER UPDATE OF published ON articles
  FOR EACH ROW WHEN (OLD.published IS DISTINCT FROM NEW.published)
  EXECUTE FUNCTION articles_pass_published();
"""

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER article_sections_published_ai AFTER INSERT ON article_sections BEGIN "
    "UPDATE article_sections SET published = (SELECT published FROM articles WHERE id = new.article_id) "
    "WHERE article_id = new.article_id AND section = new.section; END",
    "CREATE TRIGGER articles_published_au AFTER UPDATE OF published ON articles "
    "WHEN old.published IS NOT new.published BEGIN "
    "UPDATE article_sections SET published = new.published WHERE article_id = new.id; END",
)


def upgrade() -> None:
    op.add_column("article_sections", sa.Column("published", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE article_sections SET published = "
        "(SELECT published FROM articles WHERE articles.id = article_sections.article_id)"
    )
    op.create_index("ix_article_sections_listing", "article_sections", ["section", "published", "article_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTIONS)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS articles_published_au ON articles")
        op.execute("DROP TRIGGER IF EXISTS article_sections_published_bi ON article_sections")
        op.execute("DROP FUNCTION IF EXISTS articles_pass_published()")
        op.execute("DROP FUNCTION IF EXISTS article_sections_take_published()")
    else:
        op.execute("DROP TRIGGER IF EXISTS articles_published_au")
        op.execute("DROP TRIGGER IF EXISTS article_sections_published_ai")
    op.drop_index("ix_article_sections_listing", "article_sections")
    op.drop_column("article_sections", "published")
