"""Operations on a reader's own things, for the token's reader only: who they are, what they
follow, save and have read, and For you. Writes answer 204 and are idempotent: doing one twice
changes nothing the second time."""

from __future__ import annotations

from newsstand.api.v1 import cursors
from newsstand.api.v1 import views as v
from newsstand.api.v1.ops_news import PUBLISHER_ID, SECTION
from newsstand.api.v1.spec import ARTICLE_ID, CURSOR, Auth, Call, Operation, limit_param
from newsstand.model import ArticleAt, Facet


def me(c: Call) -> v.MeView:
    assert c.viewer is not None
    return v.me(c.viewer)


def follows(c: Call) -> v.FollowsView:
    reader = c.reader
    return v.FollowsView(reader.followed_publishers, reader.followed_sections)


def follow_publisher(c: Call) -> None:
    c.services.interests.follow(c.reader.id, Facet.PUBLISHER, c.params["publisher_id"])


def unfollow_publisher(c: Call) -> None:
    c.services.interests.unfollow(c.reader.id, Facet.PUBLISHER, c.params["publisher_id"])


def follow_section(c: Call) -> None:
    c.services.interests.follow(c.reader.id, Facet.SECTION, c.params["name"])


def unfollow_section(c: Call) -> None:
    c.services.interests.unfollow(c.reader.id, Facet.SECTION, c.params["name"])


def _kept(items: list[ArticleAt], limit: int, scope: str) -> v.KeptList:
    after = None
    if len(items) == limit and items[-1].article.id is not None:
        after = cursors.after_time(items[-1].at, items[-1].article.id, scope)
    return v.KeptList(tuple(v.kept(i) for i in items), after)


def saved(c: Call) -> v.KeptList:
    before = cursors.time_and_id(c.params["cursor"], "saved")
    return _kept(c.services.reading.saved(c.reader.id, c.params["limit"], before), c.params["limit"], "saved")


def save(c: Call) -> None:
    c.services.reading.save(c.reader.id, c.params["article_id"])


def unsave(c: Call) -> None:
    c.services.reading.unsave(c.reader.id, c.params["article_id"])


def history(c: Call) -> v.KeptList:
    before = cursors.time_and_id(c.params["cursor"], "history")
    items = c.services.reading.history(c.reader.id, c.params["limit"], before)
    return _kept(items, c.params["limit"], "history")


def mark_read(c: Call) -> None:
    c.services.reading.mark_read(c.reader.id, c.params["article_id"])


def mark_unread(c: Call) -> None:
    c.services.reading.mark_unread(c.reader.id, c.params["article_id"])


def for_you(c: Call) -> v.ForYouList:
    limit = c.params["limit"]
    cards = c.services.front.for_you(c.reader, limit, cursors.article_id(c.params["cursor"], "foryou"))
    last = cards[-1].article.id if len(cards) == limit else None
    after = cursors.encode("foryou", last) if last else None
    return v.ForYouList(tuple(v.for_you(card) for card in cards), after)


PAGED = (limit_param(), CURSOR)
R = Auth.REQUIRED

OPERATIONS: tuple[Operation, ...] = (
    Operation("getMe", "GET", "/me", "me", "The token's reader, membership and token.", me, v.MeView, auth=R),
    Operation("getFollows", "GET", "/me/follows", "follows", "What the reader follows.", follows,
              v.FollowsView, auth=R),
    Operation("followPublisher", "PUT", "/me/follows/publishers/{publisher_id}", "follows",
              "Follow a publisher.", follow_publisher, None, (PUBLISHER_ID,), auth=R, not_found=True),
    Operation("unfollowPublisher", "DELETE", "/me/follows/publishers/{publisher_id}", "follows",
              "Stop following a publisher.", unfollow_publisher, None, (PUBLISHER_ID,), auth=R),
    Operation("followSection", "PUT", "/me/follows/sections/{name}", "follows", "Follow a section.",
              follow_section, None, (SECTION,), auth=R),
    Operation("unfollowSection", "DELETE", "/me/follows/sections/{name}", "follows",
              "Stop following a section.", unfollow_section, None, (SECTION,), auth=R),
    Operation("listSaved", "GET", "/me/saved", "saved", "Saved articles, most recently saved first.",
              saved, v.KeptList, PAGED, auth=R),
    Operation("saveArticle", "PUT", "/me/saved/{article_id}", "saved", "Save an article.", save, None,
              (ARTICLE_ID,), auth=R, not_found=True),
    Operation("unsaveArticle", "DELETE", "/me/saved/{article_id}", "saved", "Remove a saved article.",
              unsave, None, (ARTICLE_ID,), auth=R),
    Operation("listHistory", "GET", "/me/history", "read", "Reading history, most recent first.",
              history, v.KeptList, PAGED, auth=R,
              description="Articles read in full (here or on the web) or marked read, each once."),
    Operation("markRead", "PUT", "/me/read/{article_id}", "read", "Mark an article read.", mark_read,
              None, (ARTICLE_ID,), auth=R, not_found=True,
              description="Puts the article in the reading history. It is not a read for the "
              "publisher's payment: that takes reading the article (GET /articles/{article_id})."),
    Operation("markUnread", "DELETE", "/me/read/{article_id}", "read", "Mark an article unread.",
              mark_unread, None, (ARTICLE_ID,), auth=R),
    Operation("listForYou", "GET", "/me/for-you", "me",
              "For you: the newest articles from what the reader follows, each with its reason.",
              for_you, v.ForYouList, (limit_param(20, 50), CURSOR), auth=R),
)  # fmt: skip
