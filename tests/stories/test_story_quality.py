"""The clustering quality gate: B-cubed and ARI floors on the shared labelled corpus."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest

from newsstand.stories.evaluate import ClusterScores, apply_writes, read_labelled, replay, score
from newsstand.stories.plan import plan_update

BASELINE = json.loads((Path(__file__).parent / "baseline.json").read_text())


@pytest.fixture(scope="module")
def corpus(shared_data: Path) -> Path:
    path = shared_data / BASELINE["corpus"]
    if not path.is_file():
        pytest.skip(f"{path} not found")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == BASELINE["sha256"], "the labelled corpus changed: re-pin tests/stories/baseline.json"
    return path


def _check(scores: ClusterScores, floors: dict[str, float]) -> None:
    eps = BASELINE["epsilon"]
    got = {"precision": scores.precision, "recall": scores.recall, "f1": scores.f1, "ari": scores.ari}
    below = {k: (round(got[k], 4), v) for k, v in floors.items() if got[k] < v - eps}
    assert not below, f"clustering quality fell below the pinned floors (got, pinned): {below}"


def test_rebuild_meets_floors(corpus: Path) -> None:
    articles, gold = read_labelled(corpus)
    now = max(a.published for a in articles) + timedelta(days=1)
    assigned: dict[int, int] = {}
    apply_writes(assigned, plan_update([], articles, now), 1)
    _check(score(assigned, gold), BASELINE["rebuild"])


@pytest.mark.slow
def test_incremental_rounds_meet_floors(corpus: Path) -> None:
    articles, gold = read_labelled(corpus)
    setup = BASELINE["incremental"]
    assigned = replay(articles, timedelta(hours=setup["round_hours"]), background=setup["background"])
    _check(score(assigned, gold), setup["scores"])
