"""The app shell as the server serves it: cache rules, the manifest, installability, and
not one request to another origin."""

import requests
from playwright.sync_api import expect

from .conftest import screenshot
from .phone import Phone


def test_cache_rules_of_the_shell(server):
    index = requests.get(server.url + "/")
    assert index.headers["Cache-Control"] == "no-cache"
    assert "default-src 'self'" in index.headers["Content-Security-Policy"]
    assert index.headers["Content-Encoding"] == "gzip"
    worker = requests.get(server.url + "/sw.js")
    assert worker.headers["Service-Worker-Allowed"] == "/"
    assert worker.headers["Cache-Control"] == "no-cache"
    version = index.text.split('name="lumbung-version" content="')[1].split('"')[0]
    assert f"lumbung-shell-{version}" in worker.text or version in worker.text
    asset = index.text.split('src="/assets/')[1].split('"')[0]
    script = requests.get(f"{server.url}/assets/{asset}")
    assert script.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    again = requests.get(server.url + "/", headers={"If-None-Match": index.headers["ETag"]})
    assert again.status_code == 304
    assert requests.get(server.url + "/assets/nothing.js").status_code == 404


def test_manifest_is_installable(server):
    manifest = requests.get(server.url + "/manifest.webmanifest").json()
    assert manifest["name"] == "Lumbung"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"].startswith("/")
    assert manifest["theme_color"] == "#155724"
    purposes = {icon["purpose"] for icon in manifest["icons"]}
    assert purposes == {"any", "maskable"}
    for icon in manifest["icons"]:
        assert requests.get(server.url + icon["src"]).headers["Content-Type"] == "image/png"


def test_installable_and_nothing_from_another_origin(server, phone_context):
    context = phone_context()
    requested = []
    context.on("request", lambda request: requested.append(request.url))
    phone = Phone(context, server.url).open()
    phone.login(server.user("facilitator", "081200000009", ["32.04.10.2001"], "Bu Rina"))
    phone.wait_for_service_worker()
    cdp = context.new_cdp_session(phone.page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # A Playwright context is an incognito profile; that is the one reason Chrome may give.
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []
    phone.go("#/sync")
    expect(phone.page.locator("#app-version")).not_to_be_empty()
    screenshot(phone.page, "03-sync")
    others = [url for url in requested if not url.startswith(server.url) and not url.startswith(("blob:", "data:"))]
    assert others == []
    assert phone.errors == []
