from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from itertools import islice
from pathlib import Path

from story_samples import T0, corpus, make

from newsstand.model import OpenStory
from newsstand.stories.cluster import (
    Clusterer,
    ClusterParams,
    StoryProfile,
    add_article,
    best_story,
    cluster,
    combine,
    join_threshold,
    linkage,
    near_until,
    open_until,
    reach,
    similarity,
    single,
    within_reach,
)
from newsstand.stories.evaluate import replay, score
from newsstand.stories.plan import open_since, plan_update
from newsstand.stories.quality import load_set
from newsstand.stories.text import ArticleFeatures, Rarity, cosine, featurize

CASES = Path(__file__).parent / "cases"
NOTHING = Rarity({}, 0)


def _feats() -> tuple[list[ArticleFeatures], dict[int, str]]:
    articles, gold = corpus()
    return featurize(articles), gold


def _story(key: int, members: list[ArticleFeatures]) -> StoryProfile:
    story = single(members[0], key)
    for member in members[1:]:
        story = add_article(story, member)
    return story


def test_cluster_recovers_invented_events() -> None:
    feats, gold = _feats()
    result = score(cluster(feats), gold)
    assert (result.precision, result.recall) == (1.0, 1.0)


def test_similarity_is_the_mean_cosine_to_the_members() -> None:
    feats, _ = _feats()
    ferry = _story(10, feats[:2])
    expected = (cosine(feats[2].vector, feats[0].vector) + cosine(feats[2].vector, feats[1].vector)) / 2
    assert abs(similarity(feats[2], ferry) - expected) < 1e-9
    bridge = _story(20, feats[3:5])
    mean = sum(cosine(a.vector, b.vector) for a in feats[:2] for b in feats[3:5]) / 4
    assert abs(linkage(ferry, bridge) - mean) < 1e-9


def test_best_story_joins_matching_story_and_opens_new_for_unrelated() -> None:
    feats, _ = _feats()
    ferry, bridge = _story(10, feats[:2]), _story(20, feats[3:5])
    assert best_story(feats[2], [ferry, bridge]) == 10
    assert best_story(feats[5], [ferry, bridge]) is None


def test_a_story_stays_open_longer_the_more_it_is_covered() -> None:
    params = ClusterParams()
    one, five = reach(1, timedelta(0)), reach(5, timedelta(days=2))
    assert one == params.window
    assert five == params.window + 4 * params.window_per_article + timedelta(days=2)
    assert reach(500, timedelta(days=900)) == params.max_window
    feats, _ = _feats()
    story = single(feats[0], 1)
    at = feats[0].published
    assert near_until(story) == at + params.window
    assert join_threshold(at + params.window, story) == params.join_threshold
    # Past its reach the story still takes an article, but only a much closer one...
    assert join_threshold(at + params.window + timedelta(seconds=1), story) == params.far_join
    assert within_reach(at + params.window + timedelta(seconds=1), story)
    # ...until ``far_window`` after its latest article.
    assert open_until(story) == at + params.far_window
    assert not within_reach(at + params.far_window + timedelta(seconds=1), story)
    assert open_until(story, replace(params, far_window=timedelta(0))) == at + params.window


def test_an_article_beyond_a_closed_story_starts_a_new_one() -> None:
    feats, _ = _feats()
    late = replace(feats[2], published=feats[1].published + timedelta(days=40))
    assert similarity(late, _story(10, feats[:2])) > 0.5  # close enough for a far join
    # Past the story's reach only an article as close as ``far_join`` joins it...
    assert Clusterer([_story(10, feats[:2])], ClusterParams(far_join=0.5)).add(late) == 10
    assert Clusterer([_story(10, feats[:2])], ClusterParams(far_join=0.9)).add(late) < 0
    # ...and past ``far_window`` none does.
    clusterer = Clusterer([_story(10, feats[:2])], ClusterParams(far_window=timedelta(days=30)))
    assert clusterer.add(late) < 0
    assert clusterer.add(feats[2]) == 10


def test_stories_apart_in_time_merge_only_when_much_closer() -> None:
    feats, _ = _feats()
    later = [replace(f, published=f.published + timedelta(days=60)) for f in feats[1:3]]
    link = linkage(_story(5, feats[:1]), _story(-1, later))
    assert link > 0.15
    for far_merge, merged in ((link - 0.01, True), (link + 0.01, False)):
        params = ClusterParams(join_threshold=2.0, far_merge=far_merge)
        clusterer = Clusterer([_story(5, feats[:1]), _story(-1, later)], params)
        clusterer.merge_pass([-1])
        assert (clusterer.resolve(-1) == 5) is merged


def test_lead_is_the_most_central_member_and_survives_merges() -> None:
    feats, _ = _feats()
    story = _story(1, feats[:3])
    assert story.lead_article_id in {1, 2, 3}
    assert 0.0 < story.lead_score <= 1.0
    merged = combine(story, single(feats[3], 9), 1)
    assert merged.lead_article_id == (story.lead_article_id if story.lead_score >= 1.0 else 4)
    assert merged.size == 4


def test_merge_pass_joins_converging_stories_keeping_the_stored_id() -> None:
    feats, _ = _feats()
    # Two halves of the ferry story opened apart, as rounds in the wrong order would.
    clusterer = Clusterer([_story(5, feats[:1]), _story(-1, feats[1:3])], ClusterParams(join_threshold=2.0))
    clusterer.merge_pass([-1])
    assert set(clusterer.stories) == {5}
    assert clusterer.resolve(-1) == 5
    assert clusterer.stories[5].size == 3


def test_shuffled_arrival_gives_the_same_stories() -> None:
    """Order independence: the same articles arriving in any order, one at a time, end in
    the same stories once the merge pass has run."""
    labelled = load_set(CASES / "ten_day_story.jsonl")
    feats = featurize(labelled.articles)
    expected = None
    for seed in range(6):
        order = feats[:]
        random.Random(seed).shuffle(order)
        clusterer = Clusterer()
        placed = {f.article_id: clusterer.add(f) for f in order}
        clusterer.merge_pass(clusterer.stories)
        partition = sorted(
            sorted(a for a, k in placed.items() if clusterer.resolve(k) == key)
            for key in {clusterer.resolve(k) for k in placed.values()}
        )
        expected = expected or partition
        assert partition == expected
    assert score({a: i for i, group in enumerate(expected or []) for a in group}, labelled.gold).f1 == 1.0


def test_rounds_of_any_length_agree_on_a_written_case() -> None:
    labelled = load_set(CASES / "liveblog_and_articles.jsonl")
    for hours in (1, 6, 48):
        assert score(replay(labelled.articles, timedelta(hours=hours)), labelled.gold).f1 == 1.0


def test_plan_update_writes_new_and_existing_stories() -> None:
    articles, _ = corpus()
    first = plan_update([], articles[:2], NOTHING, T0 + timedelta(days=1))
    (ferry,) = first.writes
    assert ferry.key < 0 and sorted(ferry.article_ids) == [1, 2] and ferry.size == 2
    assert first.counts.documents == 2
    stored = OpenStory(100, ferry.first_seen, ferry.last_updated, 2, ferry.terms, 1, ferry.lead_score)
    pending = articles[2:]
    since = open_since(pending)
    assert since is not None and since < pending[0].published
    plan = plan_update([stored], pending, Rarity(first.counts.df, 2), T0 + timedelta(days=1))
    by_key = {w.key: w for w in plan.writes}
    assert by_key[100].article_ids == (3,)
    assert by_key[100].size == 3
    assert by_key[100].open_until is not None and by_key[100].open_until > by_key[100].last_updated
    new = [w for w in plan.writes if w.key < 0]
    assert sorted(sorted(w.article_ids) for w in new) == [[4, 5], [6, 7]]
    for w in new:
        assert w.lead_article_id in w.article_ids
        assert w.title == next(a.title for a in articles if a.article_id == w.lead_article_id)


def test_plan_update_merges_stored_stories_that_converge() -> None:
    articles, _ = corpus()
    halves = [plan_update([], [a], NOTHING, T0 + timedelta(days=1)).writes[0] for a in articles[:2]]
    stored = [
        OpenStory(50 + n, w.first_seen, w.last_updated, w.size, w.terms, w.lead_article_id, w.lead_score)
        for n, w in enumerate(halves)
    ]
    plan = plan_update(stored, articles[2:3], NOTHING, T0 + timedelta(days=1))
    (write,) = [w for w in plan.writes if w.absorbs]
    assert (write.key, write.absorbs, write.size) == (50, (51,), 3)


def test_plan_update_counts_future_articles_as_now() -> None:
    articles, _ = corpus()
    ahead = make(99, "x", articles[0].title, articles[0].body_text, T0 + timedelta(days=30))
    plan = plan_update([], [ahead], NOTHING, T0)
    assert plan.writes[0].last_updated == T0


def test_plan_update_with_nothing_pending_writes_nothing() -> None:
    plan = plan_update([], [], NOTHING, T0)
    assert plan.writes == [] and plan.counts.documents == 0
    assert open_since([]) is None


def test_an_article_is_compared_with_a_bounded_number_of_stories() -> None:
    from newsstand.stories.cluster import MAX_CANDIDATES

    feats, _ = _feats()
    base = feats[0]
    shared = dict(islice(base.vector.items(), 2))  # every story shares two strong terms
    crowd = [
        StoryProfile(k, base.published, base.published, 1, {**shared, f"own{k}": 1.0}) for k in range(1, 200)
    ]
    clusterer = Clusterer(crowd)
    assert len(clusterer.candidates(base)) == MAX_CANDIDATES


def test_the_stories_near_an_article_are_those_sharing_most_of_its_strong_terms() -> None:
    from collections import Counter

    from newsstand.stories.cluster import INDEX_TERMS, MAX_CANDIDATES

    rng = random.Random(4)
    words = [f"w{i}" for i in range(40)]
    for _ in range(30):
        stories = [
            StoryProfile(k, T0, T0, 1, {w: 1.0 / (i + 1) for i, w in enumerate(rng.sample(words, 12))})
            for k in range(1, rng.randint(2, 300))
        ]
        clusterer = Clusterer(stories)
        for gone in rng.sample(range(1, len(stories) + 1), len(stories) // 5):
            del clusterer.stories[gone]  # merged away: still in the postings, never near
        terms = dict.fromkeys(rng.sample(words, 20), 1.0)
        for least in (2, 3):
            hits = Counter(
                k
                for s in stories
                for k in [s.key]
                if k in clusterer.stories
                for t in islice(terms, INDEX_TERMS)
                if t in islice(s.total, INDEX_TERMS)
            )
            ranked = sorted((-n, k) for k, n in hits.items() if n >= least)[:MAX_CANDIDATES]
            assert clusterer._near(terms, least) == {k for _, k in ranked}
