"""The server limits glibc's malloc arenas before its threads start (bench/soak.py measured
the resident set climbing without the limit)."""

from __future__ import annotations

import ctypes.util
import platform

import pytest

from newsstand.cli.serve import limit_malloc_arenas


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="a glibc setting")
def test_glibc_accepts_the_arena_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert ctypes.util.find_library("c")
    assert limit_malloc_arenas() is True


def test_an_operators_own_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False
