"""The extraction quality gate: metrics over the shared corpora must stay at their floors.

Like trafilatura's evaluation gate: ``baseline.json`` pins floors, the corpus
digest and an epsilon. The gate skips (saying why) when the corpus differs from
the one the floors were measured on.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .gate import corpus_digest, liveblog_metrics, publisher_page_metrics

BASELINE = json.loads((Path(__file__).with_name("baseline.json")).read_text())


@pytest.fixture(scope="session")
def gate_metrics(shared_data: Path) -> dict[str, float]:
    """All metrics, computed once per session (the corpus takes some seconds to extract)."""
    digest = corpus_digest(shared_data)
    if digest != BASELINE["corpus_digest"]:
        pytest.skip(
            f"corpus digest {digest[:12]}… differs from the baseline's "
            f"{BASELINE['corpus_digest'][:12]}…: floors were measured on other data"
        )
    return {**publisher_page_metrics(shared_data), **liveblog_metrics(shared_data)}


@pytest.mark.slow
@pytest.mark.parametrize("metric", sorted(BASELINE["floors"]))
def test_metric_stays_above_floor(gate_metrics: dict[str, float], metric: str) -> None:
    floor = BASELINE["floors"][metric]
    value = gate_metrics[metric]
    assert value >= floor - BASELINE["epsilon"], f"{metric} fell to {value:.4f} (floor {floor})"


@pytest.mark.slow
def test_body_f1_beats_plain_trafilatura(gate_metrics: dict[str, float]) -> None:
    for ours, theirs in BASELINE["must_beat"].items():
        margin = gate_metrics[ours] - gate_metrics[theirs]
        print(
            f"{ours}: {gate_metrics[ours]:.4f} vs {theirs}: {gate_metrics[theirs]:.4f} (margin {margin:+.4f})"
        )
        assert margin > 0, f"{ours} does not beat {theirs}"
