"""A facilitator's day in a village without signal, then back at the kecamatan office.

Online first login; offline: the app reloads from its service worker; a producer, a product with
a photo and three movements are recorded; the tab is closed and a new one opened (PIN checked
on the phone): everything is there and the unsent count is right. Online again: it syncs by
itself, the server holds exactly those records, and the producer's own phone sees them. Run as
is, on a 4x slower CPU with a slow-3G network, and with the network dropping in the middle of
a push (the server applied it; the answer never came).
"""

import gzip
import json

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import screenshot
from .phone import Phone

FACILITATOR = "081200000001"
PRODUCER_PHONE = "081300000002"
VILLAGE = "32.04.10.2002"  # Lagadar, Kec. Margaasih
PRODUCT = "Kopi Arabika Puntang"


class DroppedPush:
    """Lets the first push reach the server, then drops the connection before the answer."""

    def __init__(self):
        self.pushes = []

    def __call__(self, route):
        body = route.request.post_data_buffer
        if route.request.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        self.pushes.append([op["op_id"] for op in json.loads(body)["ops"]])
        if len(self.pushes) == 1:
            route.fetch()  # the server applies the push...
            route.abort("connectionreset")  # ...and the phone never hears back
        else:
            route.continue_()


@pytest.mark.parametrize("network", ["plain", "slow", "dropped"])
def test_field_day_offline_then_sync(server, phone_context, camera_photo, network):
    throttled = network == "slow"
    shots = network == "plain"
    server.user("facilitator", FACILITATOR, ["32.04.10.2001", VILLAGE], "Bu Sari")
    server.user("producer", PRODUCER_PHONE, [VILLAGE], "Ibu Ani", pin="135790")
    context = phone_context()
    if throttled:
        context.set_default_timeout(90_000)
    dropped = DroppedPush()

    phone = Phone(context, server.url, throttled=throttled).open()
    phone.throttle()
    if shots:
        screenshot(phone.page, "01-login")
    phone.login(FACILITATOR)
    phone.wait_for_service_worker()
    if shots:
        screenshot(phone.page, "02-producers")

    # In the village: no signal. The app comes from the service worker.
    phone.offline()
    phone.reload()
    expect(phone.page.locator("#net-state")).to_have_text("Tidak ada sinyal")
    phone.add_producer("Ibu Ani", VILLAGE, phone=PRODUCER_PHONE)
    product_id = phone.add_product(
        PRODUCT, photo=camera_photo, screenshot=(lambda: screenshot(phone.page, "04-product-form")) if shots else None
    )
    phone.record("Panen", "12,5", screenshot=(lambda: screenshot(phone.page, "05-stock-form")) if shots else None)
    phone.record("Penjualan", "2,25")
    phone.record("Rusak/susut", "0,5")
    assert phone.stock_on_hand() == "9,75 kg"
    assert phone.unsent() == 5
    if shots:
        screenshot(phone.page, "06-product")

    # The tab is closed; a new one is opened, still offline: the PIN is checked on the phone.
    phone.close()
    phone.open()
    phone.page.fill("#phone", FACILITATOR)
    phone.page.fill("#pin", "975310")  # not the PIN: the phone refuses it without the server
    phone.page.click("#login button[type=submit]")
    expect(phone.page.locator("#login-msg")).to_have_text("PIN salah.")
    phone.login(FACILITATOR)
    assert phone.unsent() == 5
    phone.go("#/products")
    expect(phone.page.locator(".vlist .row")).to_have_count(1)
    expect(phone.page.locator(".vlist .row")).to_contain_text("9,75 kg")
    if shots:
        screenshot(phone.page, "07-products")
    phone.go(f"#/products/{product_id}")
    expect(phone.page.locator("#history li")).to_have_count(3)
    expect(phone.page.locator("#history")).to_contain_text("Dicatat oleh Bu Sari")
    expect(phone.page.locator("img.thumb-img")).to_have_count(1)

    # Back at the kecamatan office: it syncs by itself. (The route goes in only now: Playwright's
    # route.fetch() would reach the server even while the context is offline.)
    if network == "dropped":
        context.route("**/api/v1/sync/push", dropped)
    phone.offline(False)
    phone.wait_unsent(0, timeout=180 if throttled else 60)
    expect(phone.page.locator("#net-state")).to_have_text("Terkirim")
    assert phone.errors == []

    state = server.state(server.admin)
    assert len(state["producer"]) == 1
    (producer,) = state["producer"].values()
    assert (producer["name"], producer["village_code"], producer["phone"]) == ("Ibu Ani", VILLAGE, "+6281300000002")
    assert list(state["product"]) == [product_id]
    product = state["product"][product_id]
    assert product["producer_id"] == producer["id"]
    assert (product["price_idr"], product["hs_code"], product["unit_weight_kg"]) == (120000, "09011100", "1")
    assert product["certifications"] == [{"kind": "pirt", "number": "2063204010123-27", "valid_until": "2030-06-30"}]
    assert product["status"] == "draft"
    movements = sorted(m["qty"] for m in state["stock_movement"].values())
    assert movements == ["-0.5", "-2.25", "12.5"]
    assert all(m["product_id"] == product_id for m in state["stock_movement"].values())

    # The photo follows its product, shrunk on the phone.
    (sha,) = product["photos"]
    api = server.api(server.admin)
    photo = _wait_for_photo(api, f"{server.url}/api/v1/blobs/{sha}")
    assert len(photo) <= 260 * 1024
    with Image.open(__import__("io").BytesIO(photo)) as image:
        assert max(image.size) <= 1280

    if network == "dropped":
        assert len(dropped.pushes) >= 2, dropped.pushes
        assert dropped.pushes[1] == dropped.pushes[0]  # the same ops again: nothing duplicated

    # The producer's own phone (another device) sees what was entered for her.
    other = Phone(phone_context(), server.url, throttled=throttled).open()
    other.throttle()
    other.login(PRODUCER_PHONE, pin="135790")
    expect(other.page.locator("#home-stock")).to_contain_text("9,75 kg")  # a producer starts at home
    other.go("#/products")
    expect(other.page.locator(".vlist .row")).to_have_count(1)
    expect(other.page.locator(".vlist .row")).to_contain_text(PRODUCT)
    expect(other.page.locator(".vlist .row")).to_contain_text("9,75 kg")
    if shots:
        screenshot(other.page, "08-producer-phone")


def _wait_for_photo(api, url, timeout=90):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = api.get(url)
        if answer.status_code == 200:
            return answer.content
        time.sleep(0.5)
    raise AssertionError(f"the photo never arrived: {answer.status_code} {answer.text}")
