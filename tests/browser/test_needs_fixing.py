"""Rejected ops: in the "perlu diperbaiki" list with the server's reason, in Indonesian and in
English; corrected (sent again as a new op) or discarded."""

from playwright.sync_api import expect

from .conftest import screenshot
from .phone import Phone

FACILITATOR = "081200000001"
VILLAGE = "32.04.10.2001"


def test_rejected_ops_are_listed_with_the_reason_then_corrected_or_discarded(server, phone_context):
    server.user("facilitator", FACILITATOR, [VILLAGE], "Bu Sari")
    phone = Phone(phone_context(), server.url).open()
    phone.login(FACILITATOR)
    phone.add_producer("Pak Dedi", VILLAGE)
    phone.wait_unsent(0)

    # An HS code the server does not take: the app leaves the rules to the server.
    phone.add_product("Kopi Robusta", hs_code="0901")
    fix_link = phone.page.locator("#fix-count")
    expect(fix_link).to_have_text("Perlu diperbaiki: 1")
    fix_link.click()
    item = phone.page.locator("#fix-list li")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Produk: Kopi Robusta")
    expect(item).to_contain_text("Ada data yang tidak sah.")
    expect(item).to_contain_text("hs_code: Tidak sah.")
    screenshot(phone.page, "09-needs-fixing")

    # In English, the next rejection's reason comes in English.
    phone.go("#/sync")
    phone.page.get_by_role("button", name="English").click()
    expect(phone.page.locator("h1")).to_have_text("Sync")
    phone.go("#/products")
    phone.page.click("text=Add product")
    form = phone.page.locator("#product-form")
    form.get_by_label("Name", exact=True).fill("Gula Aren")
    form.get_by_text("For export (optional)").click()  # HS and certificates are folded away
    form.get_by_label("HS code (8 digits)").fill("17")
    form.get_by_role("button", name="Save").click()
    expect(phone.page.locator("#fix-count")).to_have_text("Needs fixing: 2")
    phone.go("#/fix")
    items = phone.page.locator("#fix-list li")
    expect(items).to_have_count(2)
    expect(items.nth(1)).to_contain_text("Product: Gula Aren")
    expect(items.nth(1)).to_contain_text("Some data is not valid.")
    expect(items.nth(1)).to_contain_text("hs_code: Not valid.")
    screenshot(phone.page, "10-needs-fixing-en")

    # Correct the first: the form opens with what was sent; it goes again as a new op.
    items.nth(0).get_by_role("link", name="Correct").click()
    form = phone.page.locator("#product-form")
    expect(form.get_by_label("Name", exact=True)).to_have_value("Kopi Robusta")
    form.get_by_label("HS code (8 digits)").fill("0901.11.00")
    form.get_by_role("button", name="Save").click()
    expect(phone.page.locator("#fix-list li")).to_have_count(1)
    phone.wait_unsent(0)

    # Discard the second.
    phone.page.once("dialog", lambda dialog: dialog.accept())
    phone.page.locator("#fix-list li").get_by_role("button", name="Discard").click()
    expect(phone.page.locator("#fix-list li")).to_have_count(0)
    expect(phone.page.locator("#fix-count")).to_have_count(0)

    state = server.state(server.admin)
    (product,) = state["product"].values()
    assert (product["name"], product["hs_code"]) == ("Kopi Robusta", "09011100")
    phone.go("#/products")
    expect(phone.page.locator(".vlist .row")).to_have_count(1)  # Gula Aren is gone from the phone too
    assert phone.errors == []
