"""Apply the numbered migrations shipped in ``store/migrations`` to a database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config() -> Config:
    """An Alembic config pointing at the package's migrations (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def pending(current: str | None) -> list[tuple[str, str]]:
    """The revisions after ``current`` up to the newest, oldest first: (id, first line of its docstring)."""
    script = ScriptDirectory.from_config(alembic_config())
    revisions = script.iterate_revisions(script.get_current_head(), current)
    return [(r.revision, " ".join((r.doc or "").split())) for r in reversed(list(revisions))]


def upgrade(engine: Engine, announce: Callable[[str], None] | None = None, to: str = "head") -> None:
    """Bring the database to the newest revision (or to revision ``to``, which a
    restore of an older backup needs); a no-op when it is there already.
    ``announce`` hears a line per pending migration of a database already in use
    (some rewrite a whole table and take minutes), before any of them runs.

    On SQLite the upgrade runs inside the BEGIN IMMEDIATE the engine opens, so
    two processes opening a fresh database at once migrate it one after the other.
    """
    current = current_revision(engine)
    if current == (head_revision() if to == "head" else to):
        return
    if announce is not None and current is not None:
        for revision, doc in pending(current):
            announce(f"Upgrading the database to {revision}: {doc}")
    cfg = alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Serialise concurrent first starts; the loser then finds the database at head.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7146251)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, to)
