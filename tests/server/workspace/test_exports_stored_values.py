"""Exports of products whose stock and movements sit at the contract's limits, or past them in rows
the apply path would never write: every export answers 200 and streams to its end."""

import csv
import io
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from server.extensions import db
from server.workspace.exports import B2B_COLUMNS, SHOPEE_COLUMNS
from tests.helpers import movement_fields, new_id, producer_fields
from tests.server.workspace.test_exports import BASE, add_product

QTY_LIMIT = "1000000000"
LEGACY_QTY_MILLI = 10**18 - 1  # "999999999999999.999": the largest qty the grammar reads


def yesterday():
    return (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def approved_product(admin, count, qty):
    """An approved product with `count` harvests of `qty` in the last year; answers its id."""
    producer_id = new_id()
    admin.push(admin.op("producer", producer_id, producer_fields()))
    product_id = add_product(admin, producer_id, name="Kopi Arabika", unit="kg", price_idr=10**12)
    fields = movement_fields(product_id, qty, "harvest", occurred_at=yesterday())
    results = admin.push(*[admin.op("stock_movement", new_id(), fields) for _ in range(count)])["results"]
    assert {r["status"] for r in results} == {"applied"}
    return product_id


def exported(client, admin, name):
    """The rows of an export, header first, read to their end."""
    response = client.get(BASE + name, headers=admin.headers)
    assert response.status_code == 200
    body = response.get_data()  # a stream that broke midway raises here
    if name.endswith(".csv"):
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    return [list(row) for row in load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True)]


def by_column(rows, columns, column):
    assert tuple(rows[0]) == columns
    # (A sheet's row read back ends at its last cell that is not empty.)
    return [row[columns.index(column)] if columns.index(column) < len(row) else None for row in rows[1:]]


def test_exports_after_movements_at_the_limit_hold_the_exact_stock(client, admin):
    approved_product(admin, 1000, QTY_LIMIT)  # stock on hand at its limit, 10^12
    assert by_column(exported(client, admin, "products.csv"), SHOPEE_COLUMNS, "Stock") == ["1000000000000"]
    assert by_column(exported(client, admin, "products.xlsx"), SHOPEE_COLUMNS, "Stock") == [10**12]
    b2b = exported(client, admin, "products-b2b.csv")
    assert by_column(b2b, B2B_COLUMNS, "Stock on Hand") == ["1000000000000"]
    assert by_column(b2b, B2B_COLUMNS, "Supply Ability per Month") == ["83333333333.333"]
    assert by_column(b2b, B2B_COLUMNS, "Tier 1 Price") == ["1000000000000"]
    b2b_xlsx = exported(client, admin, "products-b2b.xlsx")
    assert by_column(b2b_xlsx, B2B_COLUMNS, "Stock on Hand") == [10**12]
    feed = orjson.loads(client.get(BASE + "feed.json", headers=admin.headers).get_data())
    assert feed[0]["offers"]["inventoryLevel"]["value"] == 10**12


def store_past_the_limits(app, product_id, real_stock):
    """Rows the apply path never writes: movements of the largest qty the grammar reads, whose sum
    passes 64 bits, and (SQLite) a stock total overflowed into a REAL."""
    with app.app_context():
        db.session.execute(
            text("UPDATE stock_movements SET qty_milli = :qty WHERE product_id = :id"),
            {"qty": LEGACY_QTY_MILLI, "id": product_id},
        )
        if real_stock:
            db.session.execute(
                text("UPDATE product_stock SET stock_milli = 1e19 WHERE product_id = :id"), {"id": product_id}
            )
        db.session.commit()


@pytest.mark.parametrize("name", ["products.csv", "products.xlsx", "products-b2b.csv", "products-b2b.xlsx"])
def test_exports_never_break_on_huge_stored_movements_or_a_real_stock(app, client, admin, name):
    huge = approved_product(admin, 10, "1")
    plain = approved_product(admin, 1, "12.5")
    sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    store_past_the_limits(app, huge, real_stock=sqlite)
    rows = exported(client, admin, name)
    columns = B2B_COLUMNS if "b2b" in name else SHOPEE_COLUMNS
    skus = by_column(rows, columns, "SKU")
    assert sorted(skus) == sorted([huge, plain])
    stock = by_column(rows, columns, "Stock on Hand" if "b2b" in name else "Stock")
    huge_stock = 10**16 if sqlite else 10  # whole units; on PostgreSQL the total stays as applied
    assert (float(stock[skus.index(huge)]), float(stock[skus.index(plain)])) == (
        huge_stock,
        12.5 if "b2b" in name else 12,
    )
    if "b2b" in name:
        supply = by_column(rows, columns, "Supply Ability per Month")[skus.index(huge)]
        assert float(supply) == pytest.approx(10 * LEGACY_QTY_MILLI / 12 / 1000)
