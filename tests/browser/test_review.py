"""An admin's review arrives by pull: the note and the status show on the product, and
"Siap diajukan" sends it back for review."""

from playwright.sync_api import expect

from .admin import Device
from .conftest import screenshot
from .phone import facilitator_phone

VILLAGE = "32.04.10.2001"


def test_review_notes_arrive_and_ready_to_submit(server, phone_context):
    phone = facilitator_phone(server, phone_context(), VILLAGE)
    phone.add_producer("Pak Asep", VILLAGE)
    product_id = phone.add_product("Kayu Manis")
    phone.wait_unsent(0)

    Device(server, server.admin).review(product_id, "needs_changes", "Tambahkan foto kemasan.")

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
