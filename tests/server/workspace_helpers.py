"""Helpers for the regional workspace tests: products pushed by a device, admins of other places."""

from tests.helpers import VILLAGE, movement_fields, new_id, producer_fields, product_fields

OTHER_DESA = "32.04.05.2001"  # Cileunyi Kulon, Kec. Cileunyi, Kab. Bandung
OTHER_KECAMATAN = "32.04.05"


def add_producer(device, village=VILLAGE, **extra):
    """Push a producer; answers its id."""
    producer_id = new_id()
    result = device.push(device.op("producer", producer_id, producer_fields(village_code=village, **extra)))
    assert result["results"][0]["status"] == "applied", result
    return producer_id


def add_product(device, producer_id, stock=None, **extra):
    """Push a product (submitted unless said otherwise) and an optional harvest; answers its id."""
    product_id = new_id()
    ops = [device.op("product", product_id, product_fields(producer_id, **{"status": "submitted", **extra}))]
    if stock is not None:
        ops.append(device.op("stock_movement", new_id(), movement_fields(product_id, qty=stock)))
    result = device.push(*ops)
    assert all(r["status"] == "applied" for r in result["results"]), result
    return product_id


def decide(client, headers, *decisions, expect=200, lang=None):
    """POST decisions; answers the JSON body."""
    body = {"decisions": [dict(zip(("product_id", "decision", "note"), d, strict=False)) for d in decisions]}
    extra = {"Accept-Language": lang} if lang else {}
    response = client.post("/api/v1/reviews", json=body, headers={**headers, **extra})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def get(client, headers, url, expect=200, lang=None, **params):
    """GET an API url; answers the JSON body after checking the status."""
    extra = {"Accept-Language": lang} if lang else {}
    response = client.get(url, query_string=params, headers={**headers, **extra})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def assert_error(body, code, message=None):
    """The contract's error shape, with the code (and message) expected."""
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    if message is not None:
        assert body["error"]["message"] == message
