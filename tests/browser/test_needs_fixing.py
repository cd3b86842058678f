"""Rejected ops: in the "Perlu tindakan" inbox with the server's reason in words, in Indonesian
and in English; corrected (sent again as a new op) or discarded."""

import uuid

from playwright.sync_api import expect

from .conftest import screenshot
from .phone import facilitator_phone

VILLAGE = "32.04.10.2001"


def test_rejected_ops_are_listed_with_the_reason_then_corrected_or_discarded(server, phone_context):
    phone = facilitator_phone(server, phone_context(), VILLAGE)
    phone.add_producer("Pak Dedi", VILLAGE)
    phone.wait_unsent(0)

    # HS codes the server does not take, queued by an older app (today's form refuses them).
    producer_id = phone.page.evaluate("window.lumbung.currentProducerId()")
    product = {"producer_id": producer_id, "category": "coffee", "unit": "kg"}
    phone.queue("product", str(uuid.uuid4()), {**product, "name": "Kopi Robusta", "hs_code": "0901"})
    fix_link = phone.page.locator("#fix-count")
    expect(fix_link).to_have_text("Perlu tindakan: 1")
    fix_link.click()
    item = phone.page.locator("#fix-list > li")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Produk: Kopi Robusta")
    expect(item).to_contain_text("Kode HS harus 8 angka, misalnya 0901.11.00.")
    screenshot(phone.page, "09-needs-fixing")

    # In English, the next rejection's reason comes in English.
    phone.go("#/sync")
    phone.page.get_by_role("button", name="English").click()
    expect(phone.page.locator("h1")).to_have_text("Sync")
    phone.queue("product", str(uuid.uuid4()), {**product, "name": "Gula Aren", "hs_code": "17"})
    expect(phone.page.locator("#fix-count")).to_have_text("Needs action: 2")
    phone.go("#/fix")
    items = phone.page.locator("#fix-list > li")
    expect(items).to_have_count(2)
    expect(items.nth(1)).to_contain_text("Product: Gula Aren")
    expect(items.nth(1)).to_contain_text("The HS code must be 8 digits, e.g. 0901.11.00.")
    screenshot(phone.page, "10-needs-fixing-en")

    # Correct the first: the form opens with what was sent; it goes again as a new op.
    items.nth(0).get_by_role("link", name="Correct").click()
    form = phone.page.locator("#product-form")
    expect(form.get_by_label("Name", exact=True)).to_have_value("Kopi Robusta")
    form.get_by_label("HS code (8 digits)").fill("0901.11.00")
    form.get_by_role("button", name="Save").click()
    expect(phone.page.locator("#fix-list > li")).to_have_count(1)
    phone.wait_unsent(0)

    # Discard the second.
    phone.page.once("dialog", lambda dialog: dialog.accept())
    phone.page.locator("#fix-list > li").get_by_role("button", name="Discard").click()
    expect(phone.page.locator("#fix-list > li")).to_have_count(0)
    expect(phone.page.locator("#fix-count")).to_have_count(0)

    state = server.state(server.admin)
    (product,) = state["product"].values()
    assert (product["name"], product["hs_code"]) == ("Kopi Robusta", "09011100")
    phone.go("#/products")
    expect(phone.page.locator(".vlist .row")).to_have_count(1)  # Gula Aren is gone from the phone too
    assert phone.errors == []
