import uuid


def u():
    return str(uuid.uuid4())


def test_login_roundtrip(accounts, client):
    headers = accounts.headers()
    assert headers.user["role"] == "admin"
    r = client.get("/api/v1/regions?parent=32.04", headers=headers)
    assert r.status_code == 200, r.get_json()
    assert len(r.get_json()) > 20


def test_push_pull(accounts, client):
    h = accounts.headers(role="facilitator", regions=("32.04.10",))
    dev = u()
    prod_id, product_id = u(), u()
    hlc = "0001764230400000:0000:" + dev
    village = client.get("/api/v1/regions?parent=32.04.10", headers=h).get_json()[0]["code"]
    ops = [
        {
            "op_id": u(),
            "entity": "producer",
            "entity_id": prod_id,
            "action": "upsert",
            "hlc": hlc,
            "fields": {"name": "Pak Budi", "village_code": village, "kind": "individual", "phone": "081234567890"},
        },
        {
            "op_id": u(),
            "entity": "product",
            "entity_id": product_id,
            "action": "upsert",
            "hlc": hlc,
            "fields": {
                "producer_id": prod_id,
                "name": "Kopi",
                "category": "coffee",
                "unit": "kg",
                "unit_weight_kg": "1.000",
            },
        },
        {
            "op_id": u(),
            "entity": "stock_movement",
            "entity_id": u(),
            "action": "upsert",
            "hlc": hlc,
            "fields": {
                "product_id": product_id,
                "qty": "12.5",
                "kind": "harvest",
                "occurred_at": "2026-11-27T08:15:00Z",
            },
        },
    ]
    r = client.post("/api/v1/sync/push", json={"device_id": dev, "ops": ops}, headers=h)
    assert r.status_code == 200, r.get_json()
    assert [x["status"] for x in r.get_json()["results"]] == ["applied"] * 3, r.get_json()
    r = client.post("/api/v1/sync/push", json={"device_id": dev, "ops": ops}, headers=h)
    assert [x["status"] for x in r.get_json()["results"]] == ["duplicate"] * 3
    r = client.get("/api/v1/sync/pull", headers=h)
    body = r.get_json()
    assert [c["entity"] for c in body["changes"]] == ["producer", "product", "stock_movement"], body
    assert body["changes"][2]["data"]["qty"] == "12.5"
    r = client.get("/api/v1/sync/pull?cursor=" + body["cursor"], headers=h)
    assert r.get_json()["changes"] == []
