"""Fixtures shared by every test package.

``shared_dir`` finds the project's shared test data (``../shared`` beside the
repository, or ``NEWSSTAND_SHARED_DIR``) and skips the test cleanly when it is
absent, so a fresh clone elsewhere still passes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _shared_root() -> Path:
    override = os.environ.get("NEWSSTAND_SHARED_DIR")
    return Path(override) if override else REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    root = _shared_root()
    if not (root / "data").is_dir():
        pytest.skip(f"shared test data not found at {root}")
    return root


@pytest.fixture(scope="session")
def shared_data(shared_dir: Path) -> Path:
    return shared_dir / "data"
