"""Plain data the accounts package hands out besides the domain types in ``model``.

Kept apart from the service modules so the storage layer can import these types
without importing the services (which in turn use the store).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from newsstand.model import Article, Membership, MembershipState, Reader


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A server-side session as stored: only the hash of the cookie's token is kept."""

    token_hash: str
    reader_id: int
    created: datetime
    expires: datetime
    address: str = ""


@dataclass(frozen=True, slots=True)
class SessionGrant:
    """What a successful sign-in returns: the raw token goes into the cookie, once."""

    token: str
    reader: Reader
    expires: datetime


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One line of the members list: the reader, the stored membership and its state now."""

    reader: Reader
    membership: Membership
    state: MembershipState


@dataclass(frozen=True, slots=True)
class ArticleAt:
    """An article with the time a reader saved or read it."""

    article: Article
    at: datetime


@dataclass(frozen=True, slots=True)
class Pick:
    """An editor's pick: an article or a story, with an optional note."""

    id: int
    picked: datetime
    article_id: int | None = None
    story_id: int | None = None
    note: str = ""
    picked_by: int | None = None  # None once the editor's account is deleted


@dataclass(frozen=True, slots=True)
class ReportRow:
    """Full reads of one publisher's articles in a month."""

    publisher_id: str
    publisher_name: str
    reads: int
    unique_readers: int


class AccessReason(enum.StrEnum):
    """Why the paywall decision came out as it did (shown in logs and used by templates)."""

    STAFF = "staff"  # editors and admins read everything
    MEMBER = "member"
    TRIAL = "trial"
    OPEN_LICENCE = "open_licence"  # open publishers: everyone reads what we have
    ANONYMOUS = "anonymous"
    NO_MEMBERSHIP = "no_membership"
    LAPSED = "lapsed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Access:
    """The paywall decision for one reader and one article.

    ``full`` says whether the whole body may be shown; otherwise the page shows the
    headline, standfirst and ``preview_paragraphs`` opening paragraphs.
    ``counts_for_payment`` says whether the read goes into the publisher report.
    """

    full: bool
    reason: AccessReason
    preview_paragraphs: int
    counts_for_payment: bool = False
