"""The quality harness itself: the reference clusterer, the same-days construction, the table."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from story_samples import corpus

from newsstand.stories.baseline import average_link
from newsstand.stories.evaluate import score
from newsstand.stories.quality import LabelledSet, load_set, measure, same_days, standard_sets, table
from newsstand.stories.text import featurize

CASES = Path(__file__).parent / "cases"


def test_average_link_finds_the_sample_events() -> None:
    articles, gold = corpus()
    assert score(average_link(featurize(articles)), gold).f1 == 1.0


def test_average_link_threshold_above_every_cosine_leaves_singletons() -> None:
    articles, _ = corpus()
    assert len(set(average_link(featurize(articles), threshold=1.01).values())) == len(articles)


def test_same_days_moves_events_of_a_group_together_and_keeps_their_spacing() -> None:
    articles, gold = corpus()
    far = LabelledSet("far", tuple(articles), gold)
    moved = same_days(far, {"ferry": "x", "bridge": "x", "chess": "y"}, "near")
    by_id = {a.article_id: a for a in moved.articles}
    firsts: dict[str, object] = {}
    for event in ("ferry", "bridge", "chess"):
        times = sorted(by_id[i].published for i, g in gold.items() if g == event)
        before = sorted(a.published for a in articles if gold[a.article_id] == event)
        assert [t - times[0] for t in times] == [t - before[0] for t in before]
        firsts[event] = times[0]
    assert firsts["bridge"] - firsts["ferry"] == timedelta(hours=30)
    assert firsts["chess"] == firsts["ferry"]  # the first event of its own group


def test_written_cases_load_with_their_labels() -> None:
    sets = standard_sets(None, CASES)
    names = {s.name for s in sets}
    assert names == {
        "wire_five_outlets",
        "shared_place_names",
        "ten_day_story",
        "liveblog_and_articles",
        "cross_languages",
    }
    wire = load_set(CASES / "wire_five_outlets.jsonl")
    assert Counter(wire.gold.values())["collapse"] == 5


def test_table_lists_every_method_on_every_set() -> None:
    rows = measure(standard_sets(None, CASES), time.perf_counter)
    assert {(r.dataset, r.method) for r in rows} == {
        (s, m)
        for s in (
            "wire_five_outlets",
            "shared_place_names",
            "ten_day_story",
            "liveblog_and_articles",
            "cross_languages",
        )
        for m in ("tfidf-avglink", "rebuild", "rounds")
    }
    text = table(rows)
    assert "tfidf-avglink" in text and text.count("\n") == len(rows) + 1
