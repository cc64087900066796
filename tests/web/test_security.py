"""Security by default: headers, CSRF on every form, cookies, open redirects, static caching."""

from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from newsstand.app import Services
from newsstand.model import Role
from newsstand.web.security import csrf_token, safe_next
from support import make_services

from .conftest import PASSWORD, Edition, make_reader, make_settings, post_form, sign_in


def test_security_headers_on_pages_errors_and_static(client: TestClient, edition: Edition) -> None:
    home = client.get("/")
    css = re.search(r'href="(/static/app.css\?v=\w+)"', home.text)
    assert css
    for response in (home, client.get("/no-such-page"), client.get(css.group(1)), client.get("/sw.js")):
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_no_inline_script_in_pages(client: TestClient, edition: Edition) -> None:
    for path in ("/", f"/article/{edition.articles['open']}", "/signup", "/search?q=harbour"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert " on" + "click=" not in html and "style=" not in html


def post_routes(app: Starlette) -> list[str]:
    paths = []
    for route in app.routes:
        if isinstance(route, Route) and route.methods and "POST" in route.methods:
            paths.append(re.sub(r"\{[^}]+\}", "1", route.path))
    return paths


def test_every_form_rejects_a_missing_or_forged_csrf_token(
    client: TestClient, app: Starlette, edition: Edition, services: Services
) -> None:
    make_reader(services, "ops@example.org", role=Role.ADMIN)
    sign_in(client, "ops@example.org")
    paths = post_routes(app)
    assert len(paths) >= 15
    for path in paths:
        if path in NOT_FORMS:
            # Posted by others, not by our pages: authenticated by what they carry instead.
            assert client.post(path, data={}).status_code == NOT_FORMS[path], path
            continue
        assert client.post(path, data={}).status_code == 403, path
        assert client.post(path, data={"csrf_token": "forged"}).status_code == 403, path


# Stripe's webhooks carry Stripe's signature (and with the manual provider there are none);
# a mail client's one-click unsubscribe (RFC 8058) carries the link's token and nothing else;
# Fever apps carry their key (a request without ``api`` is not Fever's); WebSub hubs push to a
# callback only they and we know, signed with the subscription's secret (none here: 410).
NOT_FORMS = {
    "/webhooks/stripe": 404,
    "/digest/unsubscribe/1": 404,
    "/api/fever.php": 400,
    "/websub/1": 410,
}


def test_csrf_token_from_another_browser_is_refused(
    client: TestClient, app: Starlette, edition: Edition
) -> None:
    foreign = csrf_token(b"test-secret-key-for-web-tests", "x" * 43)  # a token for someone else's cookie
    client.get("/signin")
    response = client.post("/signin", data={"csrf_token": foreign, "email": "a@example.org", "password": "p"})
    assert response.status_code == 403


def test_session_cookie_is_httponly_samesite_lax(client: TestClient, services: Services) -> None:
    make_reader(services, "cookie@example.org")
    response = post_form(client, "/signin", "/signin", {"email": "cookie@example.org", "password": PASSWORD})
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("ns_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_behind_https(tmp_path: object) -> None:
    from pathlib import Path

    from newsstand.store import open_store
    from newsstand.web import create_app

    settings = make_settings(Path(str(tmp_path)), NEWSSTAND_BASE_URL="https://news.example")
    store = open_store(settings)
    try:
        services = make_services(store, settings)
        services.accounts.sign_up("secure@example.org", PASSWORD)
        with TestClient(create_app(settings, services=services), follow_redirects=False) as c:
            response = post_form(
                c, "/signin", "/signin", {"email": "secure@example.org", "password": PASSWORD}
            )
            cookies = response.headers.get_list("set-cookie")
            assert all("Secure" in c for c in cookies if c.startswith("ns_session="))
    finally:
        store.close()


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "/ok\r\nLocation: https://evil.example",
        "",
    ],
)
def test_safe_next_refuses_anything_that_leaves_the_site(target: str) -> None:
    assert safe_next(target) == "/"


def test_safe_next_keeps_local_paths() -> None:
    assert safe_next("/article/3?x=1") == "/article/3?x=1"


def test_sign_in_never_redirects_off_site(client: TestClient, services: Services) -> None:
    make_reader(services, "redirect@example.org")
    response = post_form(
        client,
        "/signin?next=//evil.example",
        "/signin",
        {"email": "redirect@example.org", "password": PASSWORD, "next": "//evil.example/steal"},
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/?")


def test_static_files_are_cached_by_version(client: TestClient) -> None:
    html = client.get("/signin").text
    url = re.search(r'href="(/static/app.css\?v=\w+)"', html)
    assert url
    assert "immutable" in client.get(url.group(1)).headers["cache-control"]
    assert "immutable" not in client.get("/static/app.css?v=stale").headers["cache-control"]


def test_templates_escape_publisher_text(client: TestClient, web_store: object, edition: Edition) -> None:
    from dataclasses import replace

    store = web_store
    article = store.get_article(edition.articles["open"])
    store.upsert_article(replace(article, title="<script>alert(1)</script> headline"))
    html = client.get(f"/article/{edition.articles['open']}").text
    assert (
        "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; headline" in html
    )


def test_an_unexpected_error_is_a_plain_500_with_security_headers(app: Starlette) -> None:
    async def broken(request: object) -> None:
        raise RuntimeError("a bug")

    app.router.routes.append(Route("/broken-on-purpose", broken))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/broken-on-purpose")
    assert response.status_code == 500 and "Something went wrong" in response.text
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "a bug" not in response.text
