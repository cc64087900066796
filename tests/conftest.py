"""Fixtures shared by every test package.

``shared_dir`` finds the project's shared test data (``../shared`` beside the
repository, or ``NEWSSTAND_SHARED_DIR``) and skips the test cleanly when it is
absent, so a fresh clone elsewhere still passes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from newsstand.config import Settings
    from newsstand.store import SqlStore

REPO_ROOT = Path(__file__).resolve().parents[1]


def _shared_root() -> Path:
    override = os.environ.get("NEWSSTAND_SHARED_DIR")
    return Path(override) if override else REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    root = _shared_root()
    if not (root / "data").is_dir():
        pytest.skip(f"shared test data not found at {root}")
    return root


@pytest.fixture(scope="session")
def shared_data(shared_dir: Path) -> Path:
    return shared_dir / "data"


# --- storage -------------------------------------------------------------------------
#
# ``store`` runs a test on SQLite and on PostgreSQL. The PostgreSQL side uses one
# throwaway database per test session (``ns_test_<random>``, dropped at the end), so
# engineers running tests at the same time never share one; each test starts from
# empty tables. PostgreSQL being unreachable skips those tests, unless
# NEWSSTAND_REQUIRE_POSTGRES=1 (CI) turns that into a failure.

PG_ADMIN_URL = os.environ.get("NEWSSTAND_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_unavailable(reason: str) -> NoReturn:
    if os.environ.get("NEWSSTAND_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required (NEWSSTAND_REQUIRE_POSTGRES=1) but {reason}")
    pytest.skip(f"PostgreSQL not available: {reason}")


def _create_pg_database() -> tuple[str, Callable[[], None]]:
    """Create a database with a random name; return its URL and a function that drops it."""
    import secrets

    import sqlalchemy as sa

    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"ns_test_{secrets.token_hex(6)}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as e:
        admin.dispose()
        _pg_unavailable(str(e).splitlines()[0])

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a migrated throwaway PostgreSQL database for this test session."""
    from newsstand.store import open_url

    url, drop = _create_pg_database()
    try:
        open_url(url).close()  # migrate once; tests then only empty the tables
        yield url
    finally:
        drop()


@pytest.fixture
def fresh_pg_url() -> Iterator[str]:
    """URL of an empty, unmigrated PostgreSQL database for one test."""
    url, drop = _create_pg_database()
    try:
        yield url
    finally:
        drop()


def _empty_pg_tables(url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        names = conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        ).scalars()
        # DELETE with foreign-key triggers off is ~20x faster than TRUNCATE on small
        # tables; ids keep counting up, so tests must not assume id values.
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for name in list(names):
            conn.exec_driver_sql(f'DELETE FROM "{name}"')
    engine.dispose()


def _settings_for(data_dir: Path, database_url: str = "") -> Settings:
    from newsstand.config import load_settings

    env = {"NEWSSTAND_DATA_DIR": str(data_dir)}
    if database_url:
        env["NEWSSTAND_DATABASE_URL"] = database_url
    return load_settings(environ=env)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings naming an empty database: SQLite in tmp_path, or the session's PostgreSQL one."""
    if request.param == "sqlite":
        return _settings_for(tmp_path / "data")
    url: str = request.getfixturevalue("pg_url")
    _empty_pg_tables(url)
    return _settings_for(tmp_path / "data", url)


@pytest.fixture
def store(store_settings: Settings) -> Iterator[SqlStore]:
    """An empty, migrated store; the test runs once on SQLite and once on PostgreSQL."""
    from newsstand.store import open_store

    opened = open_store(store_settings)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqlStore]:
    """An empty, migrated SQLite store in tmp_path (for tests that need only one database)."""
    from newsstand.store import open_store

    opened = open_store(_settings_for(tmp_path / "data"))
    yield opened
    opened.close()


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[SqlStore]:
    """An empty PostgreSQL store (the session's database with its tables emptied)."""
    from newsstand.store import open_url

    _empty_pg_tables(pg_url)
    opened = open_url(pg_url)
    yield opened
    opened.close()
