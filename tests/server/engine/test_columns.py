"""One list of each entity's fields: the models, the wire lists derived from sync/records.py, and
the shared vector (tests/vectors/fields.json) agree, down to the order of a pulled record's data."""

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.engine.models import StockMovement
from server.engine.records import COLUMN_OF, COLUMNS, MODELS, WIRE_FIELDS
from server.extensions import db
from tests.helpers import VILLAGE, movement_fields, new_id, producer_fields, product_fields

ENTITIES = json.loads((Path(__file__).parents[2] / "vectors" / "fields.json").read_text())["entities"]
PULLED = {case["input"]: case["expect"]["pulled"] for case in ENTITIES}
# Who entered a record: the feed adds it to the data of every entity but reviews.
AUTHOR = ("created_by", "created_by_name")
# Columns only the server reads: clocks, scope and times. A new column is either one of these or
# a field of sync/records.py's ENTITIES (and then of the vector): this list fails it otherwise.
SERVER_ONLY = {
    "producer": {"hlcs", "created_at", "updated_at"},
    "product": {"village_code", "hlcs", "created_at", "updated_at"},
    "stock_movement": {"producer_id", "village_code", "hlc", "created_at"},
    "review": {"producer_id", "village_code", "hlc"},
}


@pytest.mark.parametrize("entity", list(MODELS))
def test_the_wire_fields_are_the_vectors(entity):
    assert set(WIRE_FIELDS[entity]) == set(PULLED[entity]) - set(AUTHOR)


@pytest.mark.parametrize("entity", list(MODELS))
def test_every_column_is_pulled_or_the_servers_own(entity):
    table = MODELS[entity].__table__
    assert set(COLUMNS[entity]) <= set(table.c.keys())
    assert set(table.c.keys()) - set(COLUMNS[entity]) == SERVER_ONLY[entity]
    stored = {COLUMN_OF.get(name, name) for name in WIRE_FIELDS[entity]}
    assert stored <= set(COLUMNS[entity]) and COLUMNS[entity][-1] == "seq"


def test_a_new_movement_row_puts_each_value_in_its_column(app, facilitator):
    # The row is a tuple made by hand in the order of MOVEMENT_COLUMNS (the model's): read back by
    # name, each value is where it belongs.
    producer_id, product_id, movement_id = new_id(), new_id(), new_id()
    op = facilitator.op("stock_movement", movement_id, movement_fields(product_id, "-2.5", "sale", note="laku"))
    facilitator.push(
        facilitator.op("producer", producer_id, producer_fields()),
        facilitator.op("product", product_id, product_fields(producer_id)),
        facilitator.op("stock_movement", new_id(), movement_fields(product_id, "5")),
        op,
    )
    with app.app_context():
        row = db.session.execute(select(StockMovement).where(StockMovement.id == movement_id)).scalar_one()
        assert (row.product_id, row.producer_id, row.village_code) == (product_id, producer_id, VILLAGE)
        assert (row.qty_milli, row.kind, row.note, row.hlc) == (-2500, "sale", "laku", op["hlc"])
        assert row.occurred_at == datetime(2026, 11, 27, 8, 15)
        assert row.created_by == facilitator.headers.user["id"] and row.created_at is not None
        assert row.seq == db.session.execute(select(func.max(StockMovement.seq))).scalar()


def test_a_pulled_records_data_comes_in_the_vectors_order(facilitator, admin):
    producer_id, product_id, review_id = new_id(), new_id(), new_id()
    facilitator.push(
        facilitator.op("producer", producer_id, producer_fields(nib="1234567890123")),
        facilitator.op("product", product_id, product_fields(producer_id, unit_weight_kg="0.25", status="submitted")),
        facilitator.op("stock_movement", new_id(), movement_fields(product_id, note="panen")),
    )
    admin.push(admin.op("review", review_id, {"product_id": product_id, "decision": "approved"}))
    response = admin.client.get("/api/v1/sync/pull", headers=admin.headers)
    changes = json.loads(response.get_data())["changes"]  # dicts keep the order of the text
    orders = {change["entity"]: list(change["data"]) for change in changes}
    assert orders == PULLED
