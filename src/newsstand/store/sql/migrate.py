"""Apply the numbered migrations shipped in ``store/migrations`` to a database."""

from __future__ import annotations

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


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest revision; a no-op when it is there already.

    On SQLite the upgrade runs inside the BEGIN IMMEDIATE the engine opens, so
    two processes opening a fresh database at once migrate it one after the other.
    """
    if current_revision(engine) == head_revision():
        return
    cfg = alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Serialise concurrent first starts; the loser then finds the database at head.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7146251)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
