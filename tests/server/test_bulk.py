"""Batched writes straight through the driver store what the ORM would."""

from sqlalchemy import select

from server.bulk import insert_tuples
from server.extensions import db
from server.models import StockMovement
from tests.helpers import movement_fields, new_id, producer_fields, product_fields

COLUMNS = ("seq", "id", "product_id", "producer_id", "village_code", "qty_milli", "kind", "occurred_at", "note", "hlc")


def _row(seq, note):
    return (seq, new_id(), new_id(), new_id(), "32.04.10.2001", 1000, "harvest", "2026-11-27T08:15:00Z", note, "h")


def _notes(ids):
    rows = db.session.execute(select(StockMovement.id, StockMovement.note).where(StockMovement.id.in_(ids)))
    return dict(rows.all())


def test_a_column_empty_in_every_row_is_stored_as_null(app):
    with app.app_context():
        rows = [_row(seq, None) for seq in (101, 102)]
        insert_tuples(StockMovement.__table__, COLUMNS + ("created_at",), [r + ("2026-11-28 00:00:00",) for r in rows])
        assert _notes([r[1] for r in rows]) == {rows[0][1]: None, rows[1][1]: None}
        db.session.rollback()


def test_rows_with_and_without_a_value_keep_each_their_own(app):
    with app.app_context():
        rows = [_row(201, "dari Pak Ujang"), _row(202, None), _row(203, "")]
        insert_tuples(StockMovement.__table__, COLUMNS + ("created_at",), [r + ("2026-11-28 00:00:00",) for r in rows])
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
