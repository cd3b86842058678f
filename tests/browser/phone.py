"""A person using the field app on a phone: the steps of the browser tests, in their words."""

import re
import time

from playwright.sync_api import Error, expect

from .conftest import PIN

DOUBLE_TAP_MS = 300  # pwa/src/fingers.js: a second tap at the same place within this is ignored after a save
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
FACILITATOR = "081200000001"


class Phone:
    """One page of the app in a browser context (a device)."""

    def __init__(self, context, url, throttled=False):
        self.context = context
        self.url = url
        self.throttled = throttled
        self.page = None

    # -- the browser -------------------------------------------------------------------------

    def open(self):
        """Open the app in a new tab (a new tab asks for the PIN again)."""
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.throttle(network=False)
        self.page.goto(self.url + "/")
        self.page.wait_for_selector("body[data-ready]")
        return self

    def throttle(self, network=True):
        """4x CPU (always, when throttled) and a slow-3G network (when online) over CDP."""
        if not self.throttled:
            return
        if getattr(self, "cdp_page", None) is not self.page:
            self.cdp = self.context.new_cdp_session(self.page)
            self.cdp_page = self.page
            self.cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
            self.cdp.send("Network.enable")
        if network:
            self.cdp.send("Network.emulateNetworkConditions", SLOW_3G)

    def reload(self):
        self.page.reload()
        self.page.wait_for_selector("body[data-ready]")

    def close(self):
        self.page.close()

    def offline(self, offline=True):
        """No network for the whole context, service worker included (set_offline covers it)."""
        if offline and self.throttled:
            # Our own CDP session's network conditions would otherwise win over Playwright's.
            self.cdp.send("Network.emulateNetworkConditions", {**SLOW_3G, "offline": True})
        self.context.set_offline(offline)
        if not offline:
            self.throttle()

    KEPT_A_DESA = "window.lumbung.db.getAll('regions').then(kept => kept.some(e => e.regions.some(r => r.level === 4)))"

    def wait_for_service_worker(self):
        """Until the service worker controls the page and the village list is kept."""
        self.wait_until("navigator.serviceWorker.controller !== null")
        # The kabupaten's kecamatans are kept first, then each kecamatan's desa: wait for a desa.
        self.wait_until(self.KEPT_A_DESA)

    def wait_until(self, expression, timeout=60):
        """Poll a JavaScript expression (awaited) until it is truthy. Not wait_for_function: its
        polling evaluates strings, which the app's Content Security Policy forbids."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.page.evaluate(expression):
                    return
            except Error:
                pass  # the page is navigating (a reload): ask the new one
            assert time.monotonic() < deadline, f"never true: {expression}"
            time.sleep(0.2)

    # -- screens ---------------------------------------------------------------------------

    def login(self, phone, pin=PIN):
        self.page.fill("#phone", phone)
        self.page.fill("#pin", pin)
        self.page.click("#login button[type=submit]")
        self.page.wait_for_selector("#unsent-count", timeout=90_000)

    def go(self, hash_route):
        self.page.evaluate("route => { location.hash = route; }", hash_route)

    def unsent(self):
        return int(self.page.text_content("#unsent-count"))

    def wait_unsent(self, count, timeout=90):
        expect(self.page.locator("#unsent-count")).to_have_text(str(count), timeout=timeout * 1000)

    def add_producer(self, name, village, phone=""):
        form = tap_and_see(self.page, "text=Tambah produsen", "#producer-form")
        form.get_by_label("Nama", exact=True).fill(name)
        form.get_by_label("Desa").select_option(village)
        form.get_by_label("Nomor HP (boleh kosong)").fill(phone)
        form.get_by_role("button", name="Simpan").click()
        expect(self.page.locator("#for-bar")).to_contain_text(name)

    def add_product(self, name, photo=None, hs_code="09011100", price="120000", screenshot=None, category="Kopi"):
        form = tap_and_see(self.page, "text=Tambah produk", "#product-form")
        form.get_by_label("Nama", exact=True).fill(name)
        tap_tile(form, category)
        form.get_by_label("Satuan", exact=True).select_option("kg")
        form.get_by_label("Berat per satuan (kg)").fill("1")
        form.get_by_label("Harga per satuan (Rupiah)").fill(price)
        form.get_by_label("Deskripsi").fill("Kopi arabika petik merah dari lereng Gunung Puntang.")
        if form.locator("#export-fold").get_attribute("open") is None:
            form.get_by_text("Untuk ekspor (opsional)").click()  # HS and certificates are folded away
        form.get_by_label("Kode HS (8 angka)").fill(hs_code)
        form.get_by_role("button", name="Tambah sertifikat").click()
        form.get_by_label("Jenis sertifikat").select_option("pirt")
        form.get_by_label("Nomor", exact=True).fill("2063204010123-27")
        form.get_by_label("Berlaku sampai").fill("2030-06-30")
        if photo:
            self.page.set_input_files("#photo-input", str(photo))
            expect(form.locator(".thumb img")).to_have_count(1, timeout=60_000)
        if screenshot:
            screenshot()
        form.get_by_role("button", name="Simpan").click()
        self.page.wait_for_url(re.compile(r"#/products/[0-9a-f-]{36}$"))
        return self.page.url.rsplit("/", 1)[1]

    def record(self, kind_label, amount, screenshot=None):
        form = tap_and_see(self.page, "text=Catat stok", "#movement-form")
        form.get_by_label(kind_label, exact=True).check()
        form.locator("#amount").fill(amount)
        if screenshot:
            screenshot()
        form.get_by_role("button", name="Simpan").click()
        self.page.wait_for_url(re.compile(r"#/products/[0-9a-f-]{36}$"))

    def stock_on_hand(self):
        return self.page.text_content("#stock-on-hand")

    def wait(self, seconds):
        time.sleep(seconds)

    def queue(self, entity, entity_id, fields):
        """Queue an op as an older version of the app did, past the checks today's forms make
        (so that the server rejects it): the record and its op, as a form's save writes them."""
        self.page.evaluate(
            """([entity, id, fields]) => window.lumbung.replica
                .upsert(entity, id, fields, { enteredBy: window.lumbung.enteredBy() })
                .then(() => window.lumbung.afterWrite())""",
            [entity, entity_id, fields],
        )


def facilitator_phone(server, context, village, phone=FACILITATOR):
    """Bu Sari, made a facilitator of one desa, signed in on a new phone of a browser context."""
    server.user("facilitator", phone, [village], "Bu Sari")
    facilitator = Phone(context, server.url).open()
    facilitator.login(phone)
    return facilitator


def tap_and_see(page, target, shown):
    """Tap `target` once and wait until `shown` is visible; answers its locator. A sync redrawing
    the screen meanwhile must not lose the tap (pwa/src/fingers.js). Tapped as a person taps,
    a moment after the screen came: a tap at the place of the last one within 300 ms is a
    double tap's second, which the app ignores after a save."""
    page.wait_for_timeout(DOUBLE_TAP_MS)
    page.click(target)
    found = page.locator(shown)
    expect(found).to_be_visible(timeout=10_000)
    return found


def tap_tile(form, word):
    """Tap the tile that says `word` (a category, a stock kind) and see its radio chosen."""
    form.get_by_text(word, exact=True).click()
    expect(form.get_by_role("radio", name=word, exact=True)).to_be_checked()
