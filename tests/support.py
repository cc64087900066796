"""Helpers several test packages share (importable as ``support``: pytest puts tests/ on the path)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher, Type

from newsstand.app import Services, build_services
from newsstand.config import Settings
from newsstand.model import utcnow
from newsstand.store.base import Store


def cheap_hasher() -> PasswordHasher:
    """Argon2id with tiny costs: fast, still the real algorithm (suites that sign up many readers)."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)


def make_services(
    store: Store, settings: Settings, clock: Callable[[], datetime] | None = None, **extra: Any
) -> Services:
    """The application services over ``store``, with the cheap hasher."""
    return build_services(settings, store, clock=clock or utcnow, hasher=cheap_hasher(), **extra)
