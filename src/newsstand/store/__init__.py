"""Storage: the ``Store`` interface and ``open_store`` to get one."""

from newsstand.store.base import FeedItem, Store
from newsstand.store.sql import SqlStore, open_store, open_url
from newsstand.store.sql.search import snippet_html

__all__ = ["FeedItem", "SqlStore", "Store", "open_store", "open_url", "snippet_html"]
