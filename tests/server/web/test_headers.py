"""Headers for browsers and proxies: nosniff, no-store on tokens, HSTS over HTTPS, the docs' CSP."""

import re

import pytest
from flask import request

from server import create_app
from tests.conftest import base_config

HSTS = "Strict-Transport-Security"
LOGIN = "/api/v1/auth/login"


@pytest.fixture
def app_behind_proxy(template_db, tmp_path, app):
    """The test app's database, served by an app that trusts one proxy (PROXY_FIX_HOPS=1)."""
    return create_app({**base_config(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]), "PROXY_FIX_HOPS": 1})


def test_json_answers_go_without_nosniff_as_a_browser_never_sniffs_json(client, accounts):
    answers = [
        client.get("/api/v1/openapi.json"),
        client.get("/api/v1/regions", headers=accounts.headers()),
        client.get("/api/v1/sync/pull", headers=accounts.headers()),
        client.get("/api/v1/nothing-here"),
        client.post(LOGIN, json={}),
    ]
    for response in answers:
        assert response.mimetype == "application/json"
        assert "X-Content-Type-Options" not in response.headers


def test_answers_other_than_json_carry_nosniff(client):
    with client.get("/api/v1/docs") as page:
        assert page.mimetype == "text/html"
        assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_login_and_refresh_answers_are_not_stored(client, accounts):
    tokens = accounts.headers().tokens
    refresh = {"Authorization": "Bearer " + tokens["refresh_token"]}
    wrong = {"phone": "081299990001", "pin": "135790", "device_id": "00000000-0000-4000-8000-000000000000"}
    for response, status in (
        (client.post(LOGIN, json={"phone": accounts.make(), "pin": "246810", "device_id": wrong["device_id"]}), 200),
        (client.post("/api/v1/auth/refresh", headers=refresh), 200),
        (client.post(LOGIN, json=wrong), 401),
    ):
        assert response.status_code == status
        assert response.headers["Cache-Control"] == "no-store"


def test_hsts_over_https_only(client):
    assert HSTS not in client.get("/api/v1/openapi.json").headers
    answer = client.get("/api/v1/openapi.json", base_url="https://lumbung.example")
    assert answer.headers[HSTS].startswith("max-age=")


def test_hsts_behind_a_proxy_that_says_https_when_proxy_fix_is_on(app_behind_proxy):
    client = app_behind_proxy.test_client()
    assert HSTS in client.get("/api/v1/openapi.json", headers={"X-Forwarded-Proto": "https"}).headers
    assert HSTS not in client.get("/api/v1/openapi.json", headers={"X-Forwarded-Proto": "http"}).headers
    assert HSTS not in client.get("/api/v1/openapi.json").headers


def test_a_client_cannot_fake_https_when_proxy_fix_is_off(client):
    assert HSTS not in client.get("/api/v1/openapi.json", headers={"X-Forwarded-Proto": "https"}).headers


def test_proxy_fix_takes_the_clients_address_from_the_proxy(app_behind_proxy, app):
    seen = []
    for application in (app, app_behind_proxy):
        application.before_request(lambda: seen.append(request.remote_addr))
        application.test_client().get("/api/v1/openapi.json", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen == ["127.0.0.1", "203.0.113.9"]


def test_docs_page_has_a_strict_csp_and_no_inline_script(client):
    with client.get("/api/v1/docs") as response:
        assert response.status_code == 200
        page, header = response.get_data(as_text=True), response.headers["Content-Security-Policy"]
    policy = dict(part.strip().split(" ", 1) for part in header.split(";"))
    assert policy["default-src"] == "'none'"
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-inline" not in policy.get("style-src", "")
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all('src="' in attributes and not body.strip() for attributes, body in scripts)
    assert "<style" not in page and "style=" not in page
    for url in re.findall(r'(?:src|href)="(/[^"]+\.(?:js|css))"', page):
        with client.get(url) as asset:
            assert asset.status_code == 200 and asset.headers["X-Content-Type-Options"] == "nosniff"
