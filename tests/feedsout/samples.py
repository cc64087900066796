"""Articles to write into feeds: one member-readable, one paywalled, one awkward.

The paywall decisions come from the real ``decide_access``, for a reader with no
membership, so these tests check the writers against the decisions the web reader
would make.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsstand.accounts import decide_access
from newsstand.feedsout import FeedDocument, FeedItem
from newsstand.model import Access, AccessReason, Article, Image, LicenceTier, Publisher, Reader

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SECRET = "PAYWALLED-SENTENCE"  # appears only past the preview of the paywalled article
HUB = "https://hub.example/websub"

OPEN = Publisher("open-daily", "Open Daily", "https://open.example/", "GB", "en")
PARTNER = Publisher(
    "partner-times", "Partner Times", "https://partner.example/", "GB", "en", licence_tier=LicenceTier.PARTNER
)
STRANGER = Reader(id=7, email="stranger@example.org", created=NOW - timedelta(days=3))


def _paragraphs(words: list[str]) -> str:
    return "".join(f"<p>{w}</p>" for w in words)


FULL = Article(
    publisher_id=OPEN.id,
    url="https://open.example/world/2026/nov/20/talks",
    title="Talks resume in Geneva & Vienna",
    published=NOW - timedelta(hours=3),
    updated=NOW - timedelta(hours=1),
    id=101,
    standfirst="Delegations return after a <week> of silence",
    authors=("Ann Example", "Bo Sample"),
    section="World",
    sections=("World", "Europe"),
    tags=("diplomacy",),
    body_html=_paragraphs(["First open paragraph.", "Second open paragraph.", "Third open paragraph."]),
    images=(
        Image(
            url="https://img.open.example/talks.jpg",
            caption="Delegates arrive",
            credit="Photograph: Agency/Name",
            width=1200,
            height=800,
        ),
    ),
    language="en",
)
PAYWALLED = Article(
    publisher_id=PARTNER.id,
    url="https://partner.example/business/rates",
    title="Rates held for a third month",
    published=NOW - timedelta(hours=5),
    id=102,
    standfirst="The bank kept its rate at 4%",
    authors=("Cy Writer",),
    section="Business",
    body_html=_paragraphs(["Opening paragraph.", "Second paragraph.", "Third paragraph."])
    + f"<p>{SECRET} in the fourth paragraph.</p><figure><p>{SECRET} in a figure.</p></figure>",
    language="en",
)
AWKWARD = Article(
    publisher_id=OPEN.id,
    url="https://open.example/culture/caf%C3%A9?x=1&y=2",
    title="Zürich – 東京 ☕ \x0bcontrol\x00 chars and ]]> end",
    published=NOW - timedelta(days=1),
    id=103,
    standfirst="",
    body_html="<p>Code: <code>a &lt; b &amp;&amp; c</code> ]]&gt; and emoji 🚀</p>",
    language="de",
)


def make_doc() -> FeedDocument:
    return FeedDocument(
        title="Newsstand: World",
        self_url="https://news.example/feeds/world.xml",
        home_url="https://news.example/sections/world",
        generated=NOW,
        description="World news from every publisher",
        language="en",
        icon_url="https://news.example/static/icon.png",
        hubs=(HUB,),
    )


def _item(article: Article, publisher: Publisher) -> FeedItem:
    access = decide_access(STRANGER, None, article, publisher, NOW, preview_paragraphs=2)
    return FeedItem(
        article=article,
        access=access,
        link=f"https://news.example/articles/{article.id}",
        publisher_name=publisher.name,
    )


def make_items() -> list[FeedItem]:
    return [_item(FULL, OPEN), _item(PAYWALLED, PARTNER), _item(AWKWARD, OPEN)]


def member_item(article: Article) -> FeedItem:
    """``article`` as a member would get it."""
    return FeedItem(
        article, Access(True, AccessReason.MEMBER, 0), link=f"https://news.example/articles/{article.id}"
    )
