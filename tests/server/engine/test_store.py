"""The engine's batched statements store and read what the ORM would."""

from datetime import datetime

from sqlalchemy import select

from server.engine.apply import MOVEMENT_COLUMNS
from server.engine.models import ProductStock, StockMovement
from server.engine.records import stored_time
from server.engine.store import MAX_IN, add_to_column, insert_new, insert_rows, select_in, update_rows
from server.extensions import db
from tests.helpers import movement_fields, new_id, producer_fields, product_fields


def _row(seq, note):
    at, created = stored_time("2026-11-27T08:15:00.250Z"), stored_time("2026-11-28T00:00:00Z")
    values = (seq, new_id(), new_id(), new_id(), "32.04.10.2001", 1000, "harvest", at, note, "h", new_id(), created)
    return dict(zip(MOVEMENT_COLUMNS, values, strict=True))


def _notes(ids):
    rows = db.session.execute(select(StockMovement.id, StockMovement.note).where(StockMovement.id.in_(ids)))
    return dict(rows.all())


def test_a_column_empty_in_every_row_is_stored_as_null(app):
    with app.app_context():
        rows = [_row(seq, None) for seq in (101, 102)]
        insert_rows(StockMovement.__table__, rows)
        assert _notes([r["id"] for r in rows]) == {rows[0]["id"]: None, rows[1]["id"]: None}
        db.session.rollback()


def test_rows_with_and_without_a_value_keep_each_their_own(app):
    with app.app_context():
        rows = [_row(201, "dari Pak Ujang"), _row(202, None), _row(203, "")]
        insert_rows(StockMovement.__table__, rows)
        assert _notes([r["id"] for r in rows]) == {
            rows[0]["id"]: "dari Pak Ujang",
            rows[1]["id"]: None,
            rows[2]["id"]: "",
        }
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


def test_many_rows_are_all_inserted_and_read_back_by_more_ids_than_one_in_list_takes(app):
    with app.app_context():
        rows = [_row(1000 + n, f"baris {n}") for n in range(2 * MAX_IN + 1)]
        insert_rows(StockMovement.__table__, rows)
        ids = [r["id"] for r in rows]
        read = select_in(StockMovement.__table__, ("id", "note", "occurred_at"), "id", ids)
        assert {r["id"]: r["note"] for r in read} == {r["id"]: r["note"] for r in rows}
        assert {r["occurred_at"] for r in read} == {datetime(2026, 11, 27, 8, 15, 0, 250000)}
        db.session.rollback()


def test_rows_are_updated_by_their_key_and_only_in_the_columns_given(app):
    with app.app_context():
        rows = [_row(seq, "lama") for seq in (301, 302, 303)]
        insert_rows(StockMovement.__table__, rows)
        changes = [{"id": rows[0]["id"], "note": "baru", "seq": 401}, {"id": rows[1]["id"], "note": None, "seq": 402}]
        update_rows(StockMovement.__table__, changes)
        read = select_in(StockMovement.__table__, ("id", "note", "seq", "kind"), "id", [r["id"] for r in rows])
        assert {r["id"]: (r["note"], r["seq"], r["kind"]) for r in read} == {
            rows[0]["id"]: ("baru", 401, "harvest"),
            rows[1]["id"]: (None, 402, "harvest"),
            rows[2]["id"]: ("lama", 303, "harvest"),
        }
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


def test_new_rows_are_inserted_and_those_clashing_with_a_stored_key_are_left(app):
    with app.app_context():
        stored, clashing, fresh = _row(501, "disimpan"), _row(502, "bentrok"), _row(503, "baru")
        insert_rows(StockMovement.__table__, [stored])
        insert_new(StockMovement.__table__, [{**clashing, "id": stored["id"]}, fresh])
        read = select_in(StockMovement.__table__, ("id", "note"), "id", [stored["id"], fresh["id"]])
        assert {r["id"]: r["note"] for r in read} == {stored["id"]: "disimpan", fresh["id"]: "baru"}
        db.session.rollback()
