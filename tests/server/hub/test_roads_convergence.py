"""Property: phones that sync by either road (at the hub or at the regional server), through hub
outages, all end with the regional server's state, and so does the hub's copy.

Two to four phones of two facilitators of the hub's kecamatan record producers, products, edits,
deletions and stock movements offline. Each sync goes by a road drawn at random, and a phone's
answer is sometimes lost after the server took the push, so the same op often reaches the region
by both roads: once from the phone, once relayed by the hub. The hub's cycles are cut off after a
random number of requests to upstream, the last of them sometimes taken upstream with its answer
lost. At the end upstream is reachable again: every phone pushes, the hub runs its cycles, and
every phone pulls, at the region and then at the hub. Every phone, and the hub's copy, must then
hold what the region holds: the same records, the same movements, the same stock on hand.
"""

import contextlib
import os
import random
import uuid

import pytest
import sqlite_utils
from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from server.engine.models import ProductStock, RelayOp, StockMovement
from server.extensions import db
from server.hub.relay import RelayError, Upstream, cycle
from sync.client import Replica, TransportError
from tests.conftest import KEEP_TABLES

from .conftest import KECAMATAN, AppTransport

EXAMPLES = int(os.environ.get("HUB_CONVERGENCE_EXAMPLES", "200"))  # in every run, on each engine
DESA = KECAMATAN + ".2001"
NAMES = ["Kopi", "Teh", "Gula Aren", "Madu"]
ACTIONS = ["producer", "product", "edit", "edit", "movement", "movement", "movement", "delete"]
ACTIONS += ["sync"] * 5 + ["both_roads"] * 2 + ["hub_cycle"] * 3
# Upstream's accounts the region keeps between examples (the phones' tokens are made once).
ACCOUNT_TABLES = {"users", "user_regions", "devices", "login_attempts"}


class CutOff(AppTransport):
    """The hub's link to upstream: during an outage, requests after the first `allowed` fail;
    the one that breaks the link is sometimes taken upstream with its answer lost."""

    def __init__(self, app, rng):
        super().__init__(app)
        self.rng = rng
        self.allowed = None  # None: the link holds

    def __call__(self, method, path, params=None, body=None):
        if self.allowed is not None:
            if self.allowed == 0:
                if self.rng.random() < 0.5:
                    super().__call__(method, path, params, body)
                raise TransportError("the kecamatan's internet went away")
            self.allowed -= 1
        return super().__call__(method, path, params, body)


class Roads:
    """A phone's link: to the hub or to the region, as it syncs; an answer is sometimes lost."""

    def __init__(self, region, hub, token, rng):
        self.clients = {"region": region.test_client(), "hub": hub.test_client()}
        self.token, self.rng = token, rng
        self.road, self.faults, self.lose_next = "region", True, False
        self.refused_at_region = set()  # op ids the region rejected when the phone pushed them there

    def __call__(self, method, path, params=None, body=None):
        headers = {"Authorization": f"Bearer {self.token}"}
        response = self.clients[self.road].open(path, method=method, query_string=params, json=body, headers=headers)
        if path.endswith("/push") and self.road == "region" and response.status_code == 200:
            results = response.get_json()["results"]
            self.refused_at_region |= {r["op_id"] for r in results if r["status"] == "rejected"}
        lost, self.lose_next = self.lose_next or (self.faults and self.rng.random() < 0.2), False
        if lost:
            raise TransportError("answer lost")
        return response.status_code, response.get_json()


class World:
    """The region, the hub, its link upstream and the phones of one example."""

    def __init__(self, region, hub, hub_account, tokens, rng):
        self.region, self.hub, self.rng = region, hub, rng
        self.link = CutOff(region, rng)
        self.upstream = Upstream("", hub_account[0], hub_account[1], str(uuid.uuid4()), transport=self.link)
        self.phones = [
            Replica(sqlite_utils.Database(memory=True), transport=Roads(region, hub, token, rng), sleep=lambda s: None)
            for token in tokens
        ]

    def act(self, phone, action):
        """One offline action on a phone."""
        records = phone.records()
        producers = sorted(rid for (entity, rid) in records if entity == "producer")
        products = sorted(rid for (entity, rid) in records if entity == "product")
        pick = self.rng.choice
        if action == "producer" or not producers:
            phone.upsert(
                "producer", new_uuid(self.rng), {"name": pick(NAMES), "village_code": DESA, "kind": "individual"}
            )
        elif action == "product" or not products:
            fields = {"producer_id": pick(producers), "name": pick(NAMES), "category": "coffee", "unit": "kg"}
            phone.upsert("product", new_uuid(self.rng), fields)
        elif action == "edit":
            field, value = pick([("name", pick(NAMES)), ("price_idr", self.rng.randrange(1000, 99000))])
            phone.upsert("product", pick(products[:2]), {field: value})
        elif action == "delete":
            phone.delete("product", pick(products))
        else:
            qty = f"{pick([1, -1]) * self.rng.randrange(1, 50000) / 1000:.3f}"
            fields = {
                "product_id": pick(products),
                "qty": qty,
                "kind": "adjustment",
                "occurred_at": "2026-11-27T08:15:00Z",
            }
            phone.upsert("stock_movement", new_uuid(self.rng), fields)

    def sync(self, phone, road):
        """A sync by one road; a lost answer just means trying later."""
        phone.transport.road = road
        with contextlib.suppress(TransportError):
            phone.sync(attempts=1)

    def both_roads(self, phone):
        """The phone's push reaches the hub but its answer is lost; it sends the same ops to the region."""
        phone.transport.lose_next = True
        self.sync(phone, "hub")
        self.sync(phone, "region")

    def hub_cycle(self, allowed=None):
        """One relay cycle; `allowed`: the requests upstream that get through before the link goes."""
        self.link.allowed = allowed
        with self.hub.app_context():
            try:
                cycle(self.upstream)
            except (TransportError, RelayError):
                db.session.rollback()
        self.link.allowed = None

    def settle(self):
        """Upstream is reachable again: every phone pushes by its road, the hub relays and takes the
        kecamatan, and every phone pulls at the region."""
        for phone in self.phones:
            phone.transport.faults = False
            phone.push()
        self.hub_cycle()
        self.hub_cycle()


def new_uuid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@pytest.fixture
def hub_account(app, hub_app, accounts):
    """The hub's account at the region: (phone, PIN)."""
    phone, pin = hub_app.config["HUB_PHONE"], hub_app.config["HUB_PIN"]
    accounts.make(role="hub", regions=(KECAMATAN,), phone=phone, pin=pin)
    return phone, pin


@pytest.fixture
def tokens(accounts):
    """Tokens, signed by the region, for four phones of two facilitators of the kecamatan."""
    phones = [accounts.make(role="facilitator", regions=(KECAMATAN,)) for _ in range(2)]
    return [accounts.login(phones[n % 2])["access_token"] for n in range(4)]


def empty(app, keep):
    """Empty every table of an app's database but those in `keep`."""
    with app.app_context(), db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in keep:
                conn.execute(table.delete())
        conn.execute(text("INSERT INTO sync_state (id, seq, hlc) VALUES (1, 0, '')"))


SCENARIOS = given(
    seed=st.integers(0, 2**32),
    phone_count=st.integers(2, 4),
    steps=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(ACTIONS), st.sampled_from(["hub", "region"]), st.integers(0, 6)),
        min_size=3,
        max_size=30,
    ),
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking one of these takes minutes
)
@SCENARIOS
def test_every_replica_ends_with_the_regions_state(app, hub_app, hub_account, tokens, seed, phone_count, steps):
    note(f"{phone_count} phones, seed {seed}, steps {steps}")
    empty(app, KEEP_TABLES | ACCOUNT_TABLES)
    empty(hub_app, KEEP_TABLES)  # the hub learns the accounts again in its first cycle
    world = World(app, hub_app, hub_account, tokens[:phone_count], random.Random(seed))
    world.hub_cycle()
    for who, action, road, outage in steps:
        phone = world.phones[who % phone_count]
        if action == "sync":
            world.sync(phone, road)
        elif action == "both_roads":
            world.both_roads(phone)
        elif action == "hub_cycle":
            world.hub_cycle(allowed=outage if outage < 6 else None)
        else:
            world.act(phone, action)
    world.settle()
    check_replicas(world)
    with hub_app.app_context():
        answers = set(db.session.scalars(select(RelayOp.status)))
    event(f"upstream answered the hub: {', '.join(sorted(answers)) or 'nothing'}")


def check_replicas(world):
    """Every phone, by either road, and the hub's copy hold the region's records and stock."""
    region_state = newcomer(world.region, world.hub, "region", world.phones[0]).records()
    for road in ("region", "hub"):
        for phone in world.phones:
            phone.transport.road = road
            phone.pull()
            assert phone.pending() == []
            # The one rejection a phone may hold: an op it pushed straight to the region about a record
            # the region has not taken yet, because it still waits at the hub to go up (the person
            # sends it again from "Perlu tindakan"). The hub itself rejects nothing it cannot judge.
            assert {op["op_id"] for op in phone.rejected()} <= phone.transport.refused_at_region
            refused = {(op["entity"], op["entity_id"]) for op in phone.rejected()}
            expected = {k: v for k, v in region_state.items() if k not in refused}
            assert {k: v for k, v in phone.records().items() if k not in refused} == expected, (
                road,
                [(o["entity"], o["action"], o["error"]) for o in phone.rejected()],
            )
    assert newcomer(world.region, world.hub, "hub", world.phones[0]).records() == region_state
    live = {rid for entity, rid in region_state if entity == "product"}
    assert stock(world.hub, live) == stock(world.region, live)


def newcomer(region, hub, road, phone):
    """A phone with nothing yet, of the same account as `phone`, that pulls everything by one road."""
    roads = Roads(region, hub, phone.transport.token, random.Random(0))
    roads.road, roads.faults = road, False
    fresh = Replica(sqlite_utils.Database(memory=True), transport=roads)
    fresh.pull()
    return fresh


def stock(app, products):
    """The stock on hand of each of `products`, and their movements, as an app's database holds them."""
    with app.app_context():
        on_hand = dict(db.session.execute(select(ProductStock.product_id, ProductStock.stock_milli)).all())
        moves = db.session.execute(select(StockMovement.id, StockMovement.product_id, StockMovement.qty_milli)).all()
    return {p: on_hand.get(p) for p in products}, {tuple(row) for row in moves if row.product_id in products}
