"""bench/soak.py's memory verdict: a slope after the warm-up, that a momentary peak does not move."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _soak() -> ModuleType:
    spec = importlib.util.spec_from_file_location("soak_bench", ROOT / "bench" / "soak.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["soak_bench"] = module
    spec.loader.exec_module(module)
    return module


soak = _soak()


def _series(minutes: int, mb_at: object) -> list[tuple[float, float]]:
    """A sample every 5 s, as the soak takes them."""
    return [(t, mb_at(t)) for t in range(0, minutes * 60, 5)]  # type: ignore[operator]


def test_warm_up_then_level_is_flat() -> None:
    # 40 MB gained in the first 8 minutes (caches, connections), then level.
    points = _series(30, lambda t: 120 + min(t, 480) / 12)
    assert abs(soak.slope_mb_per_10min(points)) < 0.1


def test_a_steady_climb_after_warm_up_is_not_flat() -> None:
    points = _series(30, lambda t: 150 + t / 600 * 6)  # 6 MB per 10 minutes throughout
    assert 5.9 < soak.slope_mb_per_10min(points) < 6.1
    assert soak.slope_mb_per_10min(points) > soak.FLAT_MB_PER_10MIN


def test_sign_in_peaks_late_in_the_run_do_not_fake_a_climb() -> None:
    # Level at 150 MB; in the last five minutes one sample in three catches an Argon2 hash
    # (19 MiB mapped for ~100 ms), two at once now and then.
    def mb(t: float) -> float:
        if t < 25 * 60 or (t // 5) % 3:
            return 150.0
        return 150 + (38 if (t // 5) % 2 else 19)

    points = _series(30, mb)
    assert abs(soak.slope_mb_per_10min(points)) < 0.1


def test_per_minute_medians() -> None:
    points = [(0.0, 1.0), (5.0, 9.0), (10.0, 2.0), (61.0, 4.0)]
    assert soak.per_minute(points) == [(30, 2.0), (90, 4.0)]
