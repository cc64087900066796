"""Which article leads a story: a live blog that is live, then a report, then comment; the
pure decisions, and the lead stored by a round of story updates on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from story_samples import FERRY, T0

from newsstand.app.stories import update_stories
from newsstand.model import Article, ArticleKind, ArticleText, StoryWrite
from newsstand.store import SqlStore
from newsstand.stories.lead import (
    LIVE_WITHIN,
    LeadCandidate,
    LeadRole,
    choose_lead,
    is_comment,
    lead_role,
    relead,
)

NOW = T0 + timedelta(hours=6)


def text(article_id: int, **fields: object) -> ArticleText:
    base: dict[str, object] = {"publisher_id": "p", "published": NOW - timedelta(hours=1), "title": "t"}
    return ArticleText(article_id, **{**base, **fields})  # type: ignore[arg-type]


def cand(article_id: int, role: LeadRole, centrality: float, hours_ago: float = 1.0) -> LeadCandidate:
    return LeadCandidate(article_id, role, centrality, NOW - timedelta(hours=hours_ago))


@pytest.mark.parametrize(
    ("section", "tags", "url", "comment"),
    [
        ("Opinion", (), "https://a.example/2026/03/sea-wall", True),
        ("  comment   is FREE ", (), "https://a.example/x", True),
        ("Reviews", (), "https://a.example/x", True),
        ("News", ("Storm", "Analysis"), "https://a.example/x", True),
        ("News", ("Explainer",), "https://a.example/x", True),
        ("World", (), "https://a.example/commentisfree/2026/mar/02/sea-wall", True),
        ("World", (), "https://a.example/news/opinion/sea-wall", True),
        ("News", ("Review", "Letters"), "https://a.example/x", False),  # a policy review
        ("News", (), "https://a.example/news/opinion-poll-shows-lead", False),  # the page, not a folder
        ("News", (), "https://a.example/opinion", False),
        ("", (), "", False),
    ],
)
def test_comment_is_known_by_section_tags_and_url_folders(
    section: str, tags: tuple[str, ...], url: str, comment: bool
) -> None:
    assert is_comment(section, tags, url) is comment


def test_a_live_blog_is_live_while_it_changes_then_it_is_news() -> None:
    blog = text(1, kind=ArticleKind.LIVEBLOG, published=NOW - timedelta(hours=9))
    assert lead_role(blog, NOW) is LeadRole.NEWS  # nothing since it began, nine hours ago
    updated = text(1, kind=ArticleKind.LIVEBLOG, published=NOW - timedelta(hours=9), updated=NOW)
    assert lead_role(updated, NOW) is LeadRole.LIVE
    assert lead_role(updated, NOW + LIVE_WITHIN) is LeadRole.LIVE
    assert lead_role(updated, NOW + LIVE_WITHIN + timedelta(seconds=1)) is LeadRole.NEWS
    # A live blog filed under Opinion is still a live blog.
    assert lead_role(text(2, kind=ArticleKind.LIVEBLOG, section="Opinion"), NOW) is LeadRole.LIVE
    assert lead_role(text(3, section="Opinion"), NOW) is LeadRole.COMMENT
    assert lead_role(text(4, section="World"), NOW) is LeadRole.NEWS


def test_choose_lead_ranks_live_then_news_then_comment() -> None:
    opinion, report, blog = (
        cand(1, LeadRole.COMMENT, 0.9),
        cand(2, LeadRole.NEWS, 0.5),
        cand(3, LeadRole.LIVE, 0.2),
    )
    assert choose_lead([opinion, report, blog], current=1) == blog
    assert choose_lead([opinion, report], current=1) == report
    assert choose_lead([opinion], current=1) == opinion
    with pytest.raises(ValueError):
        choose_lead([])


def test_clusterings_lead_stays_unless_something_ranks_above_it() -> None:
    first, central = cand(1, LeadRole.NEWS, 0.4), cand(2, LeadRole.NEWS, 0.8)
    assert choose_lead([first, central], current=1) == first
    # Demoted, the lead goes to the most central of the best rank, then the newest, then the
    # lower id, whatever the order given.
    demoted = cand(9, LeadRole.COMMENT, 1.0)
    older, newer = cand(5, LeadRole.NEWS, 0.6, hours_ago=3), cand(4, LeadRole.NEWS, 0.6, hours_ago=2)
    assert choose_lead([demoted, first, central], current=9) == central
    assert choose_lead([demoted, older, newer], current=9) == newer
    twin = cand(3, LeadRole.NEWS, 0.6, hours_ago=2)
    assert choose_lead([newer, twin, demoted], current=9) == choose_lead([twin, newer], current=None) == twin


def write(key: int, lead: int, article_ids: tuple[int, ...], absorbs: tuple[int, ...] = ()) -> StoryWrite:
    terms = {"storm": 1.0, "wall": 0.8, "tide": 0.5}
    return StoryWrite(key, "", NOW, NOW, lead, article_ids, absorbs, len(article_ids), terms, 1.0)


def test_relead_puts_the_live_blog_first_and_keeps_its_centrality() -> None:
    texts = {
        1: text(1, section="Opinion"),
        2: text(2, kind=ArticleKind.LIVEBLOG, updated=NOW),
        3: text(3, section="News"),
    }
    vectors = {1: {"storm": 0.8, "wall": 0.6}, 2: {"storm": 0.6, "grid": 0.8}, 3: {"tide": 1.0}}
    [led] = relead([write(-1, 1, (1, 2, 3))], texts, vectors, {}, NOW)
    assert led.lead_article_id == 2 and 0 < led.lead_score < 1
    assert led.article_ids == (1, 2, 3)
    # Without the blog, the report leads; with nothing known of the articles, nothing changes.
    del texts[2]
    assert relead([write(-1, 1, (1, 2, 3))], texts, vectors, {}, NOW)[0].lead_article_id == 3
    unchanged = write(-1, 1, (1, 2, 3))
    assert relead([unchanged], {}, vectors, {}, NOW) == [unchanged]


def test_relead_weighs_the_stored_leads_of_the_story_and_of_stories_it_absorbs() -> None:
    texts = {
        7: text(7, kind=ArticleKind.LIVEBLOG, updated=NOW - timedelta(minutes=5)),
        8: text(8, section="News"),
        9: text(9, section="Opinion"),
    }
    # Clustering moved the lead of story 40 to the new report 8; its live blog 7 stays lead.
    [kept] = relead([write(40, 8, (8,))], texts, {8: {"storm": 1.0}}, {40: (7, 0.3)}, NOW)
    assert kept.lead_article_id == 7 and kept.lead_score == 0.3
    # Once the blog has ended, clustering's report leads.
    later = NOW + LIVE_WITHIN + timedelta(hours=1)
    assert (
        relead([write(40, 8, (8,))], texts, {8: {"storm": 1.0}}, {40: (7, 0.3)}, later)[0].lead_article_id
        == 8
    )
    # A story absorbing another weighs the other's lead too.
    merged = relead([write(41, 9, (9,), absorbs=(40,))], texts, {9: {"storm": 1.0}}, {40: (7, 0.3)}, NOW)
    assert merged[0].lead_article_id == 7


def _add(store: SqlStore, n: int, at_hours: float, **fields: object) -> int:
    publisher, title, body = FERRY[n % len(FERRY)]
    article = Article(
        publisher_id=publisher,
        url=f"https://{publisher}.example/ferry/{n}",
        title=title,
        published=T0 + timedelta(hours=at_hours),
        body_text=body,
        **fields,  # type: ignore[arg-type]
    )
    return store.upsert_article(article).article_id


def test_a_round_of_updates_stores_the_live_blog_as_lead_and_keeps_it(store: SqlStore) -> None:
    column = _add(store, 0, 0, section="Opinion", tags=("Comment",))
    blog = _add(store, 1, 1, kind=ArticleKind.LIVEBLOG, updated=NOW - timedelta(minutes=10))
    report = _add(store, 2, 2, section="News")
    texts = {t.article_id: t for t in store.article_texts([column, blog, report, 999_999], 100)}
    assert set(texts) == {column, blog, report}
    assert texts[blog].kind is ArticleKind.LIVEBLOG and texts[blog].updated == NOW - timedelta(minutes=10)
    assert texts[column].section == "Opinion" and texts[column].tags == ("Comment",)
    assert texts[report].url == "https://daily-wire.example/ferry/2"

    update_stories(store, NOW)
    story_id = store.get_article(column).story_id
    assert story_id is not None and store.get_article(report).story_id == story_id
    story = store.story(story_id)
    assert story.lead_article_id == blog
    assert story.title == store.get_article(blog).title
    # A later round reads the stored lead back (it is not among the new articles) and keeps it
    # while the blog is live, whatever clustering makes of the newcomer.
    another = _add(store, 3, 3, section="Opinion")
    update_stories(store, NOW)
    assert store.get_article(another).story_id == story_id
    assert store.story(story_id).lead_article_id == blog
