"""A hub keeps what its devices' pushes applied, with the author, until upstream answers it."""

from datetime import datetime

import pytest

from server.engine import hub_state, outbox
from server.engine.models import RelayOp
from server.extensions import db
from tests.helpers import Device, hlc, movement_fields, new_id, producer_fields, product_fields


@pytest.fixture
def device(client, accounts):
    """A facilitator's phone, signed in before the app turns hub (a hub leaves PINs to upstream)."""
    return Device(client, accounts.headers(role="facilitator", regions=("32.04.10",)))


@pytest.fixture
def hub(app, device):
    """The app as a hub: it has an upstream."""
    app.config["UPSTREAM_URL"] = "http://127.0.0.1:9"
    return app


def kept(app):
    with app.app_context():
        return [
            (row.op_id, row.user_id, row.device_id, row.op) for row in db.session.query(RelayOp).order_by(RelayOp.seq)
        ]


def test_applied_ops_are_kept_in_order_with_their_author_and_device(hub, device):
    producer_id, product_id = new_id(), new_id()
    ops = [
        device.op("producer", producer_id, producer_fields()),
        device.op("product", product_id, product_fields(producer_id)),
        device.op("stock_movement", new_id(), movement_fields(product_id, "2")),
    ]
    device.push(*ops)
    assert [(op_id, user, dev) for op_id, user, dev, _ in kept(hub)] == [
        (op["op_id"], device.headers.user["id"], device.device_id) for op in ops
    ]
    assert [op for *_, op in kept(hub)] == ops


def test_rejected_and_duplicate_ops_are_not_kept_again(hub, device):
    producer_id = new_id()
    first = device.op("producer", producer_id, producer_fields())
    device.push(first)
    invalid = {**product_fields(producer_id), "price_idr": -1}
    results = device.push(first, device.op("product", new_id(), invalid))["results"]
    assert [r["status"] for r in results] == ["duplicate", "rejected"]
    assert [op_id for op_id, *_ in kept(hub)] == [first["op_id"]]


def test_an_op_stamped_far_ahead_goes_upstream_with_the_hlc_the_hub_gave_it(hub, device):
    op = device.op("producer", new_id(), producer_fields())
    op["hlc"] = hlc(99_999_999_999_999, 0, device.device_id)
    result = device.push(op)["results"][0]
    assert kept(hub)[0][3]["hlc"] == result["hlc"] != op["hlc"]


def test_a_regional_server_keeps_nothing(app, device):
    device.push(device.op("producer", new_id(), producer_fields()))
    assert kept(app) == []


def test_pending_ops_carry_their_author_until_answered(hub, device):
    producer_id = new_id()
    ops = [device.op("producer", producer_id, producer_fields()), device.op("producer", new_id(), producer_fields())]
    device.push(*ops)
    with hub.app_context():
        pending = outbox.pending(10)
        assert [op["op_id"] for op in pending] == [op["op_id"] for op in ops]
        assert pending[0]["author"] == {"user_id": device.headers.user["id"], "device_id": device.device_id}
        assert outbox.waiting() == 2
        error = {"code": "forbidden", "message": "Tidak boleh.", "details": {}}
        answers = [
            {"op_id": ops[0]["op_id"], "status": "applied"},
            {"op_id": ops[1]["op_id"], "status": "rejected", "error": error},
        ]
        outbox.answer(answers, datetime(2026, 12, 2))
        db.session.commit()
        assert outbox.pending(10) == [] and outbox.waiting() == 0
        assert outbox.rejected_for(device.device_id) == [{"op_id": ops[1]["op_id"], "op": ops[1], "error": error}]


def test_the_hub_remembers_values_by_name(hub):
    with hub.app_context():
        assert hub_state.recall("cursor", "none yet") == "none yet"
        hub_state.remember("cursor", "abc")
        hub_state.remember("cursor", {"at": 5})
        db.session.commit()
        assert hub_state.recall("cursor") == {"at": 5}
