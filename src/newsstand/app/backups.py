"""Backups, restores and moves between databases, as operations the front ends call.

The copying itself is the store's (``store/sql/backup.py``, ``store/sql/transfer.py``); this
module opens and closes the databases the settings and the operator name, checks every copy
(row counts per table and a search for the newest article), and hands the front ends what to
show, so the CLI never touches storage itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsstand.config import Settings
from newsstand.store import open_store
from newsstand.store.sql import backup as backup_files
from newsstand.store.sql import transfer
from newsstand.store.sql.store import SqlStore, database_url
from newsstand.store.sql.transfer import CopyCheck, Progress, Snapshot

__all__ = ["Copied", "CopyCheck", "Progress", "Snapshot", "backup", "migrate_to", "restore"]


@dataclass(frozen=True, slots=True)
class Copied:
    """What a restore or a move copied, and how the check of the copy came out."""

    snapshot: Snapshot
    check: CopyCheck
    target: str  # the URL written to


def backup(settings: Settings, path: Path, progress: Progress) -> backup_files.BackupResult:
    """A consistent backup of the configured database to the new file ``path``. Raises
    TransferError or StorageError."""
    store = open_store(settings)
    try:
        assert isinstance(store, SqlStore)
        return backup_files.backup(store, path, progress)
    finally:
        store.close()


def restore(
    settings: Settings,
    path: Path,
    *,
    replace: bool,
    progress: Progress,
    announce: Callable[[str], None] | None = None,
) -> Copied:
    """Restore the backup at ``path`` into the configured database (empty unless ``replace``)
    and check it. Raises TransferError or StorageError; on an error the database keeps what it
    had."""
    url = database_url(settings)
    snap, target = backup_files.restore(path, url, replace=replace, progress=progress, announce=announce)
    return _checked(snap, target, url)


def migrate_to(
    settings: Settings,
    url: str,
    *,
    replace: bool,
    progress: Progress,
    announce: Callable[[str], None] | None = None,
) -> Copied:
    """Copy the configured database into the one at ``url`` (empty unless ``replace``) and
    check the copy. Raises TransferError or StorageError."""
    source = open_store(settings, announce)
    try:
        snap, target = transfer.migrate_to(source, url, replace=replace, progress=progress, announce=announce)
    finally:
        source.close()
    return _checked(snap, target, url)


def _checked(snap: Snapshot, target: SqlStore, url: str) -> Copied:
    try:
        return Copied(snap, transfer.check_copy(snap, target), url)
    finally:
        target.close()
