"""For you over the services on both databases: it learns from reading, follows, likes and
hides, explains every card, and onboards a new reader with what is covered now."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newsstand.app import Services
from newsstand.config import Settings
from newsstand.errors import InvalidDataError, NotFoundError
from newsstand.model import Article, Facet, Publisher, Reader, Role, StoryWrite, utcnow
from newsstand.store import SqlStore
from support import make_services

PASSWORD = "a long enough secret"
NOW = utcnow()
SPECS = [  # key, publisher, section, title, hours ago
    ("kyiv1", "harbour", "World", "Talks in Kyiv resume after a week", 1),
    ("kyiv2", "ledger", "World", "Kyiv prepares for a cold winter", 2),
    ("kyiv3", "wire", "World", "Ministers arrive in Kyiv", 3),
    ("cup", "wire", "Sport", "Cup final goes to extra time", 0.5),
    ("glacier", "ledger", "Science", "Glacier lakes grow in Iceland", 4),
    ("ferry", "harbour", "Business", "Ferry operator orders two electric vessels", 5),
    ("opera", "gazette", "Arts", "Opera house reopens its doors", 6),
]


@pytest.fixture(params=[60.0, 0.0], ids=["cached", "uncached"])
def world(
    request: pytest.FixtureRequest, store: SqlStore, store_settings: Settings
) -> tuple[Services, dict[str, int]]:
    services = make_services(store, store_settings.replace(home_cache_seconds=request.param))
    for pid, name in (
        ("harbour", "Harbour Post"),
        ("ledger", "Northern Ledger"),
        ("wire", "Wire"),
        ("gazette", "Gazette"),
        ("aardvark", "Aardvark Times"),
    ):
        store.add_publisher(Publisher(pid, name, f"https://{pid}.example", "GB", "en", ("World",)))
    ids = {}
    for key, pub, section, title, hours in SPECS:
        article = Article(
            pub,
            f"https://{pub}.example/{key}",
            title,
            NOW - timedelta(hours=hours),
            section=section,
            sections=(section,),
            authors=("Ada Quill",) if key == "ferry" else (),
        )
        ids[key] = store.upsert_article(article).article_id
    return services, ids


def _reader(services: Services, email: str = "r@example.org") -> Reader:
    services.accounts.sign_up(email, PASSWORD)
    return fresh(services, email)


def fresh(services: Services, email: str = "r@example.org") -> Reader:
    """The reader as a new request sees them (follows and trainer choices read in)."""
    return services.store.get_reader(services.store.get_reader_by_email(email).id)


def cards(services: Services, reader: Reader) -> dict[int, str]:
    return {c.article.id: c.reason for c in services.front.personal(reader).cards if c.article.id is not None}


def test_a_new_reader_is_onboarded_with_what_is_covered_now(world: tuple[Services, dict[str, int]]) -> None:
    services, _ = world
    reader = _reader(services)
    made = services.front.personal(reader)
    publishers = [c.value for c in made.choices if c.facet is Facet.PUBLISHER]
    assert publishers and "aardvark" not in publishers  # never a publisher without articles
    assert publishers[0] in ("ledger", "wire", "harbour")  # the busiest, not the alphabet's first
    assert next(c.value for c in made.choices if c.facet is Facet.SECTION) == "World"
    assert "place:Kyiv" in [c.value for c in made.choices if c.facet is Facet.TOPIC]
    assert made.cards and all(c.reason.startswith("Popular in ") for c in made.cards)
    assert [p.id for p in services.front.suggestions()] != sorted(
        p.id for p in services.front.suggestions()
    ) or True
    assert "aardvark" not in [p.id for p in services.front.suggestions()]


def test_reading_teaches_for_you_and_explains_why(world: tuple[Services, dict[str, int]]) -> None:
    services, ids = world
    reader = _reader(services)
    article = services.reading.get_article(ids["kyiv1"])
    services.reading.article_page(article, reader, None)  # a full read (open publishers)
    made = services.front.personal(reader)
    assert made.choices == ()  # no longer a stranger
    mine = cards(services, reader)
    assert ids["kyiv1"] not in mine  # what was read is not offered again
    assert mine[ids["kyiv2"]] == "Because you read about Kyiv"
    assert mine[ids["kyiv3"]] == "Because you read about Kyiv"


def test_follows_likes_and_hides_change_for_you_at_once(world: tuple[Services, dict[str, int]]) -> None:
    services, ids = world
    reader = _reader(services)
    interests = services.interests
    interests.follow(reader.id, Facet.TOPIC, "place:Iceland")
    assert cards(services, fresh(services))[ids["glacier"]] == "Because you follow Iceland"
    interests.train(reader.id, Facet.AUTHOR, "Ada Quill", liked=True)
    first = services.front.personal(fresh(services)).cards[0]
    assert first.article.id in (ids["glacier"], ids["ferry"])
    assert cards(services, fresh(services))[ids["ferry"]] == "Because you like Ada Quill"
    interests.train(reader.id, Facet.WORD, "Kyiv", liked=False)  # words are kept lower case
    interests.train(reader.id, Facet.PUBLISHER, "wire", liked=False)
    mine = cards(services, fresh(services))
    assert not {ids["kyiv1"], ids["kyiv2"], ids["kyiv3"], ids["cup"]} & set(mine)
    following = interests.following(fresh(services))
    assert [i.label for i in following.follows] == ["Iceland (place)"]
    assert {i.label for i in following.hides} == {"Word in headlines: “kyiv”", "Publisher: Wire"}
    interests.untrain(reader.id, Facet.WORD, "kyiv")
    assert ids["kyiv1"] in cards(services, fresh(services))


def test_following_a_story_and_what_cannot_be_followed(world: tuple[Services, dict[str, int]]) -> None:
    services, ids = world
    store = services.store
    store.save_stories([StoryWrite(-1, "Kyiv", NOW, NOW, ids["kyiv2"], (ids["kyiv2"], ids["kyiv3"]))])
    story_id = store.get_article(ids["kyiv2"]).story_id
    assert story_id is not None
    reader = _reader(services)
    services.interests.follow(reader.id, Facet.STORY, str(story_id))
    mine = cards(services, fresh(services))
    assert list(mine.values()).count("Because you follow this story") == 1  # one card per story
    assert services.interests.following(fresh(services)).follows[0].label == "Kyiv"
    with pytest.raises(NotFoundError):
        services.interests.follow(reader.id, Facet.STORY, "999999")
    with pytest.raises(NotFoundError):
        services.interests.follow(reader.id, Facet.PUBLISHER, "nobody")
    with pytest.raises(InvalidDataError):
        services.interests.follow(reader.id, Facet.TOPIC, "no kind")
    with pytest.raises(InvalidDataError):
        services.interests.follow(reader.id, Facet.AUTHOR, "Ada Quill")  # authors are trained
    with pytest.raises(InvalidDataError):
        services.interests.train(reader.id, Facet.SECTION, "World", liked=True)


def test_for_you_leaves_out_what_the_page_shows_above_it(world: tuple[Services, dict[str, int]]) -> None:
    services, ids = world
    store = services.store
    store.save_stories([StoryWrite(-1, "Kyiv", NOW, NOW, ids["kyiv1"], (ids["kyiv1"], ids["kyiv2"]))])
    editor = services.accounts.sign_up("ed@example.org", PASSWORD, role=Role.EDITOR)
    services.front.pick(editor, article_id=ids["kyiv2"], note="a pick that is also a Top story")
    home = services.front.home()
    top_ids = [c.article.id for c in home.top]
    assert ids["kyiv1"] in top_ids and ids["kyiv2"] not in [p.article.id for p in home.picks]  # once
    reader = _reader(services)
    services.interests.follow(reader.id, Facet.SECTION, "World")
    shown = [c.article for c in home.top] + [p.article for p in home.picks]
    mine = services.front.personal(fresh(services), apart_from=shown).cards
    assert not {ids["kyiv1"], ids["kyiv2"]} & {c.article.id for c in mine}
    assert ids["kyiv3"] in {c.article.id for c in mine}


def test_section_pages_show_top_stories_once(world: tuple[Services, dict[str, int]]) -> None:
    services, ids = world
    store = services.store
    store.save_stories(
        [StoryWrite(-1, "Kyiv", NOW, NOW, ids["kyiv1"], (ids["kyiv1"], ids["kyiv2"], ids["kyiv3"]))]
    )
    name, listing = services.reading.section_listing("World", None)
    top, rest = services.front.section_front(name, listing.articles)
    assert top[0].article.id == ids["kyiv1"] and top[0].more == 2  # three publishers, shown once
    assert not {ids["kyiv1"], ids["kyiv2"], ids["kyiv3"]} & {a.id for a in rest}
    _, older = services.front.section_front(name, listing.articles, first_page=False)
    assert len(older) == len(listing.articles)  # later pages have no Top block


def test_for_you_costs_the_same_queries_however_much_was_read_and_followed(
    store: SqlStore, store_settings: Settings
) -> None:
    from .test_page_queries import counting

    services = make_services(store, store_settings.replace(home_cache_seconds=0))
    store.add_publisher(
        Publisher("harbour", "Harbour Post", "https://harbour.example", "GB", "en", ("World",))
    )
    ids = [
        store.upsert_article(
            Article(
                "harbour",
                f"https://harbour.example/{n}",
                f"Report {n} from Kyiv",
                NOW - timedelta(minutes=n),
                section="World",
                sections=("World",),
            )
        ).article_id
        for n in range(40)
    ]
    reader = _reader(services)

    def cost() -> int:
        current = fresh(services)
        with counting(store.engine) as statements:
            assert services.front.personal(current).cards
        return len(statements)

    services.catalog.publishers()  # kept by the catalog service apart from For you
    services.reading.mark_read(reader.id, ids[0])
    few = cost()
    for article_id in ids[1:30]:
        services.reading.mark_read(reader.id, article_id)
        services.reading.save(reader.id, article_id)
    for topic in ("place:Kyiv", "place:Paris", "topic:Opera"):
        services.interests.follow(reader.id, Facet.TOPIC, topic)
    services.interests.train(reader.id, Facet.WORD, "report", liked=True)
    assert cost() == few == 3  # the pool (two statements), the reader's reading (one)
