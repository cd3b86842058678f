"""Helpers shared by the tests: ops, HLCs and a device that pushes and pulls through the test client."""

import itertools
import time
import uuid

VILLAGE = "32.04.10.2001"  # Margaasih, Kec. Margaasih, Kab. Bandung
OTHER_VILLAGE = "32.73.01.1001"  # a kelurahan of Kec. Sukasari, Kota Bandung
T0 = 1764230400000  # 2025-11-27T08:00:00Z in ms


def new_id():
    """A fresh lower-case UUID."""
    return str(uuid.uuid4())


def hlc(ms, counter=0, node="dev"):
    """An HLC text."""
    return f"{ms:016d}:{counter:04x}:{node}"


class Device:
    """A device of an account: makes ops with increasing HLCs and syncs them through the test client."""

    def __init__(self, client, headers, start_ms=T0):
        self.client = client
        self.headers = headers
        self.device_id = new_id()
        self.ticks = itertools.count()
        self.start_ms = start_ms
        self.cursor = None

    def op(self, entity, entity_id, fields=None, action="upsert", at=None):
        """An op with the next HLC of this device (or one at `at` ms)."""
        tick = next(self.ticks)
        ms = at if at is not None else self.start_ms + tick
        return {
            "op_id": new_id(),
            "entity": entity,
            "entity_id": entity_id,
            "action": action,
            "fields": fields or {},
            "hlc": hlc(ms, 0, self.device_id),
        }

    def push(self, *ops, status=200, headers=None):
        """Push ops; answers the JSON body."""
        response = self.client.post(
            "/api/v1/sync/push",
            json={"device_id": self.device_id, "ops": list(ops)},
            headers={**self.headers, **(headers or {})},
        )
        assert response.status_code == status, response.get_json()
        return response.get_json()

    def statuses(self, *ops):
        """Push ops; answers their result statuses."""
        return [r["status"] for r in self.push(*ops)["results"]]

    def pull_all(self, limit=None):
        """Follow the cursor until `more` is false; answers the changes taken."""
        changes = []
        while True:
            params = {"cursor": self.cursor} if self.cursor else {}
            if limit:
                params["limit"] = limit
            response = self.client.get("/api/v1/sync/pull", query_string=params, headers=self.headers)
            assert response.status_code == 200, response.get_json()
            body = response.get_json()
            changes.extend(body["changes"])
            self.cursor = body["cursor"]
            if not body["more"]:
                return changes

    def state(self):
        """Everything this device may see, pulled from the beginning: {(entity, id): data or None}."""
        cursor, self.cursor = self.cursor, None
        state = {}
        for change in self.pull_all():
            state[(change["entity"], change["entity_id"])] = change.get("data")
        self.cursor = cursor
        return state


def producer_fields(**extra):
    """Fields that create a producer in VILLAGE."""
    return {"name": "Pak Budi", "village_code": VILLAGE, "kind": "individual", **extra}


def product_fields(producer_id, **extra):
    """Fields that create a product of a producer."""
    return {"producer_id": producer_id, "name": "Kopi Arabika", "category": "coffee", "unit": "kg", **extra}


def movement_fields(product_id, qty="10", kind="harvest", **extra):
    """Fields that create a stock movement."""
    return {"product_id": product_id, "qty": qty, "kind": kind, "occurred_at": "2026-11-27T08:15:00Z", **extra}


def make_product(device, **extra):
    """Push a producer and a product of it; answers the product's id."""
    producer_id, product_id = new_id(), new_id()
    device.push(
        device.op("producer", producer_id, producer_fields()),
        device.op("product", product_id, product_fields(producer_id, **extra)),
    )
    return product_id


def wait_until(condition, seconds=60, poll=0.1, failure="not reached in time"):
    """Poll until condition() holds; past `seconds` (a cap for a failing run, not a budget) fail with `failure`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(poll)
