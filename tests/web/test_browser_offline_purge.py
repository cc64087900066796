# ruff: noqa: F811 (the browser fixtures of test_browser are imported by name and used as parameters)
"""Saved full texts leave the device with the right to read them (issue 15): the service
worker's offline copies are dropped at sign-out, when the membership lapses, and when the
account is deleted. Chromium, the real service worker, the app served by uvicorn."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from .conftest import PASSWORD
from .test_browser import Server, browser, page, server, sign_in  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COUNT = (
    "async () => (await (await caches.open('newsstand-saved-v1')).keys()).map(r => new URL(r.url).pathname)"
)


def cached(page: Page) -> list[str]:
    paths: list[str] = page.evaluate(COUNT)
    return sorted(paths)


def wait_cached(page: Page, expected: list[str], seconds: float = 30) -> list[str]:
    deadline = time.monotonic() + seconds
    found = cached(page)
    while found != sorted(expected) and time.monotonic() < deadline:
        time.sleep(0.2)
        found = cached(page)
    return found


def save_both(page: Page, server: Server) -> tuple[str, str]:
    """Save the open and the paywalled article; wait until the worker holds both."""
    open_path = f"/article/{server.edition.articles['open']}"
    paid_path = f"/article/{server.edition.articles['paid']}"
    page.goto(server.url + open_path)
    page.wait_for_function(
        "navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=20_000
    )
    for path in (open_path, paid_path):
        page.goto(server.url + path)
        page.get_by_role("button", name="Save for later").click()
        expect(page.get_by_text("Saved. It stays readable offline")).to_be_visible(timeout=20_000)
    assert wait_cached(page, [open_path, paid_path]) == sorted([open_path, paid_path])
    return open_path, paid_path


def test_a_lapsed_membership_takes_the_paywalled_copies_and_sign_out_takes_the_rest(
    page: Page, server: Server
) -> None:
    reader = server.services.accounts.sign_up("purge-lapse@example.org", PASSWORD)  # on trial
    sign_in(page, server, "purge-lapse@example.org")
    open_path, _ = save_both(page, server)
    server.services.membership.end(reader.id)  # the trial ends early: the paid article is locked
    server.services.accounts.forget_sessions()
    page.goto(server.url + "/")
    assert wait_cached(page, [open_path]) == [open_path]
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible(timeout=20_000)
    page.goto(server.url + "/")  # the worker may have been removed by Clear-Site-Data: a fresh one
    assert wait_cached(page, []) == []


def test_deleting_the_account_takes_every_copy(page: Page, server: Server) -> None:
    server.services.accounts.sign_up("purge-delete@example.org", PASSWORD)
    sign_in(page, server, "purge-delete@example.org")
    save_both(page, server)
    page.goto(server.url + "/account")
    page.get_by_label("Current password", exact=True).last.fill(PASSWORD)
    page.locator("form[action='/account/delete'] button").click()
    expect(page.get_by_text("Your account and its data have been deleted.")).to_be_visible(timeout=20_000)
    page.goto(server.url + "/")
    assert wait_cached(page, []) == []
