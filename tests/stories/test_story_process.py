"""The story step in a process of its own (``app.storyworker``): it places articles as the
loop's own thread would, is replaced by a fresh process that loads the index from the tables,
survives its child being killed, and says clearly when it cannot work. On SQLite and
PostgreSQL (the ``store`` fixture runs both), with real spawned processes."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from story_samples import BRIDGE, CHESS, FERRY, T0, store_reports

from newsstand.app.loop import ServiceLoop
from newsstand.app.storyworker import InThread, StoryProcess, story_step
from newsstand.config import Settings, load_settings
from newsstand.errors import StorageError
from newsstand.store import SqlStore, open_url

NOW = T0 + timedelta(hours=6)


def _add(store: SqlStore, event: list[tuple[str, str, str]], tag: str, at: datetime = T0) -> list[int]:
    return store_reports(store, event, at, tag)


def _story_of(store: SqlStore, ids: list[int]) -> set[int | None]:
    return {store.get_article(i).story_id for i in ids}


def test_a_story_process_groups_each_event_into_one_story(store: SqlStore) -> None:
    ferry, bridge, chess = _add(store, FERRY, "f"), _add(store, BRIDGE, "b"), _add(store, CHESS, "c")
    url = store.url()
    worker = StoryProcess(url, 1000)
    try:
        placed = worker.update(NOW)
        assert placed.articles == len(FERRY) + len(BRIDGE) + len(CHESS)
        assert placed.cpu > 0 and placed.warm_cpu > 0 and placed.process_articles == 0
        assert worker.pid is not None and worker.pid != os.getpid()
        stories = [_story_of(store, ids) for ids in (ferry, bridge, chess)]
        assert all(len(s) == 1 and None not in s for s in stories)
        assert len(set().union(*stories)) == 3
        assert worker.update(NOW).articles == 0  # nothing pending: nothing to do
    finally:
        worker.close()
    assert worker.pid is None


def test_the_process_is_replaced_and_its_successor_knows_the_stories(store: SqlStore) -> None:
    ferry = _add(store, FERRY[:2], "f")
    url = store.url()
    worker = StoryProcess(url, 2)
    try:
        first = worker.update(NOW)
        retired = first.articles
        assert retired == 2 and worker.started == 2  # placed its share: a successor runs
        successor = worker.pid
        # A later report of the same event joins its story, through the index the successor
        # loaded from the tables before this round asked.
        later = _add(store, FERRY[2:], "f-later", T0 + timedelta(hours=1))
        second = worker.update(NOW)
        assert second.articles == 1 and second.process_articles == 0 and second.warm_cpu > 0
        assert worker.pid == successor
        assert _story_of(store, ferry) == _story_of(store, later)
    finally:
        worker.close()


def test_a_killed_process_is_replaced_and_nothing_stored_is_lost(store: SqlStore) -> None:
    ferry = _add(store, FERRY, "f")
    url = store.url()
    worker = StoryProcess(url, 1000)
    try:
        worker.update(NOW)
        story = _story_of(store, ferry)
        killed = worker.pid
        assert killed is not None
        os.kill(killed, signal.SIGKILL)
        bridge = _add(store, BRIDGE, "b")
        assert worker.update(NOW).articles == len(BRIDGE)  # a new process took over
        assert worker.pid != killed and worker.started == 2
        assert _story_of(store, ferry) == story
        assert None not in _story_of(store, bridge)
    finally:
        worker.close()


def test_a_process_that_cannot_open_the_store_raises_a_clear_error(tmp_path: Path) -> None:
    worker = StoryProcess(f"sqlite:///{tmp_path}/missing/folder/news.db", 1000)
    try:
        with pytest.raises(StorageError, match="grouping stories failed in its process: StorageError"):
            worker.update(NOW)
        assert worker.pid is None  # the next call tries a new process
    finally:
        worker.close()


def test_the_setting_and_the_store_choose_where_the_step_runs(store: SqlStore, tmp_path: Path) -> None:
    settings = load_settings(environ={"NEWSSTAND_DATA_DIR": str(tmp_path)})
    assert isinstance(story_step(store, settings), StoryProcess)
    environ = {"NEWSSTAND_DATA_DIR": str(tmp_path), "NEWSSTAND_STORIES_PROCESS_ARTICLES": "0"}
    in_thread = load_settings(environ=environ)
    step = story_step(store, in_thread)
    assert isinstance(step, InThread)
    bridge = _add(store, BRIDGE, "b")
    assert step.update(NOW).articles == len(BRIDGE) and len(_story_of(store, bridge)) == 1
    url = store.url()
    other = open_url(url)  # the same database, by its URL
    try:
        _add(store, CHESS, "c")
        assert len(other.articles_without_story(100)) == len(CHESS)  # what the parent stored
    finally:
        other.close()


def test_the_service_loop_groups_stories_in_its_process(store: SqlStore, store_settings: Settings) -> None:
    chess = _add(store, CHESS, "c")
    loop = ServiceLoop(store, store_settings, clock=lambda: NOW)
    try:
        assert isinstance(loop.stories, StoryProcess)
        assert asyncio.run(loop.group_stories()) == len(CHESS)
        assert loop.status.stories_placed == len(CHESS)
        assert len(_story_of(store, chess)) == 1
    finally:
        loop.close()
    assert loop.stories.pid is None
