"""Operations on a reader's own things, for the token's reader only: who they are, what they
follow, save and have read, what they taught For you's trainer, and For you. Writes answer 204
and are idempotent: doing one twice changes nothing the second time. Follows and the trainer go
through ``InterestService``, as the web pages' forms do."""

from __future__ import annotations

from newsstand.api.v1 import cursors
from newsstand.api.v1 import views as v
from newsstand.api.v1.ops_news import PUBLISHER_ID, SECTION, STORY_ID
from newsstand.api.v1.spec import ARTICLE_ID, CURSOR, Auth, Call, Operation, Param, limit_param
from newsstand.app.interests import MAX_VALUE
from newsstand.model import TRAINABLE, ArticleAt, Facet


def me(c: Call) -> v.MeView:
    assert c.viewer is not None
    return v.me(c.viewer)


def follows(c: Call) -> v.FollowsView:
    return v.follows(c.reader)


def follow_publisher(c: Call) -> None:
    c.services.interests.follow(c.reader.id, Facet.PUBLISHER, c.params["publisher_id"])


def unfollow_publisher(c: Call) -> None:
    c.services.interests.unfollow(c.reader.id, Facet.PUBLISHER, c.params["publisher_id"])


def follow_section(c: Call) -> None:
    c.services.interests.follow(c.reader.id, Facet.SECTION, c.params["name"])


def unfollow_section(c: Call) -> None:
    c.services.interests.unfollow(c.reader.id, Facet.SECTION, c.params["name"])


def follow_story(c: Call) -> None:
    c.services.interests.follow(c.reader.id, Facet.STORY, str(c.params["story_id"]))


def unfollow_story(c: Call) -> None:
    c.services.interests.unfollow(c.reader.id, Facet.STORY, str(c.params["story_id"]))


def follow_topic(c: Call) -> None:
    c.services.interests.follow(c.reader.id, Facet.TOPIC, c.params["key"])


def unfollow_topic(c: Call) -> None:
    c.services.interests.unfollow(c.reader.id, Facet.TOPIC, c.params["key"])


def trainer(c: Call) -> v.TrainerView:
    return v.trainer(c.services.interests.following(c.reader))


def train(c: Call) -> None:
    liked = c.params["choice"] == "like"
    c.services.interests.train(c.reader.id, Facet(c.params["facet"]), c.params["value"], liked)


def untrain(c: Call) -> None:
    c.services.interests.untrain(c.reader.id, Facet(c.params["facet"]), c.params["value"])


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


def learned_for_you(c: Call) -> v.LearnedForYou:
    return v.learned(c.services.front.personal(c.reader, c.params["limit"]))


PAGED = (limit_param(), CURSOR)
R = Auth.REQUIRED
TOPIC_KEY = Param(
    "key", "path", str, "A topic: person:, place: or topic: and a name.", required=True, max_length=MAX_VALUE
)
FACET = Param(
    "facet",
    "path",
    str,
    "What the choice is about.",
    required=True,
    enum=tuple(sorted(f.value for f in TRAINABLE)),
)
VALUE = Param(
    "value",
    "path",
    str,
    "An author's name, a publisher's id, a topic's key or a word of headlines (kept in lower case).",
    required=True,
    max_length=MAX_VALUE,
)
CHOICE = Param(
    "choice",
    "query",
    str,
    "like ranks matching articles up in For you; hide keeps them out.",
    required=True,
    enum=("like", "hide"),
)

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
    Operation("followStory", "PUT", "/me/follows/stories/{story_id}", "follows", "Follow a story.",
              follow_story, None, (STORY_ID,), auth=R, not_found=True),
    Operation("unfollowStory", "DELETE", "/me/follows/stories/{story_id}", "follows",
              "Stop following a story.", unfollow_story, None, (STORY_ID,), auth=R),
    Operation("followTopic", "PUT", "/me/follows/topics/{key}", "follows",
              "Follow a person, place or subject.", follow_topic, None, (TOPIC_KEY,), auth=R),
    Operation("unfollowTopic", "DELETE", "/me/follows/topics/{key}", "follows",
              "Stop following a person, place or subject.", unfollow_topic, None, (TOPIC_KEY,), auth=R),
    Operation("getTrainer", "GET", "/me/trainer", "trainer", "What the reader likes and hides.", trainer,
              v.TrainerView, auth=R),
    Operation("train", "PUT", "/me/trainer/{facet}/{value}", "trainer",
              "Like or hide an author, publisher, topic or word of headlines.", train, None,
              (FACET, VALUE, CHOICE), auth=R, not_found=True,
              description="A like ranks articles by that author or publisher, about that topic or "
              "with that word in their title up in For you; a hide keeps them out of it. Either "
              "replaces the other. An unknown publisher is 404."),
    Operation("untrain", "DELETE", "/me/trainer/{facet}/{value}", "trainer",
              "Forget a like or a hide.", untrain, None, (FACET, VALUE), auth=R),
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
    Operation("getLearnedForYou", "GET", "/me/for-you/learned", "me",
              "For you as the front page makes it: learned, each article with its reason.",
              learned_for_you, v.LearnedForYou, (limit_param(6, 50),), auth=R,
              description="Ranked from what the reader follows, likes, hides and reads, with no "
              "story or publisher filling the list; a reader we know little about gets what many "
              "publishers cover now, and choices to follow. One page, best first."),
)  # fmt: skip
