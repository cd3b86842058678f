"""A hub's push (SYNC-CONTRACT 1.1, Relay): its devices' ops, each checked and written as its author's.

The hub is the server at the office of Kec. Margaasih (32.04.10); it relays what the phones that
synced with it sent, each op naming {"user_id", "device_id"} of the account and device that made it.
"""

import uuid

import jwt
import pytest
from sqlalchemy import select

from server.engine.models import AppliedOp, Conflict, Device, Producer, StockMovement
from server.extensions import db
from sync.ids import device_session_id
from tests.conftest import Headers
from tests.helpers import Device as Phone
from tests.helpers import movement_fields, new_id, producer_fields, product_fields
from tests.server.api.test_hub_keys import Hub, claims_of

KECAMATAN = "32.04.10"  # Kec. Margaasih
VILLAGE = "32.04.10.2001"  # Margaasih
NEIGHBOUR = "32.04.10.2002"  # Lagadar, the same kecamatan
ELSEWHERE = "32.04.05.2001"  # Cileunyi Kulon, Kec. Cileunyi


def signed_in(accounts, number, pin="246810"):
    """A phone of an account, logged in directly: a device the regional server knows."""
    device_id = new_id()
    body = accounts.login(number, pin=pin, device_id=device_id)
    headers = Headers({"Authorization": "Bearer " + body["access_token"]})
    headers.user = body["user"]
    phone = Phone(accounts.client, headers)
    phone.device_id = device_id
    return phone


def phone_of(accounts, role, regions, **kwargs):
    """A phone of a new account, logged in directly."""
    return signed_in(accounts, accounts.make(role, regions, **kwargs))


@pytest.fixture
def hub(accounts):
    """The hub of Kec. Margaasih (made by the admin of 32.04, with its own key) signed in upstream:
    a phone whose pushes are relays; `.account` is the Hub."""
    account = Hub(accounts.client, accounts.headers(role="admin", regions=("32.04",)))
    device = signed_in(accounts, account.account["phone"], pin="135790")
    device.account = account
    return device


@pytest.fixture
def facilitator(accounts):
    """A facilitator of the desa Margaasih, who synced directly before."""
    return phone_of(accounts, "facilitator", (VILLAGE,))


@pytest.fixture
def producer(accounts):
    """A producer of Margaasih, who synced directly before."""
    return phone_of(accounts, "producer", (VILLAGE,), phone="+6281299990001")


def by(phone, op, device_id=None):
    """The op as a hub relays it: naming the account and device that made it."""
    return {**op, "author": {"user_id": phone.headers.user["id"], "device_id": device_id or phone.device_id}}


def relay(hub, *ops):
    """The hub pushes ops; answers their results."""
    return hub.push(*ops)["results"]


def statuses(results):
    return [r["status"] if r["status"] != "rejected" else r["error"]["code"] for r in results]


def stored(app, model, **where):
    with app.app_context():
        return db.session.scalars(select(model).filter_by(**where)).all()


def test_ops_of_a_producer_and_a_facilitator_apply_written_as_their_authors(app, hub, facilitator, producer):
    producer_id, product_id, movement_id = new_id(), new_id(), new_id()
    made = facilitator.op("producer", producer_id, producer_fields(phone="+6281299990001"))
    product = producer.op("product", product_id, product_fields(producer_id))
    movement = producer.op("stock_movement", movement_id, movement_fields(product_id, "12"))
    movement["op_id"] = movement_id  # self-keyed, as devices send movements
    results = relay(hub, by(facilitator, made), by(producer, product), by(producer, movement))
    assert statuses(results) == ["applied"] * 3
    facilitator_id, producer_account_id = facilitator.headers.user["id"], producer.headers.user["id"]
    assert stored(app, Producer, id=producer_id)[0].created_by == facilitator_id
    assert stored(app, StockMovement, id=movement_id)[0].created_by == producer_account_id
    applied = {a.op_id: a.user_id for a in stored(app, AppliedOp)}
    assert applied == {made["op_id"]: facilitator_id, product["op_id"]: producer_account_id}
    pulled = {c["entity"]: c["data"] for c in producer.pull_all()}
    assert pulled["product"]["created_by"] == producer_account_id
    assert pulled["stock_movement"]["qty"] == "12"


def test_a_value_that_lost_is_kept_as_the_authors_conflict(app, hub, facilitator):
    producer_id = new_id()
    later = facilitator.op("producer", producer_id, producer_fields(), at=facilitator.start_ms + 60_000)
    assert facilitator.statuses(later) == ["applied"]
    older = facilitator.op("producer", producer_id, {"name": "Bu Sri"}, at=facilitator.start_ms)
    assert statuses(relay(hub, by(facilitator, older))) == ["applied"]
    [conflict] = stored(app, Conflict, entity_id=producer_id)
    assert (conflict.user_id, conflict.device_id) == (facilitator.headers.user["id"], facilitator.device_id)


def test_an_author_outside_the_kecamatan_is_forbidden(accounts, hub):
    # Cileunyi's facilitator: neither its own desa is the hub's, nor the hub's desa its own.
    outsider = phone_of(accounts, "facilitator", (ELSEWHERE,))
    for village in (ELSEWHERE, VILLAGE):
        op = outsider.op("producer", new_id(), producer_fields(village_code=village))
        assert statuses(relay(hub, by(outsider, op))) == ["forbidden"]


def test_an_author_whose_scope_misses_the_record_is_forbidden_though_the_hubs_holds_it(hub, facilitator):
    op = facilitator.op("producer", new_id(), producer_fields(village_code=NEIGHBOUR))
    assert statuses(relay(hub, by(facilitator, op))) == ["forbidden"]


def test_a_producer_author_writes_only_its_own_records(hub, facilitator, producer):
    producer_id = new_id()
    facilitator.push(facilitator.op("producer", producer_id, producer_fields()))  # another phone's producer
    product = producer.op("product", new_id(), product_fields(producer_id))
    registered = producer.op("producer", new_id(), producer_fields(phone="+6281299990001"))
    assert statuses(relay(hub, by(producer, product), by(producer, registered))) == ["forbidden"] * 2


def test_an_author_the_hub_may_not_be_is_forbidden(accounts, hub):
    # An admin reviews, but not through a hub: a hub writes no review.
    reviewer = phone_of(accounts, "admin", (KECAMATAN,))
    product_id = new_id()
    producer_id = new_id()
    reviewer.push(
        reviewer.op("producer", producer_id, producer_fields()),
        reviewer.op("product", product_id, product_fields(producer_id)),
    )
    review = reviewer.op("review", new_id(), {"product_id": product_id, "decision": "approved"})
    assert statuses(relay(hub, by(reviewer, review))) == ["forbidden"]
    other_hub = Hub(accounts.client, hub.account.admin, regions=("32.04.05",), phone="081277770001")
    op = hub.op("producer", new_id(), producer_fields())
    relayed = {**op, "author": {"user_id": other_hub.id, "device_id": new_id()}}
    nobody = {**op, "op_id": new_id(), "author": {"user_id": new_id(), "device_id": new_id()}}
    assert statuses(relay(hub, relayed, nobody)) == ["forbidden"] * 2


def test_a_revoked_author_device_is_device_revoked(accounts, client, hub, facilitator):
    colleague = phone_of(accounts, "facilitator", (VILLAGE,))
    revoked = client.post(f"/api/v1/devices/{facilitator.device_id}/revoke", headers=facilitator.headers)
    assert revoked.status_code == 200, revoked.get_json()
    op = facilitator.op("producer", new_id(), producer_fields())
    other = colleague.op("producer", new_id(), producer_fields())
    [refused, applied] = relay(hub, by(facilitator, op), by(colleague, other))
    assert refused["error"]["code"] == "device_revoked"
    assert refused["error"]["message"] == "Perangkat ini sudah dicabut aksesnya."
    assert applied["status"] == "applied"  # the push's other ops are judged apart, as always


def test_a_device_first_seen_through_the_hub_is_registered_for_its_author(app, client, hub, facilitator, producer):
    producer_id = new_id()
    facilitator.push(facilitator.op("producer", producer_id, producer_fields(phone="+6281299990001")))
    new_phone = str(uuid.uuid4())  # enrolled at the hub, never online
    op = producer.op("product", new_id(), product_fields(producer_id))
    assert statuses(relay(hub, by(producer, op, new_phone))) == ["applied"]
    user_id = producer.headers.user["id"]
    [row] = stored(app, Device, device_id=new_phone)
    assert (row.id, row.user_id, row.revoked_at) == (device_session_id(user_id, new_phone), user_id, None)
    listed = client.get("/api/v1/devices", headers=producer.headers).get_json()
    assert new_phone in [d["device_id"] for d in listed]
    # The token the hub signed for that phone holds here too: its session is the registered device.
    claims = {**claims_of(producer.headers["Authorization"].split()[1]), "dev": row.id}
    token = jwt.encode(claims, hub.account.private, algorithm="EdDSA", headers={"kid": hub.account.id})
    assert client.get("/api/v1/sync/pull", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    # Revoked here, it is refused on the next relay.
    assert client.post(f"/api/v1/devices/{new_phone}/revoke", headers=producer.headers).status_code == 200
    again = producer.op("product", new_id(), product_fields(producer_id))
    assert statuses(relay(hub, by(producer, again, new_phone))) == ["device_revoked"]


def test_an_unknown_device_of_an_account_beyond_the_kecamatan_is_forbidden(accounts, app, hub):
    # Its regions reach beyond Margaasih: the hub may not vouch for a device of it.
    wide = phone_of(accounts, "facilitator", (VILLAGE, ELSEWHERE))
    op = wide.op("producer", new_id(), producer_fields())
    assert statuses(relay(hub, by(wide, op, device_id=str(uuid.uuid4())))) == ["forbidden"]
    assert statuses(relay(hub, by(wide, op))) == ["applied"]  # its own device, known here
    assert len(stored(app, Device, user_id=wide.headers.user["id"])) == 1


def test_an_op_direct_then_relayed_or_relayed_then_direct_applies_once(app, hub, facilitator):
    producer_id, product_id = new_id(), new_id()
    first = facilitator.op("producer", producer_id, producer_fields())
    assert facilitator.statuses(first) == ["applied"]
    assert statuses(relay(hub, by(facilitator, first))) == ["duplicate"]
    second = facilitator.op("product", product_id, product_fields(producer_id))
    movement_id = new_id()
    movement = {**facilitator.op("stock_movement", movement_id, movement_fields(product_id)), "op_id": movement_id}
    assert statuses(relay(hub, by(facilitator, second), by(facilitator, movement))) == ["applied"] * 2
    assert facilitator.statuses(second, movement) == ["duplicate"] * 2
    assert statuses(relay(hub, by(facilitator, second), by(facilitator, movement))) == ["duplicate"] * 2
    assert len(stored(app, StockMovement, product_id=product_id)) == 1


def test_every_op_of_a_hubs_push_names_its_author(hub, facilitator):
    op = facilitator.op("producer", new_id(), producer_fields())
    broken = {**by(facilitator, facilitator.op("producer", new_id(), producer_fields())), "author": {"user_id": "x"}}
    [missing, bad, fine] = relay(
        hub, op, broken, by(facilitator, facilitator.op("producer", new_id(), producer_fields()))
    )
    assert missing["error"]["code"] == "validation_error"
    assert missing["error"]["details"]["fields"]["author"]["code"] == "required"
    assert set(bad["error"]["details"]["fields"]) == {"author.user_id", "author.device_id"}
    assert fine["status"] == "applied"


def test_no_other_account_names_an_author(facilitator, producer):
    plain = facilitator.op("producer", new_id(), producer_fields())
    named = by(producer, facilitator.op("producer", new_id(), producer_fields()))
    [applied, refused] = facilitator.push(plain, named)["results"]
    assert applied["status"] == "applied"
    assert refused["error"]["code"] == "validation_error"
    assert refused["error"]["details"]["fields"]["author"]["code"] == "relayed_only"
