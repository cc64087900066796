"""The paywall holds through search: a reader without access finds a premium article by any
of its words, but every snippet and every piece of text in the results comes from what the
paywall's preview shows (both databases)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from newsstand.accounts.paywall import premium_preview
from newsstand.app import Services
from newsstand.model import Article, LicenceTier, Membership, MembershipState, Publisher, Reader, SearchQuery
from newsstand.store import SqlStore

from .conftest import PASSWORD, START, Clock

# One word no other paragraph has, per paragraph, and a second to search by.
WORDS = ["quokka", "zephyr", "marlin", "obsidian", "tamarind", "juniper", "kestrel", "lanthanum"]


def premium_article(store: SqlStore) -> Article:
    store.add_publisher(
        Publisher(
            "vault", "The Vault", "https://vault.example/", "GB", "en", licence_tier=LicenceTier.PREMIUM
        )
    )
    paragraphs = [f"Paragraph {i} tells of the {w} seen near the quay at dawn." for i, w in enumerate(WORDS)]
    article = Article(
        publisher_id="vault",
        url="https://vault.example/long-read",
        title="A long read from the coast",
        standfirst="What the harbour saw this year.",
        published=START - timedelta(hours=2),
        body_html="".join(f"<p>{p}</p>" for p in paragraphs),
        body_text="\n\n".join(paragraphs),
        language="en",
        full_text=True,
    )
    aid = store.upsert_article(article).article_id
    return store.get_article(aid)


def everything_shown(page_hits: list[object]) -> str:
    return " ".join(
        f"{h.snippet} {h.article.title} {h.article.standfirst} {h.article.body_text} {h.article.body_html}"  # type: ignore[attr-defined]
        for h in page_hits
    )


def lapsed(services: Services, clock: Clock) -> tuple[Reader, Membership]:
    reader = services.accounts.sign_up("lapsed@example.org", PASSWORD)  # starts the free trial
    clock.advance(days=30)
    membership = services.membership.membership(reader.id)
    assert membership is not None
    assert services.membership.membership_state(reader.id) is MembershipState.LAPSED
    return reader, membership


@pytest.mark.parametrize("who", ["anonymous", "lapsed"])
def test_no_search_shows_a_word_from_behind_the_paywall(
    services: Services, store: SqlStore, clock: Clock, who: str
) -> None:
    premium_article(store)
    reader, membership = lapsed(services, clock) if who == "lapsed" else (None, None)
    shown_paragraphs = premium_preview(services.settings.preview_paragraphs)
    hidden = WORDS[shown_paragraphs:]
    assert hidden, "the article must be longer than its preview"
    for word in WORDS:
        for text in (word, f'"{word}"', f"{word} quay", f"paragraph {WORDS.index(word)}"):
            page = services.reading.search_for(SearchQuery(text), reader, membership)
            shown = everything_shown(list(page.hits)).lower()
            leaked = [w for w in hidden if w in shown]
            assert leaked == [], f"{who} searching {text!r} saw {leaked}"
            for n in range(shown_paragraphs, len(WORDS)):
                assert f"paragraph {n} " not in shown.replace("<mark>", "").replace("</mark>", "")
    # The preview's own words are found and marked as usual.
    opening = services.reading.search_for(SearchQuery(WORDS[0]), reader, membership)
    assert f"<mark>{WORDS[0]}</mark>" in opening.hits[0].snippet


def test_a_member_sees_the_snippet_where_the_word_stands(services: Services, store: SqlStore) -> None:
    premium_article(store)
    member = services.accounts.sign_up("member@example.org", PASSWORD)
    page = services.reading.search_for(
        SearchQuery(WORDS[-1]), member, services.membership.membership(member.id)
    )
    assert f"<mark>{WORDS[-1]}</mark>" in page.hits[0].snippet


def test_access_classes_split_members_from_everyone_else(
    services: Services, store: SqlStore, clock: Clock
) -> None:
    reading = services.reading
    assert reading.access_class(None, None) == "reader"
    member = services.accounts.sign_up("m@example.org", PASSWORD)
    assert reading.access_class(member, services.membership.membership(member.id)) == "member"
    reader, membership = lapsed(services, clock)
    assert reading.access_class(reader, membership) == "reader"
