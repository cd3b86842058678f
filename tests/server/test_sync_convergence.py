"""Property: devices editing offline with skewed clocks over a bad network all converge with the server.

2 to 5 devices (sync.client.Replica, each with its own SQLite outbox) create and edit producers and
products, delete some, and record stock movements, while their clocks run hours or years off.
They sync in random interleavings over a transport that loses answers (the server applied the
push, the device never heard) and sends requests twice. At the end every device and the server
hold the same state, stock sums are exact, nothing recorded was lost, and no op applied twice.
"""

import contextlib
import os
import random

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from server.extensions import db
from server.models import AppliedOp, Conflict, Producer, Product, StockMovement
from sync.client import Replica, TransportError
from sync.hlc import wall_ms
from tests.helpers import VILLAGE

EXAMPLES = int(os.environ.get("CONVERGENCE_EXAMPLES", "200"))  # in every run, on each engine
NIGHTLY_EXAMPLES = int(os.environ.get("CONVERGENCE_NIGHTLY_EXAMPLES", "5000"))  # pytest -m nightly
SKEWS_MS = [0, 0, -3 * 3600_000, 2 * 3600_000, -5 * 365 * 86400_000, 365 * 86400_000, 30_000]
NAMES = ["Kopi", "Teh", "Gula Aren", "Cabai", "Beras", "Madu"]


class FlakyNetwork:
    """A transport through the Flask test client that loses answers and repeats requests."""

    def __init__(self, client, token, rng, faults):
        self.client, self.token, self.rng, self.faults = client, token, rng, faults

    def __call__(self, method, path, params=None, body=None):
        headers = {"Authorization": f"Bearer {self.token}"}
        repeat = self.faults and self.rng.random() < 0.2
        for _ in range(2 if repeat else 1):
            if method == "GET":
                response = self.client.get(path, query_string=params, headers=headers)
            else:
                response = self.client.post(path, json=body, headers=headers)
        if self.faults and self.rng.random() < 0.25:
            raise TransportError("answer lost")
        return response.status_code, response.get_json()


class World:
    """The server, its accounts and the devices of one example."""

    def __init__(self, app, client, accounts, rng, device_count, skews):
        self.app, self.rng = app, rng
        self.devices = []
        phone = accounts.make(role="facilitator", regions=("32.04.10",))
        for skew in skews[:device_count]:
            token = accounts.login(phone)["access_token"]
            network = FlakyNetwork(client, token, rng, faults=True)
            replica = Replica(
                sqlite_utils.Database(memory=True),
                transport=network,
                now=lambda skew=skew: wall_ms() + skew,
                sleep=lambda s: None,
            )
            self.devices.append((replica, network))
        self.made = []  # every op any device made

    def act(self, device, action):
        """One offline action on a device (its choices drawn from the world's rng)."""
        records = device.records()
        producers = [rid for (entity, rid) in records if entity == "producer"]
        products = [rid for (entity, rid) in records if entity == "product"]
        pick = self.rng.choice
        if action == "producer" or not producers:
            op = device.upsert(
                "producer", new_uuid(self.rng), {"name": pick(NAMES), "village_code": VILLAGE, "kind": "individual"}
            )
        elif action == "product" or not products:
            op = device.upsert(
                "product",
                new_uuid(self.rng),
                {"producer_id": pick(producers), "name": pick(NAMES), "category": "coffee", "unit": "kg"},
            )
        elif action == "edit":
            # Mostly the first two products and two fields, so devices often edit the same
            # field of the same record concurrently.
            choices = [("name", pick(NAMES)), ("price_idr", self.rng.randrange(1000, 99000))]
            if self.rng.random() < 0.3:
                choices += [("description", pick(NAMES) + " segar"), ("status", "submitted")]
            field, value = pick(choices)
            op = device.upsert("product", pick(sorted(products)[:2]), {field: value})
        elif action == "rename_producer":
            op = device.upsert("producer", pick(producers), {"name": pick(NAMES)})
        elif action == "delete":
            op = device.delete("product", pick(products))
        else:
            qty = f"{self.rng.randrange(1, 50000) / 1000:.3f}"
            op = device.upsert(
                "stock_movement",
                new_uuid(self.rng),
                {"product_id": pick(products), "qty": qty, "kind": "harvest", "occurred_at": "2026-11-27T08:15:00Z"},
            )
        self.made.append(op)

    def sync(self, device):
        """A sync attempt over the flaky network; a lost answer just means trying later."""
        with contextlib.suppress(TransportError):
            device.sync(attempts=1)

    def start(self):
        """The first device records a producer with two products; everyone gets them."""
        first, _ = self.devices[0]
        self.act(first, "producer")
        self.act(first, "product")
        self.act(first, "product")
        for device, network in self.devices:
            network.faults = False
            device.sync()
            network.faults = True

    def settle(self):
        """The network heals: everyone pushes, then everyone pulls."""
        for device, network in self.devices:
            network.faults = False
            device.push()
        for device, _ in self.devices:
            device.pull()


def new_uuid(rng):
    import uuid

    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


ACTIONS = ["producer", "product", "edit", "edit", "edit", "rename_producer", "movement", "movement", "delete"]
ACTIONS += ["sync"] * 4


SCENARIOS = given(
    seed=st.integers(0, 2**32),
    device_count=st.integers(2, 5),
    skews=st.lists(st.sampled_from(SKEWS_MS), min_size=5, max_size=5),
    steps=st.lists(st.tuples(st.integers(0, 4), st.sampled_from(ACTIONS)), min_size=5, max_size=60),
)
RELAXED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def converge(app, client, accounts, fresh_world, seed, device_count, skews, steps):
    """Run one scenario and check everything the property promises."""
    fresh_world()
    world = World(app, client, accounts, random.Random(seed), device_count, skews)
    world.start()
    for who, action in steps:
        device, _ = world.devices[who % device_count]
        if action == "sync":
            world.sync(device)
        else:
            world.act(device, action)
    world.settle()
    world.settle()
    check_converged(world, client, accounts)
    with app.app_context():
        check_server(world)


test_devices_converge_with_the_server = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=RELAXED)(
    SCENARIOS(converge)
)
test_devices_converge_nightly = pytest.mark.nightly(
    settings(max_examples=NIGHTLY_EXAMPLES, deadline=None, suppress_health_check=RELAXED)(SCENARIOS(converge))
)


def check_converged(world, client, accounts):
    refused = set()
    for device, _ in world.devices:
        assert device.pending() == []
        for op in device.rejected():
            # Only a movement for a product another device deleted may be refused; it stays
            # on the device that recorded it, shown to the person to fix or discard.
            assert op["entity"] == "stock_movement" and op["error"]["code"] == "unknown_reference", op
            refused.add((op["entity"], op["entity_id"]))
    newcomer = Replica(sqlite_utils.Database(memory=True), transport=world.devices[0][1])
    newcomer.pull()
    server_state = newcomer.records()
    for device, _ in world.devices:
        state = {key: data for key, data in device.records().items() if key not in refused}
        assert state == server_state


def check_server(world):
    rejected = {op["op_id"] for device, _ in world.devices for op in device.rejected()}
    applied = {op["op_id"]: op for op in world.made if op["op_id"] not in rejected}
    stored = dict(db.session.execute(select(AppliedOp.op_id, AppliedOp.hlc)).all())
    # A movement whose op id is its own id is its own idempotency record (server/apply.py).
    stored.update(db.session.execute(select(StockMovement.id, StockMovement.hlc)).all())
    assert set(stored) == set(applied)  # every op once, none lost, none twice
    movements = [op for op in applied.values() if op["entity"] == "stock_movement"]
    assert db.session.scalar(select(func.count()).select_from(StockMovement)) == len(movements)
    for product in db.session.scalars(select(Product)):
        total = db.session.scalar(
            select(func.coalesce(func.sum(StockMovement.qty_milli), 0)).where(StockMovement.product_id == product.id)
        )
        assert product.stock_milli == total
    check_last_writer_wins(applied, stored)


def check_last_writer_wins(applied, stored):
    """Each field holds the value of the op with the latest (as applied) HLC; losers are conflicts."""
    latest = {}
    for op in applied.values():
        if op["action"] != "upsert" or op["entity"] == "stock_movement":
            continue
        for field, value in op["fields"].items():
            key = (op["entity"], op["entity_id"], field)
            if key not in latest or stored[op["op_id"]] > latest[key][0]:
                latest[key] = (stored[op["op_id"]], value)
    conflicts = {(c.op_id, c.field) for c in db.session.scalars(select(Conflict))}
    models = {"producer": Producer, "product": Product}
    for (entity, entity_id, field), (_, value) in latest.items():
        row = db.session.get(models[entity], entity_id)
        if row.deleted or (field == "status" and row.status != value):
            continue
        assert getattr(row, field) == value, (entity, field)
    for op in applied.values():
        if op["action"] != "upsert" or op["entity"] == "stock_movement":
            continue
        row = db.session.get(models[op["entity"]], op["entity_id"])
        for field, value in op["fields"].items():
            # A deleted record keeps nothing but its deletion; edits after it are conflicts.
            won = row.deleted or getattr(row, field, None) == value
            assert won or (op["op_id"], field) in conflicts or stored[op["op_id"]] < row.hlcs.get(field, ""), (
                op,
                field,
            )
