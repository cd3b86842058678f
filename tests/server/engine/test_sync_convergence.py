"""Property: devices editing offline with skewed clocks over a bad network all converge with the server.

3 to 5 devices of two facilitators and an admin (sync.client.Replica, each with its own SQLite
outbox) create and edit producers and products, delete both, record stock movements of every
kind, and the admin reviews products, while their clocks run hours or years off. They sync in
random interleavings over a transport that loses answers (the server applied the push, the
device never heard) and sends requests twice.

The test keeps its own ledger of what the server must hold: every push the server answers is
replayed, in the order the server took it, through the merge rules worked out here from the ops'
HLCs (the later HLC wins a field; an earlier one that differs is a conflict; an edit of a deleted
record is a conflict; a review sets the status). Each answer must match the ledger's; at the end
the database, read with plain SQL, must hold exactly the ledger's records, deletions, conflicts,
movements, stock totals and reviews, and every device must hold the server's state.
"""

import contextlib
import os
import random
import uuid
from decimal import Decimal

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from server.extensions import db
from sync.client import Replica, TransportError
from sync.hlc import wall_ms
from tests.conftest import KEEP_TABLES
from tests.helpers import VILLAGE

EXAMPLES = int(os.environ.get("CONVERGENCE_EXAMPLES", "200"))  # in every run, on each engine
NIGHTLY_EXAMPLES = int(os.environ.get("CONVERGENCE_NIGHTLY_EXAMPLES", "5000"))  # pytest -m nightly
SKEWS_MS = [0, 0, -3 * 3600_000, 2 * 3600_000, -5 * 365 * 86400_000, 365 * 86400_000, 30_000]
NAMES = ["Kopi", "Teh", "Gula Aren", "Cabai", "Beras", "Madu"]
# Written out here, not imported: the test states the contract's kinds and signs itself.
MOVEMENT_SIGNS = {
    "harvest": 1,
    "production": 1,
    "purchase": 1,
    "sale": -1,
    "spoilage": -1,
    "shipment": -1,
    "adjustment": 0,
}
DECISIONS = ["approved", "needs_changes", "rejected"]
REVIEWED_FIELDS = {"name", "description", "price_idr"}  # of the fields these devices edit
# Device n belongs to account ROLES[n]: two facilitators of Kec. Margaasih and the admin of Kab. Bandung.
ROLES = ["facilitator", "facilitator", "admin", "facilitator", "facilitator"]
ACCOUNT_OF_DEVICE = [0, 1, 2, 0, 1]


class Ledger:
    """What the server must hold, worked out from the ops in the order the server took them.

    A field's clock is an HLC text, or for a status set by a review a pair (after, before):
    the server stamps a review with its own clock, known only to lie between the clock it had
    when the push came (or any op before the review in it) and the HLC it answered the push with.
    A product whose status cannot be told from that is `unsure`, and its status is not checked.
    """

    def __init__(self):
        self.records = {}  # (entity, id) -> {"values", "hlcs", "deleted"}
        self.applied = {}  # op id -> the HLC it was applied with
        self.op_keys = {}  # op id -> (entity, id)
        self.conflicts = set()  # (op id, field, reason)
        self.movements = {}  # id -> (product id, qty in thousandths, kind)
        self.reviews = {}  # id -> (product id, decision)
        self.unsure = set()
        self.server_hlc = ""

    def take(self, ops, body):
        """One push as the server answered it: each answer must be the ledger's, then it is applied."""
        floor = self.server_hlc
        for op, result in zip(ops, body["results"], strict=True):
            expected = self.expect(op)
            got = (result["status"], result.get("error", {}).get("code"))
            assert got == expected, (op, result)
            if result["status"] == "applied":
                applied_hlc = result.get("hlc", op["hlc"])
                self.applied[op["op_id"]] = applied_hlc
                self.op_keys[op["op_id"]] = (op["entity"], op["entity_id"])
                floor = max(floor, applied_hlc)
                self.apply(op, applied_hlc, (floor, body["hlc"]))
        self.server_hlc = body["hlc"]

    def live(self, entity, entity_id):
        rec = self.records.get((entity, entity_id))
        return rec is not None and not rec["deleted"]

    def expect(self, op):
        """The answer the server owes an op: (status, error code)."""
        if op["op_id"] in self.applied:
            return ("duplicate", None)
        entity, fields = op["entity"], op["fields"]
        known = (entity, op["entity_id"]) in self.records
        if op["action"] == "delete":
            return ("applied", None) if known else ("rejected", "unknown_reference")
        if entity == "product" and not known:
            if "producer_id" not in fields:  # an edit of a product whose creation was refused
                return ("rejected", "validation_error")
            if not self.live("producer", fields["producer_id"]):
                return ("rejected", "unknown_reference")
        if entity in ("stock_movement", "review") and not self.live("product", fields["product_id"]):
            return ("rejected", "unknown_reference")
        return ("applied", None)

    def apply(self, op, applied_hlc, stamp_bounds):
        """Apply an op the server applied, by the merge rules."""
        key, fields = (op["entity"], op["entity_id"]), op["fields"]
        rec = self.records.get(key)
        if op["action"] == "delete":
            rec["deleted"] = True
        elif op["entity"] == "stock_movement":
            qty_milli = int(Decimal(fields["qty"]) * 1000)
            self.movements[op["entity_id"]] = (fields["product_id"], qty_milli, fields["kind"])
        elif op["entity"] == "review":
            self.reviews[op["entity_id"]] = (fields["product_id"], fields["decision"])
            product = self.records[("product", fields["product_id"])]
            product["values"]["status"] = fields["decision"]
            self.set_status_clock(("product", fields["product_id"]), product, stamp_bounds)
        elif rec is None:
            values = {"status": "draft"} if op["entity"] == "product" else {}
            values.update(fields)
            self.records[key] = {"values": values, "hlcs": dict.fromkeys(fields, applied_hlc), "deleted": False}
        elif rec["deleted"]:
            self.conflicts.update((op["op_id"], name, "deleted") for name in fields)
        else:
            self.merge(key, rec, op, applied_hlc)

    def merge(self, key, rec, op, applied_hlc):
        """Field by field, the later HLC wins; an earlier value that differs is a conflict."""
        values, hlcs = rec["values"], rec["hlcs"]
        approved = values.get("status") == "approved"
        changed = set()
        for name, value in op["fields"].items():
            order = later(applied_hlc, hlcs.get(name, ""))
            if order is None:
                self.unsure.add(key)
            elif order:
                if values.get(name) != value:
                    values[name] = value
                    changed.add(name)
                hlcs[name] = applied_hlc
            elif values.get(name) != value:
                self.conflicts.add((op["op_id"], name, "lost_to_later"))
        if approved and changed & REVIEWED_FIELDS:  # an edit of what was approved goes back to review
            values["status"] = "submitted"
            self.set_status_clock(key, rec, applied_hlc)

    def set_status_clock(self, key, rec, clock):
        """The status clock becomes the later of the two; when that cannot be told, the status is unsure."""
        current = rec["hlcs"].get("status", "")
        order = later(clock, current)
        if order is None:
            self.unsure.add(key)
        elif order:
            rec["hlcs"]["status"] = clock


def later(a, b):
    """Whether clock a is later than clock b (None: cannot be told); each an HLC or a pair of bounds."""
    a_low, a_high = a if isinstance(a, tuple) else (a, a)
    b_low, b_high = b if isinstance(b, tuple) else (b, b)
    if a_low >= b_high and a != b:
        return True
    if a_high <= b_low and a != b:
        return False
    return None


class FlakyNetwork:
    """A transport through the Flask test client that loses answers and repeats requests.

    Every push the server answers goes to the ledger, including those whose answer is then lost.
    """

    def __init__(self, client, token, rng, ledger):
        self.client, self.token, self.rng, self.ledger = client, token, rng, ledger
        self.faults = True

    def __call__(self, method, path, params=None, body=None):
        headers = {"Authorization": f"Bearer {self.token}"}
        repeat = self.faults and self.rng.random() < 0.2
        for _ in range(2 if repeat else 1):
            if method == "GET":
                response = self.client.get(path, query_string=params, headers=headers)
            else:
                response = self.client.post(path, json=body, headers=headers)
                if path.endswith("/sync/push") and response.status_code == 200:
                    self.ledger.take(body["ops"], response.get_json())
        if self.faults and self.rng.random() < 0.25:
            raise TransportError("answer lost")
        return response.status_code, response.get_json()


class World:
    """The server, its accounts and the devices of one example."""

    def __init__(self, client, tokens, rng, device_count, skews):
        self.rng = rng
        self.ledger = Ledger()
        self.devices = []
        self.roles = ROLES[:device_count]
        for token, skew in zip(tokens[:device_count], skews, strict=False):
            network = FlakyNetwork(client, token, rng, self.ledger)
            replica = Replica(
                sqlite_utils.Database(memory=True),
                transport=network,
                now=lambda skew=skew: wall_ms() + skew,
                sleep=lambda s: None,
            )
            self.devices.append((replica, network))
        self.made = []  # every op any device made

    def act(self, number, action):
        """One offline action on a device (its choices drawn from the world's rng)."""
        device, _ = self.devices[number]
        records = device.records()
        producers = sorted(rid for (entity, rid) in records if entity == "producer")
        products = sorted(rid for (entity, rid) in records if entity == "product")
        pick = self.rng.choice
        if action == "review" and self.roles[number] != "admin":
            action = "movement"  # only admins review
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
            op = device.upsert("product", pick(products[:2]), {field: value})
        elif action == "rename_producer":
            op = device.upsert("producer", pick(producers), {"name": pick(NAMES)})
        elif action == "delete":
            op = device.delete("product", pick(products))
        elif action == "delete_producer":
            op = device.delete("producer", pick(producers))
        elif action == "review":
            op = device.upsert(
                "review", new_uuid(self.rng), {"product_id": pick(products[:3]), "decision": pick(DECISIONS)}
            )
        else:
            kind = pick(sorted(MOVEMENT_SIGNS))
            sign = MOVEMENT_SIGNS[kind] or pick([1, -1])
            qty = f"{sign * self.rng.randrange(1, 50000) / 1000:.3f}"
            op = device.upsert(
                "stock_movement",
                new_uuid(self.rng),
                {"product_id": pick(products), "qty": qty, "kind": kind, "occurred_at": "2026-11-27T08:15:00Z"},
            )
        self.made.append(op)

    def sync(self, device):
        """A sync attempt over the flaky network; a lost answer just means trying later."""
        with contextlib.suppress(TransportError):
            device.sync(attempts=1)

    def start(self):
        """The first device records a producer with two products; everyone gets them."""
        self.act(0, "producer")
        self.act(0, "product")
        self.act(0, "product")
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
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


ACTIONS = ["producer", "product", "edit", "edit", "edit", "rename_producer", "movement", "movement", "delete"]
ACTIONS += ["review", "review", "delete_producer"] + ["sync"] * 4


SCENARIOS = given(
    seed=st.integers(0, 2**32),
    device_count=st.integers(3, 5),
    skews=st.lists(st.sampled_from(SKEWS_MS), min_size=5, max_size=5),
    steps=st.lists(st.tuples(st.integers(0, 4), st.sampled_from(ACTIONS)), min_size=5, max_size=60),
)
RELAXED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@pytest.fixture
def tokens(app, accounts):
    """A token for each of the five devices, of the accounts in ROLES (made once for every example)."""
    regions = {"facilitator": ("32.04.10",), "admin": ("32.04",)}
    phones = [accounts.make(role=role, regions=regions[role]) for role in ROLES[:3]]
    return [accounts.login(phones[ACCOUNT_OF_DEVICE[n]])["access_token"] for n in range(len(ROLES))]


def empty_records(app):
    """Empty every table but the regions and the accounts (whose tokens the examples reuse)."""
    keep = KEEP_TABLES | {"users", "user_regions", "devices", "login_attempts"}
    with app.app_context(), db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in keep:
                conn.execute(table.delete())
        conn.execute(text("INSERT INTO sync_state (id, seq, hlc) VALUES (1, 0, '')"))


def converge(app, client, tokens, seed, device_count, skews, steps):
    """Run one scenario and check everything the property promises."""
    empty_records(app)
    world = World(client, tokens, random.Random(seed), device_count, skews)
    world.start()
    for who, action in steps:
        number = who % device_count
        if action == "sync":
            world.sync(world.devices[number][0])
        else:
            world.act(number, action)
    world.settle()
    world.settle()
    check_devices(world)
    with app.app_context():
        check_database(world.ledger)


test_devices_converge_with_the_server = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=RELAXED)(
    SCENARIOS(converge)
)
test_devices_converge_nightly = pytest.mark.nightly(
    settings(max_examples=NIGHTLY_EXAMPLES, deadline=None, suppress_health_check=RELAXED)(SCENARIOS(converge))
)


def check_devices(world):
    """Nothing lost or left behind; every device holds the server's state, deletions included."""
    ledger, refused = world.ledger, set()
    for device, _ in world.devices:
        assert device.pending() == []
        # A refused op stays on the device that made it, shown to the person to fix or discard.
        refused.update((op["entity"], op["entity_id"]) for op in device.rejected())
    rejected = {op["op_id"] for device, _ in world.devices for op in device.rejected()}
    assert set(ledger.applied) == {op["op_id"] for op in world.made} - rejected  # none lost
    newcomer = Replica(sqlite_utils.Database(memory=True), transport=world.devices[0][1])
    newcomer.pull()
    server_state = newcomer.records()
    deleted = {key for key, rec in ledger.records.items() if rec["deleted"]}
    assert not deleted & set(server_state)
    for device, _ in world.devices:
        state = {key: data for key, data in device.records().items() if key not in refused}
        assert state == server_state
        flags = {(row["entity"], row["id"]): row["deleted"] for row in device.db.query("SELECT * FROM records")}
        assert all(flags[key] == 1 for key in deleted)


def check_database(ledger):
    """The database, read with plain SQL, holds exactly what the ledger says."""
    for entity, table in (("producer", "producers"), ("product", "products")):
        rows = {row.id: row._mapping for row in db.session.execute(text(f"SELECT * FROM {table}"))}  # noqa: S608
        expected = {key[1]: rec for key, rec in ledger.records.items() if key[0] == entity}
        assert set(rows) == set(expected)
        for record_id, rec in expected.items():
            row = rows[record_id]
            assert bool(row["deleted"]) == rec["deleted"], (entity, record_id)
            for name, value in rec["values"].items():
                if not (name == "status" and (entity, record_id) in ledger.unsure):
                    assert row[name] == value, (entity, record_id, name)
    unsure = {op_id for op_id, key in ledger.op_keys.items() if key in ledger.unsure}
    conflicts = {tuple(row) for row in db.session.execute(text("SELECT op_id, field, reason FROM conflicts"))}
    assert {c for c in conflicts if c[0] not in unsure} == {c for c in ledger.conflicts if c[0] not in unsure}
    stored_ops = dict(db.session.execute(text("SELECT op_id, hlc FROM applied_ops")).all())
    keyed = {op_id: hlc for op_id, hlc in ledger.applied.items() if ledger.op_keys[op_id][0] != "stock_movement"}
    assert stored_ops == keyed  # every op once, none lost, none twice (a movement is its own record)
    movements = db.session.execute(text("SELECT id, product_id, qty_milli, kind FROM stock_movements")).all()
    assert {row[0]: tuple(row[1:]) for row in movements} == ledger.movements
    stock = dict(db.session.execute(text("SELECT product_id, stock_milli FROM product_stock")).all())
    expected_stock = dict.fromkeys((key[1] for key in ledger.records if key[0] == "product"), 0)
    for product_id, qty_milli, _ in ledger.movements.values():
        expected_stock[product_id] += qty_milli
    assert stock == expected_stock
    reviews = db.session.execute(text("SELECT id, product_id, decision FROM reviews")).all()
    assert {row[0]: tuple(row[1:]) for row in reviews} == ledger.reviews
