"""The SQL implementation of the Store, one module per aggregate."""

from newsstand.store.sql.store import SqlStore, open_store, open_url

__all__ = ["SqlStore", "open_store", "open_url"]
