"""Batched writes straight through the driver store what the ORM would."""

from sqlalchemy import select

from server.engine.apply import MOVEMENT_COLUMNS
from server.engine.bulk import MAX_PARAMETERS, add_to_column, insert_tuples, stored_form
from server.engine.models import ProductStock, StockMovement
from server.extensions import db
from tests.helpers import movement_fields, new_id, producer_fields, product_fields


def _row(seq, note):
    stored_time = stored_form(StockMovement.__table__.c.occurred_at)
    at, created = stored_time("2026-11-27T08:15:00Z"), stored_time("2026-11-28T00:00:00Z")
    return (seq, new_id(), new_id(), new_id(), "32.04.10.2001", 1000, "harvest", at, note, "h", new_id(), created)


def _notes(ids):
    rows = db.session.execute(select(StockMovement.id, StockMovement.note).where(StockMovement.id.in_(ids)))
    return dict(rows.all())


def test_a_column_empty_in_every_row_is_stored_as_null(app):
    with app.app_context():
        rows = [_row(seq, None) for seq in (101, 102)]
        insert_tuples(StockMovement.__table__, MOVEMENT_COLUMNS, rows)
        assert _notes([r[1] for r in rows]) == {rows[0][1]: None, rows[1][1]: None}
        db.session.rollback()


def test_rows_with_and_without_a_value_keep_each_their_own(app):
    with app.app_context():
        rows = [_row(201, "dari Pak Ujang"), _row(202, None), _row(203, "")]
        insert_tuples(StockMovement.__table__, MOVEMENT_COLUMNS, rows)
        assert _notes([r[1] for r in rows]) == {rows[0][1]: "dari Pak Ujang", rows[1][1]: None, rows[2][1]: ""}
        db.session.rollback()


def test_movements_pushed_with_and_without_notes_come_back_as_sent(facilitator):
    producer_id, product_id = new_id(), new_id()
    with_note, without = new_id(), new_id()
    facilitator.push(
        facilitator.op("producer", producer_id, producer_fields()),
        facilitator.op("product", product_id, product_fields(producer_id)),
        facilitator.op("stock_movement", with_note, movement_fields(product_id, note="panen pagi")),
        facilitator.op("stock_movement", without, movement_fields(product_id)),
    )
    pulled = {c["entity_id"]: c["data"] for c in facilitator.pull_all()}
    assert pulled[with_note]["note"] == "panen pagi" and pulled[without]["note"] is None


def test_more_rows_than_one_statement_takes_are_all_inserted(app):
    with app.app_context():
        per_statement = MAX_PARAMETERS // len(MOVEMENT_COLUMNS)
        rows = [_row(1000 + n, f"baris {n}") for n in range(2 * per_statement + 1)]
        insert_tuples(StockMovement.__table__, MOVEMENT_COLUMNS, rows)
        assert _notes([r[1] for r in rows]) == {r[1]: r[8] for r in rows}
        db.session.rollback()


def test_adding_to_a_column_adds_to_stored_rows_and_starts_the_missing_ones(app, facilitator):
    producer_id, kept, missing = new_id(), new_id(), new_id()
    facilitator.push(
        facilitator.op("producer", producer_id, producer_fields()),
        facilitator.op("product", kept, product_fields(producer_id)),
        facilitator.op("product", missing, product_fields(producer_id)),
        facilitator.op("stock_movement", new_id(), movement_fields(kept, qty="2.5")),
    )
    stock = ProductStock.__table__
    with app.app_context():
        db.session.execute(stock.delete().where(stock.c.product_id == missing))
        add_to_column(stock, "stock_milli", [(kept, 1500), (missing, -250)], key="product_id")
        totals = dict(db.session.execute(select(stock.c.product_id, stock.c.stock_milli)).all())
        assert totals == {kept: 4000, missing: -250}
        db.session.rollback()
