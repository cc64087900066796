"""Rough edges a new reader met on the web pages (issue 15): each test failed before its fix."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.model import Role

from .conftest import Edition, make_reader, post_form, sign_in


def main_of(html: str) -> str:
    return html.split("<main", 1)[-1].split("</main>", 1)[0]


def test_a_made_up_reset_link_says_so_at_once(client: TestClient) -> None:
    page = client.get("/account/reset/garbage")
    main = main_of(page.text)
    assert page.status_code == 404
    assert "<form" not in main and 'type="password"' not in main
    assert len(re.findall(r'role="alert"', main)) == 1
    assert main.count("expired") == 1, "one message, said once"
    assert 'href="/account/reset"' in main


def test_a_used_reset_link_offers_no_form(client: TestClient, services: Services) -> None:
    make_reader(services, "again@example.org")
    post_form(client, "/account/reset", "/account/reset", {"email": "again@example.org"})
    services.jobs.deliver_mail()
    from newsstand.mail import list_outbox, outbox_folder

    text = list_outbox(outbox_folder(services.accounts.settings))[-1].read().as_string()
    link = re.search(r"/account/reset/[\w\-]+", text.replace("=\n", ""))
    assert link
    fresh = client.get(link.group(0))
    assert fresh.status_code == 200 and 'type="password"' in fresh.text
    post_form(client, link.group(0), link.group(0), {"password": "a brand new password"})
    used = client.get(link.group(0))
    assert used.status_code == 404 and "<form" not in main_of(used.text)


def test_our_picks_with_an_unknown_article_is_a_form_error(
    client: TestClient, services: Services, edition: Edition
) -> None:
    make_reader(services, "picker@example.org", role=Role.EDITOR)
    sign_in(client, "picker@example.org")
    for raw in ("987654", "99999999999999999999999", "abc"):
        answer = post_form(client, "/admin/picks", "/admin/picks", {"article_id": raw, "note": "Look"})
        main = main_of(answer.text)
        assert answer.status_code == 400
        assert "Page not found" not in answer.text
        assert 'class="form-error"' in main or 'role="alert"' in main
        assert 'name="article_id"' in main, "the form is shown again"
