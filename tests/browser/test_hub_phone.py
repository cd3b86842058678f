"""A phone at the kecamatan hub (issue 18): the app served by the hub records a product and its stock,
the hub relays them upstream, and a second phone sees them from the regional server.

The regional server and the hub are gunicorn processes (tests/server/hub/processes.py). The hub
holds no PINs: the phone signs in at the region once, and its session is kept in the app's store
as a sign-in keeps it; from then on the app syncs with the hub alone.
"""

import pytest
from playwright.sync_api import expect

from sync.http import HttpTransport
from tests.server.hub.processes import DESA_A, KEC_A, Hub, Region
from tests.server.live_server import PHONE, PIN, running_server

from .conftest import screenshot
from .phone import Phone

pytestmark = pytest.mark.slow  # a region and a hub under gunicorn
PRODUCT = "Kopi Arabika Margaasih"
# The session as pwa/src/auth.js keeps it, and this tab unlocked (UNLOCKED_KEY there).
KEEP_SESSION = """session => {
    sessionStorage.setItem("lumbung.unlocked", session.user.id);
    return window.lumbung.db.put("meta", session, "session");
}"""


@pytest.fixture
def region(tmp_path, pwa_built):
    """The regional server, on a database of the run's engine, with Live, a facilitator of KEC_A."""
    with running_server(tmp_path, workers=2) as live:
        served = Region(live)
        yield served
        served.admin.close()


@pytest.fixture
def hub(tmp_path, region):
    """A hub of KEC_A, started and through its first cycle."""
    served = Hub(tmp_path, "hub-a", KEC_A, region)
    served.start()
    served.relay()
    yield served
    served.close()


def signed_in_at_the_region(phone, region):
    """Sign the app's device in at the regional server and keep the session in the app, as a sign-in
    there does; answers the account."""
    device_id = phone.page.evaluate("window.lumbung.replica.deviceId")
    transport = HttpTransport(region.live.url)
    body = transport.login(PHONE, PIN, device_id)
    transport.close()
    session = {k: body[k] for k in ("user", "access_token", "refresh_token")}
    phone.page.evaluate(KEEP_SESSION, {**session, "phone": PHONE})
    phone.reload()
    expect(phone.page.locator("#unsent-count")).to_be_visible()
    return body["user"]


def test_a_phone_at_the_hub_is_seen_from_the_region_after_the_relay(region, hub, phone_context):
    at_hub = Phone(phone_context(), hub.url).open()
    signed_in_at_the_region(at_hub, region)
    at_hub.add_producer("Ibu Ani", DESA_A)
    product_id = at_hub.add_product(PRODUCT)
    at_hub.record("Panen", "12,5")
    at_hub.record("Penjualan", "2,25")
    assert at_hub.stock_on_hand() == "10,25 kg"
    at_hub.wait_unsent(0)  # all at the hub
    screenshot(at_hub.page, "hub-01-phone-at-hub")
    assert at_hub.errors == []

    assert region.stock(product_id) == (None, 0, 0)  # nothing went upstream but through the hub
    hub.relay()
    assert region.stock(product_id) == (10250, 2, 10250)

    at_region = Phone(phone_context(), region.live.url).open()
    at_region.login("0" + PHONE.removeprefix("+62"))
    at_region.page.locator(".vlist .row", has_text="Ibu Ani").click()  # her products, once pulled
    expect(at_region.page.locator("#for-bar")).to_contain_text("Ibu Ani")
    at_region.go("#/products")
    expect(at_region.page.locator(".vlist .row")).to_have_count(1)
    expect(at_region.page.locator(".vlist .row")).to_contain_text(PRODUCT)
    expect(at_region.page.locator(".vlist .row")).to_contain_text("10,25 kg")
    at_region.go(f"#/products/{product_id}")
    expect(at_region.page.locator("#history li")).to_have_count(2)
    screenshot(at_region.page, "hub-02-phone-at-region")
    assert at_region.errors == []
