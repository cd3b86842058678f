"""The kecamatan hub with real processes: the regional server and two hubs under gunicorn on 127.0.0.1,
the relay as `flask hub sync`, and phones of the sync/ client (issue 18's proof)."""

import collections
import random
import time
import uuid

import pytest

from sync.http import HttpTransport
from tests.helpers import wait_until
from tests.server.live_server import PHONE, PIN, running_server

from .processes import ADMIN_PHONE, DESA_A, DESA_B, KEC_A, KEC_B, Hub, Phone, Region, SlowLink, elapsed, kill_group

pytestmark = pytest.mark.slow  # three gunicorns and relay processes


@pytest.fixture
def region(tmp_path):
    """The regional server, on a database of the run's engine."""
    with running_server(tmp_path) as live:
        served = Region(live)
        yield served
        served.admin.close()


def serving_hub(tmp_path, region, name, kecamatan):
    """A hub started and through one cycle; stopped after."""
    hub = Hub(tmp_path, name, kecamatan, region)
    hub.start()
    hub.relay()
    yield hub
    hub.close()


@pytest.fixture
def hub_a(tmp_path, region):
    """Hub A, of Kec. Margaasih (the facilitator's)."""
    yield from serving_hub(tmp_path, region, "hub-a", KEC_A)


@pytest.fixture
def hub_b(tmp_path, region):
    """Hub B, of Kec. Margahayu next door."""
    yield from serving_hub(tmp_path, region, "hub-b", KEC_B)


@pytest.fixture
def new_phone(tmp_path, region):
    """Makes phones (Phone) of an account, signed in at the regional server; their connections closed after."""
    made = []

    def make(number=PHONE):
        made.append(Phone(tmp_path, region, number))
        return made[-1]

    yield make
    for phone in made:
        phone.close()


def all_ops(*op_lists):
    return [op["op_id"] for ops in op_lists for op in ops]


def test_devices_sync_at_the_hub_while_the_region_is_down_and_everything_converges(new_phone, region, hub_a, hub_b):
    at_hub = [new_phone().at(hub_a) for _ in range(2)]
    at_region = new_phone().at(region.live)
    at_hub_b = new_phone(region.account("facilitator", KEC_B)[0])
    hub_b.relay()  # hub B learns its facilitator
    at_hub_b.at(hub_b)
    region_product, region_ops = at_region.seed(DESA_A, movements=4)
    at_region.sync()

    region.live.kill()
    assert "upstream not reached" in hub_a.relay(check=False).stderr
    written = [phone.seed(DESA_A, movements=5) for phone in at_hub]
    b_product, b_ops = at_hub_b.seed(DESA_B, movements=3)
    for phone in [*at_hub, at_hub_b]:
        phone.sync()
    assert all(phone.replica.pending() == [] for phone in at_hub)
    for phone in at_hub:  # each sees the other's writes through the hub, with no upstream
        phone.sync()
        assert all(phone.has("product", product_id) for product_id, _ in written)

    region.live.start(port=region.live.port)
    hub_a.relay()
    hub_b.relay()
    hub_ops = all_ops(*(ops for _, ops in written), b_ops)
    assert region.applied(hub_ops) == len(hub_ops)
    for product_id, _ in written:
        assert region.stock(product_id) == (12500, 5, 12500)
    assert region.stock(b_product) == (7500, 3, 7500)
    assert {row["status"] for row in hub_a.relay_ops()} == {"applied"}

    at_region.sync()
    assert all(at_region.has("product", product_id) for product_id, _ in written)
    assert not at_region.has("product", b_product)  # of Kec. Margahayu: seen by the kabupaten's admin
    admin = new_phone(ADMIN_PHONE).at(region.live)
    admin.sync()
    assert all(admin.has("product", product_id) for product_id in [b_product, *(p for p, _ in written)])
    for phone in at_hub:
        phone.sync()
        assert phone.has("product", region_product)
        movements = phone.replica.records("stock_movement")
        assert {op["entity_id"] for op in region_ops[2:]} <= {entity_id for _, entity_id in movements}
    assert not at_hub[0].has("product", b_product)  # hub A holds Kec. Margaasih only
    assert region.applied(all_ops(region_ops)) == len(region_ops)


def test_the_same_op_by_both_roads_counts_once(new_phone, region, hub_a):
    phone = new_phone().at(hub_a)
    first, ops = phone.seed(DESA_A, movements=4)
    phone.sync()  # at the hub
    phone.at(region.live)
    status, body = phone.replica.transport(
        "POST", "/api/v1/sync/push", body={"device_id": phone.device_id, "ops": ops}
    )  # the same outbox again, over 4G
    assert status == 200, body
    assert {result["status"] for result in body["results"]} == {"applied"}
    # The other order: straight to the region first, then again at the hub.
    second, later = phone.seed(DESA_A, movements=3)
    phone.sync()
    phone.at(hub_a)
    status, body = phone.replica.transport(
        "POST", "/api/v1/sync/push", body={"device_id": phone.device_id, "ops": later}
    )
    assert status == 200, body

    hub_a.relay()
    hub_a.relay()
    assert region.stock(first) == (10000, 4, 10000)
    assert region.stock(second) == (7500, 3, 7500)
    statuses = {row["op_id"]: row["status"] for row in hub_a.relay_ops()}
    assert {statuses[op["op_id"]] for op in ops} == {"duplicate"}
    assert region.applied(all_ops(ops, later)) == len(ops) + len(later)


KILLS = 20
MOVEMENTS = 200  # a round's: 4,040 ops in all
PUSHING = 3072  # bytes up a relay's link: its login and account requests are less


def test_a_hub_killed_mid_relay_twenty_times_loses_and_duplicates_nothing(new_phone, region, hub_a):
    link = SlowLink(region.live.port, rate=32 * 1024)
    hub_a.env["LUMBUNG_UPSTREAM_URL"] = link.url
    phones = [new_phone().at(hub_a) for _ in range(3)]
    written = []
    # Each kill lands a random moment after a push began to go up (more than the login and the
    # accounts' requests passed the link). Mid-push: some of the ops still wait for their answers.
    chance = random.Random(18)
    landed = {"mid-push": 0, "after the push": 0}
    try:
        for round_ in range(KILLS):
            phone = phones[round_ % len(phones)]
            written.append(phone.seed(DESA_A, movements=MOVEMENTS, qty="0.5"))
            phone.sync()
            sent = link.upward
            relay = hub_a.relay_process()
            wait_until(lambda r=relay, s=sent: r.poll() is not None or link.upward > s + PUSHING, poll=0.01)
            time.sleep(chance.uniform(0, 0.5))
            kill_group(relay)
            landed["mid-push" if hub_a.waiting_ops() else "after the push"] += 1
    finally:
        link.close()
    print(f"\n[hub relay] {KILLS} kills with SIGKILL: {landed}")
    assert landed["mid-push"] >= KILLS // 4

    hub_a.env["LUMBUNG_UPSTREAM_URL"] = region.live.url
    hub_a.relay()
    ops = all_ops(*(ops for _, ops in written))
    assert hub_a.waiting_ops() == []
    assert len(hub_a.relay_ops()) == len(ops)
    answers = collections.Counter(row["status"] for row in hub_a.relay_ops())
    print(f"[hub relay] upstream's answers after the kills: {dict(answers)}")  # duplicate: an answer lost
    assert set(answers) <= {"applied", "duplicate"}
    assert region.applied(ops) == len(ops)  # every op, and (op ids are keys) each once
    for product_id, _ in written:
        assert region.stock(product_id) == (MOVEMENTS * 500, MOVEMENTS, MOVEMENTS * 500)


def test_relay_throughput(new_phone, region, hub_a):
    phone = new_phone().at(hub_a)
    phone.seed(DESA_A, movements=6000, qty="1")  # many: the two runs differ by little else
    phone.sync()
    started = time.monotonic()
    hub_a.relay()
    loaded = elapsed(started)
    started = time.monotonic()
    hub_a.relay()
    empty = elapsed(started)
    pushing = loaded - empty
    count = len(hub_a.relay_ops())
    print(f"\n[hub relay] {count} ops in {pushing:.2f} s: {count / pushing:.0f} ops/s")
    # The difference of two whole `flask hub sync` runs: the push, and the pull that takes them back.
    print(f"[hub relay] a whole `flask hub sync`: {loaded:.2f} s with them, {empty:.2f} s with none")


def test_a_relayed_op_of_an_author_out_of_the_hubs_kecamatan_is_rejected_upstream(new_phone, region, hub_a):
    phone_number, user_id = region.account("facilitator", KEC_A)
    hub_a.relay()  # hub A learns the facilitator
    phone = new_phone(phone_number).at(hub_a)
    region.move(user_id, KEC_B)  # upstream, the facilitator now works in Kec. Margahayu
    product_id, ops = phone.seed(DESA_A, movements=2)
    phone.sync()  # hub A has not heard: it applies them
    assert phone.replica.rejected() == []

    hub_a.relay()
    rows = [row for row in hub_a.relay_ops() if row["op_id"] in set(all_ops(ops))]
    assert len(rows) == len(ops)
    assert {(row["status"], row["device_id"], row["user_id"]) for row in rows} == {
        ("rejected", phone.device_id, user_id)
    }
    assert rows[0]["error"]["code"] == "forbidden"
    assert region.applied(all_ops(ops)) == 0
    assert region.stock(product_id) == (None, 0, 0)
    phone.sync()  # the hub gives the phone what upstream rejected
    assert {op["op_id"] for op in phone.replica.rejected()} == set(all_ops(ops))


def test_a_hub_account_cannot_write_outside_its_kecamatan(new_phone, region, hub_a):
    admin = new_phone(ADMIN_PHONE)  # of Kab. Bandung: both kecamatan are in its scope
    author = {"user_id": admin.user["id"], "device_id": admin.device_id}
    as_hub = HttpTransport(region.live.url)
    as_hub.login(hub_a.phone, PIN, str(uuid.uuid4()))

    def relayed(desa, **extra):
        fields = {"name": "Pak Ujang", "kind": "individual", "village_code": desa}
        op = {**admin.replica.upsert("producer", str(uuid.uuid4()), fields), **extra}
        status, body = as_hub("POST", "/api/v1/sync/push", body={"device_id": str(uuid.uuid4()), "ops": [op]})
        assert status == 200, body
        result = body["results"][0]
        return result["status"], result.get("error", {}).get("code")

    try:
        assert relayed(DESA_A, author=author) == ("applied", None)
        assert relayed(DESA_B, author=author) == ("rejected", "forbidden")
        itself = {"user_id": hub_a.user_id, "device_id": str(uuid.uuid4())}
        assert relayed(DESA_B, author=itself) == ("rejected", "forbidden")  # nor as itself
        assert relayed(DESA_A, author=itself) == ("rejected", "forbidden")  # a hub writes nothing of its own
        assert relayed(DESA_B) == ("rejected", "validation_error")  # its every op names an author
    finally:
        as_hub.close()
