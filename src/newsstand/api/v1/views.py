"""What the API answers with: frozen dataclasses, one per JSON object, made from domain types.

These types are the document's schemas (``spec.document`` turns them into JSON Schema) and the
encoder's input, so what the document promises and what a handler sends cannot drift apart.
An article's body appears in one type only, ``ArticleDetail``, and only as the paywall left it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from msgspec import Meta

from newsstand.app.interests import Following, Item
from newsstand.app.personal import ForYou, ReasonCard
from newsstand.app.reading import ArticlePage, LivePage
from newsstand.app.tokens import TokenViewer
from newsstand.model import (
    Access,
    AccessReason,
    ApiToken,
    Article,
    ArticleAt,
    Facet,
    Image,
    LicenceTier,
    LiveEntry,
    MembershipState,
    Publisher,
    Reader,
    Role,
    SearchHit,
    Story,
)

# Every time the API gives is aware UTC, written as RFC 3339.
Instant = Annotated[datetime, Meta(tz=True)]
Kind = Literal["article", "liveblog"]


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """What went wrong: ``code`` is stable for programs, ``message`` is for people."""

    code: str
    message: str
    details: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """Every error the API answers with has this shape."""

    error: ErrorDetail


@dataclass(frozen=True, slots=True)
class ImageView:
    url: str
    caption: str
    credit: str
    alt: str
    width: int | None
    height: int | None


@dataclass(frozen=True, slots=True)
class PublisherView:
    """A publisher. ``licence`` decides what non-members read of its articles."""

    id: str
    name: str
    homepage: str
    country: str
    language: str
    sections: tuple[str, ...]
    logo_url: str
    licence: LicenceTier


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """An article as lists show it: never any of its body."""

    id: int
    publisher_id: str
    kind: Kind
    title: str
    standfirst: str
    authors: tuple[str, ...]
    section: str
    sections: tuple[str, ...]
    language: str
    published: Instant
    updated: Instant | None
    url: str  # the publisher's page
    web_path: str  # the reader's page on this site
    story_id: int | None
    lead_image: ImageView | None


@dataclass(frozen=True, slots=True)
class AccessView:
    """The paywall's decision for this reader: with ``full`` false, ``body_html`` holds only the
    opening ``preview_paragraphs`` paragraphs (a live blog: that many newest entries)."""

    full: bool
    reason: AccessReason
    preview_paragraphs: int


@dataclass(frozen=True, slots=True)
class EntryView:
    """One entry of a live blog."""

    id: str
    posted: Instant
    updated: Instant | None
    title: str
    body_html: str
    key_event: bool
    pinned: bool
    summary: bool
    images: tuple[ImageView, ...]


@dataclass(frozen=True, slots=True)
class LiveView:
    """A live blog's entries as this reader may see them, newest first."""

    pinned: tuple[EntryView, ...]
    entries: tuple[EntryView, ...]
    hidden: int  # entries the paywall holds back
    latest: Instant  # ask /entries?since= this for what comes next


@dataclass(frozen=True, slots=True)
class ArticleDetail:
    """One article for one reader: the body as the paywall allows, the same story from other
    publishers, related stories, and (for a live blog) its entries."""

    article: ArticleSummary
    access: AccessView
    body_html: str
    images: tuple[ImageView, ...]
    tags: tuple[str, ...]
    saved: bool | None  # None without a token
    coverage: tuple[ArticleSummary, ...]
    related: tuple[ArticleSummary, ...]
    live: LiveView | None


@dataclass(frozen=True, slots=True)
class EntryList:
    """Live-blog entries changed after ``since``, oldest change first."""

    article_id: int
    access: AccessView
    items: tuple[EntryView, ...]
    next_since: Instant | None  # the newest change given: ask again with it


@dataclass(frozen=True, slots=True)
class ArticleList:
    items: tuple[ArticleSummary, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class PublisherList:
    items: tuple[PublisherView, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class SectionView:
    name: str
    publishers: int  # how many publishers list it


@dataclass(frozen=True, slots=True)
class SectionList:
    items: tuple[SectionView, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class StoryView:
    """The same news event across publishers."""

    id: int
    title: str
    first_seen: Instant
    last_updated: Instant
    lead_article_id: int | None
    publisher_ids: tuple[str, ...]
    articles: int


@dataclass(frozen=True, slots=True)
class StoryList:
    items: tuple[StoryView, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class SearchHitView:
    """A search result. ``snippet`` is HTML-escaped text with matches in ``<mark>``; where the
    paywall keeps the article's text from this reader, it is cut from the paywall's preview."""

    article: ArticleSummary
    snippet: str
    rank: float


@dataclass(frozen=True, slots=True)
class SearchResults:
    items: tuple[SearchHitView, ...]
    next_cursor: str | None
    total_estimate: int | None


@dataclass(frozen=True, slots=True)
class FollowsView:
    """What the reader follows: it shapes For you. Stories by id, topics by key
    (``person:``, ``place:`` or ``topic:`` and a name)."""

    publishers: tuple[str, ...]
    sections: tuple[str, ...]
    stories: tuple[int, ...]
    topics: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TrainedView:
    """One of the trainer's choices: ``facet`` and ``value`` name it (send them back to change
    or forget it), ``label`` says it for people."""

    facet: Facet
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class TrainerView:
    """What the reader taught For you's trainer: a like ranks matching articles up, a hide
    keeps them out of For you altogether."""

    likes: tuple[TrainedView, ...]
    hides: tuple[TrainedView, ...]


@dataclass(frozen=True, slots=True)
class KeptArticle:
    """An article with the time the reader saved it or read it."""

    article: ArticleSummary
    at: Instant


@dataclass(frozen=True, slots=True)
class KeptList:
    items: tuple[KeptArticle, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class ForYouItem:
    article: ArticleSummary
    reason: str


@dataclass(frozen=True, slots=True)
class ForYouList:
    items: tuple[ForYouItem, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class ChoiceView:
    """Something a reader we know little about could follow, with how many of the newest
    articles are about it."""

    facet: Facet
    value: str
    label: str
    articles: int


@dataclass(frozen=True, slots=True)
class LearnedForYou:
    """For you as the front page makes it, best first: learned from follows, the trainer's
    likes and hides and the reader's reading, with no story or publisher filling it, each
    article with its reason. ``choices`` is what a reader we know little about could follow
    (empty otherwise)."""

    items: tuple[ForYouItem, ...]
    choices: tuple[ChoiceView, ...]


@dataclass(frozen=True, slots=True)
class TokenView:
    id: int
    name: str
    created: Instant
    last_used: Instant | None


@dataclass(frozen=True, slots=True)
class MembershipView:
    state: MembershipState
    ends: Instant | None


@dataclass(frozen=True, slots=True)
class MeView:
    """The reader a token belongs to."""

    id: int
    email: str
    display_name: str
    role: Role
    membership: MembershipView | None
    token: TokenView


# --- from domain types ------------------------------------------------------------------------


def image(i: Image) -> ImageView:
    return ImageView(i.url, i.caption, i.credit, i.alt, i.width, i.height)


def publisher(p: Publisher) -> PublisherView:
    return PublisherView(
        p.id, p.name, p.homepage, p.country, p.language, p.sections, p.logo_url, p.licence_tier
    )


def summary(a: Article) -> ArticleSummary:
    assert a.id is not None
    kind: Kind = "liveblog" if a.is_liveblog else "article"
    lead = image(a.images[0]) if a.images else None
    web_path = f"/{'live' if a.is_liveblog else 'article'}/{a.id}"
    return ArticleSummary(
        a.id, a.publisher_id, kind, a.title, a.standfirst, a.authors, a.section, a.sections,
        a.language, a.published, a.updated, a.url, web_path, a.story_id, lead,
    )  # fmt: skip


def access(a: Access) -> AccessView:
    return AccessView(a.full, a.reason, 0 if a.full else a.preview_paragraphs)


def entry(e: LiveEntry) -> EntryView:
    images = tuple(image(i) for i in e.images)
    return EntryView(
        e.entry_id, e.posted, e.updated, e.title, e.body_html, e.key_event, e.pinned, e.summary, images
    )


def article_detail(page: ArticlePage, signed_in: bool) -> ArticleDetail:
    a = page.article
    return ArticleDetail(
        summary(a),
        access(page.access),
        page.body_html,
        tuple(image(i) for i in a.images),
        a.tags,
        page.saved if signed_in else None,
        tuple(summary(c) for c in page.coverage),
        tuple(summary(r) for r in page.related),
        None,
    )


def live_detail(page: LivePage, signed_in: bool) -> ArticleDetail:
    a = page.article
    live = LiveView(
        tuple(entry(e) for e in page.pinned), tuple(entry(e) for e in page.entries), page.hidden, page.latest
    )
    return ArticleDetail(
        summary(a),
        access(page.access),
        "",  # a live blog's text is its entries
        tuple(image(i) for i in a.images),
        a.tags,
        page.saved if signed_in else None,
        (),
        (),
        live,
    )


def story(s: Story) -> StoryView:
    return StoryView(
        s.id, s.title, s.first_seen, s.last_updated, s.lead_article_id, s.publisher_ids, len(s.article_ids)
    )


def hit(h: SearchHit) -> SearchHitView:
    return SearchHitView(summary(h.article), h.snippet, h.rank)


def kept(item: ArticleAt) -> KeptArticle:
    return KeptArticle(summary(item.article), item.at)


def for_you(card: ReasonCard) -> ForYouItem:
    return ForYouItem(summary(card.article), card.reason)


def learned(found: ForYou) -> LearnedForYou:
    choices = tuple(ChoiceView(c.facet, c.value, c.label, c.articles) for c in found.choices)
    return LearnedForYou(tuple(for_you(card) for card in found.cards), choices)


def follows(r: Reader) -> FollowsView:
    return FollowsView(r.followed_publishers, r.followed_sections, r.followed_stories, r.followed_topics)


def trainer(following: Following) -> TrainerView:
    def trained(items: tuple[Item, ...]) -> tuple[TrainedView, ...]:
        return tuple(TrainedView(i.facet, i.value, i.label) for i in items)

    return TrainerView(trained(following.likes), trained(following.hides))


def token(t: ApiToken) -> TokenView:
    return TokenView(t.id, t.name, t.created, t.last_used)


def me(viewer: TokenViewer) -> MeView:
    r, m = viewer.reader, viewer.membership
    membership = None if m is None else MembershipView(m.state, m.ends)
    return MeView(r.id, r.email, r.display_name, r.role, membership, token(viewer.token))
