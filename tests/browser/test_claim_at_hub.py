"""A producer's phone that was never online, set up at the kecamatan hub with the code a facilitator
got there (issue 18, item 2): the regional server and the hub under gunicorn, the phone in Chromium
at 360x640, on the hub's own address."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from sync.http import HttpTransport
from tests.server.hub.processes import DESA_A, KEC_A, Hub, Phone, Region
from tests.server.live_server import PHONE, PIN, running_server

from .conftest import browser_contexts, screenshot

PRODUCER = "+6281300000077"
NEW_PIN = "482913"


@pytest.fixture
def hub(tmp_path, pwa_built):
    """The hub of Kec. Margaasih, through one relay cycle, with a producer of its desa upstream."""
    with running_server(tmp_path) as live:
        region = Region(live)
        body = {"phone": PRODUCER, "pin": PIN, "name": "Bu Sri", "role": "producer", "regions": [DESA_A]}
        assert region.admin("POST", "/api/v1/users", body=body)[0] == 201
        served = Hub(tmp_path, "hub-a", KEC_A, region)
        served.start()
        served.relay()
        served.region = region
        yield served
        served.close()
        region.admin.close()


@pytest.fixture
def phone_context(browser):
    options = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 1, "is_mobile": True}
    yield from browser_contexts(browser, locale="id-ID", timezone_id="Asia/Jakarta", **options)


def claim_code(hub):
    """A code the facilitator gets at the hub, signed in with the region's token (as their phone brings it)."""
    at_region = HttpTransport(hub.region.live.url)
    token = at_region.login(PHONE, PIN, str(uuid.uuid4()))["access_token"]
    at_region.close()
    at_hub = HttpTransport(hub.url, token=token)
    status, body = at_hub("POST", "/api/v1/hub/claim-codes", body={"phone": PRODUCER})
    at_hub.close()
    assert status == 201, body
    return body


def test_a_producer_sets_up_their_phone_at_the_hub_with_the_facilitators_code(hub, phone_context):
    code = claim_code(hub)
    page = phone_context().new_page()
    page.goto(f"{hub.url}/")
    expect(page.locator("#have-code")).to_be_visible()
    screenshot(page, "claim-login")
    page.get_by_text("Punya kode dari pendamping?").click()
    page.locator("#claim-code").fill("WRONGCOD")
    page.locator("#claim-pin").fill(NEW_PIN)
    page.locator("#claim-pin-again").fill(NEW_PIN)
    page.get_by_role("button", name="Daftarkan").click()
    expect(page.locator("#claim-msg")).to_contain_text("Kode ini salah, sudah dipakai")
    screenshot(page, "claim-wrong-code")

    page.goto(code["url"])  # the QR's address fills the code in
    expect(page.locator("#claim-code")).to_have_value(code["code"])
    page.locator("#claim-pin").fill(NEW_PIN)
    page.locator("#claim-pin-again").fill(NEW_PIN)
    screenshot(page, "claim-filled")
    page.get_by_role("button", name="Daftarkan").click()
    expect(page.locator("body.in-app")).to_be_attached()
    assert "claim" not in page.url
    screenshot(page, "claim-entered")

    # The PIN the producer chose opens the app on this phone, with no server asked.
    page.context.set_offline(True)
    page.evaluate("sessionStorage.clear()")
    page.reload()
    page.locator("#phone").fill("081300000077")
    page.locator("#pin").fill(NEW_PIN)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator("body.in-app")).to_be_attached()


def test_a_facilitator_shows_the_code_in_big_letters_and_as_a_qr(hub, phone_context, tmp_path):
    facilitator = Phone(tmp_path, hub.region, PHONE).at(hub.region.live)
    producer_id = str(uuid.uuid4())
    fields = {"name": "Bu Sri", "village_code": DESA_A, "kind": "individual", "phone": PRODUCER}
    facilitator.replica.upsert("producer", producer_id, fields)
    facilitator.sync()
    facilitator.close()
    hub.relay()  # the record reaches the hub's copy
    page = phone_context().new_page()
    # The app at the hub's own address: the facilitator signs in there (the region checks the PIN).
    page.goto(f"{hub.url}/")
    page.locator("#phone").fill(PHONE)
    page.locator("#pin").fill(PIN)
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator("body.in-app")).to_be_attached()
    page.goto(f"{hub.url}/#/producers")
    expect(page.get_by_text("Bu Sri")).to_be_visible()  # the first sync at the hub brought the record
    page.goto(f"{hub.url}/#/producers/{producer_id}/pin")
    page.get_by_text("Daftarkan HP produsen").click()
    code = page.locator("#enrol-code-text")
    expect(code).to_have_text(re.compile(r"^[A-Z3-9]{4}-[A-Z3-9]{4}$"))
    assert page.locator("img.claim-qr").evaluate("img => img.complete && img.naturalWidth > 0")
    screenshot(page, "enrol-code")
    typed = code.inner_text().replace("-", "")
    at_hub = HttpTransport(hub.url)
    status, body = at_hub("POST", "/api/v1/hub/claim", body={"code": typed, "device_id": str(uuid.uuid4())})
    at_hub.close()
    assert (status, body["user"]["phone"]) == (200, PRODUCER)
