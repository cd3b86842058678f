"""A regional admin at a desktop, and records put on the server the way devices put them."""

import time
import uuid
from datetime import UTC, datetime

from playwright.sync_api import expect

from .conftest import PIN, SCREENSHOTS


class Admin:
    """The admin screens of the app in a desktop browser context."""

    def __init__(self, context, url):
        self.context = context
        self.url = url
        self.page = context.new_page()
        self.errors = []
        self.requested = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requested.append(request.url))

    def login(self, phone, pin=PIN):
        self.page.goto(self.url + "/")
        self.page.wait_for_selector("body[data-ready]")
        self.page.fill("#phone", phone)
        self.page.fill("#pin", pin)
        self.page.click("#login button[type=submit]")
        self.page.wait_for_selector("#admin-nav", timeout=90_000)
        return self

    def go(self, hash_route):
        self.page.evaluate("route => { location.hash = route; }", hash_route)

    def english(self):
        self.page.get_by_role("button", name="EN", exact=True).click()
        expect(self.page.locator("html")).to_have_attribute("lang", "en")

    def indonesian(self):
        self.page.get_by_role("button", name="ID", exact=True).click()
        expect(self.page.locator("html")).to_have_attribute("lang", "id")

    def screenshots(self, name):
        """The screen at 1280x800, then at a 360x640 phone size (usable on a small tablet too)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}-1280.png"))
        self.page.set_viewport_size({"width": 360, "height": 640})
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}-360.png"))
        self.page.set_viewport_size({"width": 1280, "height": 800})


class Device:
    """A device of an account pushing ops through the sync API, as the app does."""

    def __init__(self, server, phone):
        self.server = server
        self.api = server.api(phone)
        self.device_id = str(uuid.uuid4())
        self.counter = 0

    def push(self, entity, fields, entity_id=None):
        self.counter += 1
        entity_id = entity_id or str(uuid.uuid4())
        op = {
            "op_id": str(uuid.uuid4()),
            "entity": entity,
            "entity_id": entity_id,
            "action": "upsert",
            "fields": fields,
            "hlc": f"{int(time.time() * 1000):016d}:{self.counter:04d}:{self.device_id}",
        }
        answer = self.api.post(f"{self.server.url}/api/v1/sync/push", json={"device_id": self.device_id, "ops": [op]})
        assert answer.json()["results"][0]["status"] == "applied", answer.text
        return entity_id

    def review(self, product_id, decision, note):
        """An admin's decision on a product, pushed as the admin's device would."""
        return self.push("review", {"product_id": product_id, "decision": decision, "note": note})

    def producer(self, name, village):
        return self.push("producer", {"name": name, "village_code": village, "kind": "individual"})

    def product(self, producer_id, name, stock, category="coffee", unit="kg", unit_weight_kg="1", status="submitted"):
        product_id = self.push(
            "product",
            {"producer_id": producer_id, "name": name, "category": category, "unit": unit,
             "unit_weight_kg": unit_weight_kg, "price_idr": 95000, "hs_code": "09011100", "status": status},
        )  # fmt: skip
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.push("stock_movement", {"product_id": product_id, "qty": stock, "kind": "harvest", "occurred_at": now})
        return product_id


def approve(server, product_ids, note="Disetujui."):
    """Approve products through the curation API, as an admin."""
    admin = server.api(server.admin)
    decisions = [{"product_id": pid, "decision": "approved", "note": note} for pid in product_ids]
    answer = admin.post(f"{server.url}/api/v1/reviews", json={"decisions": decisions})
    assert {r["status"] for r in answer.json()["results"]} == {"applied"}, answer.text
    return admin


def stock_on_hand(server, admin_api, status="approved"):
    """{product name: stock on hand} of the admin's products of a status, from the review queue."""
    body = admin_api.get(f"{server.url}/api/v1/review-queue", params={"status": status, "limit": 200}).json()
    return {item["name"]: item["stock_on_hand"] for item in body["items"]}
