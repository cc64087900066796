"""The development default: every message written to a folder as one ``.eml`` file.

Each file is written to a hidden temporary name first and renamed, so a reader of the
folder never sees half a message. ``newsstand outbox`` lists and prints them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from newsstand.config import Settings
from newsstand.errors import MailError
from newsstand.mail.message import message_bytes, parse_message
from newsstand.model import utcnow


class OutboxMailer:
    """Writes each message to ``folder`` as ``<UTC time>-<random>.eml``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        """Raises MailError when the folder cannot be written."""
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{secrets.token_hex(4)}.eml"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{name}.tmp"
            tmp.write_bytes(message_bytes(message))
            tmp.replace(self.folder / name)
        except OSError as exc:
            raise MailError(f"cannot write to the outbox {self.folder}: {exc}") from exc


def outbox_folder(settings: Settings) -> Path:
    return settings.data_path / "outbox"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    path: Path
    to: str
    subject: str
    date: str

    def read(self) -> EmailMessage:
        return parse_message(self.path.read_bytes())


def list_outbox(folder: Path) -> list[OutboxEntry]:
    """Messages in the outbox, oldest first (file names start with the UTC time)."""
    if not folder.is_dir():
        return []
    entries = []
    for path in sorted(folder.glob("[!.]*.eml")):
        message = parse_message(path.read_bytes())
        entries.append(
            OutboxEntry(
                path, str(message["To"] or ""), str(message["Subject"] or ""), str(message["Date"] or "")
            )
        )
    return entries


def clear_outbox(folder: Path) -> int:
    """Delete every message in the outbox; return how many there were."""
    entries = list_outbox(folder)
    for entry in entries:
        entry.path.unlink(missing_ok=True)
    return len(entries)


def forget_recipient(folder: Path, address: str) -> int:
    """Delete every message in the outbox addressed to ``address`` (compared without case);
    return how many went. For account deletion: development mail names the reader too."""
    wanted = address.strip().lower()
    gone = 0
    for entry in list_outbox(folder):
        if wanted and wanted in entry.to.lower():
            entry.path.unlink(missing_ok=True)
            gone += 1
    return gone
