from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from story_samples import FERRY, make

from newsstand.stories import text
from newsstand.stories.plan import read, weigh
from newsstand.stories.prior import PRIOR_DOCUMENTS, STORE_EVIDENCE, general_df
from newsstand.stories.text import ENTITY_WEIGHT, Rarity, article_terms, cosine, featurize, term_counts


def test_stopwords_dropped_and_case_folded() -> None:
    counts = term_counts("The ferry and the Ferry were there")
    assert "the" not in counts and "and" not in counts
    assert counts["ferry"] == 1.0 + ENTITY_WEIGHT  # "Ferry" mid-sentence reads as a name


def test_capitalised_word_opening_a_sentence_is_not_an_entity() -> None:
    counts = term_counts("Ferry sinks. Rescue follows")
    assert counts["ferry"] == 1.0
    assert counts["rescue"] == 1.0


def test_numbers_and_acronyms_weigh_as_entities() -> None:
    counts = term_counts("about 40 people and the UN")
    assert counts["40"] == ENTITY_WEIGHT
    assert counts["un"] == ENTITY_WEIGHT


def test_possessives_and_plurals_meet() -> None:
    counts = term_counts("the island's ferries; islands and ferry’s")
    assert counts["island"] == 2.0
    assert "ferrie" in counts and counts["ferry"] == 1.0


def test_hyphenated_names_split() -> None:
    terms = set(term_counts("a Los Angeles-Tokyo flight"))
    assert {"los", "tokyo", "flight"} <= terms
    assert not any("-" in t for t in terms)


def test_title_counts_more_than_body() -> None:
    counts = article_terms(make(1, "p", "Aldora", "some aldora text"))
    assert counts["aldora"] == 3.0


def test_vectors_are_unit_length_and_similar_reports_score_high() -> None:
    articles = [make(i, p, t, b) for i, (p, t, b) in enumerate(FERRY)]
    articles.append(make(9, "x", "Quarterly cheese prices fall", "Dairy markets eased in spring."))
    feats = featurize(articles)
    for f in feats:
        assert math.isclose(sum(w * w for w in f.vector.values()), 1.0)
    assert cosine(feats[0].vector, feats[1].vector) > 0.25
    assert cosine(feats[0].vector, feats[3].vector) == 0.0


def test_empty_article_has_empty_vector() -> None:
    (f,) = featurize([make(1, "p", "The", "")])
    assert f.vector == {}


def test_general_usage_knows_everyday_words_and_not_invented_names() -> None:
    assert general_df("government") > general_df("missile") > general_df("aground") > 0.0
    assert general_df("tollwitz") == 0.0
    assert general_df("government") < PRIOR_DOCUMENTS


def _store_like_general_usage(terms: set[str], documents: int) -> Rarity:
    """Counts of a large store whose words are as common as in general usage."""
    scale = documents / PRIOR_DOCUMENTS
    return Rarity({t: round(general_df(t) * scale) for t in terms}, documents)


def test_a_young_store_weighs_words_as_an_old_one_does() -> None:
    articles = [make(i, p, t, b) for i, (p, t, b) in enumerate(FERRY)]
    articles.append(make(9, "x", "Government approves ferry budget", "The government approved the budget."))
    terms = {t for a in articles for t in article_terms(a)}
    old = weigh(read(articles), _store_like_general_usage(terms, 1_000_000)).features
    young = weigh(read(articles), Rarity({}, 0)).features
    for article_id, feats in young.items():
        assert cosine(feats.vector, old[article_id].vector) > 0.97
    # Counted from the round alone, as before the prior, the young store weighs words otherwise.
    alone = {f.article_id: f for f in featurize(articles)}
    assert min(cosine(alone[k].vector, old[k].vector) for k in old) < 0.9


def test_a_word_many_stored_articles_hold_weighs_as_common_whatever_general_usage_says() -> None:
    # "wurde" (German) is unknown to the English list; "tollwitz" an event's invented name.
    few = Rarity({"wurde": STORE_EVIDENCE - 1, "tollwitz": 5}, 400, general=True)
    many = Rarity({"wurde": 200, "tollwitz": 5}, 400, general=True)
    assert general_df("wurde") < 1.0  # all but unknown to the English list
    assert many.weight("wurde") < many.weight("government") < many.weight("tollwitz")
    assert few.weight("wurde") > few.weight("government")


def test_names_weigh_more_where_sentences_tell_them_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    # With names weighing as other words, term_counts skips sentence boundaries; when they weigh
    # more, a capital opening a sentence still says nothing.
    monkeypatch.setattr(text, "ENTITY_WEIGHT", 2.0)
    counts = text.term_counts("Ferry sinks. Rescue follows the Ferry and 40 UN staff", 2.0)
    assert counts["ferry"] == 2.0 + 4.0
    assert counts["rescue"] == 2.0 and counts["sink"] == 2.0
    assert counts["40"] == 4.0 and counts["un"] == 4.0


@given(st.dictionaries(st.sampled_from("abcdefgh"), st.sampled_from([0.0, -0.0, 0.5, 1.0, 1.0 + 1e-16, 2.5])))
def test_heaviest_orders_by_weight_then_term(weights: dict[str, float]) -> None:
    assert text.heaviest(weights) == sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
    best = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    norm = math.sqrt(sum(w * w for _, w in best))
    assert text.top_terms(weights, 3) == ({t: w / norm for t, w in best} if norm else {})
