"""Fixtures for the feed writer tests; the data lives in ``samples``."""

from __future__ import annotations

import pytest

from newsstand.feedsout import FeedDocument, FeedItem

from .samples import make_doc, make_items


@pytest.fixture
def doc() -> FeedDocument:
    return make_doc()


@pytest.fixture
def items() -> list[FeedItem]:
    return make_items()
