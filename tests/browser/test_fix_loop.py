"""A fix loop that ends (issue 16, items 5-8), at 360x640 in id-ID:
a cleared NIB goes through; a rejected producer is one thing to fix, and its product and stock
movements go by themselves after the fix; the phone checks the server's rules before queuing,
in words; one "Perlu tindakan" inbox counts the server's rejections and the reviewer's requests."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from .admin import Device
from .conftest import close_context, screenshot, watched_context
from .phone import facilitator_phone, tap_and_see

VILLAGE = "32.04.10.2001"
GOOD_NIB = "3204100000001"


@pytest.fixture
def phone(server, browser):
    """A facilitator's phone, 360x640, Indonesian locale and time, logged in."""
    context = watched_context(
        browser,
        viewport={"width": 360, "height": 640},
        device_scale_factor=1,
        is_mobile=True,
        locale="id-ID",
        timezone_id="Asia/Jakarta",
    )
    phone = facilitator_phone(server, context, VILLAGE)
    yield phone
    assert phone.errors == []
    close_context(context)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def rejected_producer(phone, name):
    """A producer whose NIB the server refuses (queued by an older app), entered for."""
    producer_id = str(uuid.uuid4())
    fields = {"name": name, "kind": "individual", "village_code": VILLAGE, "nib": "3204-1"}
    phone.queue("producer", producer_id, fields)
    phone.page.evaluate("id => window.lumbung.chooseProducer(id)", producer_id)
    expect(phone.page.locator("#for-bar")).to_contain_text(name)
    return producer_id


def test_a_cleared_nib_goes_through(server, phone):
    producer_id = rejected_producer(phone, "Ibu Euis")
    expect(phone.page.locator("#fix-count")).to_have_text("Perlu tindakan: 1")
    phone.page.click("#fix-count")
    item = phone.page.locator("#fix-list > li")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("NIB harus 13 angka.")  # the server's reason, in words
    expect(item).not_to_contain_text("nib")

    item.get_by_role("link", name="Perbaiki").click()
    form = phone.page.locator("#producer-form")
    nib = form.get_by_label("NIB, 13 angka (boleh kosong)")
    expect(nib).to_have_value("3204-1")
    nib.fill("")  # no NIB yet: cleared, so it must go as none
    form.get_by_role("button", name="Simpan").click()
    # The rejection leaves the inbox when the fix is queued; then the queue empties by a sync.
    expect(phone.page.locator("#fix-count")).to_have_count(0)
    phone.wait_unsent(0)
    producer = server.state(server.admin)["producer"][producer_id]
    assert (producer["name"], producer.get("nib")) == ("Ibu Euis", None)


def test_a_rejected_producer_is_one_thing_to_fix_and_the_rest_follows(server, phone):
    phone.offline()
    producer_id = rejected_producer(phone, "Ibu Euis")
    product_id = phone.add_product("Kopi Euis")
    phone.record("Panen", "10")
    phone.record("Penjualan", "2")
    phone.offline(False)  # the signal comes back: one push of all four

    expect(phone.page.locator("#fix-count")).to_have_text("Perlu tindakan: 1", timeout=60_000)
    expect(phone.page.locator("#inbox-count")).to_have_text("1")
    phone.go(f"#/products/{product_id}")
    expect(phone.page.locator("#product-waiting")).to_have_text("menunggu: Produsen Ibu Euis")
    expect(phone.page.locator("#history .badge.waiting")).to_have_count(2)
    phone.page.evaluate("window.scrollTo(0, 0)")
    screenshot(phone.page, "fixloop-waiting-product")
    no_sideways_scroll(phone.page)

    phone.go("#/fix")
    items = phone.page.locator("#fix-list > li")
    expect(items).to_have_count(1)  # one mistake, one thing to fix
    expect(items).to_contain_text("Produsen: Ibu Euis")
    expect(items.locator(".waiting-list")).to_contain_text("3 data menunggu perbaikan ini")
    phone.page.evaluate("window.scrollTo(0, 0)")
    screenshot(phone.page, "fixloop-one-thing-to-fix")
    no_sideways_scroll(phone.page)

    items.get_by_role("link", name="Perbaiki").click()
    form = phone.page.locator("#producer-form")
    form.get_by_label("NIB, 13 angka (boleh kosong)").fill(GOOD_NIB)
    form.get_by_role("button", name="Simpan").click()
    # The rejection leaves the inbox when the fix is queued; then the queue empties by a sync.
    expect(phone.page.locator("#fix-count")).to_have_count(0)
    expect(phone.page.locator("#inbox-count")).to_have_count(0)
    phone.wait_unsent(0)

    state = server.state(server.admin)
    assert state["producer"][producer_id]["nib"] == GOOD_NIB
    assert state["product"][product_id]["producer_id"] == producer_id
    movements = sorted(m["qty"] for m in state["stock_movement"].values() if m["product_id"] == product_id)
    assert movements == ["-2", "10"]


def test_the_phone_checks_the_servers_rules_in_words(server, phone):
    phone.go("#/producers/new")
    form = phone.page.locator("#producer-form")
    form.get_by_label("Nama", exact=True).fill("Pak Dedi")
    form.get_by_label("Desa").select_option(VILLAGE)
    form.get_by_text("Untuk ekspor (opsional)").click()  # the NIB is folded away with the export fields
    form.get_by_label("NIB, 13 angka (boleh kosong)").fill("12345")
    form.get_by_role("button", name="Simpan").click()
    expect(phone.page.locator("#producer-form .field-error").filter(has_text="NIB")).to_have_text("NIB harus 13 angka.")
    screenshot(phone.page, "fixloop-nib-in-words")
    no_sideways_scroll(phone.page)
    form.get_by_label("NIB, 13 angka (boleh kosong)").fill("")
    form.get_by_role("button", name="Simpan").click()
    expect(phone.page.locator("#for-bar")).to_contain_text("Pak Dedi")

    form = tap_and_see(phone.page, "text=Tambah produk", "#product-form")
    form.get_by_label("Nama", exact=True).fill("Kopi Robusta")
    form.get_by_label("Berat per satuan (kg)").fill("0")
    form.get_by_text("Untuk ekspor (opsional)").click()
    form.get_by_label("Kode HS (8 angka)").fill("0901")
    form.get_by_role("button", name="Simpan").click()
    errors = phone.page.locator("#product-form .field-error")
    expect(errors.filter(has_text="Berat")).to_have_text("Berat per satuan harus lebih dari 0.")
    expect(errors.filter(has_text="Kode HS")).to_have_text("Kode HS harus 8 angka, misalnya 0901.11.00.")
    expect(phone.page.locator("#product-form")).not_to_contain_text("hs_code")
    screenshot(phone.page, "fixloop-product-in-words")
    no_sideways_scroll(phone.page)
    queued = phone.page.evaluate("window.lumbung.replica.pending().then(ops => ops.map(op => op.entity))")
    assert "product" not in queued  # nothing the server would refuse was queued

    form.get_by_label("Berat per satuan (kg)").fill("0,25")
    form.get_by_label("Kode HS (8 angka)").fill("0901.11.00")
    form.get_by_role("button", name="Simpan").click()
    phone.page.wait_for_url(re.compile(r"#/products/[0-9a-f-]{36}$"))
    phone.wait_unsent(0)
    expect(phone.page.locator("#fix-count")).to_have_count(0)


def test_one_inbox_counts_rejections_and_change_requests(server, phone):
    phone.add_producer("Pak Asep", VILLAGE)
    product_id = phone.add_product("Kayu Manis")
    phone.wait_unsent(0)
    Device(server, server.admin).review(product_id, "needs_changes", "Tambahkan foto kemasan.")
    # And a product with an HS code the server refuses (queued by an older app).
    producer_id = phone.page.evaluate("window.lumbung.currentProducerId()")
    bad = {"producer_id": producer_id, "name": "Gula Aren", "category": "other", "unit": "kg", "hs_code": "17"}
    phone.queue("product", str(uuid.uuid4()), bad)
    phone.go("#/sync")
    phone.page.click("#sync-now")

    expect(phone.page.locator("#inbox-count")).to_have_text("2")  # on the Produk tab
    phone.go("#/products")
    expect(phone.page.locator("#inbox-link")).to_have_text("Perlu tindakan: 2")
    screenshot(phone.page, "fixloop-products-inbox-count")
    no_sideways_scroll(phone.page)
    phone.page.click("#inbox-link")
    expect(phone.page.locator("h1")).to_have_text("Perlu tindakan")
    expect(phone.page.locator("#fix-list > li")).to_contain_text("Kode HS harus 8 angka")
    changes = phone.page.locator("#changes-list > li")
    expect(changes).to_have_count(1)
    expect(changes).to_contain_text("Tambahkan foto kemasan.")
    expect(phone.page.locator("main h2")).to_have_text(["Ditolak server — perbaiki", "Diminta diubah oleh petugas"])
    phone.page.evaluate("window.scrollTo(0, 0)")
    screenshot(phone.page, "fixloop-inbox")
    no_sideways_scroll(phone.page)

    changes.get_by_role("button", name="Buka produk").click()
    phone.page.wait_for_url(re.compile(f"#/products/{product_id}$"))
    asked = phone.page.locator("#changes-asked")
    expect(asked).to_contain_text("Tambahkan foto kemasan.")
    expect(phone.page.locator("h1 .badge")).to_have_text("Diminta diubah")
    # The reviewer's note is at the top: above the stock and the details, seen without scrolling.
    phone.page.evaluate("window.scrollTo(0, 0)")
    top = "el => el.getBoundingClientRect().bottom + window.scrollY"
    assert asked.evaluate(top) <= 640 - 60  # above the bottom navigation
    assert asked.evaluate(top) < phone.page.locator("#stock-on-hand").evaluate(top)
    screenshot(phone.page, "fixloop-review-on-top")

    phone.page.click("#ready")  # "Siap diajukan": the request is answered and leaves the inbox
    expect(phone.page.locator("#inbox-count")).to_have_text("1")
