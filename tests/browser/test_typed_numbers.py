"""Numbers typed the Indonesian way reach the server as the person meant them, at 360x640 in id-ID.

In the stock form `1.000` is a thousand and `12,5` twelve and a half, each shown under the input as
the app understood it; `1,000` is asked about (one button per reading) and `1.00` refused with its
reason, nothing saved until it is clear. The product form reads `120.000` as Rp 120.000. A sale
larger than the stock on hand asks first: cancelling keeps the form and records nothing,
confirming records it. An admin's consolidation capacity of `3.000` plans three tonnes.
"""

import re

import pytest
from playwright.sync_api import expect

from .admin import Admin, Device, approve
from .conftest import browser_contexts, screenshot
from .phone import facilitator_phone, tap_and_see

FACILITATOR = "081200000001"
VILLAGE = "32.04.10.2002"  # Lagadar, Kec. Margaasih
PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 1, "locale": "id-ID"}


@pytest.fixture
def id_context(browser):
    """New 360x640 browser contexts in the id-ID locale; all closed after the test."""
    yield from browser_contexts(browser, **PHONE)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def add_product(page, name, unit, price):
    """The product form, filled as a producer would; checks the price as the app understood it."""
    form = tap_and_see(page, "text=Tambah produk", "#product-form")
    form.get_by_label("Nama", exact=True).fill(name)
    form.get_by_label("Satuan", exact=True).select_option(unit)
    form.get_by_label("Berat per satuan (kg)").fill("0,25")
    form.get_by_label("Harga per satuan (Rupiah)").fill(price)
    expect(form.locator(".understood")).to_have_text(["= 0,25 kg", "= Rp 120.000"])
    form.get_by_label("Harga per satuan (Rupiah)").evaluate("input => input.scrollIntoView({ block: 'start' })")
    screenshot(page, f"numbers-00-product-{unit}")
    form.get_by_role("button", name="Simpan").click()
    page.wait_for_url(re.compile(r"#/products/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]


def open_stock_form(page, kind, amount):
    form = tap_and_see(page, "text=Catat stok", "#movement-form")
    form.get_by_label(kind, exact=True).check()
    form.locator("#amount").fill(amount)
    return form


def test_stock_typed_the_indonesian_way_reaches_the_server_as_meant(server, id_context):
    phone = facilitator_phone(server, id_context(is_mobile=True), VILLAGE)
    page = phone.page
    phone.add_producer("Ibu Euis", VILLAGE)
    product_id = add_product(page, "Kopi Lagadar", "kg", "120.000")

    form = open_stock_form(page, "Panen", "1.000")
    expect(form.locator(".understood")).to_have_text("= 1.000 kg")
    screenshot(page, "numbers-01-thousand")
    form.get_by_role("button", name="Simpan").click()
    page.wait_for_url(re.compile(r"#/products/[0-9a-f-]{36}$"))
    expect(page.locator("#stock-on-hand")).to_have_text("1.000 kg")

    phone.record("Panen", "12,5")
    expect(page.locator("#stock-on-hand")).to_have_text("1.012,5 kg")

    # "1,000": one or a thousand? Asked, and nothing is saved until it is answered.
    form = open_stock_form(page, "Panen", "1,000")
    expect(form.locator(".understood")).to_contain_text("Maksudnya 1 atau 1.000?")
    form.get_by_role("button", name="Simpan").click()
    expect(form.get_by_role("button", name="1 kg", exact=True)).to_be_focused()
    screenshot(page, "numbers-02-ambiguous")
    no_sideways_scroll(page)
    form.get_by_role("button", name="1.000 kg").click()
    expect(form.locator("#amount")).to_have_value("1.000")
    expect(form.locator(".understood")).to_have_text("= 1.000 kg")

    # A misplaced group is refused with its reason, in plain words.
    form.locator("#amount").fill("1.00")
    form.get_by_role("button", name="Simpan").click()
    expect(form.locator(".understood")).to_contain_text("sesudahnya selalu 3 angka")
    expect(form.locator("#amount")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "numbers-03-misplaced")
    form.locator("#amount").fill("1.000")
    form.get_by_role("button", name="Simpan").click()
    page.wait_for_url(re.compile(r"#/products/[0-9a-f-]{36}$"))
    expect(page.locator("#stock-on-hand")).to_have_text("2.012,5 kg")

    phone.wait_unsent(0)
    state = server.state(server.admin)
    assert sorted(m["qty"] for m in state["stock_movement"].values()) == ["1000", "1000", "12.5"]
    assert state["product"][product_id]["price_idr"] == 120000
    assert state["product"][product_id]["unit_weight_kg"] == "0.25"
    assert phone.errors == []


def test_a_sale_or_loss_larger_than_the_stock_asks_first(server, id_context):
    phone = facilitator_phone(server, id_context(is_mobile=True), VILLAGE)
    page = phone.page
    phone.add_producer("Ibu Euis", VILLAGE)
    add_product(page, "Keripik Singkong", "pack", "120.000")
    phone.record("Panen", "1")
    expect(page.locator("#stock-on-hand")).to_have_text("1 pak")

    form = open_stock_form(page, "Penjualan", "5")
    form.get_by_role("button", name="Simpan").click()
    ask = page.locator("#over-stock")
    expect(ask).to_contain_text("Stok hanya 1 pak — tetap catat?")
    expect(page.get_by_role("button", name="Ya, tetap catat")).to_be_focused()
    screenshot(page, "numbers-04-over-stock")
    no_sideways_scroll(page)

    # Cancelling keeps the form as typed and records nothing.
    ask.get_by_role("button", name="Batal").click()
    expect(ask).to_be_hidden()
    expect(form.locator("#amount")).to_have_value("5")
    assert form.get_by_label("Penjualan", exact=True).is_checked()
    phone.wait_unsent(0)
    assert [m["qty"] for m in server.state(server.admin)["stock_movement"].values()] == ["1"]

    # A loss larger than the stock asks the same.
    form.get_by_label("Rusak/susut", exact=True).check()
    form.locator("#amount").fill("3")
    form.get_by_role("button", name="Simpan").click()
    expect(ask).to_contain_text("Stok hanya 1 pak — tetap catat?")
    ask.get_by_role("button", name="Batal").click()
    expect(ask).to_be_hidden()

    # Confirming the sale records it.
    form.get_by_label("Penjualan", exact=True).check()
    form.locator("#amount").fill("5")
    form.get_by_role("button", name="Simpan").click()
    ask.get_by_role("button", name="Ya, tetap catat").click()
    page.wait_for_url(re.compile(r"#/products/[0-9a-f-]{36}$"))
    expect(page.locator("#stock-on-hand")).to_have_text("-4 pak")
    phone.wait_unsent(0)
    assert sorted(m["qty"] for m in server.state(server.admin)["stock_movement"].values()) == ["-5", "1"]
    assert phone.errors == []


def test_a_consolidation_capacity_of_3_000_plans_three_tonnes(server, id_context):
    server.user("facilitator", FACILITATOR, ["32.04.10"], "Bu Sari")
    device = Device(server, FACILITATOR)
    products = [
        device.product(device.producer("Pak Asep", "32.04.10.2001"), "Kopi Margaasih", "2000"),
        device.product(device.producer("Bu Euis", VILLAGE), "Kopi Lagadar", "2000"),
    ]
    api = approve(server, products)

    admin = Admin(id_context(), server.url).login(server.admin)
    page = admin.page
    admin.go("#/admin/consolidation")
    form = page.locator("#propose-form")
    capacity = form.get_by_label("Kapasitas (kg)")
    expect(capacity).to_have_value("3.000")

    # "3,000" could be three or three thousand: asked.
    capacity.fill("3,000")
    expect(form.locator(".understood")).to_contain_text("Maksudnya 3 atau 3.000?")
    capacity.fill("3.000")
    expect(form.locator(".understood")).to_have_text("= 3.000 kg")
    form.get_by_label("Wilayah", exact=True).select_option("32.04")
    form.get_by_label("Pelabuhan").fill("Tanjung Priok (Jakarta)")
    screenshot(page, "numbers-05-capacity")
    no_sideways_scroll(page)
    form.get_by_role("button", name="Usulkan").click()

    page.wait_for_url(re.compile(r"#/admin/consolidation/[0-9a-f-]{36}$"))
    plan = api.get(f"{server.url}/api/v1/consolidations/{page.url.rsplit('/', 1)[1]}").json()
    assert plan["capacity_kg"] == "3000"
    assert plan["totals"]["net_kg"] == "3000"
    expect(page.locator("#plan-total")).to_have_text("3.000 kg")
    assert admin.errors == []
