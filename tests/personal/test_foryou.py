"""For you's pure decisions: reading signals, hides, likes, follows, diversity and reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsstand.model import Article, Facet, Reader, ReadingSignal, Trained
from newsstand.personal.foryou import (
    Candidate,
    Card,
    Profile,
    diversify,
    knows_little,
    rank_for_you,
    reading_profile,
    signal_weight,
    title_words,
)
from newsstand.personal.onboarding import interest_choices

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NAMES = {"harbour": "Harbour Post", "ledger": "Northern Ledger", "wire": "Wire", "gazette": "Gazette"}


def art(
    id: int,
    publisher: str = "harbour",
    section: str = "World",
    title: str = "",
    hours: float = 1,
    story: int | None = None,
    authors: tuple[str, ...] = (),
) -> Article:
    return Article(
        publisher,
        f"https://{publisher}.example/{id}",
        title or f"Report number {id}",
        NOW - timedelta(hours=hours),
        id=id,
        section=section,
        sections=(section,),
        story_id=story,
        authors=authors,
    )


def cand(a: Article, topics: tuple[str, ...] = (), breadth: int = 1) -> Candidate:
    return Candidate(a, topics, breadth)


def reader(**interests: object) -> Reader:
    return Reader(1, "r@example.org", NOW, **interests)  # type: ignore[arg-type]


def opened(article_id: int, hours: float = 1, seconds: int = 0, saved: bool = False) -> ReadingSignal:
    at = NOW - timedelta(hours=hours)
    return ReadingSignal(article_id, at, seconds, at if saved else None)


def test_reading_longer_and_saving_weigh_more_and_old_reading_fades() -> None:
    glance = signal_weight(opened(1, hours=0), NOW)
    assert glance == pytest.approx(1)
    assert signal_weight(opened(1, hours=0, seconds=240), NOW) == pytest.approx(3)
    assert signal_weight(opened(1, hours=0, seconds=99_999), NOW) == pytest.approx(6)  # ten minutes at most
    assert signal_weight(opened(1, hours=0, saved=True), NOW) == pytest.approx(4)
    week_old = signal_weight(opened(1, hours=24 * 7), NOW)
    assert week_old == pytest.approx(glance / 2, rel=0.01)
    saved_only = ReadingSignal(1, None, 0, NOW)
    assert signal_weight(saved_only, NOW) == pytest.approx(3)


def test_a_reader_who_follows_nothing_gets_what_they_read_about_with_the_reason() -> None:
    read = cand(art(1, title="Kyiv talks resume"), ("place:Kyiv",))
    pool = [
        read,
        cand(art(2, "ledger", title="More talks in Kyiv", hours=2), ("place:Kyiv",)),
        cand(art(3, "wire", section="Sport", title="Cup final", hours=0.5)),
    ]
    profile = reading_profile([opened(1, seconds=300)], {1: read}, NOW)
    cards = rank_for_you(pool, reader(), profile, NAMES, NOW, limit=2)
    assert [c.article.id for c in cards] == [2, 3]  # what was read is not offered again
    assert cards[0].reason == "Because you read about Kyiv"
    assert cards[1].reason == "Popular in Sport now"  # the rest: defaults, ranked below


def test_reading_time_decides_between_two_interests() -> None:
    sport, science = cand(art(1, section="Sport")), cand(art(2, section="Science"))
    pool = [cand(art(3, "wire", section="Sport")), cand(art(4, "ledger", section="Science"))]
    glanced_sport = reading_profile(
        [opened(1, seconds=5), opened(2, seconds=600)], {1: sport, 2: science}, NOW
    )
    first = rank_for_you(pool, reader(), glanced_sport, NAMES, NOW, limit=2)[0]
    assert first.article.id == 4 and first.reason == "Because you read Science"


def test_hidden_things_never_appear_and_liked_ones_rank_up() -> None:
    pool = [
        cand(art(1, "harbour", title="Ferry strike ends", authors=("Ada Quill",))),
        cand(art(2, "ledger", title="Glacier lakes grow", hours=3)),
        cand(art(3, "wire", title="Ferry timetable", hours=2)),
        cand(art(4, "gazette", title="Election in Kyiv", hours=1), ("place:Kyiv",)),
    ]
    hides = reader(
        trained=(
            Trained(Facet.AUTHOR, "ada quill", False),  # case does not matter
            Trained(Facet.WORD, "ferry", False),
            Trained(Facet.TOPIC, "place:Kyiv", False),
            Trained(Facet.PUBLISHER, "ledger", False),
        )
    )
    assert rank_for_you(pool, hides, Profile(), NAMES, NOW, limit=6) == []
    likes = reader(trained=(Trained(Facet.PUBLISHER, "ledger", True), Trained(Facet.WORD, "glacier", True)))
    cards = rank_for_you(pool, likes, Profile(), NAMES, NOW, limit=6)
    assert cards[0].article.id == 2 and cards[0].reason == "Because you like Northern Ledger"
    assert {c.reason for c in cards[1:]} == {"Popular in World now"}


def test_follows_give_their_own_reasons() -> None:
    pool = [
        cand(art(1, "harbour"), ("person:Ada Quill",)),
        cand(art(2, "ledger", section="Science", story=7)),
        cand(art(3, "wire", section="Business")),
        cand(art(4, "gazette", title="Ada Quill wins")),
    ]
    r = reader(
        followed_publishers=("wire",),
        followed_sections=("science",),
        followed_stories=(7,),
        followed_topics=("person:Ada Quill",),
    )
    reasons = {c.article.id: c.reason for c in rank_for_you(pool, r, Profile(), NAMES, NOW, limit=6)}
    assert reasons[1] == "Because you follow Ada Quill"
    assert reasons[2] == "Because you follow this story"  # a story outweighs its section
    assert reasons[3] == "Because you follow Wire"
    assert reasons[4] == "Popular in World now"  # the topic key was not found in this article


def test_diversity_caps_publishers_and_stories() -> None:
    cards = [Card(art(i, "harbour", hours=i), "r", 10 - i) for i in range(1, 6)]
    cards += [Card(art(10 + i, "wire", story=99, hours=i), "r", 5 - i) for i in range(1, 4)]
    cards.append(Card(art(20, "ledger", hours=9), "r", 0.1))
    chosen = diversify(cards, limit=6)
    publishers = [c.article.publisher_id for c in chosen]
    assert publishers.count("harbour") == 2 and publishers.count("wire") == 1
    assert [c.article.id for c in chosen] == [1, 2, 11, 20]
    assert len(diversify(cards, limit=6, per_publisher=5, per_story=5)) == 6


def test_for_you_spreads_one_busy_publisher() -> None:
    pool = [cand(art(i, "harbour", hours=i * 0.1)) for i in range(1, 10)]
    pool += [cand(art(50, "ledger", hours=5)), cand(art(51, "wire", hours=6))]
    r = reader(followed_publishers=("harbour",))
    cards = rank_for_you(pool, r, Profile(), NAMES, NOW, limit=6)
    assert [c.article.publisher_id for c in cards].count("harbour") == 2
    assert {c.article.id for c in cards} >= {50, 51}


def test_a_new_reader_is_offered_what_is_covered_now() -> None:
    pool = [
        cand(art(1, "zeta", section="Sport"), ("place:Kyiv",)),
        cand(art(2, "wire", section="Sport", story=5), ("place:Kyiv",)),
        cand(art(3, "gazette", section="Sport", story=5)),
        cand(art(4, "wire", section="Arts"), ("topic:Opera",)),
    ]
    choices = interest_choices(pool, NAMES)
    sections = [c.value for c in choices if c.facet is Facet.SECTION]
    publishers = [c.value for c in choices if c.facet is Facet.PUBLISHER]
    topics = [c.value for c in choices if c.facet is Facet.TOPIC]
    assert sections == ["Sport", "Arts"]  # by breadth, not alphabetically
    assert publishers == ["wire", "gazette", "zeta"]  # only publishers with articles now, busiest first
    assert topics == ["place:Kyiv"]  # a topic of one article is not offered
    assert knows_little(reader(), Profile()) and not knows_little(
        reader(followed_sections=("Sport",)), Profile()
    )
    assert not knows_little(reader(), Profile({}, frozenset({1})))


def test_title_words_leave_out_common_words() -> None:
    assert title_words("The ferry and the Glacier: 2026 plans") == {"ferry", "glacier", "plans"}
