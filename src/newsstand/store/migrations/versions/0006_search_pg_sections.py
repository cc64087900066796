"""Search: sections beside the vectors on PostgreSQL, so GIN answers a section filter.

Revision ID: 0006
Revises: 0005

A section filter was an EXISTS on ``article_sections``: at a million articles the
planner joined the bitmap of every article holding the word with the bitmap of
every article in the section (tens of thousands of rows each) before keeping the
newest 1,000 (mid word + section: p50 124 ms). ``article_search.sections`` now
holds every section an article is listed in, with a GIN index, so the filter is a
second GIN bitmap ANDed with the word's before any row is read. Triggers on the
link table keep the array in step; the vectors, ranking and snippets are unchanged.

SQLite is unchanged (its sections are FTS facets since 0004).
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_SECTIONS_OF = (
    "coalesce((SELECT array_agg(l.section ORDER BY l.section) FROM article_sections AS l"
    " WHERE l.article_id = {id}), '{{}}')"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE article_search ADD COLUMN sections text[] NOT NULL DEFAULT '{}'")
    # Filling the column writes a new version of every row; with the vectors' GIN
    # index in place each would be inserted into it again, so it is rebuilt once.
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    op.execute("DROP INDEX IF EXISTS ix_article_search_search")
    op.execute(
        "UPDATE article_search AS s SET sections = l.sections FROM ("
        " SELECT article_id, array_agg(section ORDER BY section) AS sections"
        " FROM article_sections GROUP BY article_id) AS l WHERE l.article_id = s.article_id"
    )
    op.execute("CREATE INDEX ix_article_search_search ON article_search USING gin (search)")
    op.execute("CREATE INDEX ix_article_search_sections ON article_search USING gin (sections)")
    # Statistics for the new column, so the planner prices the sections bitmap.
    op.execute("ANALYZE article_search")
    _sync_function()
    op.execute(
        "CREATE TRIGGER article_sections_search AFTER INSERT OR DELETE OR UPDATE OF article_id, section "
        "ON article_sections FOR EACH ROW EXECUTE FUNCTION article_search_sections_sync()"
    )


def _sync_function() -> None:
    # NEW is null on DELETE and OLD on INSERT in PL/pgSQL (PostgreSQL 11+), so one
    # function covers the three events; an update may move a link between articles.
    op.execute(
        "CREATE FUNCTION article_search_sections_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"UPDATE article_search AS s SET sections = {_SECTIONS_OF.format(id='s.article_id')} "
        "WHERE s.article_id = NEW.article_id OR s.article_id = OLD.article_id; "
        "RETURN NULL; END $$"
    )
