"""Hardening of the web reader (issue 15): reset links and the Host header, CSRF bound to the
session and enumerated from the router, cookies on cacheable responses, Secure and HSTS, the
CSP's frames, session fixation."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.model import Role
from newsstand.store import open_store
from newsstand.web import create_app
from support import make_services

from .conftest import PASSWORD, Edition, csrf_from, make_reader, make_settings, post_form, sign_in
from .test_account_pages import outbox_messages, text_of

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Mounted apps that authenticate every request by what it carries (a Bearer token), never by a
# cookie, so a cross-site page cannot act through them: CSRF does not apply. Checked below.
TOKEN_AUTHENTICATED = {"/api/v1", "/accounts", "/reader"}
# The Fever API: every request carries its api_key; without one it answers Fever's own refusal.
FEVER = {"/fever/", "/api/fever.php"}
# Posted by others, not by our pages, and authenticated by what they carry (Stripe's signature;
# an unsubscribe link's token, RFC 8058): the status they answer an empty post with.
# A hub's push to /websub/<id> is checked by its HMAC signature; no live subscription: 410.
NOT_FORMS = {"/webhooks/stripe": 404, "/digest/unsubscribe/1": 404, "/websub/1": 410}


def walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str, str]]:
    """(mount, method, path) for every state-changing route, through every Mount."""
    for route in routes:
        if isinstance(route, Route):
            for method in sorted((route.methods or set()) & STATE_CHANGING):
                yield prefix, method, prefix + re.sub(r"\{[^}]+\}", "1", route.path)
        elif isinstance(route, Mount):
            yield from walk(list(route.routes), prefix + route.path)


def test_every_state_changing_route_refuses_a_request_without_a_valid_token(
    client: TestClient, app: Starlette, edition: Edition, services: Services
) -> None:
    make_reader(services, "ops@example.org", role=Role.ADMIN)
    sign_in(client, "ops@example.org")
    found = list(walk(list(app.routes)))
    assert len(found) >= 20
    checked = 0
    for mount, method, path in found:
        if mount in TOKEN_AUTHENTICATED:
            # The session cookie the client holds opens nothing here: no Bearer token, no change.
            answer = client.request(method, path)
            assert answer.status_code in (401, 404, 405), (method, path, answer.status_code)
            continue
        if mount + path in FEVER or path in FEVER:
            answer = client.request(method, path + "?api", data={})
            assert answer.status_code == 200 and answer.json().get("auth") == 0, (path, answer.text)
            continue
        if path in NOT_FORMS:
            assert client.request(method, path, data={}).status_code == NOT_FORMS[path], path
            continue
        assert client.request(method, path, data={}).status_code == 403, (method, path)
        assert client.request(method, path, data={"csrf_token": "forged"}).status_code == 403, path
        checked += 1
    assert checked >= 15


def test_csrf_token_is_bound_to_the_session(client: TestClient, services: Services) -> None:
    make_reader(services, "bound@example.org")
    anonymous_token = csrf_from(client.get("/signin").text)
    sign_in(client, "bound@example.org")
    # The same browser, the same CSRF cookie, but another session: the old token is refused.
    assert client.post("/signout", data={"csrf_token": anonymous_token}).status_code == 403
    fresh = csrf_from(client.get("/account").text)
    assert fresh != anonymous_token
    assert client.post("/signout", data={"csrf_token": fresh}).status_code == 303


def test_sign_in_never_keeps_a_session_id_chosen_before_it(client: TestClient, services: Services) -> None:
    """Session fixation: a cookie planted before sign-in is replaced, and opens nothing."""
    make_reader(services, "fixed@example.org")
    planted = "attacker-chosen-session-value-0123456789abcdef"
    client.cookies.set("ns_session", planted)
    response = post_form(client, "/signin", "/signin", {"email": "fixed@example.org", "password": PASSWORD})
    assert response.status_code == 303
    issued = re.search(
        r"ns_session=([^;]+)",
        response.headers["set-cookie"] + ";".join(response.headers.get_list("set-cookie")),
    )
    assert issued and issued.group(1) != planted
    assert services.accounts.viewer(planted) is None
    # Signing in again (over an existing session) issues yet another id.
    again = post_form(client, "/signin", "/signin", {"email": "fixed@example.org", "password": PASSWORD})
    second = re.search(r"ns_session=([^;]+)", ";".join(again.headers.get_list("set-cookie")))
    assert second and second.group(1) not in (planted, issued.group(1))


def test_reset_link_never_takes_its_host_from_a_forged_host_header(
    client: TestClient, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    make_reader(services, "victim@example.org")
    page = client.get("/account/reset", headers={"host": "evil.example"})
    with caplog.at_level(logging.WARNING):
        response = client.post(
            "/account/reset",
            data={"email": "victim@example.org", "csrf_token": csrf_from(page.text)},
            headers={"host": "evil.example"},
        )
    assert response.status_code == 303
    services.jobs.deliver_mail()
    text = "".join(text_of(m) for m in outbox_messages(services.settings))
    assert "/account/reset/" in text and "evil.example" not in text
    assert re.search(r"http://127\.0\.0\.1:8080/account/reset/[\w-]+", text), text
    assert any("allowed_hosts" in r.getMessage() for r in caplog.records)


def test_reset_link_uses_base_url_whatever_the_host(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, NEWSSTAND_BASE_URL="https://news.example/")
    store = open_store(settings)
    try:
        services = make_services(store, settings)
        services.accounts.sign_up("owner@example.org", PASSWORD)
        app = create_app(settings, services=services)
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
            page = c.get("/account/reset", headers={"host": "testserver"})
            c.post(
                "/account/reset",
                data={"email": "owner@example.org", "csrf_token": csrf_from(page.text)},
                headers={"host": "testserver"},
            )
        services.jobs.deliver_mail()
        text = "".join(text_of(m) for m in outbox_messages(settings))
        assert "https://news.example/account/reset/" in text and "testserver" not in text
    finally:
        store.close()


def test_no_csrf_cookie_on_publicly_cacheable_responses(client: TestClient) -> None:
    home = client.get("/")
    assert "ns_csrf=" in ";".join(home.headers.get_list("set-cookie"))
    css = re.search(r'href="(/static/app.css\?v=\w+)"', home.text)
    assert css
    client.cookies.clear()
    for path in (css.group(1), "/static/app.css", "/manifest.webmanifest", "/api/v1/openapi.json"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert not response.headers.get_list("set-cookie"), path


def test_cookies_are_secure_and_hsts_is_sent_over_https(app: Starlette, services: Services) -> None:
    make_reader(services, "tls@example.org")
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        home = c.get("/")
        assert home.headers["strict-transport-security"].startswith("max-age=")
        assert all("Secure" in v for v in home.headers.get_list("set-cookie"))
        response = post_form(c, "/signin", "/signin", {"email": "tls@example.org", "password": PASSWORD})
        assert all("Secure" in v for v in response.headers.get_list("set-cookie"))
    with TestClient(app, base_url="http://testserver") as plain:
        assert "strict-transport-security" not in plain.get("/").headers


def test_the_https_setting_marks_cookies_secure_behind_a_proxy(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, NEWSSTAND_HTTPS="true")
    store = open_store(settings)
    try:
        services = make_services(store, settings)
        with TestClient(create_app(settings, services=services), base_url="http://testserver") as c:
            home = c.get("/")
            assert "strict-transport-security" in home.headers
            assert all("Secure" in v for v in home.headers.get_list("set-cookie"))
    finally:
        store.close()


def test_csp_frames_only_the_players_the_sanitizer_lets_through(client: TestClient) -> None:
    csp = client.get("/").headers["content-security-policy"]
    frames = re.search(r"frame-src ([^;]+)", csp)
    assert frames
    sources = frames.group(1).split()
    assert "https://www.youtube-nocookie.com/embed/" in sources
    assert "https://player.vimeo.com/video/" in sources
    assert not any(s in ("*", "https:", "'self'") for s in sources)


BIG = "99999999999999999999999"


@pytest.mark.parametrize(
    "path",
    [
        f"/article/{BIG}",
        f"/live/{BIG}",
        f"/live/{BIG}/events",
        f"/story/{BIG}",
        f"/section/World?before={BIG}",
        f"/publisher/harbour-post?before={BIG}",
        f"/?before={BIG}",
        f"/api/v1/articles/{BIG}",
        f"/api/v1/stories/{BIG}",
    ],
)
def test_ids_past_64_bits_are_never_a_server_error(client: TestClient, edition: Edition, path: str) -> None:
    response = client.get(path)
    assert response.status_code < 500, (path, response.status_code)


def test_the_pick_form_answers_a_huge_id_with_a_form_error(client: TestClient, services: Services) -> None:
    make_reader(services, "editor@example.org", role=Role.EDITOR)
    sign_in(client, "editor@example.org")
    response = post_form(client, "/admin/picks", "/admin/picks", {"article_id": BIG, "note": ""})
    assert response.status_code == 400 and "There is no article number" in response.text
    for path in (f"/saved/{BIG}", f"/saved/{BIG}/remove", f"/admin/picks/{BIG}/remove"):
        answer = post_form(client, "/admin/picks", path, {})
        assert answer.status_code < 500, path


def test_one_client_holds_a_bounded_number_of_live_streams(tmp_path: Path) -> None:
    import httpx

    from support import served

    from .conftest import seed

    settings = make_settings(tmp_path, NEWSSTAND_LIVE_STREAMS_PER_CLIENT="3")
    store = open_store(settings)
    try:
        edition = seed(store)
        app = create_app(settings, services=make_services(store, settings))
        app.state.web.stream_seconds = 30.0
        url = f"/live/{edition.live_id}/events"
        with served(app) as base, httpx.Client(base_url=base, timeout=10) as http:
            opened = [http.stream("GET", url) for _ in range(3)]
            answers = [s.__enter__() for s in opened]
            assert [a.status_code for a in answers] == [200, 200, 200]
            refused = http.get(url)
            assert refused.status_code == 429 and refused.headers["retry-after"] == "30"
            opened[0].__exit__(None, None, None)  # the client closes one: its slot comes back
            deadline = time.monotonic() + 5
            while app.state.web.streams.open.get("127.0.0.1", 0) > 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            again = http.stream("GET", url)
            assert again.__enter__().status_code == 200
            again.__exit__(None, None, None)
            for s in opened[1:]:
                s.__exit__(None, None, None)
    finally:
        store.close()
