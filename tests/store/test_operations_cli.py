"""`newsstand backup`, `restore` and `migrate-to` as an operator runs them (SQLite, in-process)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from newsstand.cli import main
from newsstand.errors import TransferError


def run(data_dir: Path, *args: str) -> Result:
    env = {"NEWSSTAND_DATA_DIR": str(data_dir), "NEWSSTAND_CONFIG": "", "NEWSSTAND_DATABASE_URL": ""}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=True)


def said(result: Result) -> str:
    """What a command printed, its lines joined: the console wraps at its width, and a long
    temporary path moves where the breaks fall."""
    return " ".join(result.output.split())


def test_backup_restore_and_migrate_to(tmp_path: Path) -> None:
    source, copy = tmp_path / "source", tmp_path / "copy"
    assert run(source, "sample", "load").exit_code == 0
    path = tmp_path / "news.backup"

    made = run(source, "backup", str(path))
    assert made.exit_code == 0, made.output
    assert "Backed up" in said(made) and "SQLite database file" in said(made)

    restored = run(copy, "restore", str(path))
    assert restored.exit_code == 0, restored.output
    assert "articles" in said(restored) and "finds the newest article" in said(restored)
    assert "Done:" in said(restored)

    again = run(copy, "restore", str(path))
    assert isinstance(again.exception, TransferError)
    assert "--replace" in str(again.exception)
    assert run(copy, "restore", "--replace", str(path)).exit_code == 0

    target = f"sqlite:///{tmp_path / 'migrated.db'}"
    moved = run(source, "migrate-to", target)
    assert moved.exit_code == 0, moved.output
    assert "finds the newest article" in said(moved)
    refused = run(source, "migrate-to", target)
    assert isinstance(refused.exception, TransferError)
    assert "not empty" in str(refused.exception)
