"""A producer account whose record its facilitator has not entered yet.

The server refuses a producer record made by a producer account, so the app does not offer
one: after the first sync it says whom to ask. Once the facilitator has registered her (from
another device) and her phone has synced, "Periksa lagi" takes her to her products.
"""

from playwright.sync_api import expect

from .conftest import screenshot
from .phone import Phone

FACILITATOR = "081200000001"
PRODUCER_PHONE = "081300000002"
PRODUCER_PIN = "135790"
VILLAGE = "32.04.10.2002"  # Lagadar, Kec. Margaasih


def test_a_producer_without_its_record_is_told_whom_to_ask(server, phone_context):
    server.user("facilitator", FACILITATOR, [VILLAGE], "Bu Sari")
    server.user("producer", PRODUCER_PHONE, [VILLAGE], "Ibu Ani", pin=PRODUCER_PIN)
    phone = Phone(phone_context(), server.url).open()
    phone.login(PRODUCER_PHONE, pin=PRODUCER_PIN)
    expect(phone.page.locator("#not-registered")).to_contain_text("Minta pendamping Anda")
    expect(phone.page.locator("#producer-form")).to_have_count(0)
    screenshot(phone.page, "11-producer-not-registered")
    phone.go("#/producers")  # no other way to a producer form
    expect(phone.page.locator("#not-registered")).to_be_visible()

    # The facilitator registers her, with her phone, from her own device.
    facilitator = server.api(FACILITATOR)
    producer = {"name": "Ibu Ani", "village_code": VILLAGE, "kind": "individual", "phone": PRODUCER_PHONE}
    op = {"op_id": "0190a000-0000-7000-8000-000000000001", "entity": "producer", "action": "upsert",
          "entity_id": "0190a000-0000-7000-8000-000000000002", "fields": producer,
          "hlc": "0001764230400000:0000:facilitator"}  # fmt: skip
    pushed = facilitator.post(
        server.url + "/api/v1/sync/push", json={"device_id": "0190a000-0000-7000-8000-0000000000ff", "ops": [op]}
    )
    assert pushed.json()["results"][0]["status"] == "applied", pushed.text

    phone.page.evaluate("window.lumbung.syncNow()")
    phone.wait_until("window.lumbung.model.producers.length > 0")
    phone.page.get_by_role("link", name="Periksa lagi").click()
    expect(phone.page.locator("#not-registered")).to_have_count(0)
    expect(phone.page.locator("#main")).to_contain_text("Belum ada produk")
    assert phone.errors == []
