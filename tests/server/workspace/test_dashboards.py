"""Dashboards against a small known dataset: stock, statuses, growth, sync freshness, conflicts."""

from datetime import timedelta

import pytest
from sqlalchemy import event, update

from server.engine.models import Device as DeviceRow
from server.engine.models import Producer, Product
from server.extensions import db
from server.web.timeutil import utcnow
from tests.helpers import OTHER_VILLAGE, T0, VILLAGE, Device, movement_fields, new_id
from tests.server.workspace_helpers import OTHER_DESA, add_producer, add_product, assert_error, decide, get

DASHBOARDS = ("stock", "products-by-status", "growth", "freshness", "conflicts")


@pytest.fixture
def world(client, admin, facilitator, outsider):
    """Two kecamatan of Kab. Bandung, and a kelurahan of Kota Bandung that the admin must not see."""
    here, there = add_producer(facilitator), add_producer(admin, village=OTHER_DESA)
    products = {
        "coffee_kg": add_product(facilitator, here, stock="12.5"),
        "coffee_pack": add_product(facilitator, here, unit="pack", unit_weight_kg="0.25", stock="4"),
        "snack_pcs": add_product(facilitator, here, category="processed_food", unit="pcs", stock="10"),
        "drink_l": add_product(facilitator, here, category="beverages", unit="l", stock="2.5", status="draft"),
        "coffee_there": add_product(admin, there, stock="100"),
        "veg_ikat": add_product(admin, there, category="vegetables", unit="ikat", unit_weight_kg="0.5", stock="3"),
    }
    admin.push(admin.op("stock_movement", new_id(), movement_fields(products["coffee_there"], "-30", "sale")))
    gone = add_product(facilitator, here, stock="50")
    facilitator.push(facilitator.op("product", gone, action="delete"))
    add_product(outsider, add_producer(outsider, village=OTHER_VILLAGE), stock="1000")
    decide(client, admin.headers, (products["coffee_kg"], "approved"))
    return {"here": here, "there": there, **products}


def dashboard(client, device, name, expect=200, **params):
    return get(client, device.headers, f"/api/v1/dashboards/{name}", expect, **params)


def test_stock_by_category_in_kg_where_the_weight_is_known(client, admin, world):
    groups = {g["key"]: g for g in dashboard(client, admin, "stock")["groups"]}
    assert {k: (g["products"], g["stock_kg"], g["unweighed"]) for k, g in groups.items()} == {
        "coffee": (3, "83.5", {}),
        "vegetables": (1, "1.5", {}),
        "processed_food": (1, "0", {"pcs": "10"}),
        "beverages": (1, "0", {"l": "2.5"}),
    }
    assert list(groups)[:2] == ["coffee", "vegetables"]  # heaviest first


def test_stock_by_kecamatan_and_desa_with_names(client, admin, world):
    by_kecamatan = dashboard(client, admin, "stock", by="kecamatan")["groups"]
    assert [(g["key"], g["name"], g["stock_kg"], g["unweighed"]) for g in by_kecamatan] == [
        ("32.04.05", "Cileunyi", "71.5", {}),
        ("32.04.10", "Margaasih", "13.5", {"l": "2.5", "pcs": "10"}),
    ]
    by_desa = dashboard(client, admin, "stock", by="desa", category="coffee")["groups"]
    assert [(g["key"], g["name"], g["stock_kg"]) for g in by_desa] == [
        (OTHER_DESA, "Cileunyi Kulon", "70"),
        (VILLAGE, "Margaasih", "13.5"),
    ]
    approved = dashboard(client, admin, "stock", status="approved")["groups"]
    assert [(g["key"], g["stock_kg"]) for g in approved] == [("coffee", "12.5")]


def test_stock_of_one_region(client, admin, world):
    groups = dashboard(client, admin, "stock", region="32.04.10", by="desa")["groups"]
    assert [g["key"] for g in groups] == [VILLAGE]


def test_products_by_status(client, admin, world):
    body = dashboard(client, admin, "products-by-status")
    assert body["totals"] == {"submitted": 4, "approved": 1, "draft": 1}
    assert {c["category"]: c["statuses"] for c in body["by_category"]}["coffee"] == {"approved": 1, "submitted": 2}


def test_growth_per_month_for_twelve_months(app, client, admin, world):
    now = utcnow()
    three_months_ago = (now.replace(day=1) - timedelta(days=80)).replace(day=15)
    with app.app_context():
        db.session.execute(update(Producer).where(Producer.id == world["there"]).values(created_at=three_months_ago))
        db.session.execute(
            update(Product).where(Product.id == world["veg_ikat"]).values(created_at=now - timedelta(days=400))
        )
        db.session.commit()
    months = dashboard(client, admin, "growth")["months"]
    assert len(months) == 12
    assert months[-1] == {"month": f"{now:%Y-%m}", "producers": 1, "products": 5}
    assert {m["month"]: m["producers"] for m in months}[f"{three_months_ago:%Y-%m}"] == 1
    assert sum(m["products"] for m in months) == 5  # the one of 400 days ago lies outside


def test_freshness_devices_and_facilitators_not_synced_for_7_days(app, client, accounts, admin, world):
    never = accounts.headers(role="facilitator", regions=("32.04.05.2001",), name="Bu Never")
    old = Device(client, accounts.headers(role="facilitator", regions=("32.04.05",), name="Pak Lama"))
    old.pull_all()
    with app.app_context():
        db.session.execute(
            update(DeviceRow)
            .where(DeviceRow.user_id == old.headers.user["id"])
            .values(last_sync_at=utcnow() - timedelta(days=8))
        )
        db.session.commit()
    body = dashboard(client, admin, "freshness")
    assert body["devices"]["facilitator"] == {"total": 3, "stale": 2}
    facilitators = body["facilitators"]
    assert (facilitators["total"], facilitators["stale"]) == (3, 2)
    stale = {f["name"]: f["days_since_sync"] for f in facilitators["stale_list"]}
    assert stale == {"Bu Never": None, "Pak Lama": 8}
    assert never.user["id"] in {d["user_id"] for d in body["stale_devices"]}


def test_freshness_leaves_out_the_callers_own_devices_and_peer_admins(client, accounts, admin, world):
    peer = Device(client, accounts.headers(role="admin", regions=("32.04",), name="Admin Sebelah"))
    province = Device(client, accounts.headers(role="admin", regions=("32",), name="Admin Provinsi"))
    for device in (admin, peer, province):
        device.pull_all()  # each admin's device is known to the server, and none synced for 7 days
    with client.application.app_context():
        db.session.execute(update(DeviceRow).values(last_sync_at=utcnow() - timedelta(days=9)))
        db.session.commit()
    body = dashboard(client, admin, "freshness")
    assert "admin" not in body["devices"]
    listed = {d["user_id"] for d in body["stale_devices"]}
    assert not listed & {admin.headers.user["id"], peer.headers.user["id"], province.headers.user["id"]}
    # A province's admin manages the kabupaten's admins: their devices are listed, its own is not.
    body = dashboard(client, province, "freshness")
    assert body["devices"]["admin"] == {"total": 2, "stale": 2}
    listed = {d["user_id"] for d in body["stale_devices"]}
    assert {admin.headers.user["id"], peer.headers.user["id"]} <= listed
    assert province.headers.user["id"] not in listed


def test_open_conflicts_in_scope(client, admin, facilitator, outsider, world):
    product_id = world["coffee_kg"]
    facilitator.push(facilitator.op("product", product_id, {"description": "baru"}, at=T0 + 1000))
    facilitator.push(facilitator.op("product", product_id, {"description": "lama"}, at=T0 + 500))
    theirs = add_product(outsider, add_producer(outsider, village=OTHER_VILLAGE))
    outsider.push(outsider.op("product", theirs, {"description": "x"}, at=T0 + 1000))
    outsider.push(outsider.op("product", theirs, {"description": "y"}, at=T0 + 500))
    body = dashboard(client, admin, "conflicts")
    assert body["total"] == 1
    assert body["by_entity"] == [{"entity": "product", "reason": "lost_to_later", "count": 1}]
    assert [(c["entity_id"], c["field"], c["value"]) for c in body["latest"]] == [(product_id, "description", "lama")]


@pytest.mark.parametrize("name", DASHBOARDS)
def test_dashboards_are_for_admins_of_the_region(client, accounts, facilitator, world, name):
    assert_error(dashboard(client, facilitator, name, expect=403), "forbidden", "Anda tidak berhak melakukan ini.")
    assert_error(
        dashboard(client, facilitator, name, expect=403, lang="en"), "forbidden", "You are not allowed to do this."
    )
    other = Device(client, accounts.headers(role="admin", regions=("32.73",)))
    assert_error(dashboard(client, other, name, expect=403, region="32.04"), "forbidden")
    assert dashboard(client, other, name, region="32.73")["regions"] == ["32.73"]


def test_other_kabupatens_admin_sees_only_its_own(client, accounts, world):
    other = Device(client, accounts.headers(role="admin", regions=("32.73",)))
    assert [(g["key"], g["stock_kg"]) for g in dashboard(client, other, "stock")["groups"]] == [("coffee", "1000")]
    assert dashboard(client, other, "products-by-status")["totals"] == {"submitted": 1}


def test_bad_parameters_are_400(client, admin):
    dashboard(client, admin, "stock", expect=400, by="planet")
    assert_error(dashboard(client, admin, "stock", expect=400, region="32-04"), "invalid_parameter")


@pytest.mark.parametrize("name", DASHBOARDS)
def test_each_dashboard_is_a_few_aggregate_queries_that_never_read_movements_for_stock(app, client, admin, world, name):
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.lower())

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
    try:
        dashboard(client, admin, name)
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", record)
    queries = [s for s in statements if s.lstrip().startswith("select") and "from devices join users" not in s]
    assert len(queries) <= 5
    if name in ("stock", "products-by-status", "growth"):
        assert all("stock_movements" not in s for s in queries)
        assert any("group by" in s for s in queries)
