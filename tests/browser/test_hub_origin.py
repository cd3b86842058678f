"""The app from a hub's own address (not localhost): over plain http the browser gives it no secure
context (no service worker, no WebCrypto for the PIN lock); over https with the hub's own
certificate (flask hub certificate) it signs in, keeps its service worker and opens offline.

Chromium trusts the hub's certificate by its key (--ignore-certificate-errors-spki-list), as a phone
that installed the hub's authority does; the hub's name resolves to 127.0.0.1.
"""

import base64
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from playwright.sync_api import expect

from server.hub.certificate import make_certificate

from .conftest import CHROMIUM, CHROMIUM_ARGS, screenshot
from .phone import Phone

HUB_NAME = "lumbung-hub.test"
DESA = "32.04.10.2001"
FACILITATOR = "081200000002"
SECURE = "() => ({secure: isSecureContext, crypto: Boolean(crypto.subtle), worker: 'serviceWorker' in navigator})"


def key_pin(cert_path):
    """The base64 SHA-256 of a certificate's public key, as Chromium's SPKI lists take it."""
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


@pytest.fixture
def hub_browser(browser, tmp_path):
    """Makes a Chromium where HUB_NAME is this machine and the hub's certificate is trusted."""
    launched = []

    def launch(cert_path):
        args = [*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HUB_NAME} 127.0.0.1"]
        args.append(f"--ignore-certificate-errors-spki-list={key_pin(cert_path)}")
        launched.append(browser.browser_type.launch(executable_path=CHROMIUM, args=args))
        return launched[-1]

    yield launch
    for chromium in launched:
        chromium.close()


def test_the_app_needs_https_at_the_hubs_address_and_then_works_offline(server, hub_browser, tmp_path, monkeypatch):
    server.user("facilitator", FACILITATOR, [DESA], "Bu Sari")
    authority, cert, key = make_certificate(tmp_path / "tls", [HUB_NAME, "127.0.0.1"])
    chromium = hub_browser(cert)
    context = chromium.new_context(viewport={"width": 360, "height": 640}, locale="id-ID")

    page = context.new_page()
    page.goto(f"http://{HUB_NAME}:{server.port}/")
    assert page.evaluate(SECURE) == {"secure": False, "crypto": False, "worker": False}
    page.close()

    server.stop()
    server.env.update(LUMBUNG_TLS_CERT=str(cert), LUMBUNG_TLS_KEY=str(key))
    server.url = f"https://127.0.0.1:{server.port}"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(authority))  # the server's start-up check trusts it too
    server.start()

    phone = Phone(context, f"https://{HUB_NAME}:{server.port}").open()
    assert phone.page.evaluate(SECURE) == {"secure": True, "crypto": True, "worker": True}
    with phone.page.expect_response("**/api/v1/hub/status") as asked:
        phone.login(FACILITATOR)
    assert asked.value.status == 404  # a regional server: no "Hub" in the menu
    expect(phone.page.locator("nav.bottom a")).to_have_text(["Produk", "Produsen", "Sinkron"])
    phone.wait_for_service_worker()
    phone.offline()
    phone.reload()
    expect(phone.page.locator("#net-state")).to_have_text("Tidak ada sinyal")
    screenshot(phone.page, "hub-origin-offline-360")
    context.close()
