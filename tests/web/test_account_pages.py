"""Sign up, sign in and out, password reset through the outbox, the account page."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import Message

from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.config import Settings
from newsstand.model import MembershipState

from .conftest import PASSWORD, csrf_from, make_reader, post_form, sign_in


def test_sign_up_starts_the_trial_and_the_mailed_link_signs_in(
    client: TestClient, services: Services, web_settings: Settings
) -> None:
    response = post_form(
        client,
        "/signup?next=/membership",
        "/signup",
        {"email": "New.Reader@Example.org", "password": PASSWORD, "next": "/membership"},
    )
    assert response.status_code == 200 and "Check your email" in response.text
    reader = services.accounts.get_reader_by_email("new.reader@example.org")
    assert services.membership.membership_state(reader.id) is MembershipState.TRIAL
    services.jobs.deliver_mail()
    text = "".join(text_of(m) for m in outbox_messages(web_settings))
    link = re.search(r"http://testserver(/account/verify/[\w\-]+)", text)
    assert link
    followed = client.get(link.group(1))
    assert followed.status_code == 303 and followed.headers["location"] == "/?msg=welcome"
    page = client.get("/?msg=welcome").text
    assert "Your free trial has started" in page and "new.reader@example.org" in client.get("/account").text
    assert client.get(link.group(1)).status_code == 400  # the link works once


def test_sign_up_explains_a_weak_password(client: TestClient) -> None:
    response = post_form(client, "/signup", "/signup", {"email": "weak@example.org", "password": "short"})
    assert response.status_code == 400
    assert 'role="alert"' in response.text and 'aria-invalid="true"' in response.text


def test_sign_up_answers_the_same_for_a_taken_address_and_mails_its_owner(
    client: TestClient, services: Services, web_settings: Settings
) -> None:
    make_reader(services, "twice@example.org")
    taken = post_form(client, "/signup", "/signup", {"email": "twice@example.org", "password": PASSWORD})
    fresh = post_form(client, "/signup", "/signup", {"email": "once@example.org", "password": PASSWORD})
    assert taken.status_code == fresh.status_code == 200
    normalise = lambda html: re.sub(r'value="[^"]*"|twice@example.org|once@example.org', "", html)  # noqa: E731
    assert normalise(taken.text) == normalise(fresh.text)  # byte for byte but for the address itself
    assert "ns_session" not in ";".join(
        taken.headers.get_list("set-cookie") + fresh.headers.get_list("set-cookie")
    )
    services.jobs.deliver_mail()
    owner_mail = [m for m in outbox_messages(web_settings) if m["To"].endswith("twice@example.org>") or
                  m["To"] == "twice@example.org"]  # fmt: skip
    [told] = [m for m in owner_mail if m["Subject"] == "Your Newsstand account"]
    assert "/account/reset" in text_of(told) and "already" in text_of(told)


def test_wrong_password_and_sign_out(client: TestClient, services: Services) -> None:
    make_reader(services, "out@example.org")
    bad = post_form(client, "/signin", "/signin", {"email": "out@example.org", "password": "wrong password!"})
    assert bad.status_code == 401 and "do not match" in bad.text
    sign_in(client, "out@example.org")
    assert "out@example.org" in client.get("/account").text
    response = post_form(client, "/account", "/signout", {})
    assert response.status_code == 303
    assert client.get("/account").status_code == 303  # back to sign in


def test_account_pages_need_a_reader(client: TestClient) -> None:
    for path in ("/account", "/saved", "/history"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/signin?next=")
    # The service worker's list: empty for an anonymous browser, so it drops any copies it holds.
    assert client.get("/saved/offline.json").json() == {"urls": []}


def test_rate_limit_answers_429_with_retry_after(client: TestClient, services: Services) -> None:
    make_reader(services, "limit@example.org")
    statuses = []
    for _ in range(7):
        response = post_form(
            client, "/signin", "/signin", {"email": "limit@example.org", "password": "nope nope nope"}
        )
        statuses.append(response.status_code)
    assert 429 in statuses
    assert int(response.headers["retry-after"]) >= 1


def outbox_messages(settings: Settings) -> list[Message]:
    return [message_from_bytes(p.read_bytes()) for p in sorted((settings.data_path / "outbox").glob("*.eml"))]


def text_of(message: Message) -> str:
    if message.is_multipart():
        return "".join(text_of(part) for part in message.get_payload())  # type: ignore[union-attr]
    payload = message.get_payload(decode=True)
    return payload.decode() if isinstance(payload, bytes) else str(payload)


def test_password_reset_through_the_outbox(
    client: TestClient, services: Services, web_settings: Settings
) -> None:
    make_reader(services, "forgot@example.org")
    response = post_form(client, "/account/reset", "/account/reset", {"email": "forgot@example.org"})
    assert response.headers["location"] == "/signin?msg=reset-sent"
    services.jobs.deliver_mail()  # what the service loop does every few seconds
    link = re.search(r"http://testserver(/account/reset/[\w\-]+)", text_of(outbox_messages(web_settings)[-1]))
    assert link, "the mail carries the reset link"
    page = client.get(link.group(1)).text
    done = client.post(
        link.group(1), data={"csrf_token": csrf_from(page), "password": "a brand new password"}
    )
    assert done.headers["location"] == "/signin?msg=password-reset"
    sign_in(client, "forgot@example.org", "a brand new password")
    # The page's token belonged to the anonymous browser: signed in, the form is loaded again.
    again = post_form(client, link.group(1), link.group(1), {"password": "another new password"})
    assert again.status_code == 400 and "expired or was used" in again.text  # single use


def test_change_password_and_delete_account(client: TestClient, services: Services) -> None:
    reader = make_reader(services, "change@example.org")
    sign_in(client, "change@example.org")
    wrong = post_form(
        client,
        "/account",
        "/account/password",
        {"current_password": "not it at all", "new_password": "another long password"},
    )
    assert wrong.status_code == 400 and "current password was not right" in wrong.text
    ok = post_form(
        client,
        "/account",
        "/account/password",
        {"current_password": PASSWORD, "new_password": "another long password"},
    )
    assert ok.headers["location"] == "/account?msg=password-changed"
    assert client.get("/account").status_code == 200  # this session was kept
    gone = post_form(client, "/account", "/account/delete", {"current_password": "another long password"})
    assert gone.headers["location"] == "/?msg=deleted"
    assert reader.email not in {r.email for r in services.accounts.list_readers()}
