"""Newsstand: all your news in one place.

The public API: domain types, errors, settings and the storage entry point.
The CLI and web app use Newsstand through these names like any other caller.
"""

from newsstand.config import Settings, load_settings
from newsstand.errors import NewsstandError
from newsstand.model import (
    Article,
    ArticleKind,
    Feed,
    Image,
    LiveEntry,
    Membership,
    MembershipState,
    Publisher,
    Reader,
    SearchQuery,
    Story,
)

__version__ = "0.1.0"

__all__ = [
    "Article",
    "ArticleKind",
    "Feed",
    "Image",
    "LiveEntry",
    "Membership",
    "MembershipState",
    "NewsstandError",
    "Publisher",
    "Reader",
    "SearchQuery",
    "Settings",
    "Story",
    "__version__",
    "load_settings",
]
