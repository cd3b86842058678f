"""An admin's review arrives by pull: the note and the status show on the product, and
"Siap diajukan" sends it back for review."""

import uuid

from playwright.sync_api import expect

from .conftest import screenshot
from .phone import Phone

FACILITATOR = "081200000001"
VILLAGE = "32.04.10.2001"


def test_review_notes_arrive_and_ready_to_submit(server, phone_context):
    server.user("facilitator", FACILITATOR, [VILLAGE], "Bu Sari")
    phone = Phone(phone_context(), server.url).open()
    phone.login(FACILITATOR)
    phone.add_producer("Pak Asep", VILLAGE)
    product_id = phone.add_product("Kayu Manis")
    phone.wait_unsent(0)

    admin = server.api(server.admin)
    review = {
        "op_id": str(uuid.uuid4()),
        "entity": "review",
        "entity_id": str(uuid.uuid4()),
        "action": "upsert",
        "fields": {"product_id": product_id, "decision": "needs_changes", "note": "Tambahkan foto kemasan."},
        "hlc": f"{1764230400000:016d}:0000:admin-device",
    }
    answer = admin.post(f"{server.url}/api/v1/sync/push", json={"device_id": str(uuid.uuid4()), "ops": [review]})
    assert answer.json()["results"][0]["status"] == "applied", answer.text

    phone.go("#/sync")
    phone.page.click("#sync-now")
    phone.go(f"#/products/{product_id}")
    expect(phone.page.locator("#reviews")).to_contain_text("Tambahkan foto kemasan.")
    expect(phone.page.locator("#changes-asked")).to_contain_text("Tambahkan foto kemasan.")
    expect(phone.page.locator("h1 .badge")).to_have_text("Diminta diubah")
    screenshot(phone.page, "13-review-note")

    phone.page.click("#ready")
    expect(phone.page.locator("h1 .badge")).to_have_text("Diajukan")
    phone.wait_unsent(0)
    assert server.state(server.admin)["product"][product_id]["status"] == "submitted"
    assert phone.errors == []
