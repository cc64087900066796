"""``SqlStore``: the one Store implementation, on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from newsstand.config import Settings
from newsstand.errors import StorageError
from newsstand.store.sql import migrate
from newsstand.store.sql.accounts import AccountsMixin
from newsstand.store.sql.apitokens import ApiTokensMixin
from newsstand.store.sql.apppasswords import AppPasswordsMixin
from newsstand.store.sql.billing import BillingMixin
from newsstand.store.sql.catalog import CatalogMixin
from newsstand.store.sql.coordination import CoordinationMixin
from newsstand.store.sql.engine import make_engine
from newsstand.store.sql.feeds import FeedStateMixin
from newsstand.store.sql.live import LiveMixin
from newsstand.store.sql.mail import MailMixin
from newsstand.store.sql.meta import MetaMixin
from newsstand.store.sql.notify import Listener, listen
from newsstand.store.sql.profile import ProfileMixin
from newsstand.store.sql.push import PushMixin
from newsstand.store.sql.reading import ReadingMixin
from newsstand.store.sql.search import SearchMixin
from newsstand.store.sql.stories import StoriesMixin
from newsstand.store.sql.streams import StreamsMixin
from newsstand.store.sql.titles import TitlesMixin


class SqlStore(
    FeedStateMixin,
    CatalogMixin,
    LiveMixin,
    SearchMixin,
    AccountsMixin,
    ReadingMixin,
    StreamsMixin,
    TitlesMixin,
    StoriesMixin,
    MetaMixin,
    MailMixin,
    ApiTokensMixin,
    AppPasswordsMixin,
    BillingMixin,
    ProfileMixin,
    PushMixin,
    CoordinationMixin,
):
    """Everything in ``newsstand.store.base.Store``, on SQLAlchemy Core."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for modules that add their own tables (see store/README.md)."""
        return self._engine

    def listen_live(self, on_change: Callable[[int], None]) -> Listener | None:
        return listen(self._engine, on_change)

    def url(self) -> str:
        return self._engine.url.render_as_string(hide_password=False)


def open_store(settings: Settings, announce: Callable[[str], None] | None = None) -> SqlStore:
    """Open the database the settings name, creating the SQLite data folder and
    applying any pending migrations (told to ``announce`` first, see
    ``migrate.upgrade``). Raises StorageError when it cannot."""
    return open_url(database_url(settings), announce)


def database_url(settings: Settings) -> str:
    """The URL of the database the settings name, with the default SQLite data
    folder created. Raises StorageError when it cannot be."""
    url = settings.effective_database_url
    if url.startswith("sqlite") and not settings.database_url:
        try:
            settings.data_path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StorageError(f"cannot create the data folder {settings.data_path}: {e}") from e
    return url


def open_url(url: str, announce: Callable[[str], None] | None = None) -> SqlStore:
    """Open a store at a SQLAlchemy URL, migrating it. Raises StorageError."""
    engine = make_engine(url)
    try:
        migrate.upgrade(engine, announce)
    except StorageError:
        engine.dispose()
        raise
    except Exception as e:
        engine.dispose()
        raise StorageError(f"cannot open or migrate the database: {e}") from e
    return SqlStore(engine)
