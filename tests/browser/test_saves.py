"""Saves that never stall or double, the same producer not entered twice, and forms kept half-filled.

A double tap on Simpan makes one producer (and one product), on the phone and on the server, and
the next screen opens at its top. A save during a facilitator's first sync opens the next screen
while the sync is still storing its first page and its second page has not even come. A name
already in the desa is asked about, and the existing producer offered. A half-filled form
survives the tab being closed and comes back when the form opens again.
"""

import re

from playwright.sync_api import expect

from tests.bench.save_during_sync import seed

from .conftest import screenshot
from .phone import Phone, tap_and_see, tap_tile

FACILITATOR = "081200000001"
VILLAGE = "32.04.10.2001"
OTHER_VILLAGE = "32.04.10.2002"

# Resolves, once the producer's product list shows after the tap, with what the phone held then.
NEXT_SCREEN = """name => ({done: new Promise(resolve => {
    const check = async () => {
        const bar = document.getElementById("for-bar");
        const list = document.querySelector("#main #product-search");
        if (location.hash !== "#/products" || !list || !bar || !bar.textContent.includes(name)) return;
        observer.disconnect();
        const syncing = !!window.lumbung.syncState.syncing;
        const products = await window.lumbung.db.countFromIndex("records", "by_entity", "product");
        resolve({syncing, products});
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, {childList: true, subtree: true});
})})"""


# Simpan is tapped 50 ms after the first page of the first sync has come, while the phone stores it.
TAP_AS_THE_FIRST_PAGE_IS_STORED = """() => {
    const replica = window.lumbung.replica;
    const transport = replica.transport;
    replica.transport = async (method, path, options) => {
        const answer = await transport(method, path, options);
        if (path === "/api/v1/sync/pull" && !window.tapped) {
            window.tapped = true;
            setTimeout(() => document.querySelector("#producer-form button[type=submit]").click(), 50);
        }
        return answer;
    };
}"""


def facilitator_phone(server, phone_context, throttled=False):
    server.user("facilitator", FACILITATOR, [VILLAGE, OTHER_VILLAGE], "Bu Sari")
    phone = Phone(phone_context(), server.url, throttled=throttled).open()
    phone.login(FACILITATOR)
    phone.wait_for_service_worker()
    return phone


def fill_producer(phone, name, village=VILLAGE):
    phone.go("#/producers/new")
    form = phone.page.locator("#producer-form")
    form.get_by_label("Nama", exact=True).fill(name)
    form.get_by_label("Desa").select_option(village)
    return form


def test_a_double_tap_saves_once_and_the_next_screen_opens_at_its_top(server, phone_context):
    phone = facilitator_phone(server, phone_context)
    page = phone.page
    form = fill_producer(phone, "Ibu Euis")
    button = form.get_by_role("button", name="Simpan")
    # The button says it is saving, and takes no second tap, from the moment it is tapped.
    said = button.evaluate("b => { b.click(); return [b.textContent, b.disabled, b.getAttribute('aria-busy')]; }")
    assert said == ["Menyimpan…", True, "true"]
    expect(page.locator("#for-bar")).to_contain_text("Ibu Euis")

    form = fill_producer(phone, "Pak Dadang")
    form.get_by_role("button", name="Simpan").dblclick()
    expect(page.locator("#for-bar")).to_contain_text("Pak Dadang")

    form = tap_and_see(page, "text=Tambah produk", "#product-form")
    form.get_by_label("Nama", exact=True).fill("Kopi Dadang")
    form.get_by_label("Harga per satuan (Rupiah)").fill("120000")
    button = form.get_by_role("button", name="Simpan")
    button.scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 0
    button.dblclick()
    page.wait_for_url(re.compile(r"#/products/[0-9a-f-]{36}$"))
    expect(page.locator("#stock-on-hand")).to_be_visible()
    assert page.evaluate("window.scrollY") == 0
    screenshot(page, "saves-01-product-after-save")

    phone.wait_unsent(0)
    state = server.state(FACILITATOR)
    names = sorted(p["name"] for p in state["producer"].values())
    assert names == ["Ibu Euis", "Pak Dadang"]
    assert [p["name"] for p in state["product"].values()] == ["Kopi Dadang"]
    assert page.evaluate("window.lumbung.model.producers.length") == 2
    assert phone.errors == []


def test_a_save_during_the_first_sync_does_not_wait_for_it(server, phone_context):
    server.user("facilitator", FACILITATOR, [VILLAGE], "Bu Sari")
    seed(server, FACILITATOR, VILLAGE, 1500)  # two pages: 1,000, then 500
    context = phone_context()
    held = []  # pulls kept from the phone until the test lets them go

    def hold(route):
        held.append(route)

    context.route("**/api/v1/sync/pull*", hold)
    phone = Phone(context, server.url, throttled=True).open()  # a 4x slower CPU
    page = phone.page
    page.evaluate(TAP_AS_THE_FIRST_PAGE_IS_STORED)
    phone.login(FACILITATOR)
    fill_producer(phone, "Pak Budi")
    phone.wait_until("window.lumbung.syncState.syncing === true")
    assert len(held) == 1 and "cursor=" not in held[0].request.url

    shown = page.evaluate_handle(NEXT_SCREEN, "Pak Budi")
    held.pop(0).continue_()  # the first page (1,000 records) comes; Simpan is tapped as it is stored
    result = shown.evaluate("s => s.done")

    # The next screen came while the sync was still running: its second page has not even been
    # let through (the sync cannot have finished), and the first page was still being stored.
    assert result["syncing"] is True
    assert len(held) == 1 and "cursor=" in held[0].request.url
    assert result["products"] < 999, result  # the first page: Ibu Ani and 999 of her products
    screenshot(page, "saves-02-saved-during-first-sync")

    for route in held:
        route.continue_()
    context.unroute("**/api/v1/sync/pull*")
    phone.wait_unsent(0)
    phone.wait_until("window.lumbung.model.products.length === 1500")
    state = server.state(FACILITATOR)
    assert sorted(p["name"] for p in state["producer"].values()) == ["Ibu Ani", "Pak Budi"]
    assert phone.errors == []


def test_the_same_name_in_the_same_desa_is_asked_about(server, phone_context):
    phone = facilitator_phone(server, phone_context)
    page = phone.page
    fill_producer(phone, "Ibu Ani").get_by_role("button", name="Simpan").click()
    expect(page.locator("#for-bar")).to_contain_text("Ibu Ani")

    # "ani" in the same desa: asked, and the one there offered.
    form = fill_producer(phone, "  ani ")
    form.get_by_role("button", name="Simpan").click()
    warning = page.locator("#same-name")
    expect(warning).to_contain_text("Sudah ada produsen Ibu Ani")
    screenshot(page, "saves-03-same-name")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    warning.get_by_role("button", name="Ya, pakai Ibu Ani").click()
    expect(page.locator("#for-bar")).to_contain_text("Ibu Ani")
    assert page.evaluate("window.lumbung.model.producers.length") == 1

    # Another person of the same name: said so, and made.
    form = fill_producer(phone, "Bu ANI")
    form.get_by_role("button", name="Simpan").click()
    page.locator("#same-name").get_by_role("button", name="Bukan, tambah orang baru").click()
    expect(page.locator("#for-bar")).to_contain_text("Bu ANI")

    # The same name in another desa is another person: no question.
    fill_producer(phone, "Ibu Ani", village=OTHER_VILLAGE).get_by_role("button", name="Simpan").click()
    expect(page.locator("#for-bar")).to_contain_text("Ibu Ani")
    phone.wait_unsent(0)
    assert len(server.state(FACILITATOR)["producer"]) == 3
    assert phone.errors == []


def test_a_half_filled_form_survives_closing_the_app(server, phone_context):
    phone = facilitator_phone(server, phone_context)
    form = fill_producer(phone, "Ibu Euis")
    form.get_by_label("Nomor HP (boleh kosong)").fill("081300000009")
    draft = "window.lumbung.db.get('meta', 'draft:producer:new')"
    phone.wait_until(f"{draft}.then(d => !!d && d.values.phone === '081300000009')")
    phone.close()

    phone.open()
    phone.login(FACILITATOR)
    phone.go("#/producers/new")
    form = phone.page.locator("#producer-form")
    expect(phone.page.locator("#draft-note")).to_contain_text("Isian sebelumnya dilanjutkan")
    expect(form.get_by_label("Nama", exact=True)).to_have_value("Ibu Euis")
    expect(form.get_by_label("Desa")).to_have_value(VILLAGE)
    expect(form.get_by_label("Nomor HP (boleh kosong)")).to_have_value("081300000009")
    screenshot(phone.page, "saves-04-draft-restored")
    form.get_by_role("button", name="Simpan").click()
    expect(phone.page.locator("#for-bar")).to_contain_text("Ibu Euis")
    assert phone.page.evaluate("window.lumbung.db.get('meta', 'draft:producer:new')") is None

    # The stock form too: half-typed, closed, opened again, then started again from nothing.
    product_id = phone.add_product("Kopi Euis")
    phone.page.click("text=Catat stok")
    form = phone.page.locator("#movement-form")
    form.get_by_label("Penjualan", exact=True).check()
    form.locator("#amount").fill("2,5")
    key = f"draft:stock:{product_id}"
    phone.wait_until(f"window.lumbung.db.get('meta', '{key}').then(d => !!d && d.values.amount === '2,5')")
    phone.close()
    phone.open()
    phone.login(FACILITATOR)
    phone.go(f"#/products/{product_id}/stock")
    form = phone.page.locator("#movement-form")
    expect(form.locator("#amount")).to_have_value("2,5")
    expect(form.get_by_label("Penjualan", exact=True)).to_be_checked()
    phone.page.click("#draft-discard")
    expect(phone.page.locator("#draft-note")).to_have_count(0)
    expect(phone.page.locator("#movement-form #amount")).to_have_value("")
    assert phone.page.evaluate(f"window.lumbung.db.get('meta', '{key}')") is None

    # And the product form: an edit half-typed, its category tile tapped, comes back after the app is closed.
    phone.go(f"#/products/{product_id}/edit")
    form = phone.page.locator("#product-form")
    form.get_by_label("Nama", exact=True).fill("Kopi Euis Arabika")
    tap_tile(form, "Rempah")
    key = f"draft:product:{product_id}"
    kept = "d.values.fields.name === 'Kopi Euis Arabika' && d.values.fields.category === 'spices'"
    phone.wait_until(f"window.lumbung.db.get('meta', '{key}').then(d => !!d && {kept})")
    phone.close()
    phone.open()
    phone.login(FACILITATOR)
    phone.go(f"#/products/{product_id}/edit")
    expect(phone.page.locator("#draft-note")).to_contain_text("Isian sebelumnya dilanjutkan")
    form = phone.page.locator("#product-form")
    expect(form.get_by_label("Nama", exact=True)).to_have_value("Kopi Euis Arabika")
    expect(form.get_by_role("radio", name="Rempah", exact=True)).to_be_checked()
    assert phone.errors == []
