"""Alembic environment: Newsstand runs migrations itself, on a connection it hands over.

``newsstand.store.sql.migrate.upgrade`` puts the connection in
``config.attributes["connection"]``; no alembic.ini is needed.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when run by hand without a connection
    raise RuntimeError("run Newsstand migrations through newsstand.store.open_store()")

context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
