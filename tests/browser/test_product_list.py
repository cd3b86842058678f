"""5,000 products: the list renders only what is on screen, and search and filters still work."""

import uuid

from playwright.sync_api import expect

from .conftest import screenshot
from .phone import Phone

PRODUCER = "081300000002"
FACILITATOR = "081300000003"
VILLAGE = "32.04.10.2001"
COUNT = 5000
T0 = 1764230400000


def hlc(device, tick):
    return f"{T0 + tick:016d}:0000:{device}"


def seed_products(server, count=COUNT):
    """A producer's record and `count` products, pushed through the API by its facilitator
    (only facilitators and admins make producer records)."""
    server.user("facilitator", FACILITATOR, [VILLAGE], "Pak Dedi")
    api = server.api(FACILITATOR)
    device = str(uuid.uuid4())
    producer_id = str(uuid.uuid4())
    ops = [
        {
            "op_id": str(uuid.uuid4()),
            "entity": "producer",
            "entity_id": producer_id,
            "action": "upsert",
            "fields": {"name": "Ibu Ani", "village_code": VILLAGE, "kind": "individual", "phone": PRODUCER},
            "hlc": hlc(device, 0),
        }
    ]
    for i in range(count):
        fields = {"producer_id": producer_id, "name": f"Produk {i:04d}", "category": "coffee", "unit": "kg"}
        if i % 10 == 0:
            fields["status"] = "submitted"
        ops.append(
            {
                "op_id": str(uuid.uuid4()),
                "entity": "product",
                "entity_id": str(uuid.uuid4()),
                "action": "upsert",
                "fields": fields,
                "hlc": hlc(device, i + 1),
            }
        )
    for start in range(0, len(ops), 1000):
        answer = api.post(
            f"{server.url}/api/v1/sync/push", json={"device_id": device, "ops": ops[start : start + 1000]}
        )
        assert answer.status_code == 200, answer.text
        assert {r["status"] for r in answer.json()["results"]} == {"applied"}


def test_five_thousand_products_render_only_what_is_visible(server, phone_context):
    server.user("producer", PRODUCER, [VILLAGE], "Ibu Ani")
    seed_products(server)
    phone = Phone(phone_context(), server.url).open()
    phone.login(PRODUCER)
    phone.go("#/products")  # a producer starts at home
    expect(phone.page.locator("#product-count")).to_have_text("5000 produk", timeout=60_000)
    rows = phone.page.locator(".vlist .row")
    assert rows.count() < 40
    expect(rows.first).to_contain_text("Produk 0000")

    # Scroll far down: other rows, still only a screenful of them, drawn within two frames
    # (counted in frames, not milliseconds: a busy machine makes frames longer, not more).
    drawn = phone.page.evaluate(
        """() => new Promise(resolve => {
            window.scrollTo(0, 76 * 4000);
            const rows = () => [...document.querySelectorAll(".vlist .row")].map(row => row.textContent);
            requestAnimationFrame(() => requestAnimationFrame(() => resolve(rows())));
        })"""
    )
    assert any("Produk 4000" in row for row in drawn), drawn
    expect(phone.page.locator(".vlist .row", has_text="Produk 4000")).to_have_count(1)
    assert rows.count() < 40
    screenshot(phone.page, "12-five-thousand")

    phone.page.evaluate("window.scrollTo(0, 0)")
    phone.page.fill("#product-search", "Produk 4999")
    expect(phone.page.locator("#product-count")).to_have_text("1 produk")
    phone.page.fill("#product-search", "")
    phone.page.select_option("#status-filter", "submitted")
    expect(phone.page.locator("#product-count")).to_have_text("500 produk")
    assert phone.errors == []
