"""An admin approves a product that a facilitator recorded offline: the facilitator's phone,
without a signal, records a producer, a product with a photo and a harvest, and marks it
"Siap diajukan"; online again, it syncs by itself. The admin, at a desktop, opens the review
queue (the admin screens load only for admins), sees the photo, producer, village, stock and
readiness, approves with a note, reads the decision history and makes it a produk unggulan.
The phone syncs and shows "Disetujui" with the note. In Indonesian, then in English."""

import re
import time

import pytest
from PIL import Image
from playwright.sync_api import expect

from .admin import Admin
from .conftest import shown_width
from .phone import Phone

FACILITATOR = "081200000001"
VILLAGE = "32.04.10.2002"  # Lagadar, Kec. Margaasih
PRODUCT = "Kopi Malabar Honey"
NOTE = "Foto dan dokumen lengkap. Siap ekspor."


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "IMG_kopi.jpg"
    Image.linear_gradient("L").resize((800, 600)).convert("RGB").save(path, quality=85)
    return path


def wait_for_photo(server, product_id, timeout=60):
    """Until the product lists a photo and the server holds it (photos follow their op)."""
    api = server.api(server.admin)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        product = server.state(server.admin).get("product", {}).get(product_id, {})
        shas = product.get("photos") or []
        if shas and all(api.head(f"{server.url}/api/v1/blobs/{sha}").status_code == 200 for sha in shas):
            return shas
        time.sleep(0.5)
    raise AssertionError("the photo never reached the server")


def test_admin_approves_a_product_recorded_offline(server, phone_context, desktop_context, photo):
    server.user("facilitator", FACILITATOR, [VILLAGE], "Bu Sari")
    context = phone_context()
    phone_requests = []
    context.on("request", lambda request: phone_requests.append(request.url))
    phone = Phone(context, server.url).open()
    phone.login(FACILITATOR)
    phone.wait_for_service_worker()

    # In the village, without a signal.
    phone.offline()
    phone.add_producer("Pak Ujang", VILLAGE)
    product_id = phone.add_product(PRODUCT, photo=photo)
    phone.record("Panen", "250")
    phone.page.click("#ready")
    expect(phone.page.locator("h1 .badge")).to_have_text("Diajukan")
    assert phone.unsent() >= 3

    # Back at the kecamatan office: it syncs by itself, photo included.
    phone.offline(False)
    phone.wait_unsent(0)
    wait_for_photo(server, product_id)
    assert not [url for url in phone_requests if "/assets/admin." in url]  # never for a facilitator

    # The admin's desk: the review queue.
    admin = Admin(desktop_context(), server.url).login(server.admin)
    page = admin.page
    expect(page.locator("h1")).to_have_text("Antrian tinjauan")
    assert [url for url in admin.requested if "/assets/admin." in url]
    item = page.locator(f"#item-{product_id}")
    expect(item).to_contain_text(PRODUCT)
    expect(item).to_contain_text("Pak Ujang")
    expect(item).to_contain_text("Lagadar")
    expect(item).to_contain_text("Kec. Margaasih")
    expect(item.locator(".stock")).to_have_text("250 kg")
    expect(item.locator(".readiness .badge")).to_have_text(re.compile("Dokumen kurang|Siap ekspor|Segera kedaluwarsa"))
    expect(item.locator("img.thumb-img")).to_have_attribute("src", re.compile(r"^blob:"))
    assert shown_width(item.locator("img.thumb-img")) > 0  # decoded, not only given its blob: URL
    admin.screenshots("admin-01-review-queue")

    # A note is needed to ask for changes; approving takes it as it is.
    item.get_by_role("button", name="Minta perubahan").click()
    expect(item.locator(".decide .field-error[role=alert]").last).to_have_text(re.compile("Tulis catatan"))
    item.get_by_label("Catatan untuk produsen").fill(NOTE)
    item.get_by_role("button", name="Setujui").click()
    expect(item).to_have_count(0)
    expect(page.locator("#toast")).to_contain_text(f"Disetujui: {PRODUCT}")

    # Approved: the history, and produk unggulan.
    page.select_option("#filter-status", "approved")
    item = page.locator(f"#item-{product_id}")
    expect(item.locator("h2 .badge").first).to_have_text("Disetujui")
    item.locator("summary", has_text="Riwayat keputusan").click()
    history = item.locator(".history-list li")
    expect(history).to_have_count(1)
    expect(history).to_contain_text("Disetujui")
    expect(history).to_contain_text(NOTE)
    expect(history).to_contain_text("Admin Bandung")
    item.get_by_role("button", name="Jadikan produk unggulan").click()
    item = page.locator(f"#item-{product_id}")
    expect(item.locator(".badge.featured")).to_be_visible()
    expect(item.get_by_role("button", name="Hapus dari produk unggulan")).to_be_visible()
    admin.screenshots("admin-02-approved-featured")

    # The product's page: readiness in full, who can help.
    item.get_by_role("link", name=PRODUCT).click()
    expect(page.locator("#product-readiness table")).to_contain_text("Kode HS")
    admin.screenshots("admin-03-product-readiness")

    # In English, the same screens.
    admin.english()
    admin.go("#/admin/review")
    expect(page.locator("h1")).to_have_text("Review queue")
    page.select_option("#filter-status", "approved")
    item = page.locator(f"#item-{product_id}")
    expect(item.locator("h2 .badge").first).to_have_text("Approved")
    expect(item.locator(".badge.featured")).to_have_text(re.compile("Featured product"))
    expect(item.get_by_role("button", name="Approve")).to_be_visible()
    admin.screenshots("admin-04-review-queue-en")
    admin.indonesian()

    # The phone hears of it on its next sync.
    phone.go("#/sync")
    phone.page.click("#sync-now")
    phone.go(f"#/products/{product_id}")
    expect(phone.page.locator("h1 .badge")).to_have_text("Disetujui")
    expect(phone.page.locator("#reviews")).to_contain_text(NOTE)
    expect(phone.page.locator("#reviews .badge")).to_have_text("Disetujui")
    assert phone.errors == [] and admin.errors == []
