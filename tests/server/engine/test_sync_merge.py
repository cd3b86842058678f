"""Upserts merge field by field by HLC; what loses is kept as a conflict; deletes are final."""

from tests.helpers import T0, hlc, movement_fields, new_id, producer_fields, product_fields


def make_product(device):
    producer_id, product_id = new_id(), new_id()
    device.push(
        device.op("producer", producer_id, producer_fields()),
        device.op("product", product_id, product_fields(producer_id, price_idr=100000)),
    )
    return producer_id, product_id


def current(device, entity, entity_id):
    return device.state()[(entity, entity_id)]


def test_later_hlc_wins_whatever_order_ops_arrive_in(facilitator):
    _, product_id = make_product(facilitator)
    late = facilitator.op("product", product_id, {"name": "Kopi Baru"}, at=T0 + 5000)
    early = facilitator.op("product", product_id, {"name": "Kopi Lama"}, at=T0 + 4000)
    assert facilitator.statuses(late, early) == ["applied", "applied"]
    assert current(facilitator, "product", product_id)["name"] == "Kopi Baru"


def test_fields_merge_independently(facilitator):
    _, product_id = make_product(facilitator)
    name = facilitator.op("product", product_id, {"name": "Kopi Gayo"}, at=T0 + 5000)
    price = facilitator.op("product", product_id, {"price_idr": 120000}, at=T0 + 4000)
    facilitator.push(name, price)
    data = current(facilitator, "product", product_id)
    assert (data["name"], data["price_idr"]) == ("Kopi Gayo", 120000)


def test_a_losing_value_is_kept_as_a_conflict(facilitator):
    _, product_id = make_product(facilitator)
    facilitator.push(facilitator.op("product", product_id, {"name": "Menang"}, at=T0 + 5000))
    loser = facilitator.op("product", product_id, {"name": "Kalah"}, at=T0 + 4000)
    facilitator.push(loser)
    conflicts = facilitator.client.get(
        f"/api/v1/conflicts?entity_id={product_id}", headers=facilitator.headers
    ).get_json()
    assert [(c["op_id"], c["field"], c["value"], c["reason"]) for c in conflicts] == [
        (loser["op_id"], "name", "Kalah", "lost_to_later")
    ]
    assert conflicts[0]["winning_hlc"] == hlc(T0 + 5000, 0, facilitator.device_id)


def test_a_delete_is_final_and_later_edits_become_conflicts(facilitator):
    _, product_id = make_product(facilitator)
    facilitator.push(facilitator.op("product", product_id, action="delete", at=T0 + 5000))
    edit = facilitator.op("product", product_id, {"name": "Hidup lagi"}, at=T0 + 9000)
    assert facilitator.statuses(edit) == ["applied"]
    assert current(facilitator, "product", product_id) is None  # a delete change
    conflicts = facilitator.client.get(
        f"/api/v1/conflicts?entity_id={product_id}", headers=facilitator.headers
    ).get_json()
    assert [(c["reason"], c["value"]) for c in conflicts] == [("deleted", "Hidup lagi")]


def test_deleting_twice_is_harmless(facilitator):
    _, product_id = make_product(facilitator)
    first = facilitator.op("product", product_id, action="delete")
    second = facilitator.op("product", product_id, action="delete")
    assert facilitator.statuses(first, second) == ["applied", "applied"]


def test_a_clock_far_ahead_is_restamped_and_does_not_win_forever(facilitator, admin, app):
    _, product_id = make_product(facilitator)
    year_ahead = facilitator.op("product", product_id, {"name": "Dari masa depan"}, at=T0 + 365 * 86400_000 * 5)
    result = facilitator.push(year_ahead)["results"][0]
    assert result["status"] == "applied"
    assert result["hlc"] < year_ahead["hlc"]  # re-stamped with the server's clock
    later = admin.op("product", product_id, {"name": "Sekarang"}, at=int(result["hlc"][:16]) + 1000)
    admin.push(later)
    assert current(admin, "product", product_id)["name"] == "Sekarang"


def test_a_clock_slightly_ahead_is_kept(facilitator):
    _, product_id = make_product(facilitator)
    push = facilitator.push(facilitator.op("product", product_id, {"name": "x"}))
    server_ms = int(push["hlc"][:16])
    ahead = facilitator.op("product", product_id, {"name": "y"}, at=server_ms + 30_000)
    assert "hlc" not in facilitator.push(ahead)["results"][0]


def test_push_answers_the_server_clock_for_the_device_to_advance(facilitator):
    _, product_id = make_product(facilitator)
    answer = facilitator.push(facilitator.op("product", product_id, {"name": "x"}))
    assert answer["hlc"].endswith(":server")
    assert answer["hlc"] > hlc(T0, 0, facilitator.device_id)


def test_stock_on_hand_is_the_exact_sum_of_movements(facilitator, app):
    from server.engine.models import Product
    from server.extensions import db

    _, product_id = make_product(facilitator)
    quantities = ["0.1", "0.2", "12.345", "-0.645"]
    kinds = ["harvest", "harvest", "production", "adjustment"]
    facilitator.push(
        *[
            facilitator.op("stock_movement", new_id(), movement_fields(product_id, q, k))
            for q, k in zip(quantities, kinds, strict=True)
        ]
    )
    with app.app_context():
        assert db.session.get(Product, product_id).stock_milli == 12000
