"""Feed order: a change committed while a pull runs is never skipped, whatever order writers commit in."""

import random
import threading
import time

import pytest
from sqlalchemy import text

from server.engine.apply import Actor, Batch
from server.extensions import db
from sync.client import TransportError
from tests.conftest import ENGINE, Headers
from tests.helpers import Device, hlc, new_id, producer_fields, wait_until
from tests.server.live_server import REGION, running_server

WRITERS = 6
PUSHES = 80  # by each writer, of 1 to 6 ops
PUSH = "/api/v1/sync/push"
PULL = "/api/v1/sync/pull"


@pytest.fixture
def server(tmp_path):
    """A started gunicorn with 2 workers of 4 threads, on a fresh database of the run's engine."""
    with running_server(tmp_path, workers=2, threads=4) as live:
        yield live


class Writer(threading.Thread):
    """A device that pushes many small pushes: new producers and products, renames, stock movements."""

    def __init__(self, server, seed):
        super().__init__(daemon=True)
        self.transport = server.login()
        self.device_id, self.rng = new_id(), random.Random(seed)
        self.ms, self.products, self.names, self.records, self.error = 1764230400000, [], {}, set(), None

    def op(self, entity, entity_id, fields):
        self.ms += 1
        self.records.add((entity, entity_id))
        return {
            "op_id": new_id(),
            "entity": entity,
            "entity_id": entity_id,
            "action": "upsert",
            "fields": fields,
            "hlc": hlc(self.ms, 0, self.device_id),
        }

    def next_ops(self):
        if not self.products or self.rng.random() < 0.15:
            producer_id, product_id = new_id(), new_id()
            self.products.append(product_id)
            self.names[product_id] = "Kopi"
            product = {"producer_id": producer_id, "name": "Kopi", "category": "coffee", "unit": "kg"}
            return [self.op("producer", producer_id, producer_fields()), self.op("product", product_id, product)]
        ops = []
        for _ in range(self.rng.randint(1, 6)):
            product_id = self.rng.choice(self.products)
            if self.rng.random() < 0.3:
                self.names[product_id] = f"Kopi {self.ms}"
                ops.append(self.op("product", product_id, {"name": self.names[product_id]}))
            else:
                fields = {
                    "product_id": product_id,
                    "qty": "1.5",
                    "kind": "harvest",
                    "occurred_at": "2026-11-27T08:15:00Z",
                }
                ops.append(self.op("stock_movement", new_id(), fields))
        return ops

    def run(self):
        try:
            for _ in range(PUSHES):
                status, body = self.transport("POST", PUSH, body={"device_id": self.device_id, "ops": self.next_ops()})
                assert status == 200, body
                assert {r["status"] for r in body["results"]} == {"applied"}, body
        except (AssertionError, TransportError) as exc:
            self.error = exc
        finally:
            self.transport.close()


class Puller(threading.Thread):
    """A device that pulls in a loop, following its cursor, until told to stop; keeps the latest state."""

    def __init__(self, server, seed):
        super().__init__(daemon=True)
        self.transport = server.login()
        self.rng = random.Random(seed)
        self.cursor, self.state, self.error = None, {}, None
        self.pulls = self.pulls_with_changes = 0  # while the writers write
        self.stop = threading.Event()

    def pull(self):
        params = {"limit": self.rng.randint(1, 30)}
        if self.cursor:
            params["cursor"] = self.cursor
        status, body = self.transport("GET", PULL, params=params)
        assert status == 200, body
        for change in body["changes"]:
            self.state[(change["entity"], change["entity_id"])] = change.get("data")
        self.cursor = body["cursor"]
        return body

    def run(self):
        try:
            while not self.stop.is_set():
                self.pulls_with_changes += bool(self.pull()["changes"])
                self.pulls += 1
            while self.pull()["more"]:  # the final pull: up to what is committed now
                pass
        except (AssertionError, TransportError) as exc:
            self.error = exc
        finally:
            self.transport.close()


def committed(engine):
    """Every record the database holds: {(entity, id)}, and every product's name."""
    tables = {"producer": "producers", "product": "products", "stock_movement": "stock_movements"}
    records, names = set(), {}
    with engine.connect() as conn:
        for entity, table in tables.items():
            records |= {(entity, row[0]) for row in conn.execute(text(f"SELECT id FROM {table}"))}
        names = dict(conn.execute(text("SELECT id, name FROM products")).all())
    return records, names


def write_while_pulling(server, seed):
    """WRITERS devices push concurrently while a device pulls; answers (writers, puller) once all are done."""
    writers = [Writer(server, seed + i) for i in range(WRITERS)]
    puller = Puller(server, seed)
    puller.start()
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
    puller.stop.set()
    puller.join(60)
    assert [w.error for w in writers] == [None] * WRITERS
    assert puller.error is None
    return writers, puller


def test_a_puller_following_its_cursor_misses_no_change_committed_by_concurrent_writers(server, capsys):
    seed, started = random.randrange(2**32), time.monotonic()
    writers, puller = write_while_pulling(server, seed)
    records, names = committed(server.db)
    assert set().union(*(w.records for w in writers)) == records
    assert puller.pulls_with_changes > 1, "the puller never pulled while the writers wrote"
    assert set(puller.state) == records, f"seed {seed}: skipped {sorted(records - set(puller.state))[:5]}"
    assert {key[1]: data["name"] for key, data in puller.state.items() if key[0] == "product"} == names
    with capsys.disabled():
        print(
            f"\n[feed order {ENGINE}] {WRITERS} devices pushed {WRITERS * PUSHES} pushes ({len(records)} records) "
            f"in {time.monotonic() - started:.1f} s while one pulled {puller.pulls} times "
            f"({puller.pulls_with_changes} with changes); none skipped"
        )


# -- the mechanism, step by step ---------------------------------------------------------------


class HeldPush(threading.Thread):
    """A push applied through the apply path in its own session, its transaction held open until released."""

    def __init__(self, app, actor, ops):
        super().__init__(daemon=True)
        self.app, self.actor, self.ops = app, actor, ops
        self.written, self.release = threading.Event(), threading.Event()
        self.results = None

    def run(self):
        with self.app.app_context():
            batch = Batch(self.actor, None)
            self.results = batch.run(self.ops)  # the sync_state row lock is taken, the rows are written
            self.pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
            self.written.set()
            if self.release.wait(120):
                db.session.commit()


class BackgroundPush(threading.Thread):
    """A device's push through the API, sent from a thread of its own."""

    def __init__(self, app, device, ops):
        super().__init__(daemon=True)
        self.client, self.device, self.ops, self.answer = app.test_client(), device, ops, None

    def run(self):
        body = {"device_id": self.device.device_id, "ops": self.ops}
        response = self.client.post(PUSH, json=body, headers=self.device.headers)
        self.answer = response.status_code, response.get_json()


def pull_from(device, cursor):
    """A pull from a cursor, to the end; answers (record ids, the cursor it returned)."""
    device.cursor = cursor
    changes = device.pull_all()
    return {c["entity_id"] for c in changes}, device.cursor


def devices_of_one_facilitator(client, accounts, count):
    """Devices of one facilitator of Kec. Margaasih, each logged in on its own."""
    phone, devices = accounts.make(role="facilitator", regions=(REGION,)), []
    for _ in range(count):
        body = accounts.login(phone)
        headers = Headers({"Authorization": "Bearer " + body["access_token"]})
        headers.user = body["user"]
        devices.append(Device(client, headers))
    return devices


def blocked_by(app, pid):
    """Whether a PostgreSQL backend waits for a lock that backend `pid` holds."""
    sql = "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"
    with app.app_context(), db.engine.connect() as conn:
        return conn.execute(text(sql), {"pid": pid}).scalar() > 0


def seq_of(app, producer_id):
    with app.app_context():
        return db.session.execute(text("SELECT seq FROM producers WHERE id = :id"), {"id": producer_id}).scalar_one()


@pytest.mark.skipif(ENGINE != "postgresql", reason="SQLite has one writer at a time: no commit can overtake another")
def test_a_later_writer_waits_for_an_open_one_so_a_pull_in_between_skips_neither(app, client, accounts):
    device, writer = devices_of_one_facilitator(client, accounts, 2)
    actor = Actor(id=device.headers.user["id"], role="facilitator", regions=(REGION,))
    _, cursor = pull_from(device, None)
    a_id, b_id = new_id(), new_id()
    held = HeldPush(app, actor, [writer.op("producer", a_id, producer_fields())])
    later = BackgroundPush(app, writer, [writer.op("producer", b_id, producer_fields())])
    held.start()
    try:
        assert held.written.wait(10)
        later.start()
        # Until the later writer waits for the held one's lock, or has finished without waiting.
        wait_until(lambda: blocked_by(app, held.pid) or not later.is_alive(), poll=0.01, failure="waited a minute")
        assert later.is_alive(), "a second writer went ahead while the first held the change-feed lock"
        seen, cursor_between = pull_from(device, cursor)
        assert seen == set()
    finally:
        held.release.set()
        held.join(10)
        later.join(10)
    assert held.results[0]["status"] == "applied"
    assert later.answer[0] == 200 and later.answer[1]["results"][0]["status"] == "applied"
    assert pull_from(device, cursor_between)[0] == {a_id, b_id}
    assert seq_of(app, a_id) < seq_of(app, b_id)
