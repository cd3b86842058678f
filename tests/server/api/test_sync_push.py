"""Push: the envelope, its limits, bad input, and idempotency across retries."""

import gzip
import json

from tests.helpers import movement_fields, new_id, producer_fields, product_fields


def raw_push(device, body, headers=None):
    return device.client.post(
        "/api/v1/sync/push",
        data=body,
        headers={**device.headers, "Content-Type": "application/json", **(headers or {})},
    )


def producer_op(device):
    return device.op("producer", new_id(), producer_fields())


def count_producers(app):
    from server.engine.models import Producer
    from server.extensions import db

    with app.app_context():
        return db.session.query(Producer).count()


def test_results_come_in_the_order_of_the_ops(facilitator):
    ops = [producer_op(facilitator) for _ in range(3)]
    ops.insert(1, facilitator.op("product", new_id(), action="delete"))
    results = facilitator.push(*ops)["results"]
    assert [r["op_id"] for r in results] == [op["op_id"] for op in ops]
    assert [r["status"] for r in results] == ["applied", "rejected", "applied", "applied"]


def test_an_op_applied_once_is_a_duplicate_forever(facilitator, app):
    op = producer_op(facilitator)
    assert facilitator.statuses(op) == ["applied"]
    assert facilitator.statuses(op, op) == ["duplicate", "duplicate"]
    assert count_producers(app) == 1


def test_the_same_op_twice_in_one_push_applies_once(facilitator, app):
    op = producer_op(facilitator)
    assert facilitator.statuses(op, op) == ["applied", "duplicate"]


def test_a_rejected_op_may_be_sent_again_once_fixed_elsewhere(facilitator):
    producer_id, product_id = new_id(), new_id()
    product = facilitator.op("product", product_id, product_fields(producer_id))
    assert facilitator.statuses(product) == ["rejected"]
    facilitator.push(facilitator.op("producer", producer_id, producer_fields()))
    assert facilitator.statuses(product) == ["applied"]


def test_a_gzip_request_is_accepted(facilitator):
    body = gzip.compress(json.dumps({"device_id": facilitator.device_id, "ops": [producer_op(facilitator)]}).encode())
    response = raw_push(facilitator, body, {"Content-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.get_json()["results"][0]["status"] == "applied"


def test_answers_are_gzipped_when_asked(facilitator):
    ops = [producer_op(facilitator) for _ in range(20)]
    body = json.dumps({"device_id": facilitator.device_id, "ops": ops})
    response = raw_push(facilitator, body, {"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert len(json.loads(gzip.decompress(response.data))["results"]) == 20


def test_more_than_1000_ops_is_413_and_nothing_is_applied(facilitator, app):
    ops = [producer_op(facilitator) for _ in range(1001)]
    response = raw_push(facilitator, json.dumps({"device_id": facilitator.device_id, "ops": ops}))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    assert count_producers(app) == 0


def test_a_body_over_2_mb_is_413(facilitator, app):
    op = producer_op(facilitator)
    op["fields"]["padding"] = "x" * (2 * 1024 * 1024)
    response = raw_push(facilitator, json.dumps({"device_id": facilitator.device_id, "ops": [op]}))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_a_gzip_bomb_is_413(facilitator, app):
    bomb = gzip.compress(b'{"device_id": "' + b" " * (50 * 1024 * 1024) + b'"}')
    assert len(bomb) < 100_000
    response = raw_push(facilitator, bomb, {"Content-Encoding": "gzip"})
    assert response.status_code == 413
    assert count_producers(app) == 0


def test_broken_gzip_is_400(facilitator):
    response = raw_push(facilitator, b"not gzip at all", {"Content-Encoding": "gzip"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_malformed_json_is_400_invalid_json(facilitator):
    response = raw_push(facilitator, '{"device_id": "x", "ops": [')
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_ops_that_are_not_a_list_is_422(facilitator):
    response = raw_push(facilitator, json.dumps({"device_id": facilitator.device_id, "ops": {"a": 1}}))
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["fields"]["ops"]["code"] == "not_a_list"


def test_a_bad_device_id_is_422(facilitator):
    response = raw_push(facilitator, json.dumps({"device_id": "phone-1", "ops": []}))
    assert response.status_code == 422


def test_an_op_that_is_not_an_object_is_rejected_alone(facilitator):
    ok = producer_op(facilitator)
    body = json.dumps({"device_id": facilitator.device_id, "ops": ["nonsense", ok]})
    results = raw_push(facilitator, body).get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert results[0]["op_id"] is None


def test_envelope_errors_name_each_field(facilitator):
    op = {"op_id": "1", "entity": "farm", "entity_id": "X", "action": "merge", "hlc": "yesterday"}
    result = facilitator.push(op)["results"][0]
    assert result["error"]["code"] == "validation_error"
    assert set(result["error"]["details"]["fields"]) == {"op_id", "entity", "entity_id", "action", "hlc"}


def test_wrong_field_types_are_validation_errors(facilitator):
    producer_id = new_id()
    facilitator.push(facilitator.op("producer", producer_id, producer_fields()))
    op = facilitator.op("product", new_id(), product_fields(producer_id, price_idr="120000", photos="abc"))
    fields = facilitator.push(op)["results"][0]["error"]["details"]["fields"]
    assert fields["price_idr"]["code"] == "not_an_integer"
    assert fields["photos"]["code"] == "not_a_list"


def test_unknown_fields_are_rejected_not_dropped(facilitator):
    op = facilitator.op("producer", new_id(), producer_fields(favourite_colour="green"))
    fields = facilitator.push(op)["results"][0]["error"]["details"]["fields"]
    assert fields["favourite_colour"]["code"] == "unknown_field"


def test_push_without_a_token_is_401(client):
    response = client.post("/api/v1/sync/push", json={"device_id": new_id(), "ops": []})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_push_of_many_movements_applies_them_all(facilitator, app):
    producer_id, product_id = new_id(), new_id()
    ops = [
        facilitator.op("producer", producer_id, producer_fields()),
        facilitator.op("product", product_id, product_fields(producer_id)),
    ]
    ops += [facilitator.op("stock_movement", new_id(), movement_fields(product_id, "1.5")) for _ in range(998)]
    assert set(facilitator.statuses(*ops)) == {"applied"}
    from server.engine.models import Product
    from server.extensions import db

    with app.app_context():
        assert db.session.get(Product, product_id).stock_milli == 998 * 1500
