from __future__ import annotations

from datetime import timedelta

from story_samples import FERRY, T0, corpus, make

from newsstand.stories.cluster import (
    Clusterer,
    ClusterParams,
    assign,
    cluster,
    lead_article,
    new_profile,
    time_gap,
)
from newsstand.stories.evaluate import score
from newsstand.stories.plan import context_span, plan_update
from newsstand.stories.text import ArticleFeatures, featurize


def _feats() -> tuple[list[ArticleFeatures], dict[int, str]]:
    articles, gold = corpus()
    return featurize(articles), gold


def test_cluster_recovers_invented_events() -> None:
    feats, gold = _feats()
    predicted = cluster(feats, T0 + timedelta(days=1))
    result = score(predicted, gold)
    assert result.precision == 1.0
    assert result.recall == 1.0


def test_assign_joins_matching_story_and_opens_new_for_unrelated() -> None:
    feats, _ = _feats()
    ferry = new_profile(10, feats[:2])
    bridge = new_profile(20, feats[3:5])
    assert assign(feats[2], [ferry, bridge], T0 + timedelta(days=1)) == 10
    assert assign(feats[5], [ferry, bridge], T0 + timedelta(days=1)) is None


def test_time_window_keeps_distant_reports_apart() -> None:
    feats, _ = _feats()
    ferry = new_profile(10, feats[:2])
    late = feats[2]
    moved = ArticleFeatures(late.article_id, late.publisher_id, T0 + timedelta(days=5), late.vector)
    assert time_gap(moved.published, ferry) > ClusterParams().window
    assert assign(moved, [ferry], T0 + timedelta(days=6)) is None
    # The same report within the window joins.
    assert assign(late, [ferry], T0 + timedelta(days=6)) == 10


def test_threshold_rises_with_time_gap() -> None:
    feats, _ = _feats()
    ferry = new_profile(10, feats[:1])
    params = ClusterParams(join_threshold=0.0, threshold_per_day=1.0, duplicate_threshold=2.0)
    near = feats[1]
    far = ArticleFeatures(near.article_id, near.publisher_id, T0 + timedelta(hours=60), near.vector)
    assert assign(near, [ferry], T0 + timedelta(days=9), params) == 10
    assert assign(far, [ferry], T0 + timedelta(days=9), params) is None


def test_future_dated_article_counts_as_now() -> None:
    feats, _ = _feats()
    ferry = new_profile(10, feats[:2])
    ahead = ArticleFeatures(feats[2].article_id, "x", T0 + timedelta(days=30), feats[2].vector)
    assert assign(ahead, [ferry], T0 + timedelta(hours=3)) == 10


def test_syndicated_copy_joins_even_below_centroid_threshold() -> None:
    publisher, title, body = FERRY[0]
    articles = [make(1, publisher, title, body), make(2, publisher, title + " (update)", body)]
    copy, original = featurize(articles)[1], featurize(articles)[0]
    story = new_profile(5, [original])
    strict = ClusterParams(join_threshold=1.5, duplicate_threshold=0.7)
    assert assign(copy, [story], T0, strict) == 5
    assert assign(copy, [story], T0, ClusterParams(join_threshold=1.5, duplicate_threshold=1.5)) is None


def test_clusterer_incremental_matches_known_story_keys() -> None:
    feats, _ = _feats()
    clusterer = Clusterer([new_profile(7, feats[:1])])
    assert clusterer.add(feats[1], T0 + timedelta(days=1)) == 7
    new_key = clusterer.add(feats[3], T0 + timedelta(days=1))
    assert new_key < 0
    assert clusterer.add(feats[4], T0 + timedelta(days=1)) == new_key
    assert [m.article_id for m in clusterer.stories[7].members] == [1, 2]


def test_lead_article_is_most_central_member() -> None:
    feats, _ = _feats()
    story = new_profile(1, feats[:3])
    assert lead_article(story) in {1, 2, 3}
    assert lead_article(new_profile(1, feats[:1])) == 1


def test_plan_update_writes_new_and_existing_stories() -> None:
    articles, _ = corpus()
    context = [
        make(a.article_id, a.publisher_id, a.title, a.body_text, a.published, story_id=100)
        for a in articles[:2]
    ]
    pending = articles[2:]
    span = context_span(pending)
    assert span is not None and span[0] < pending[0].published < span[1]
    writes = plan_update(context, pending, T0 + timedelta(days=1))
    by_key = {w.key: w for w in writes}
    assert by_key[100].article_ids == (3,)
    assert by_key[100].first_seen == articles[0].published
    new = [w for w in writes if w.key < 0]
    assert sorted(sorted(w.article_ids) for w in new) == [[4, 5], [6, 7]]
    for w in new:
        assert w.lead_article_id in w.article_ids
        assert w.title == next(a.title for a in articles if a.article_id == w.lead_article_id)


def test_plan_update_with_nothing_pending_writes_nothing() -> None:
    assert plan_update([], [], T0) == []
    assert context_span([]) is None
