"""Open data: `flask export sqlite OUT.db` writes approved products, documented, searchable, without phones."""

import json
import sqlite3

import pytest

from server.workspace.open_data import TABLES, write_open_data
from tests.export_data import insert_approved_products
from tests.helpers import OTHER_VILLAGE, VILLAGE, Device, movement_fields, new_id, producer_fields, product_fields

OTHER_KECAMATAN_VILLAGE = "32.04.05.2001"


def add_product(device, producer_id, decision="approved", **fields):
    product_id = new_id()
    device.push(device.op("product", product_id, product_fields(producer_id, status="submitted", **fields)))
    if decision:
        device.push(device.op("review", new_id(), {"product_id": product_id, "decision": decision}))
    return product_id


@pytest.fixture
def world(client, accounts, admin):
    producer_id = new_id()
    admin.push(admin.op("producer", producer_id, producer_fields(phone="081234567890", nib="1234567890123")))
    ids = {
        "kopi": add_product(
            admin,
            producer_id,
            name="Kopi Arabika Gunung Puntang",
            description="Biji kopi petik merah, dijemur di para-para bambu.",
            unit="pack",
            unit_weight_kg="0.25",
            price_idr=85000,
            hs_code="09012110",
            certifications=[{"kind": "halal", "number": "ID32110000123450823", "valid_until": "2030-01-01"}],
        ),
        "submitted": add_product(admin, producer_id, decision=None, name="Kopi Menunggu"),
        "rejected": add_product(admin, producer_id, decision="rejected", name="Kopi Ditolak"),
    }
    october = "2026-10-02T08:00:00Z", "2026-10-20T08:00:00Z"
    admin.push(
        admin.op("stock_movement", new_id(), movement_fields(ids["kopi"], qty="40", occurred_at=october[0])),
        admin.op("stock_movement", new_id(), movement_fields(ids["kopi"], qty="8", occurred_at=october[1])),
        admin.op(
            "stock_movement",
            new_id(),
            movement_fields(ids["kopi"], qty="-6", kind="sale", occurred_at="2026-11-03T08:00:00Z", note="Pak Ujang"),
        ),
    )
    kota = Device(client, accounts.headers(role="admin", regions=("32.73",)))
    kota_producer = new_id()
    kota.push(kota.op("producer", kota_producer, producer_fields(village_code=OTHER_VILLAGE, phone="081298765432")))
    ids["kota"] = add_product(kota, kota_producer, name="Batik Tulis Sukasari", category="textile", unit="pcs")
    return ids


def export(app, tmp_path, regions=None):
    out = tmp_path / "open.db"
    with app.app_context():
        counts = write_open_data(out, regions)
    return out, counts


def rows(path, sql, *params):
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql, params)]


def test_approved_products_only_denormalized(app, tmp_path, world):
    out, counts = export(app, tmp_path)
    products = {row["id"]: row for row in rows(out, "SELECT * FROM products")}
    assert set(products) == {world["kopi"], world["kota"]}
    assert counts["products"] == 2 and counts["producers"] == 2
    kopi = products[world["kopi"]]
    assert kopi["desa_code"] == VILLAGE and kopi["kecamatan_code"] == "32.04.10" and kopi["kabupaten_code"] == "32.04"
    assert kopi["desa_name"] and kopi["kecamatan_name"] and kopi["kabupaten_name"] and kopi["provinsi_name"]
    assert kopi["producer_name"] == "Pak Budi" and kopi["producer_has_nib"] == 1
    assert kopi["stock_units"] == 42.0 and kopi["stock_kg"] == 10.5 and kopi["unit_weight_kg"] == 0.25
    assert kopi["hs_code"] == "0901.21.10" and kopi["price_idr"] == 85000
    assert json.loads(kopi["documents"]) == [{"kind": "halal", "valid_until": "2030-01-01"}]
    assert kopi["readiness_state"] in ("ready", "expiring", "missing")
    with sqlite3.connect(out) as conn:
        types = {name: kind for _, name, kind, *_ in conn.execute("PRAGMA table_info(products)")}
    assert types["stock_kg"] == "REAL" and types["stock_units"] == "REAL"


def test_no_phone_numbers_or_document_numbers_anywhere(app, tmp_path, world):
    out, _ = export(app, tmp_path)
    with sqlite3.connect(out) as conn:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")]
            assert not any("phone" in column for column in columns), (table, columns)
            for row in conn.execute(f"SELECT * FROM [{table}]"):
                text = " ".join(str(value) for value in row)
                assert "81234567890" not in text and "81298765432" not in text
                assert "ID32110000123450823" not in text and "1234567890123" not in text
                assert "Pak Ujang" not in text  # movement notes stay home


def test_monthly_movements_are_aggregates(app, tmp_path, world):
    out, _ = export(app, tmp_path)
    monthly = rows(out, "SELECT month, kind, movements, qty, qty_kg FROM monthly_stock_movements ORDER BY month, kind")
    assert monthly == [
        {"month": "2026-10", "kind": "harvest", "movements": 2, "qty": 48.0, "qty_kg": 12.0},
        {"month": "2026-11", "kind": "sale", "movements": 1, "qty": -6.0, "qty_kg": -1.5},
    ]


def test_full_text_search_finds_a_word_of_a_description(app, tmp_path, world):
    out, _ = export(app, tmp_path)
    search = "SELECT id FROM products WHERE rowid IN (SELECT rowid FROM products_fts WHERE products_fts MATCH ?)"
    found = rows(out, search, "bambu")
    assert found == [{"id": world["kopi"]}]
    assert rows(out, "SELECT name FROM products_fts WHERE products_fts MATCH 'batik'") != []


def test_tables_and_columns_are_described_and_datasette_metadata_written(app, tmp_path, world):
    out, counts = export(app, tmp_path)
    described = rows(out, "SELECT table_name, column_name, description FROM _metadata")
    with sqlite3.connect(out) as conn:
        for table in ("products", "producers", "regions", "monthly_stock_movements"):
            columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            documented = {d["column_name"] for d in described if d["table_name"] == table and d["column_name"]}
            assert columns == documented == set(TABLES[table][1]), table
    about = {row["key"]: row["value"] for row in rows(out, "SELECT key, value FROM _about")}
    assert "idn-area-data" in about["regions_license"] and json.loads(about["counts"]) == counts
    metadata = json.loads((tmp_path / "open.metadata.json").read_text())
    tables = metadata["databases"]["open"]["tables"]
    assert tables["products"]["fts_table"] == "products_fts"
    assert tables["products"]["columns"]["stock_kg"].startswith("Stock on hand in kg")
    regions = rows(out, "SELECT code, level FROM regions ORDER BY code")
    assert {"32", "32.04", "32.04.10", VILLAGE, "32.73", "32.73.01", OTHER_VILLAGE} == {r["code"] for r in regions}


def test_region_scope_and_cli(app, runner, tmp_path, world):
    out, counts = export(app, tmp_path, ["32.73"])
    assert [row["id"] for row in rows(out, "SELECT id FROM products")] == [world["kota"]]
    target = tmp_path / "cli.db"
    result = runner.invoke(args=["export", "sqlite", str(target), "--region", "32.04"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "1 products" in result.output
    assert [row["id"] for row in rows(target, "SELECT id FROM products")] == [world["kopi"]]
    assert (tmp_path / "cli.metadata.json").is_file()
    again = runner.invoke(args=["export", "sqlite", str(target)])  # replaces the file whole
    assert again.exit_code == 0 and "2 products" in again.output
    assert not list(tmp_path.glob(".*.tmp"))


def test_many_products_in_batches(app, tmp_path):
    with app.app_context():
        insert_approved_products(2_345, (VILLAGE, OTHER_KECAMATAN_VILLAGE), movements_per_product=2)
    out, counts = export(app, tmp_path)
    assert counts["products"] == 2_345 and counts["monthly_stock_movements"] == 2_345
    assert rows(out, "SELECT count(*) AS n FROM products")[0]["n"] == 2_345
    assert rows(out, "SELECT sum(movements) AS n FROM monthly_stock_movements")[0]["n"] == 2 * 2_345
    found = rows(out, "SELECT count(*) AS n FROM products_fts WHERE products_fts MATCH 'vanili'")[0]["n"]
    assert 0 < found < 2_345
