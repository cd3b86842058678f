"""The Python sync client (Replica) against a tiny in-memory server that speaks the contract."""

import copy
import sqlite3
import threading

import pytest
import sqlite_utils

from sync import client as client_module
from sync.client import Replica, SyncError, TransportError
from sync.hlc import format_hlc, parse_hlc

T = 1764230400000
DEVICE = "d0d0d0d0-0000-4000-8000-000000000001"
P1 = "11111111-1111-4111-8111-111111111111"
P2 = "22222222-2222-4222-8222-222222222222"
P3 = "33333333-3333-4333-8333-333333333333"


class FakeServer:
    """Push and pull of the contract over a dict, with failures on demand.

    `fail` is a queue, one entry per coming request: None answers, "before" raises TransportError
    without doing anything, "after" does the work and then loses the answer.
    """

    def __init__(self):
        self.records = {}  # (entity, id) -> {"data", "deleted", "seq"}
        self.seq = 0
        self.seen = set()
        self.applied = []  # op ids, in the order they were applied
        self.reject = {}  # entity_id -> error code
        self.hlc = format_hlc(T, 0, "server")
        self.fail = []
        self.reset_next = False
        self.requests = []

    def __call__(self, method, path, params=None, body=None):
        self.requests.append(
            {"method": method, "path": path, "params": copy.deepcopy(params), "body": copy.deepcopy(body)}
        )
        mode = self.fail.pop(0) if self.fail else None
        if mode == "before":
            raise TransportError("network down")
        if method == "POST" and path == "/api/v1/sync/push":
            answer = self._push(body)
        elif method == "GET" and path == "/api/v1/sync/pull":
            answer = self._pull(params)
        else:
            answer = (404, {"error": {"code": "not_found", "message": "", "details": {}}})
        if mode == "after":
            raise TransportError("answer lost")
        return answer

    def put(self, entity, entity_id, data, deleted=False):
        """A change made elsewhere (another device): the whole current state of a record."""
        self.seq += 1
        self.records[(entity, entity_id)] = {"data": {"id": entity_id, **data}, "deleted": deleted, "seq": self.seq}

    def pushed_op_ids(self):
        return [op["op_id"] for r in self.requests if r["method"] == "POST" for op in r["body"]["ops"]]

    def pull_cursors(self):
        return [r["params"].get("cursor") for r in self.requests if r["method"] == "GET"]

    def _push(self, body):
        results = []
        for op in body["ops"]:
            if op["op_id"] in self.seen:
                results.append({"op_id": op["op_id"], "status": "duplicate"})
            elif op["entity_id"] in self.reject:
                error = {"code": self.reject[op["entity_id"]], "message": "Tidak boleh", "details": {}}
                results.append({"op_id": op["op_id"], "status": "rejected", "error": error})
            else:
                self.seen.add(op["op_id"])
                self.applied.append(op["op_id"])
                key = (op["entity"], op["entity_id"])
                current = self.records.get(key, {"data": {}, "deleted": False})
                data = {**current["data"], **op["fields"]}
                self.put(*key, data, deleted=current["deleted"] or op["action"] == "delete")
                results.append({"op_id": op["op_id"], "status": "applied"})
        return 200, {"results": results, "hlc": self.hlc}

    def _pull(self, params):
        after, reset = int(params.get("cursor") or 0), False
        if self.reset_next:
            after, reset, self.reset_next = 0, True, False
        changed = sorted((r["seq"], key, r) for key, r in self.records.items() if r["seq"] > after)
        page = changed[: params["limit"]]
        changes = []
        for _, (entity, entity_id), record in page:
            change = {"entity": entity, "entity_id": entity_id, "action": "delete" if record["deleted"] else "upsert"}
            if not record["deleted"]:
                change["data"] = copy.deepcopy(record["data"])
            changes.append(change)
        cursor = str(page[-1][0] if page else after)
        body = {"changes": changes, "cursor": cursor, "more": len(changed) > len(page), "reset": reset, "hlc": self.hlc}
        return 200, body


@pytest.fixture
def server():
    return FakeServer()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def replica(server, sleeps):
    return Replica(
        sqlite_utils.Database(memory=True), device_id=DEVICE, transport=server, now=lambda: T, sleep=sleeps.append
    )


def product(name="Kopi Arabika", **fields):
    return {"producer_id": P3, "name": name, "category": "coffee", "unit": "kg", **fields}


# -- local writes -------------------------------------------------------------------------------


def test_a_local_write_goes_to_the_record_and_the_outbox(replica):
    op = replica.upsert("product", P1, product())
    assert replica.records() == {("product", P1): {"id": P1, **product()}}
    assert replica.pending() == [op]
    assert op["hlc"] == format_hlc(T, 0, DEVICE)
    assert replica.upsert("product", P1, {"price_idr": 50000})["hlc"] == format_hlc(T, 1, DEVICE)
    assert replica.records()[("product", P1)]["price_idr"] == 50000


def test_the_outbox_and_the_record_are_written_atomically(replica, monkeypatch):
    op = replica.upsert("product", P1, product("Kopi"))
    # The next op reuses the op id, so its outbox row cannot be written.
    monkeypatch.setattr(client_module, "op_id_for", lambda *args: op["op_id"])
    with pytest.raises(sqlite3.IntegrityError):
        replica.upsert("product", P1, {"name": "Kopi Luwak"})
    assert replica.records()[("product", P1)]["name"] == "Kopi"
    assert replica.pending() == [op]


def test_a_local_delete(replica):
    replica.upsert("product", P1, product())
    replica.delete("product", P1)
    assert replica.records() == {}
    assert replica.records(include_deleted=True) == {("product", P1): {"id": P1, **product()}}
    assert [op["action"] for op in replica.pending()] == ["upsert", "delete"]


def test_records_of_one_entity(replica):
    replica.upsert("product", P1, product())
    replica.upsert("producer", P3, {"name": "Tani Makmur"})
    assert list(replica.records("producer")) == [("producer", P3)]


def test_the_device_id_and_clock_survive_a_restart(tmp_path, server):
    path = tmp_path / "device.db"
    first = Replica(sqlite_utils.Database(path), transport=server, now=lambda: T)
    op = first.upsert("product", P1, product())
    first.db.conn.close()
    again = Replica(sqlite_utils.Database(path), transport=server, now=lambda: T - 5000)
    assert again.device_id == first.device_id
    assert again.pending() == [op]
    assert again.upsert("product", P1, {"price_idr": 1})["hlc"] > op["hlc"]


# -- push ---------------------------------------------------------------------------------------


def test_push_sends_the_outbox_in_order_and_removes_what_was_applied(replica, server):
    ops = [replica.upsert("product", P1, product()), replica.upsert("product", P2, product("Kakao"))]
    assert replica.push() == 2
    assert server.requests[0]["body"] == {"device_id": DEVICE, "ops": ops}
    assert replica.pending() == [] and replica.rejected() == []
    assert replica.push() == 0
    assert len(server.requests) == 1  # nothing to send, nothing sent


def test_push_keeps_rejected_ops_with_their_error_and_never_resends_them(replica, server):
    server.reject[P2] = "forbidden"
    replica.upsert("product", P1, product())
    refused = replica.upsert("product", P2, product("Kakao"))
    replica.upsert("product", P1, {"price_idr": 50000})
    assert replica.push() == 2
    assert replica.pending() == []
    error = {"code": "forbidden", "message": "Tidak boleh", "details": {}}
    assert replica.rejected() == [{**refused, "error": error}]
    replica.push()
    assert server.pushed_op_ids().count(refused["op_id"]) == 1


def test_a_duplicate_counts_as_accepted(replica, server):
    op = replica.upsert("product", P1, product())
    server.seen.add(op["op_id"])
    assert replica.push() == 1
    assert replica.pending() == []


def test_no_answer_keeps_everything_pending_and_a_retry_sends_the_same_op_ids(replica, server):
    ops = [replica.upsert("product", P1, product()), replica.upsert("product", P2, product("Kakao"))]
    server.fail = ["before"]
    with pytest.raises(TransportError):
        replica.push()
    assert replica.pending() == ops
    assert replica.push() == 2
    assert server.pushed_op_ids() == [op["op_id"] for op in ops] * 2
    assert len(server.seen) == 2


def test_a_lost_answer_is_retried_and_answered_duplicate(replica, server):
    ops = [replica.upsert("product", P1, product())]
    server.fail = ["after"]
    with pytest.raises(TransportError):
        replica.push()
    assert replica.pending() == ops
    seq = server.seq
    assert replica.push() == 1
    assert server.seq == seq  # applied once
    assert replica.pending() == []


def test_an_error_answer_raises_and_keeps_the_outbox(replica, server, monkeypatch):
    replica.upsert("product", P1, product())
    body = {"error": {"code": "payload_too_large", "message": "", "details": {}}}
    monkeypatch.setattr(server, "_push", lambda _: (413, body))
    with pytest.raises(SyncError) as caught:
        replica.push()
    assert (caught.value.status, caught.value.body) == (413, body)
    assert len(replica.pending()) == 1


def test_push_goes_in_batches(replica, server, monkeypatch):
    monkeypatch.setattr(client_module, "PUSH_BATCH", 2)
    ops = [replica.upsert("product", P1, {"price_idr": price}) for price in range(5)]
    assert replica.push() == 5
    assert [len(r["body"]["ops"]) for r in server.requests] == [2, 2, 1]
    assert server.pushed_op_ids() == [op["op_id"] for op in ops]


def test_a_failed_batch_keeps_the_earlier_batches_accepted(replica, server, monkeypatch):
    monkeypatch.setattr(client_module, "PUSH_BATCH", 2)
    ops = [replica.upsert("product", P1, {"price_idr": price}) for price in range(5)]
    server.fail = [None, "before"]
    with pytest.raises(TransportError):
        replica.push()
    assert replica.pending() == ops[2:]


# -- push works ahead ---------------------------------------------------------------------------


class EncodingServer(FakeServer):
    """A FakeServer whose transport encodes bodies (as HttpTransport does), noting each it encodes.

    A push waits inside the call until the batch after it is encoded: the client must encode
    ahead, while the batch before is on the wire, or the wait runs out.
    """

    def __init__(self):
        super().__init__()
        self.encoded = []  # the first op id of each body encoded
        self.sent = []  # the first op id of each body sent
        self.encoding = threading.Condition()

    def encode(self, body):
        with self.encoding:
            self.encoded.append(body["ops"][0]["op_id"])
            self.encoding.notify()
        return {"encoded": copy.deepcopy(body)}

    def __call__(self, method, path, params=None, body=None):
        if method == "POST":
            body = body["encoded"]
            self.sent.append(body["ops"][0]["op_id"])
            if len(self.sent) < len(self.batches):
                with self.encoding:
                    next_encoded = self.encoding.wait_for(lambda: len(self.encoded) > len(self.sent), timeout=5)
                assert next_encoded, "the next batch was not encoded while this one was on the wire"
        return super().__call__(method, path, params, body)


@pytest.fixture
def ahead(sleeps, monkeypatch):
    """A replica of 5 ops (a product, then its movements) in batches of 2, and its server."""
    monkeypatch.setattr(client_module, "PUSH_BATCH", 2)
    server = EncodingServer()
    replica = Replica(
        sqlite_utils.Database(memory=True), device_id=DEVICE, transport=server, now=lambda: T, sleep=sleeps.append
    )
    ops = [replica.upsert("product", P1, product())]
    ops += [replica.upsert("stock_movement", f"m{n}", {"product_id": P1, "qty": "1"}) for n in range(4)]
    server.batches = [ops[0:2], ops[2:4], ops[4:]]
    return replica, server, ops


def test_the_next_batch_is_encoded_while_one_is_on_the_wire_and_sent_after_it(ahead):
    replica, server, ops = ahead
    assert replica.push() == 5
    firsts = [batch[0]["op_id"] for batch in server.batches]
    assert server.encoded == firsts and server.sent == firsts
    assert server.applied == [op["op_id"] for op in ops]
    assert replica.pending() == []


def test_an_answer_lost_with_the_next_batch_encoded_lands_everything_once_in_order(ahead):
    replica, server, ops = ahead
    server.fail = [None, "after"]  # the second batch is applied, its answer lost; the third is encoded
    with pytest.raises(TransportError):
        replica.push()
    assert len(server.encoded) == 3 and len(server.sent) == 2  # the encoded third batch never went
    assert replica.pending() == ops[2:]
    assert replica.push() == 3
    assert server.applied == [op["op_id"] for op in ops]  # each once, in order
    assert server.pushed_op_ids() == [op["op_id"] for op in ops[:4] + ops[2:]]
    assert replica.pending() == []


def test_no_answer_with_the_next_batch_encoded_sends_nothing_after_it(ahead):
    replica, server, ops = ahead
    server.fail = ["before"]
    with pytest.raises(TransportError):
        replica.push()
    assert server.sent == [ops[0]["op_id"]] and server.applied == []
    assert replica.pending() == ops
    assert replica.sync(attempts=1) == 5
    assert server.applied == [op["op_id"] for op in ops]


# -- sync and retries ---------------------------------------------------------------------------


def test_sync_pushes_then_pulls(replica, server):
    replica.upsert("product", P1, product())
    server.put("product", P2, product("Kakao"))
    assert replica.sync() == 2
    assert [r["method"] for r in server.requests] == ["POST", "GET"]
    assert set(replica.records()) == {("product", P1), ("product", P2)}


def test_sync_retries_with_backoff_when_no_answer_comes(replica, server, sleeps):
    op = replica.upsert("product", P1, product())
    server.fail = ["before", "after"]
    replica.sync(attempts=3, base_delay=1)
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 1.5 and 1 <= sleeps[1] <= 3
    assert server.pushed_op_ids() == [op["op_id"]] * 3
    assert replica.pending() == []


def test_sync_backs_off_when_the_server_is_busy(replica, server, sleeps, monkeypatch):
    op = replica.upsert("product", P1, product())
    push = server._push
    busy = [(503, {"error": {"code": "service_unavailable", "message": "", "details": {}}})]
    monkeypatch.setattr(server, "_push", lambda body: busy.pop() if busy else push(body))
    replica.sync(attempts=3)
    assert len(sleeps) == 1
    assert server.pushed_op_ids() == [op["op_id"]] * 2
    assert replica.pending() == []


def test_sync_does_not_retry_what_retrying_cannot_fix(replica, server, sleeps, monkeypatch):
    replica.upsert("product", P1, product())
    monkeypatch.setattr(server, "_push", lambda _: (413, {"error": {"code": "payload_too_large"}}))
    with pytest.raises(SyncError):
        replica.sync(attempts=3)
    assert sleeps == []


def test_sync_gives_up_after_its_attempts(replica, server, sleeps):
    replica.upsert("product", P1, product())
    server.fail = ["before"] * 3
    with pytest.raises(TransportError):
        replica.sync(attempts=3)
    assert len(sleeps) == 2
    assert len(replica.pending()) == 1


# -- pull ---------------------------------------------------------------------------------------


def test_pull_follows_the_pages(replica, server):
    for i in range(5):
        server.put("product", f"00000000-0000-4000-8000-00000000000{i}", product(f"P{i}"))
    assert replica.pull(limit=2) == 5
    assert server.pull_cursors() == [None, "2", "4"]
    assert [r["params"]["limit"] for r in server.requests] == [2, 2, 2]
    assert len(replica.records()) == 5
    assert replica.meta("cursor") == "5"


def test_pull_resumes_from_the_saved_cursor(replica, server):
    for i in range(5):
        server.put("product", f"00000000-0000-4000-8000-00000000000{i}", product(f"P{i}"))
    server.fail = [None, "before"]
    with pytest.raises(TransportError):
        replica.pull(limit=2)
    assert replica.meta("cursor") == "2"
    assert len(replica.records()) == 2
    assert replica.pull(limit=2) == 3
    assert server.pull_cursors() == [None, "2", "2", "4"]
    assert len(replica.records()) == 5


def test_a_pull_with_nothing_new(replica, server):
    server.put("product", P1, product())
    replica.pull()
    assert replica.pull() == 0
    assert server.pull_cursors() == [None, "1"]
    assert replica.meta("cursor") == "1"


def test_pulled_state_replaces_the_record(replica, server):
    server.put("product", P1, product(description="Enak"))
    replica.pull()
    server.put("product", P1, product("Kopi Luwak"))
    replica.pull()
    assert replica.records()[("product", P1)] == {"id": P1, **product("Kopi Luwak")}


def test_a_pulled_delete_removes_the_record(replica, server):
    server.put("product", P1, product())
    replica.pull()
    server.put("product", P1, product(), deleted=True)
    replica.pull()
    assert replica.records() == {}


def test_pending_ops_are_replayed_on_top_of_pulled_state(replica, server):
    server.put("product", P1, product("Kopi", price_idr=100))
    replica.pull()
    op = replica.upsert("product", P1, {"name": "Kopi Lokal"})
    server.put("product", P1, product("Kopi Server", price_idr=200, hs_code="09011110"))
    replica.pull()
    assert replica.records()[("product", P1)] == {"id": P1, **product("Kopi Lokal", price_idr=200, hs_code="09011110")}
    assert replica.pending() == [op]


def test_a_pending_edit_does_not_revive_a_record_deleted_elsewhere(replica, server):
    server.put("product", P1, product())
    replica.pull()
    replica.upsert("product", P1, {"name": "Kopi Lokal"})
    server.put("product", P1, product(), deleted=True)
    replica.pull()
    assert replica.records() == {}


def test_a_rejected_edit_is_undone_by_the_next_pull(replica, server):
    server.put("product", P1, product("Kopi"))
    replica.pull()
    server.reject[P1] = "forbidden"
    replica.upsert("product", P1, {"name": "Kopi Palsu"})
    replica.push()
    server.put("product", P1, product("Kopi"))
    replica.pull()
    assert replica.records()[("product", P1)]["name"] == "Kopi"
    assert len(replica.rejected()) == 1


def test_a_page_that_fails_half_way_is_not_taken_at_all(replica, server, monkeypatch):
    server.put("product", P1, product("A"))
    replica.pull()
    broken = {"entity": "product", "action": "upsert", "data": {}}  # no entity_id
    page = {"changes": [{"entity": "product", "entity_id": P2, "action": "upsert", "data": product("B")}, broken]}
    page |= {"cursor": "9", "more": False, "reset": True, "hlc": server.hlc}
    monkeypatch.setattr(server, "_pull", lambda _: (200, page))
    with pytest.raises(KeyError):
        replica.pull()
    assert replica.records() == {("product", P1): {"id": P1, **product("A")}}
    assert replica.meta("cursor") == "1"


def test_a_reset_drops_what_is_not_pending(replica, server):
    server.put("product", P1, product("A"))
    server.put("product", P2, product("B"))
    replica.pull()
    replica.upsert("product", P2, {"name": "B lokal"})
    replica.upsert("product", P3, product("C"))
    # The account's scope changed: P1 is no longer visible, the feed starts over.
    del server.records[("product", P1)]
    server.reset_next = True
    replica.pull()
    assert server.requests[-1]["params"]["cursor"] == "2"
    records = replica.records(include_deleted=True)
    assert set(records) == {("product", P2), ("product", P3)}
    assert records[("product", P2)]["name"] == "B lokal"
    assert records[("product", P3)]["name"] == "C"


# -- the clock ----------------------------------------------------------------------------------


def test_the_clock_passes_the_hlc_a_push_answers_with(replica, server):
    server.hlc = format_hlc(T + 3_600_000, 7, "server")
    replica.upsert("product", P1, product())
    replica.push()
    assert replica.upsert("product", P1, {"price_idr": 1})["hlc"] > server.hlc


def test_the_clock_passes_the_hlc_a_pull_answers_with(replica, server):
    server.hlc = format_hlc(T + 3_600_000, 7, "server")
    replica.pull()
    stamp = replica.upsert("product", P1, product())["hlc"]
    assert stamp > server.hlc
    assert parse_hlc(stamp)[2] == DEVICE


def test_the_clock_passes_a_pulled_hlc_after_a_restart(tmp_path, server):
    path = tmp_path / "device.db"
    server.hlc = format_hlc(T + 3_600_000, 7, "server")
    Replica(sqlite_utils.Database(path), device_id=DEVICE, transport=server, now=lambda: T).pull()
    again = Replica(sqlite_utils.Database(path), transport=server, now=lambda: T)
    assert again.upsert("product", P1, product())["hlc"] > server.hlc


def test_a_cursor_the_server_refuses_is_dropped_and_the_pull_starts_over_once(replica, server, monkeypatch):
    server.put("product", P1, product("A"))
    server.put("product", P2, product("B"))
    replica.pull()
    replica.upsert("product", P3, product("C"))
    # Another server (a hub, then the region) or a new cursor secret: this cursor means nothing here.
    del server.records[("product", P1)]
    pull = server._pull
    refused = (400, {"error": {"code": "invalid_cursor", "message": "Kursor tidak sah", "details": {}}})
    monkeypatch.setattr(server, "_pull", lambda params: refused if params.get("cursor") == "2" else pull(params))
    assert replica.pull() == 1
    assert server.pull_cursors()[-2:] == ["2", None]
    assert set(replica.records()) == {("product", P2), ("product", P3)}  # P1 dropped as on a reset
    assert replica.meta("cursor") == "2"


def test_a_cursor_refused_again_from_the_beginning_raises(replica, server, monkeypatch):
    replica.set_meta("cursor", "7")
    refused = (400, {"error": {"code": "invalid_cursor", "message": "", "details": {}}})
    monkeypatch.setattr(server, "_pull", lambda params: refused)
    with pytest.raises(SyncError):
        replica.pull()
    assert server.pull_cursors() == ["7", None]
    other = (400, {"error": {"code": "validation_error", "message": "", "details": {}}})
    monkeypatch.setattr(server, "_pull", lambda params: other)
    with pytest.raises(SyncError):
        replica.pull()
    assert server.pull_cursors() == ["7", None, "7"]  # only an invalid cursor starts over
