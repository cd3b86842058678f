"""Screens a producer with little schooling can use (issue 16, items 9-11), at 360x640 in id-ID.

The status bar's plain words and its own colour without a signal; a home that says where a
producer stands; a product page that shows the last 10 stock records; the photo first, the
category tapped on a tile, and the export fields folded away; filters and list rows that fit
360 px; kecamatan names in the desa picker; "Lupa PIN?" and a facilitator's PIN reset; the app's
own install button; and a login button that says it is loading while the script comes.
"""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from .conftest import PIN, browser_contexts
from .conftest import screenshot as save_screenshot
from .phone import Phone, tap_and_see, tap_tile

FACILITATOR = "081200000001"
PRODUCER = "081300000002"
PRODUCER_E164 = "+6281300000002"
PRODUCER_PIN = "135790"
VILLAGE = "32.04.10.2001"
T0 = 1764230400000
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def phone_context(browser):
    """Phones of 360x640 in Indonesian (locale id-ID); all closed after the test."""
    options = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 1, "is_mobile": True}
    yield from browser_contexts(browser, locale="id-ID", timezone_id="Asia/Jakarta", **options)


def screenshot(page, name):
    """The screen from its top (the status bar in sight), for people to look at."""
    page.evaluate("window.scrollTo(0, 0)")
    save_screenshot(page, name)


def hlc(device, tick):
    return f"{T0 + tick:016d}:0000:{device}"


class Seed:
    """Records pushed through the API from another device (as a sync would bring them)."""

    def __init__(self, server, phone, pin):
        self.server = server
        self.api = server.api(phone, pin)
        self.device = str(uuid.uuid4())
        self.ops = []

    def add(self, entity, fields, entity_id=None):
        entity_id = entity_id or str(uuid.uuid4())
        self.ops.append(
            {
                "op_id": str(uuid.uuid4()),
                "entity": entity,
                "entity_id": entity_id,
                "action": "upsert",
                "fields": fields,
                "hlc": hlc(self.device, len(self.ops)),
            }
        )
        return entity_id

    def push(self):
        answer = self.api.post(f"{self.server.url}/api/v1/sync/push", json={"device_id": self.device, "ops": self.ops})
        assert answer.status_code == 200, answer.text
        assert {r["status"] for r in answer.json()["results"]} == {"applied"}, answer.text
        self.ops = []


def producer_with_product(server, movements=()):
    """Ibu Ani's account and record, one coffee product at Rp 50.000 a kg, and its stock records."""
    server.user("producer", PRODUCER, [VILLAGE], "Ibu Ani", pin=PRODUCER_PIN)
    server.user("facilitator", FACILITATOR, [VILLAGE], "Bu Sari")
    seed = Seed(server, FACILITATOR, PIN)  # a producer's record is registered by its facilitator
    producer_id = seed.add(
        "producer", {"name": "Ibu Ani", "village_code": VILLAGE, "kind": "individual", "phone": PRODUCER}
    )
    product = {"producer_id": producer_id, "name": "Kopi Arabika Puntang", "category": "coffee", "unit": "kg"}
    product_id = seed.add("product", {**product, "price_idr": 50000, "status": "submitted"})
    for kind, qty, when in movements:
        seed.add("stock_movement", {"product_id": product_id, "kind": kind, "qty": qty, "occurred_at": when})
    seed.push()
    return product_id


def open_producer(server, phone_context):
    phone = Phone(phone_context(), server.url).open()
    phone.login(PRODUCER, pin=PRODUCER_PIN)
    return phone


def no_sideways_scroll(phone):
    assert phone.page.evaluate(NO_SIDEWAYS), phone.page.url


def iso(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- item 9 ----------------------------------------------------------------------------------


def test_status_words_without_and_with_a_signal(server, phone_context):
    product_id = producer_with_product(server, [("harvest", "20", iso(datetime.now(UTC) - timedelta(hours=2)))])
    phone = open_producer(server, phone_context)
    page = phone.page
    bar = page.locator("#top .status")
    expect(page.locator("#net-state")).to_have_text("Terkirim")
    expect(bar).to_have_attribute("data-state", "sent")
    online_colour = bar.evaluate("el => getComputedStyle(el).backgroundColor")
    phone.wait_for_service_worker()
    for word in ("Daring", "Luring", "Sinkron terakhir", "Akan dikirim saat ada sinyal"):
        expect(page.locator("#top")).not_to_contain_text(word)

    # Online, a saved record is just "Tersimpan.": it goes now, nothing to wait for.
    phone.go(f"#/products/{product_id}")
    phone.record("Penjualan", "2")
    expect(page.locator("#toast")).to_have_text("Tersimpan.")
    phone.wait_unsent(0)
    expect(page.locator("#net-state")).to_have_text("Terkirim")

    # No signal: its own words, colour and icon; what waits, and that it goes when a signal comes.
    phone.offline()
    phone.reload()
    expect(page.locator("#net-state")).to_have_text("Tidak ada sinyal")
    expect(bar).to_have_attribute("data-state", "offline")
    assert bar.evaluate("el => getComputedStyle(el).backgroundColor") != online_colour
    expect(bar.locator("svg.icon")).to_have_count(1)
    expect(page.locator("#send-later")).to_have_count(0)  # nothing waits yet
    phone.go(f"#/products/{product_id}")
    phone.record("Penjualan", "1")
    expect(page.locator("#toast")).to_contain_text("Akan dikirim saat ada sinyal")
    expect(page.locator("#top")).to_contain_text("Menunggu dikirim: 1")
    expect(page.locator("#send-later")).to_have_text("Akan dikirim saat ada sinyal")
    screenshot(page, "plain-09-no-signal")
    no_sideways_scroll(phone)

    # A producer's sync screen: no device id, no version, no "penyimpanan permanen".
    phone.go("#/sync")
    expect(page.locator("#sync-unsent")).to_have_text("1")
    expect(page.locator("#app-version")).to_have_count(0)
    expect(page.locator("#main")).not_to_contain_text("ID perangkat")
    expect(page.locator("#main")).not_to_contain_text("permanen")
    device_id = page.evaluate("window.lumbung.replica.deviceId")
    expect(page.locator("body")).not_to_contain_text(device_id)
    screenshot(page, "plain-09-sync-producer")

    phone.offline(False)
    phone.wait_unsent(0)
    expect(page.locator("#net-state")).to_have_text("Terkirim")
    expect(page.locator("#send-later")).to_have_count(0)
    screenshot(page, "plain-09-sent")
    assert phone.errors == []


def test_a_facilitator_finds_the_technical_details_under_rincian(server, phone_context):
    server.user("facilitator", FACILITATOR, [VILLAGE], "Bu Sari")
    phone = Phone(phone_context(), server.url).open()
    phone.login(FACILITATOR)
    phone.go("#/sync")
    details = phone.page.locator("#sync-details")
    expect(details.locator("#app-version")).not_to_be_visible()
    details.locator("summary").click()
    expect(details.locator("#app-version")).to_be_visible()
    expect(details).to_contain_text("ID perangkat")
    screenshot(phone.page, "plain-09-sync-facilitator")
    no_sideways_scroll(phone)


# -- item 10 ---------------------------------------------------------------------------------


def test_home_tells_a_producer_where_they_stand(server, phone_context):
    now = datetime.now(UTC)
    this_month = now.replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    last_month = (this_month - timedelta(days=3)).replace(day=1)
    product_id = producer_with_product(
        server,
        [
            ("harvest", "30", iso(last_month)),
            ("sale", "-5", iso(last_month + timedelta(days=1))),  # last month: not this month's sales
            ("sale", "-2.5", iso(this_month)),
            ("sale", "-1.5", iso(max(this_month, now - timedelta(minutes=5)))),
        ],
    )
    phone = open_producer(server, phone_context)
    page = phone.page
    expect(page).to_have_url(re.compile("#/home$"))
    expect(page.locator("#home-name")).to_have_text("Halo, Ibu Ani")
    stock = page.locator("#home-stock")
    expect(stock).to_contain_text("Kopi Arabika Puntang")
    expect(stock).to_contain_text("21 kg")
    sales = page.locator("#home-sales")
    expect(sales).to_contain_text("4 kg")
    expect(page.locator("#home-sales-total")).to_have_text("Rp 200.000")
    expect(page.locator("#home-waiting")).to_contain_text("Semua beres")
    screenshot(page, "plain-10-home")
    no_sideways_scroll(phone)

    # What awaits: a record not sent yet, counted, and the product a reviewer sent back, linked to #/fix.
    phone.offline()
    phone.go(f"#/products/{product_id}")
    phone.record("Panen", "3")
    phone.go("#/home")
    expect(page.locator("#home-pending")).to_have_text("1")
    expect(stock).to_contain_text("24 kg")
    phone.offline(False)
    phone.wait_unsent(0)
    answer = server.api(server.admin).post(
        f"{server.url}/api/v1/reviews",
        json={"decisions": [{"product_id": product_id, "decision": "needs_changes", "note": "Foto kurang jelas."}]},
    )
    assert answer.status_code == 200 and answer.json()["results"][0]["status"] == "applied", answer.text
    phone.go("#/sync")
    page.click("#sync-now")
    phone.go("#/home")
    expect(page.locator("#home-fix")).to_have_attribute("href", "#/fix")
    expect(page.locator("#home-fix")).to_contain_text("Perlu tindakan: 1")
    screenshot(page, "plain-10-home-fix")
    assert phone.errors == []


def test_product_page_shows_the_last_ten_stock_records(server, phone_context):
    start = datetime.now(UTC) - timedelta(days=40)
    movements = [("harvest", "10", iso(start + timedelta(days=i))) for i in range(30)]
    product_id = producer_with_product(server, movements)
    phone = open_producer(server, phone_context)
    phone.go(f"#/products/{product_id}")
    page = phone.page
    expect(page.locator("#history li")).to_have_count(10)
    more = page.locator("#history-all")
    expect(more).to_have_text("Lihat semua (30)")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 3000, height
    no_sideways_scroll(phone)
    screenshot(page, "plain-10-history")
    more.click()
    expect(page.locator("#history li")).to_have_count(30)
    expect(more).to_have_count(0)


def test_product_form_photo_first_icons_and_export_fold(server, phone_context, camera_photo):
    product_id = producer_with_product(server, [("harvest", "5", iso(datetime.now(UTC) - timedelta(hours=1)))])
    phone = open_producer(server, phone_context)
    page = phone.page
    phone.go("#/products/new")
    form = page.locator("#product-form")
    expect(form).to_be_visible()
    # The photo comes first, before the name.
    order = form.evaluate("f => [...f.querySelectorAll('h2, label')].map(e => e.textContent.trim()).slice(0, 3)")
    assert order[:2] == ["Foto", "Ambil foto"], order
    # The categories are tiles in a radio group, an icon and a word each; Kopi until another is tapped.
    expect(form.get_by_role("radiogroup", name="Kategori").get_by_role("radio")).to_have_count(14)
    expect(form.locator("#category .choice svg.icon")).to_have_count(14)
    expect(form.get_by_role("radio", name="Kopi", exact=True)).to_be_checked()
    tap_tile(form, "Perikanan")
    expect(form.locator("#category .choice svg path")).to_have_count(14)
    fold = form.locator("#export-fold")
    expect(fold).to_contain_text("Untuk ekspor (opsional)")
    expect(form.get_by_label("Kode HS (8 angka)")).not_to_be_visible()
    expect(form.get_by_role("button", name="Tambah sertifikat")).not_to_be_visible()
    screenshot(page, "plain-10-product-form")
    no_sideways_scroll(phone)
    fold.locator("summary").click()
    expect(form.get_by_label("Kode HS (8 angka)")).to_be_visible()

    # The stock kinds have icons: into the store, out of it.
    phone.go(f"#/products/{product_id}/stock")
    expect(page.locator("#movement-form .choice svg.icon")).to_have_count(6)
    expect(page.locator("#movement-form .choice svg.icon.in")).to_have_count(3)
    screenshot(page, "plain-10-stock-form")

    # A new product with a photo, not sent and a draft: its row keeps its name beside both badges.
    phone.offline()
    phone.go("#/products")
    phone.add_product("Kopi Robusta Lereng Gunung Malabar Petik Merah", photo=camera_photo)
    phone.go("#/products")
    row = page.locator(".vlist .row.with-thumb")
    expect(row).to_have_count(1)
    title = row.locator(".row-title")
    expect(title).to_be_visible()
    box, row_box = title.bounding_box(), row.bounding_box()
    assert (
        box["height"] > 10 and box["y"] >= row_box["y"] and box["y"] + box["height"] <= row_box["y"] + row_box["height"]
    )
    expect(row.locator(".badge")).to_have_count(2)
    # Filters fit 360 px: each select shows its whole width.
    for select in ("#status-filter", "#category-filter"):
        box = page.locator(select).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, (select, box)
    no_sideways_scroll(phone)
    screenshot(page, "plain-10-products")


def test_a_category_is_picked_by_tapping_its_tile(server, phone_context):
    producer_with_product(server)
    phone = open_producer(server, phone_context)
    page = phone.page
    phone.go("#/products/new")
    form = page.locator("#product-form")
    form.get_by_label("Nama", exact=True).fill("Ikan Asin Pangandaran")
    tap_tile(form, "Perikanan")
    # Tiles a thumb hits: 48x48 px and more, all within 360 px; the chosen one framed in green.
    for tile in form.locator("#category .choice").all():
        box = tile.bounding_box()
        assert box["width"] >= 48 and box["height"] >= 48 and box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    frame = "span => getComputedStyle(span, '::before').borderTopWidth"
    assert form.locator("#category .choice", has_text="Perikanan").locator("span").evaluate(frame) == "4px"
    assert form.locator("#category .choice", has_text="Kopi").locator("span").evaluate(frame) == "0px"
    form.get_by_role("radiogroup", name="Kategori").scroll_into_view_if_needed()
    save_screenshot(page, "plain-10-category-tiles")  # where it is scrolled to, not from the top
    no_sideways_scroll(phone)
    # The keyboard: an arrow moves the choice along the group, as in any radio group.
    form.get_by_role("radio", name="Perikanan").press("ArrowRight")
    peternakan = form.get_by_role("radio", name="Peternakan", exact=True)
    expect(peternakan).to_be_checked()
    expect(peternakan).to_be_focused()
    tap_tile(form, "Perikanan")
    form.get_by_role("button", name="Simpan").click()
    page.wait_for_url(re.compile(r"#/products/[0-9a-f-]{36}$"))
    product_id = page.url.rsplit("/", 1)[1]
    phone.wait_unsent(0)
    saved = server.state(PRODUCER, PRODUCER_PIN)["product"][product_id]
    assert (saved["name"], saved["category"]) == ("Ikan Asin Pangandaran", "fishery")
    assert phone.errors == []


# -- item 11 ---------------------------------------------------------------------------------


def test_desa_picker_shows_kecamatan_names(server, phone_context):
    server.user("facilitator", FACILITATOR, ["32.04.10"], "Bu Sari")
    kecamatan = server.api(FACILITATOR).get(f"{server.url}/api/v1/regions/32.04.10").json()["name"]
    phone = Phone(phone_context(), server.url).open()
    phone.login(FACILITATOR)
    phone.wait_for_service_worker()
    form = tap_and_see(phone.page, "text=Tambah produsen", "#producer-form")
    picker = form.get_by_label("Desa")
    expect(picker.locator("option").nth(1)).to_contain_text(f"({kecamatan})")  # the list has come
    options = picker.locator("option").all_text_contents()[1:]
    assert options, "no villages"
    assert all(f"({kecamatan})" in text for text in options), options[:3]
    assert not any("32.04" in text for text in options), options[:3]
    screenshot(phone.page, "plain-11-desa-picker")


def test_forgot_pin_and_install_button_on_the_login_screen(server, phone_context):
    phone = Phone(phone_context(), server.url).open()
    page = phone.page
    forgot = page.locator("#forgot-pin")
    forgot.locator("summary").click()
    expect(forgot).to_contain_text("pendamping")
    expect(forgot).to_contain_text("Produsen")
    # The browser says the app can be installed: the app offers its own button, which asks it.
    page.evaluate(
        """() => {
          const event = new Event("beforeinstallprompt", { cancelable: true });
          event.prompt = () => { window.installAsked = true; return Promise.resolve(); };
          window.dispatchEvent(event);
        }"""
    )
    button = page.locator("#install-app")
    expect(button).to_have_text("Pasang aplikasi di HP")
    screenshot(page, "plain-11-login")
    no_sideways_scroll(phone)
    button.click()
    phone.wait_until("window.installAsked === true")
    expect(button).to_have_count(0)


def test_a_facilitator_resets_a_producer_pin(server, phone_context):
    server.user("facilitator", FACILITATOR, [VILLAGE], "Bu Sari")
    server.user("producer", PRODUCER, [VILLAGE], "Ibu Ani", pin=PRODUCER_PIN)
    phone = Phone(phone_context(), server.url).open()
    phone.login(FACILITATOR)
    phone.wait_for_service_worker()
    phone.add_producer("Ibu Ani", VILLAGE, phone=PRODUCER)
    phone.go("#/producers")
    page = phone.page
    row = page.locator(".row-wrap", has_text="Ibu Ani")
    expect(row.locator(".row-title")).to_be_visible()
    screenshot(page, "plain-11-producers")
    no_sideways_scroll(phone)
    row.get_by_role("link", name="Ganti PIN").click()
    form = page.locator("#pin-form")
    form.get_by_label("PIN baru (6 angka)").fill("123456")
    form.get_by_role("button", name="Simpan").click()
    expect(page.locator("#pin-msg")).to_contain_text("terlalu mudah ditebak")
    form.get_by_label("PIN baru (6 angka)").fill("582914")
    form.get_by_role("button", name="Simpan").click()
    expect(page.locator("#pin-msg")).to_contain_text("PIN sudah diganti")
    screenshot(page, "plain-11-pin-reset")

    producer = Phone(phone_context(), server.url).open()
    producer.login(PRODUCER, pin="582914")
    expect(producer.page.locator("#home-name")).to_have_text("Halo, Ibu Ani")


def test_login_button_says_it_is_loading(server, phone_context):
    context = phone_context()
    held, released = [], []

    def hold(route):  # the scripts wait until the test lets them through: a slow phone's first load
        if released:
            route.continue_()
        else:
            held.append(route)

    context.route(re.compile(r"/assets/.*\.js$"), hold)
    page = context.new_page()
    page.goto(server.url + "/", wait_until="commit")
    button = page.locator("#login button[type=submit]")
    expect(button).to_have_text("Memuat…")
    expect(button).to_be_disabled()
    screenshot(page, "plain-11-login-loading")
    deadline = datetime.now() + timedelta(seconds=30)
    while not held and datetime.now() < deadline:
        page.wait_for_timeout(100)
    released.append(True)
    for route in held:
        route.continue_()
    expect(button).to_have_text("Masuk")
    expect(button).to_be_enabled()
