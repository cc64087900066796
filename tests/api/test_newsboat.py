"""A real third-party client against a real server: newsboat (Debian's package) in its FeedHQ
mode, which speaks the Google Reader API and reads the Atom streams under /reader/atom/. It
signs in with an app password, syncs the reader's subscriptions and articles, and, driven
through tmux like a person at the keyboard, opens an article (read), flags one (starred) and
marks a feed read; a fresh sync from an empty cache then sees those changes.

Skipped when newsboat or tmux is not installed (Debian: apt-get install newsboat tmux)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from newsstand.app import Services
from newsstand.model import Facet, Reader, utcnow
from newsstand.store import SqlStore
from newsstand.web import create_app
from support import make_services, served
from web.conftest import PASSWORD, Edition, make_settings, seed

pytestmark = pytest.mark.skipif(
    shutil.which("newsboat") is None or shutil.which("tmux") is None,
    reason="needs newsboat and tmux (Debian: apt-get install newsboat tmux)",
)
EMAIL = "newsboat@example.org"


@dataclass
class Site:
    url: str
    services: Services
    reader: Reader
    password: str
    edition: Edition
    folder: Path

    def config(self) -> Path:
        path = self.folder / "config"
        path.write_text(
            f'urls-source "feedhq"\nfeedhq-url "{self.url}"\nfeedhq-login "{EMAIL}"\n'
            f'feedhq-password "{self.password}"\nfeedhq-flag-star "s"\nfeedhq-min-items 50\n'
            "feedhq-show-special-feeds no\n",
            encoding="utf-8",
        )
        (self.folder / "urls").touch()
        return path

    def newsboat(self, cache: str, *args: str) -> str:
        command = ["newsboat", "-C", str(self.config()), "-u", str(self.folder / "urls"), "-c", cache, *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=True)
        return done.stdout

    def fresh_sync(self) -> int:
        """Unread articles newsboat sees after syncing into an empty cache."""
        cache = self.folder / f"cache-{time.monotonic_ns()}.db"
        out = self.newsboat(str(cache), "-x", "reload", "print-unread")
        found = re.search(r"(\d+) unread articles", out)
        assert found, out
        return int(found.group(1))


@pytest.fixture
def site(sqlite_store: SqlStore, tmp_path: Path) -> Iterator[Site]:
    settings = make_settings(tmp_path / "data")
    services = make_services(sqlite_store, settings)
    edition = seed(sqlite_store, utcnow())
    reader = services.accounts.sign_up(EMAIL, PASSWORD)
    for publisher in ("harbour-post", "northern-ledger"):
        services.interests.follow(reader.id, Facet.PUBLISHER, publisher)
    password = services.app_passwords.create(reader.id)
    with served(create_app(settings, services=services)) as url:
        yield Site(url, services, reader, password, edition, tmp_path)


class Keyboard:
    """newsboat's screen in a tmux session of its own, and keys sent to it."""

    def __init__(self, name: str, command: list[str]) -> None:
        self.tmux = ["tmux", "-L", name]
        subprocess.run([*self.tmux, "new-session", "-d", "-x", "150", "-y", "40", *command], check=True)

    def screen(self) -> str:
        done = subprocess.run([*self.tmux, "capture-pane", "-p"], capture_output=True, text=True, check=False)
        return done.stdout

    def wait_for(self, text: str, seconds: float = 20) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"newsboat never showed {text!r}; the screen was:\n{self.screen()}")

    def press(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", *keys], check=True)

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], check=False, capture_output=True)


def wait_until(check: object, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.2)
    raise AssertionError("the server never saw the client's change")


def test_newsboat_syncs_marks_read_and_starred_and_sees_it_after_a_fresh_sync(site: Site) -> None:
    services, reader, articles = site.services, site.reader, site.edition.articles
    assert site.fresh_sync() == 4  # two articles from each followed publisher
    exported = site.newsboat(str(site.folder / "export.db"), "-e")
    assert "Harbour Post" in exported and "/reader/atom/feed%2Fhttps%3A%2F%2Fharbour-post.example" in exported

    # a change made on the server shows in the client's next sync
    services.subscriptions.set_read(reader, [articles["business"]], True)
    assert site.fresh_sync() == 3
    services.subscriptions.set_read(reader, [articles["business"]], False)

    cache = str(site.folder / "ui.db")
    site.newsboat(cache, "-x", "reload")
    keys = Keyboard(
        f"ns{time.monotonic_ns()}",
        ["newsboat", "-C", str(site.config()), "-u", str(site.folder / "urls"), "-c", cache],
    )
    try:
        keys.wait_for("Your feeds")
        keys.press("Enter")
        keys.wait_for("Articles in feed 'Harbour Post'")
        keys.press("Enter")  # opening the newest article reads it
        keys.wait_for("Article 'Harbour cranes return")
        keys.press("q")
        keys.wait_for("Articles in feed 'Harbour Post'")
        keys.press("Down", "C-e")  # the second article: edit its flags
        keys.wait_for("Flags:")
        keys.press("s", "Enter")
        keys.wait_for("N!")  # newsboat shows the flag, and sends it on leaving the list
        keys.press("q")
        keys.wait_for("Your feeds")
        wait_until(lambda: services.reading.is_saved(reader.id, articles["business"]))
        keys.press("Down", "A")  # mark the whole of Northern Ledger read
        keys.wait_for("(0/2) Northern Ledger")
        keys.press("q")
    finally:
        keys.close()

    ledger = {articles["paid"], site.edition.live_id}

    def server_has_it() -> bool:
        read = {a.article.id for a in services.reading.history(reader.id)}
        return read == {articles["open"], *ledger}

    wait_until(server_has_it)
    assert [a.article.id for a in services.reading.saved(reader.id)] == [articles["business"]]

    # a fresh client sees the reads; the star is in the starred stream any client syncs
    assert site.fresh_sync() == 1
    auth = httpx.post(f"{site.url}/accounts/ClientLogin", data={"Email": EMAIL, "Passwd": site.password})
    token = auth.text.split("Auth=")[1].strip()
    starred = httpx.get(
        f"{site.url}/reader/api/0/stream/contents/user/-/state/com.google/starred",
        headers={"Authorization": f"GoogleLogin auth={token}"},
    ).json()
    assert [item["title"] for item in starred["items"]] == ["Ferry operator orders two electric vessels"]


def test_a_wrong_app_password_is_a_failure_newsboat_reports(site: Site) -> None:
    site.password = "not-the-password"
    with pytest.raises(subprocess.CalledProcessError) as failed:
        site.newsboat(str(site.folder / "wrong.db"), "-x", "reload")
    assert "uthenticat" in failed.value.stdout + failed.value.stderr


def test_a_subscription_renamed_in_another_app_shows_in_newsboat(site: Site) -> None:
    """newsboat cannot rename (its FeedHQ mode has no such command) nor ask for oldest first;
    it shows the titles the server gives, so a rename made elsewhere reaches it."""
    auth = httpx.post(f"{site.url}/accounts/ClientLogin", data={"Email": EMAIL, "Passwd": site.password})
    headers = {"Authorization": f"GoogleLogin auth={auth.text.split('Auth=')[1].strip()}"}
    token = httpx.get(f"{site.url}/reader/api/0/token", headers=headers).text
    renamed = httpx.post(
        f"{site.url}/reader/api/0/subscription/edit",
        data={
            "ac": "edit",
            "s": "feed/https://harbour-post.example/world.xml",
            "t": "My harbour",
            "T": token,
        },
        headers=headers,
    )
    assert renamed.status_code == 200, renamed.text
    cache = str(site.folder / "renamed.db")
    site.newsboat(cache, "-x", "reload")
    exported = site.newsboat(cache, "-e")
    assert 'title="My harbour"' in exported and "Harbour Post" not in exported
    assert 'title="Northern Ledger"' in exported
