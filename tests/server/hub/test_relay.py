"""A hub's relay cycle: its devices' ops go upstream once, and upstream's kecamatan comes into its copy."""

import pytest
from sqlalchemy import func, select

from server.engine import hub_state, outbox
from server.engine.models import Product, ProductStock, RelayOp, StockMovement, User
from server.extensions import db
from server.hub import relay
from server.hub.relay import Upstream, cycle
from tests.conftest import Headers
from tests.helpers import Device, movement_fields, new_id, producer_fields, product_fields

from .conftest import KECAMATAN, AppTransport

DESA = KECAMATAN + ".2001"


@pytest.fixture
def upstream(app, hub_app, accounts):
    """The regional server as the hub calls it, with the hub's account there."""
    phone = accounts.make(
        role="hub", regions=(KECAMATAN,), phone=hub_app.config["HUB_PHONE"], pin=hub_app.config["HUB_PIN"]
    )
    assert phone
    return Upstream("", hub_app.config["HUB_PHONE"], hub_app.config["HUB_PIN"], new_id(), transport=AppTransport(app))


@pytest.fixture
def regional_device(client, accounts):
    """A facilitator's phone syncing with the regional server."""
    return Device(client, accounts.headers(role="facilitator", regions=(KECAMATAN,)))


def hub_device(hub_app, accounts, upstream):
    """A facilitator's phone that signed in at the regional server once, and now syncs at the hub."""
    phone_id = new_id()
    body = accounts.login(accounts.make(role="facilitator", regions=(KECAMATAN,)), device_id=phone_id)
    run_cycle(hub_app, upstream)  # the hub learns the region's keys and the account
    headers = Headers({"Authorization": "Bearer " + body["access_token"]})
    headers.user, headers.tokens = body["user"], body
    device = Device(hub_app.test_client(), headers)
    device.device_id = phone_id
    return device


def run_cycle(hub_app, upstream):
    with hub_app.app_context():
        return cycle(upstream)


def seed(device, movements=3):
    producer_id, product_id = new_id(), new_id()
    ops = [
        device.op("producer", producer_id, producer_fields(village_code=DESA)),
        device.op("product", product_id, product_fields(producer_id)),
        *(device.op("stock_movement", new_id(), movement_fields(product_id, "2.5")) for _ in range(movements)),
    ]
    device.push(*ops)
    return producer_id, product_id


def test_a_cycle_takes_the_kecamatan_into_the_hubs_copy_with_its_stock(hub_app, upstream, regional_device):
    _, product_id = seed(regional_device)
    report = run_cycle(hub_app, upstream)
    assert (report.pushed, report.pulled) == (0, 5)
    with hub_app.app_context():
        assert db.session.get(Product, product_id).village_code == DESA
        assert db.session.get(ProductStock, product_id).stock_milli == 7500
        assert db.session.scalar(select(db.func.count()).select_from(StockMovement)) == 3


def test_taking_the_same_changes_again_changes_nothing(hub_app, upstream, regional_device):
    seed(regional_device)
    run_cycle(hub_app, upstream)
    with hub_app.app_context():
        hub_state.remember("cursor", None)  # as if the last page's cursor was never stored
        db.session.commit()
        before = db.session.execute(select(StockMovement.id, StockMovement.seq)).all()
    assert run_cycle(hub_app, upstream).pulled == 5
    with hub_app.app_context():
        assert db.session.scalar(select(ProductStock.stock_milli)) == 7500
        assert db.session.execute(select(StockMovement.id, StockMovement.seq)).all() == before


def test_an_edit_upstream_reaches_the_hubs_devices(hub_app, upstream, regional_device, accounts):
    _, product_id = seed(regional_device, movements=0)
    run_cycle(hub_app, upstream)
    regional_device.push(regional_device.op("product", product_id, {"name": "Kopi Arabika Gayo"}))
    run_cycle(hub_app, upstream)
    at_the_hub = hub_device(hub_app, accounts, upstream)
    pulled = {c["entity_id"]: c for c in at_the_hub.pull_all()}
    assert pulled[product_id]["data"]["name"] == "Kopi Arabika Gayo"


def test_ops_made_at_the_hub_go_upstream_once_even_when_their_answer_was_lost(
    hub_app, upstream, regional_device, accounts
):
    at_the_hub = hub_device(hub_app, accounts, upstream)
    producer_id, product_id = seed(at_the_hub, movements=2)
    assert run_cycle(hub_app, upstream).pushed == 4
    with hub_app.app_context():
        assert outbox.waiting() == 0
        db.session.execute(RelayOp.__table__.update().values(answered_at=None, status=None))
        db.session.commit()  # as if the hub went off before it stored upstream's answers
    report = run_cycle(hub_app, upstream)
    assert report.pushed == 4
    with hub_app.app_context():
        assert {row.status for row in db.session.query(RelayOp)} == {"duplicate"}
    pulled = {c["entity_id"]: c for c in regional_device.pull_all()}
    assert pulled[product_id]["data"]["producer_id"] == producer_id
    assert sum(c["entity"] == "stock_movement" for c in pulled.values()) == 2


def test_upstream_ops_name_their_author_not_the_hub(hub_app, upstream, regional_device, accounts):
    at_the_hub = hub_device(hub_app, accounts, upstream)
    _, product_id = seed(at_the_hub, movements=1)
    run_cycle(hub_app, upstream)
    pulled = {c["entity_id"]: c for c in regional_device.pull_all()}
    assert pulled[product_id]["data"]["created_by"] == at_the_hub.headers.user["id"]


def test_the_hub_holds_no_pin_so_without_internet_no_phone_signs_in_there(hub_app, upstream, accounts):
    phone = accounts.make(role="facilitator", regions=(KECAMATAN,))
    run_cycle(hub_app, upstream)
    answer = hub_app.test_client().post(
        "/api/v1/auth/login", json={"phone": phone, "pin": "246810", "device_id": new_id()}
    )
    assert answer.status_code == 503 and answer.get_json()["error"]["code"] == "upstream_unreachable"
    with hub_app.app_context():
        assert {row.pin_hash for row in db.session.query(User)} == {"!"}


def test_a_device_revoked_upstream_is_refused_at_the_hub_after_the_next_cycle(hub_app, upstream, accounts, client):
    at_the_hub = hub_device(hub_app, accounts, upstream)
    producer_id = new_id()
    at_the_hub.push(at_the_hub.op("producer", producer_id, producer_fields(village_code=DESA)))
    bearer = {"Authorization": "Bearer " + at_the_hub.headers.tokens["access_token"]}
    assert client.post(f"/api/v1/devices/{at_the_hub.device_id}/revoke", headers=bearer).status_code == 200
    at_the_hub.pull_all()  # still served: the hub has not heard yet
    run_cycle(hub_app, upstream)
    answer = at_the_hub.client.get("/api/v1/sync/pull", headers=at_the_hub.headers)
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "device_revoked"


def test_a_product_deleted_upstream_before_the_hub_took_it_leaves_the_pull_going(hub_app, upstream, regional_device):
    _, product_id = seed(regional_device, movements=1)
    regional_device.push(regional_device.op("product", product_id, None, action="delete"))
    assert run_cycle(hub_app, upstream).pulled == 3
    _, kept_id = seed(regional_device, movements=2)
    assert run_cycle(hub_app, upstream).pulled == 4
    with hub_app.app_context():
        assert db.session.get(Product, product_id) is None
        assert dict(db.session.execute(select(ProductStock.product_id, ProductStock.stock_milli)).all()) == {
            kept_id: 5000
        }


def test_movements_pulled_before_their_product_count_in_its_stock(hub_app, upstream, regional_device, monkeypatch):
    _, product_id = seed(regional_device, movements=3)
    regional_device.push(regional_device.op("product", product_id, {"name": "Kopi Arabika Gayo"}))
    monkeypatch.setattr(relay, "PULL_LIMIT", 2)  # the product, changed last, comes in the last page
    assert run_cycle(hub_app, upstream).pulled == 5
    with hub_app.app_context():
        assert db.session.get(ProductStock, product_id).stock_milli == 7500


def test_ops_on_a_producer_the_hub_has_not_taken_yet_are_left_for_upstream_to_judge(
    hub_app, upstream, regional_device, accounts
):
    at_the_hub = hub_device(hub_app, accounts, upstream)
    producer_id, product_id = new_id(), new_id()
    regional_device.push(regional_device.op("producer", producer_id, producer_fields(village_code=DESA)))
    product = at_the_hub.op("product", product_id, product_fields(producer_id))
    harvest = at_the_hub.op("stock_movement", new_id(), movement_fields(product_id, "4"))
    answer = at_the_hub.push(product, harvest)
    assert [r["status"] for r in answer["results"]] == ["applied", "applied"]
    renamed = at_the_hub.push(at_the_hub.op("product", product_id, {"name": "Kopi Luwak"}))  # a later push
    assert renamed["results"][0]["status"] == "applied"
    assert at_the_hub.push(product)["results"][0]["status"] == "applied"  # sent again: kept once
    run_cycle(hub_app, upstream)
    with hub_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RelayOp)) == 3
        assert db.session.get(Product, product_id).name == "Kopi Luwak"  # came back from upstream
        assert db.session.get(ProductStock, product_id).stock_milli == 4000
    pulled = {c["entity_id"]: c for c in regional_device.pull_all()}
    assert pulled[product_id]["data"]["name"] == "Kopi Luwak"
