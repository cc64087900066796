"""The clustering quality gate: B-cubed and ARI floors on the shared labelled corpus, its
same-days construction and the written cases, for a rebuild and for hourly rounds."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from newsstand.stories.evaluate import ClusterScores, score
from newsstand.stories.quality import LabelledSet, categories, load_set, rebuild, rounds, same_days

BASELINE = json.loads((Path(__file__).parent / "baseline.json").read_text())
CASES = Path(__file__).parent / "cases"


@pytest.fixture(scope="module")
def corpus(shared_data: Path) -> Path:
    path = shared_data / BASELINE["corpus"]
    if not path.is_file():
        pytest.skip(f"{path} not found")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == BASELINE["sha256"], "the labelled corpus changed: re-pin tests/stories/baseline.json"
    return path


def _scores(scores: ClusterScores) -> dict[str, float]:
    return {"precision": scores.precision, "recall": scores.recall, "f1": scores.f1, "ari": scores.ari}


def _check(got: dict[str, float], floors: dict[str, float]) -> None:
    eps = BASELINE["epsilon"]
    below = {k: (round(got[k], 4), v) for k, v in floors.items() if got[k] < v - eps}
    assert not below, f"clustering quality fell below the pinned floors (got, pinned): {below}"


def _gate(labelled: LabelledSet, pinned: dict[str, dict[str, float]]) -> None:
    built = _scores(score(rebuild(labelled), labelled.gold))
    arrived = _scores(score(rounds(labelled), labelled.gold))
    _check(built, pinned["rebuild"])
    _check(arrived, pinned["rounds"])
    assert abs(built["f1"] - arrived["f1"]) <= BASELINE["rounds_within"], (built, arrived)


def test_shared_corpus_meets_floors(corpus: Path) -> None:
    _gate(load_set(corpus), BASELINE["shared"])


def test_shared_corpus_meets_the_targets(corpus: Path) -> None:
    labelled = load_set(corpus)
    targets = BASELINE["targets"]
    for method in (rebuild, rounds):
        got = score(method(labelled), labelled.gold)
        assert got.f1 >= targets["f1"] and got.precision >= targets["precision"], (method.__name__, got)


def test_same_days_construction_meets_floors(corpus: Path) -> None:
    _gate(same_days(load_set(corpus), categories(corpus), "same days"), BASELINE["same_days"])


@pytest.mark.parametrize("case", sorted(p.stem for p in CASES.glob("*.jsonl")))
def test_written_case_meets_floors(case: str) -> None:
    labelled = load_set(CASES / f"{case}.jsonl")
    _check(_scores(score(rebuild(labelled), labelled.gold)), BASELINE["cases"][case])
    _check(_scores(score(rounds(labelled), labelled.gold)), BASELINE["cases"][case])
