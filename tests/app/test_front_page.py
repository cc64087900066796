"""The front page shows each story once: a pick that is a Top story, or a latest article of a Top
story, appears in the first block that shows it and nowhere else."""

from __future__ import annotations

from datetime import timedelta

from newsstand.app.personal import Shown
from newsstand.config import Settings
from newsstand.model import Article, Publisher, Role, StoryWrite, utcnow
from newsstand.store import SqlStore
from support import make_services


def _article(pub: str, n: int, minutes: int) -> Article:
    return Article(
        pub, f"https://{pub}.example/{n}", f"Report {n} from {pub}", utcnow() - timedelta(minutes=minutes),
        section="World", sections=("World",),
    )  # fmt: skip


def test_no_story_is_shown_twice_on_the_front_page(store: SqlStore, store_settings: Settings) -> None:
    services = make_services(store, store_settings.replace(home_cache_seconds=0))
    for pub in ("alpha", "beta"):
        store.add_publisher(Publisher(pub, pub.title(), f"https://{pub}.example", "GB", "en", ("World",)))
    a = store.upsert_article(_article("alpha", 1, 10)).article_id
    b = store.upsert_article(_article("beta", 1, 5)).article_id
    other = store.upsert_article(_article("alpha", 2, 1)).article_id
    now = utcnow()
    store.save_stories([StoryWrite(-1, "Report 1", now - timedelta(minutes=10), now, a, (a, b))])
    editor = services.accounts.sign_up("ed@example.org", "a long enough secret", role=Role.EDITOR)
    services.front.pick(editor, article_id=b, note="the same story as the top one")
    services.front.pick(editor, article_id=other, note="something else")
    home = services.front.home()
    shown = (
        [c.article.id for c in home.top] + [p.article.id for p in home.picks] + [x.id for x in home.latest]
    )
    shown += [x.id for _, items in home.sections for x in items]
    assert [c.article.id for c in home.top] == [a]
    assert [p.article.id for p in home.picks] == [other]  # b is the top story's: not again
    assert b not in shown and len(shown) == len(set(shown))


def test_shown_remembers_articles_and_their_stories() -> None:
    shown = Shown()
    first = Article("p", "https://p.example/1", "t", utcnow(), id=1, story_id=7)
    same_story = Article("q", "https://q.example/2", "t", utcnow(), id=2, story_id=7)
    alone = Article("q", "https://q.example/3", "t", utcnow(), id=3)
    assert shown.take(first) and not shown.take(same_story) and not shown.take(first)
    assert shown.take(alone) and not shown.take(alone)
