"""A new phone's first sync is recent-first: stock on hand is whole, older records come on a tap.

A product has a harvest of two years ago and a sale of last week. A facilitator's new phone
syncs: the product shows its whole stock (the opening of the old harvest plus the sale), its
history shows the sale only and says that older records are not loaded; a tap loads them.
"""

import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from .conftest import screenshot
from .phone import facilitator_phone

VILLAGE = "32.04.10.2001"


def test_older_records_load_on_a_tap(server, phone_context):
    admin = server.api(server.admin)
    now = datetime.now(UTC)
    producer_id, product_id = str(uuid.uuid4()), str(uuid.uuid4())
    fields = [
        ("producer", producer_id, {"name": "Pak Budi", "village_code": VILLAGE, "kind": "individual"}),
        ("product", product_id, {"producer_id": producer_id, "name": "Kopi Lama", "category": "coffee", "unit": "kg"}),
    ]
    for qty, kind, days in (("40", "harvest", 700), ("-5", "sale", 7)):
        at = (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        fields.append(
            (
                "stock_movement",
                str(uuid.uuid4()),
                {"product_id": product_id, "qty": qty, "kind": kind, "occurred_at": at},
            )
        )
    ops = [
        {
            "op_id": str(uuid.uuid4()),
            "entity": e,
            "entity_id": i,
            "action": "upsert",
            "fields": f,
            "hlc": f"{int(now.timestamp() * 1000) + n:016d}:0000:bench",
        }
        for n, (e, i, f) in enumerate(fields)
    ]
    answer = admin.post(server.url + "/api/v1/sync/push", json={"device_id": str(uuid.uuid4()), "ops": ops})
    assert [r["status"] for r in answer.json()["results"]] == ["applied"] * 4

    phone = facilitator_phone(server, phone_context(), VILLAGE)
    phone.page.locator(".vlist .row", has_text="Pak Budi").click()  # a facilitator picks a producer first
    expect(phone.page.locator(".vlist .row")).to_contain_text("Kopi Lama")
    phone.go(f"#/products/{product_id}")
    expect(phone.page.locator("h1")).to_contain_text("Kopi Lama")
    expect(phone.page.locator("#stock-on-hand")).to_contain_text("35")
    expect(phone.page.locator("#history li")).to_have_count(1)
    expect(phone.page.locator("#history-older-note")).to_contain_text("belum dimuat")
    phone.page.locator("#history-older").scroll_into_view_if_needed()
    screenshot(phone.page, "older-history-not-loaded")

    phone.page.locator("#history-older").click()
    expect(phone.page.locator("#history li")).to_have_count(2)
    expect(phone.page.locator("#history-older")).to_have_count(0)
    expect(phone.page.locator("#stock-on-hand")).to_contain_text("35")
    screenshot(phone.page, "older-history-loaded")
    assert phone.errors == []
