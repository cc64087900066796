"""Browser tests: Debian's Chromium drives the reader served for real by uvicorn on 127.0.0.1.

Skipped when /usr/bin/chromium is absent, unless NEWSSTAND_REQUIRE_BROWSER=1.
Screenshots of the main pages at phone and desktop widths go to artifacts/screenshots/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from newsstand.app import Services
from newsstand.app.stories import update_stories
from newsstand.mail import list_outbox, message_text, outbox_folder
from newsstand.model import LiveEntry, LiveMergeScope, Role, utcnow
from newsstand.sample.edition import load_sample_edition, sample_catalog
from newsstand.store import SqlStore, open_store
from newsstand.web import create_app
from support import make_services, served

from .conftest import PASSWORD, Edition, make_settings, record_history, seed

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not CHROMIUM.exists():
    if os.environ.get("NEWSSTAND_REQUIRE_BROWSER") == "1":
        raise RuntimeError("NEWSSTAND_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")
    pytest.skip("Chromium not installed at /usr/bin/chromium", allow_module_level=True)

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402


@dataclass
class Server:
    url: str
    store: SqlStore
    services: Services
    edition: Edition


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    settings = make_settings(tmp_path_factory.mktemp("browser"), NEWSSTAND_LIVE_POLL_SECONDS="0.5")
    store = open_store(settings)
    now = utcnow()
    load_sample_edition(store, now)
    edition = seed(store, now, images=False)
    record_history(store, edition.feed_ids, now)
    update_stories(store, now)
    services = make_services(store, settings)
    app = create_app(settings, services=services)
    with served(app, lifespan="on") as base:
        yield Server(base, store, services, edition)
    store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)
    p = context.new_page()
    p.on("console", lambda msg: print("console:", msg.type, msg.text))
    p.on("pageerror", lambda exc: print("pageerror:", exc))
    p.set_default_timeout(10_000)
    yield p
    context.close()


def shoot(page: Page, name: str) -> None:
    """Screenshots at phone and desktop width (full page), for people to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def sign_in(page: Page, server: Server, email: str, next_path: str = "/") -> None:
    page.goto(f"{server.url}/signin?next={next_path}")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def mailed_link(server: Server, to: str, path: str) -> str:
    """The newest link starting with ``path`` in mail delivered (to the outbox) for ``to``."""
    server.services.jobs.deliver_mail()
    for entry in reversed(list_outbox(outbox_folder(server.services.settings))):
        if to in entry.to:
            found = re.search(rf"https?://\S+?({re.escape(path)}\S+)", message_text(entry.read()))
            if found:
                return server.url + found.group(1)
    raise AssertionError(f"no mail to {to} with a {path} link")


def test_sign_up_start_trial_and_read_a_full_article(page: Page, server: Server) -> None:
    paid = server.edition.articles["paid"]
    page.goto(f"{server.url}/article/{paid}")
    page.get_by_role("link", name="Start your 14-day free trial").click()
    page.get_by_label("Email address").fill("browser-reader@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Start your free trial").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    # The link mailed to the address confirms it and signs this browser in.
    page.goto(mailed_link(server, "browser-reader@example.org", "/account/verify/"))
    expect(page.get_by_text("Your free trial has started")).to_be_visible()
    page.goto(f"{server.url}/article/{paid}")
    expect(page.get_by_text("Paragraph 8 about glaciers")).to_be_visible()
    expect(page.get_by_text("Sign up to read this article")).to_have_count(0)
    shoot(page, "article-member")


def test_anonymous_reader_meets_the_paywall(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/article/{server.edition.articles['paid']}")
    paywall = page.get_by_role("region", name="Sign up to read this article")
    expect(paywall).to_be_visible()
    expect(paywall.get_by_role("link", name="Start your 14-day free trial")).to_be_visible()
    expect(paywall.get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Paragraph 4 about glaciers")).to_have_count(0)
    shoot(page, "article-paywalled")


def test_live_blog_receives_a_new_entry_without_reloading(page: Page, server: Server) -> None:
    server.services.accounts.sign_up("live-browser@example.org", PASSWORD)
    sign_in(page, server, "live-browser@example.org")
    page.goto(f"{server.url}/live/{server.edition.live_id}")
    expect(page.get_by_role("heading", name="What we know so far")).to_be_visible()
    page.evaluate("window.__sameDocument = true")  # lost if the page reloads
    server.store.merge_live_entries(
        server.edition.live_id,
        [
            LiveEntry(
                "browser-new",
                utcnow() + timedelta(seconds=1),
                "Lighthouse keeper reports calm seas",
                "<p>The lighthouse keeper says the sea is calm again.</p>",
                "calm again",
            )
        ],
        scope=LiveMergeScope.ADD_ONLY,
    )
    button = page.get_by_role("button", name="1 new update")
    expect(button).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Lighthouse keeper reports calm seas")).to_have_count(0)  # waits for the click
    button.click()
    expect(page.get_by_role("heading", name="Lighthouse keeper reports calm seas")).to_be_visible()
    expect(button).to_be_hidden()
    assert page.evaluate("window.__sameDocument") is True
    shoot(page, "liveblog")


def test_search_with_a_filter(page: Page, server: Server) -> None:
    page.goto(server.url + "/search")
    page.get_by_label("Words to look for").fill("glacier")
    page.get_by_label("Publisher").select_option("northern-ledger")
    page.get_by_role("button", name="Search", exact=True).last.click()
    results = page.get_by_role("region", name="Results")
    expect(results.get_by_role("link", name="Glacier survey finds meltwater lakes growing")).to_be_visible()
    expect(results.locator("mark").first).to_be_visible()
    shoot(page, "search")
    page.get_by_label("Publisher").select_option("harbour-post")
    page.get_by_role("button", name="Search", exact=True).last.click()
    expect(page.get_by_text("Nothing matched")).to_be_visible()


def test_editor_picks_a_story_and_it_appears_in_our_picks(page: Page, server: Server) -> None:
    server.services.accounts.sign_up("editor-browser@example.org", PASSWORD, role=Role.EDITOR)
    sign_in(page, server, "editor-browser@example.org")
    page.goto(f"{server.url}/article/{server.edition.articles['business']}")
    page.get_by_label("Note for Our picks").fill("A quiet revolution at sea")
    page.get_by_role("button", name="Add to Our picks").click()
    page.goto(server.url + "/")
    picks = page.get_by_role("region", name="Our picks")
    expect(picks.get_by_role("link", name="Ferry operator orders two electric vessels")).to_be_visible()
    expect(picks.get_by_text("A quiet revolution at sea")).to_be_visible()


def test_offline_sample_edition_renders(page: Page, server: Server) -> None:
    page.goto(server.url + "/")
    expect(page.get_by_role("heading", name="Top stories")).to_be_visible()
    names = [p.name for p in sample_catalog().publishers]
    for name in names[:3]:
        expect(page.get_by_role("link", name=name).first).to_be_attached()
    broken = page.evaluate("[...document.images].filter(i => i.complete && i.naturalWidth === 0).length")
    assert broken == 0
    shoot(page, "home")
    page.emulate_media(color_scheme="dark")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "home-dark-desktop.png"))
    page.emulate_media(color_scheme="light")
    page.get_by_role("region", name="Top stories").locator("h3 a").first.click()
    expect(page.locator("h1#headline")).to_be_visible()
    shoot(page, "article")


def test_admin_sources_page(page: Page, server: Server) -> None:
    server.services.accounts.sign_up("ops-browser@example.org", PASSWORD, role=Role.ADMIN)
    sign_in(page, server, "ops-browser@example.org")
    page.goto(server.url + "/admin/sources")
    expect(page.get_by_role("heading", name="Feeds, failing first")).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    shoot(page, "admin-sources")


def test_keyboard_reaches_the_skip_link_first(page: Page, server: Server) -> None:
    page.goto(server.url + "/")
    page.keyboard.press("Tab")
    focused: Any = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_saved_article_stays_readable_offline(page: Page, server: Server) -> None:
    server.services.accounts.sign_up("offline-browser@example.org", PASSWORD)
    sign_in(page, server, "offline-browser@example.org")
    article = f"{server.url}/article/{server.edition.articles['open']}"
    page.goto(article)
    page.wait_for_function(
        "navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=10_000
    )
    page.get_by_role("button", name="Save for later").click()
    expect(page.get_by_text("Saved. It stays readable offline")).to_be_visible()
    # The service worker tells the page once its offline copies are stored.
    expect(page.locator("body[data-offline-ready='1']")).to_be_attached(timeout=10_000)
    page.context.set_offline(True)
    page.goto(article)
    expect(page.get_by_role("heading", name="Harbour cranes return after the long strike")).to_be_visible()
    page.context.set_offline(False)


def test_no_page_scrolls_sideways_on_a_phone(page: Page, server: Server) -> None:
    server.services.accounts.sign_up("ops-phone@example.org", PASSWORD, role=Role.ADMIN)
    sign_in(page, server, "ops-phone@example.org")
    page.set_viewport_size(PHONE)
    paths = [
        "/",
        f"/article/{server.edition.articles['open']}",
        f"/live/{server.edition.live_id}",
        "/search?q=storm",
        "/admin/sources",
        "/admin/members",
        "/account",
        "/publishers",
    ]
    for path in paths:
        page.goto(server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path


def _covered_story(server: Server) -> int:
    """A story of the test edition covered by two publishers (made once per module)."""
    from newsstand.model import StoryWrite

    edition = server.edition
    open_, paid = edition.articles["open"], edition.articles["paid"]
    found = server.store.get_article(open_).story_id
    if found is None or found != server.store.get_article(paid).story_id:
        server.store.clear_stories()
        now = utcnow()
        write = StoryWrite(-1, "Harbour and glaciers", now - timedelta(hours=5), now, open_, (open_, paid))
        server.store.save_stories([write])
        server.services.cache.clear()
    story_id = server.store.get_article(open_).story_id
    assert story_id is not None
    return story_id


def test_story_page_shows_every_outlet_and_the_timeline(page: Page, server: Server) -> None:
    story_id = _covered_story(server)
    page.goto(f"{server.url}/article/{server.edition.articles['open']}")
    page.goto(f"{server.url}/")
    page.get_by_role("link", name="+1 more publisher").first.click()
    expect(page).to_have_url(f"{server.url}/story/{story_id}")
    outlets = page.get_by_role("region", name="Who covered it")
    expect(outlets.get_by_role("link", name="Harbour Post")).to_be_visible()
    expect(outlets.get_by_role("link", name="Northern Ledger")).to_be_visible()
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline.get_by_role("link", name="Glacier survey finds meltwater lakes growing")).to_be_visible()
    expect(timeline.get_by_role("link", name="Harbour cranes return after the long strike")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Reports over the story"))).to_be_visible()
    shoot(page, "story")


def test_main_pages_have_no_axe_violations(page: Page, server: Server) -> None:
    axe = Axe()  # axe-core, shipped inside the axe-playwright-python package
    server.services.accounts.sign_up("ops-axe@example.org", PASSWORD, role=Role.ADMIN)
    anonymous = [
        "/",
        f"/article/{server.edition.articles['paid']}",
        f"/live/{server.edition.live_id}",
        "/search?q=storm",
        "/signin",
        "/signup",
        "/publishers",
        "/section/World",
        f"/story/{_covered_story(server)}",
        "/membership",
    ]
    signed_in = [
        "/",
        f"/article/{server.edition.articles['open']}",
        "/admin/sources",
        "/admin/members",
        "/account",
        "/account/digest",
        "/admin/payouts",
        "/saved",
        "/account/following",
    ]
    found = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for path in anonymous:
            page.goto(server.url + path)
            found[f"{scheme} {path}"] = axe.run(page).response["violations"]
    sign_in(page, server, "ops-axe@example.org")
    for path in signed_in:
        page.goto(server.url + path)
        found[f"signed in {path}"] = axe.run(page).response["violations"]
    problems = {
        where: [(v["id"], v["impact"], len(v["nodes"])) for v in vs] for where, vs in found.items() if vs
    }
    assert not problems, problems
