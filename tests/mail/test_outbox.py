"""The outbox folder: the development default when no SMTP server is set."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsstand.config import load_settings
from newsstand.errors import MailError
from newsstand.mail import (
    OutboxMailer,
    build_message,
    clear_outbox,
    list_outbox,
    mailer_from_settings,
    message_text,
)


def test_outbox_writes_one_eml_per_message_and_lists_them(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    mailer = OutboxMailer(folder)
    mailer.send(build_message("Newsstand <n@example.org>", "a@example.org", "First", "Hello A\n"))
    mailer.send(build_message("Newsstand <n@example.org>", "b@example.org", "Second", "Hello B\n"))
    files = sorted(folder.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]  # no temporary files left behind
    entries = list_outbox(folder)
    assert [(e.to, e.subject) for e in entries] == [("a@example.org", "First"), ("b@example.org", "Second")]
    assert message_text(entries[1].read()).strip() == "Hello B"
    assert clear_outbox(folder) == 2
    assert list_outbox(folder) == []


def test_outbox_ignores_half_written_files(tmp_path: Path) -> None:
    tmp_path.joinpath(".20261101T000000Z-dead.eml.tmp").write_text("partial")
    assert list_outbox(tmp_path) == []
    assert list_outbox(tmp_path / "missing") == []


def test_unwritable_outbox_raises_mail_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(MailError):
        OutboxMailer(blocker / "outbox").send(build_message("n@example.org", "a@example.org", "S", "B"))


def test_without_smtp_host_mail_goes_to_the_outbox(tmp_path: Path) -> None:
    mailer = mailer_from_settings(load_settings({}).replace(data_dir=str(tmp_path)))
    assert isinstance(mailer, OutboxMailer) and mailer.folder == tmp_path / "outbox"
