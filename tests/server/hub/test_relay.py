"""A hub's relay cycle: its devices' ops go upstream once, and upstream's kecamatan comes into its copy."""

import pytest
from sqlalchemy import select

from server.api.users import create_account
from server.engine import hub_state, outbox
from server.engine.models import Product, ProductStock, RelayOp, StockMovement
from server.extensions import db
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


def hub_device(hub_app):
    """A facilitator's phone syncing with the hub (its account made at the hub, as the hub's accounts are)."""
    with hub_app.app_context():
        create_account(
            {
                "phone": "+6281277770001",
                "pin": "582047",
                "role": "facilitator",
                "regions": [KECAMATAN],
                "name": "Ibu Sari",
            }
        )
        db.session.commit()
    client = hub_app.test_client()
    body = client.post(
        "/api/v1/auth/login", json={"phone": "+6281277770001", "pin": "582047", "device_id": new_id()}
    ).get_json()
    headers = Headers({"Authorization": "Bearer " + body["access_token"]})
    headers.user = body["user"]
    return Device(client, headers)


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


def test_an_edit_upstream_reaches_the_hubs_devices(hub_app, upstream, regional_device):
    _, product_id = seed(regional_device, movements=0)
    run_cycle(hub_app, upstream)
    regional_device.push(regional_device.op("product", product_id, {"name": "Kopi Arabika Gayo"}))
    run_cycle(hub_app, upstream)
    at_the_hub = hub_device(hub_app)
    pulled = {c["entity_id"]: c for c in at_the_hub.pull_all()}
    assert pulled[product_id]["data"]["name"] == "Kopi Arabika Gayo"


def test_ops_made_at_the_hub_go_upstream_once_even_when_their_answer_was_lost(hub_app, upstream, regional_device):
    at_the_hub = hub_device(hub_app)
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
