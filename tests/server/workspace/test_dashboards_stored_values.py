"""The stock dashboard over stock at the contract's limit and units of any weight: never a 500."""

from sqlalchemy import text

from server.extensions import db
from tests.server.workspace_helpers import add_producer, add_product, get

STOCK_LIMIT_MILLI = 10**15  # 1,000,000,000,000 units in thousandths


def test_stock_dashboard_sums_stock_at_its_limit_and_the_heaviest_unit_without_overflow(app, client, admin):
    producer_id = add_producer(admin)
    at_limit = [add_product(admin, producer_id, stock="1") for _ in range(10)]
    at_limit += [add_product(admin, producer_id, category="handicraft", unit="pcs", stock="1") for _ in range(10)]
    add_product(admin, producer_id, category="spices", unit="karung", unit_weight_kg="999999999999999", stock="1")
    with app.app_context():
        # Stock at its limit, as 1,000 movements of the largest qty each would leave it (set here
        # straight away): ten such products in kg hold 10^19 mg, past 64 bits.
        db.session.execute(
            text("UPDATE product_stock SET stock_milli = :milli WHERE product_id = :id"),
            [{"milli": STOCK_LIMIT_MILLI, "id": product_id} for product_id in at_limit],
        )
        db.session.commit()
    groups = {g["key"]: g for g in get(client, admin.headers, "/api/v1/dashboards/stock", 200)["groups"]}
    assert groups["coffee"]["stock_kg"] == "10000000000000"  # 10 x 10^12 kg
    assert groups["spices"]["stock_kg"] == "999999999999999"  # one unit of 10^15 kg less a kg
    assert groups["handicraft"]["unweighed"] == {"pcs": "10000000000000"}
