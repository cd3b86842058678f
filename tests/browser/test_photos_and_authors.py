"""Photos and authors across devices.

A facilitator records a producer, a product with a photo and a harvest on her phone (device A),
offline first: her own name shows as the author before anything is sent, her photo shows from
its original and is never fetched. She syncs. The producer's own phone (device B) syncs and
shows the real photo (fetched with the Bearer header, since an <img> cannot send it, and kept
in IndexedDB as a blob: URL), the full photo when opened, and "Dicatat oleh Bu Sari" on the
product and its movement. Offline, after a reload, B still shows the photos from IndexedDB.
"""

from playwright.sync_api import expect

from .conftest import screenshot, shown_width
from .phone import Phone
from .test_field_day import _wait_for_photo

FACILITATOR = "081200000001"
FACILITATOR_NAME = "Bu Sari"
PRODUCER_PHONE = "081300000002"
PRODUCER_PIN = "135790"
VILLAGE = "32.04.10.2002"  # Lagadar, Kec. Margaasih
PRODUCT = "Kopi Arabika Puntang"


def blob_requests(page):
    """Every request of the page for a photo: (url, Authorization header)."""
    seen = []

    def note(request):
        if "/api/v1/blobs/" in request.url and request.method == "GET":
            seen.append((request.url, request.headers.get("authorization", "")))

    page.on("request", note)
    return seen


def test_photos_and_authors_across_devices(server, phone_context, camera_photo):
    server.user("facilitator", FACILITATOR, ["32.04.10.2001", VILLAGE], FACILITATOR_NAME)
    server.user("producer", PRODUCER_PHONE, [VILLAGE], "Ibu Ani", pin=PRODUCER_PIN)

    # Device A, the facilitator's phone: recorded offline, so nothing of it has reached the server.
    a = Phone(phone_context(), server.url).open()
    a_fetches = blob_requests(a.page)
    a.login(FACILITATOR)
    a.wait_for_service_worker()
    a.offline()
    a.add_producer("Ibu Ani", VILLAGE, phone=PRODUCER_PHONE)
    product_id = a.add_product(PRODUCT, photo=camera_photo)
    a.record("Panen", "12,5")
    expect(a.page.locator("#product-entered-by")).to_have_text(f"Dicatat oleh {FACILITATOR_NAME}")
    expect(a.page.locator("#history li")).to_have_count(1)
    expect(a.page.locator("#history li")).to_contain_text(f"Dicatat oleh {FACILITATOR_NAME}")
    assert shown_width(a.page.locator("img.thumb-img")) > 0  # her own photo, from its original
    a.go("#/producers")
    expect(a.page.locator(".vlist .row")).to_contain_text(f"Dicatat oleh {FACILITATOR_NAME}")
    screenshot(a.page, "08b-producers-entered-by")

    # Back online: it syncs by itself, the photo follows its product.
    a.offline(False)
    a.wait_unsent(0)
    (sha,) = server.state(server.admin)["product"][product_id]["photos"]
    _wait_for_photo(server.api(server.admin), f"{server.url}/api/v1/blobs/{sha}")
    a.go(f"#/products/{product_id}")
    expect(a.page.locator("#product-entered-by")).to_have_text(f"Dicatat oleh {FACILITATOR_NAME}")
    assert a_fetches == []  # a photo this device took is never fetched
    assert a.errors == []

    # Device B, the producer's own phone (her phone number is the producer record's).
    b = Phone(phone_context(), server.url).open()
    b_fetches = blob_requests(b.page)
    b.login(PRODUCER_PHONE, pin=PRODUCER_PIN)
    b.wait_for_service_worker()
    b.go("#/products")  # a producer starts at home
    row = b.page.locator(".vlist .row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(PRODUCT)
    assert shown_width(row.locator("img.row-thumb")) > 0  # the list's thumbnail, fetched
    b.go(f"#/products/{product_id}")
    thumb = b.page.locator("#photos img.thumb-img")
    expect(thumb).to_have_count(1)
    assert 0 < shown_width(thumb) <= 240  # the server's thumbnail, not the photo
    expect(b.page.locator("#product-entered-by")).to_have_text(f"Dicatat oleh {FACILITATOR_NAME}")
    expect(b.page.locator("#history li")).to_have_count(1)
    expect(b.page.locator("#history li")).to_contain_text(f"Dicatat oleh {FACILITATOR_NAME}")

    # Opened: the whole photo, fetched once, as the phone shrank it.
    b.page.click("#photos .thumb-open")
    full = b.page.locator("#photo-viewer img.full-img")
    expect(full).to_have_count(1)
    assert shown_width(full) == 1280
    screenshot(b.page, "09-photo-from-another-device")
    b.page.click("#photo-viewer button")
    expect(b.page.locator("#photo-viewer")).to_have_count(0)

    photo_urls = [url.split("/api/v1/blobs/")[1] for url, _ in b_fetches]
    assert sorted(photo_urls) == sorted([f"{sha}?size=thumb", sha]), b_fetches  # each once
    assert all(auth.startswith("Bearer ") for _, auth in b_fetches), b_fetches
    b.go("#/sync")
    expect(b.page.locator("#storage-photos")).to_contain_text("2 diambil dari server")

    # Offline, after a reload: the photos come from IndexedDB; nothing is asked for.
    fetched_before = len(b_fetches)
    b.offline()
    b.go(f"#/products/{product_id}")
    b.reload()
    expect(b.page.locator("#net-state")).to_have_text("Tidak ada sinyal")
    thumb = b.page.locator("#photos img.thumb-img")
    expect(thumb).to_have_count(1)
    assert shown_width(thumb) > 0
    expect(b.page.locator("#product-entered-by")).to_have_text(f"Dicatat oleh {FACILITATOR_NAME}")
    b.page.click("#photos .thumb-open")
    assert shown_width(b.page.locator("#photo-viewer img.full-img")) == 1280
    b.go("#/products")
    assert shown_width(b.page.locator(".vlist .row img.row-thumb")) > 0
    screenshot(b.page, "10-products-offline-photos")
    assert len(b_fetches) == fetched_before
    assert b.errors == []
