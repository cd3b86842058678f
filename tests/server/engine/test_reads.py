"""A request's point reads (its account, the feed's position) borrow one pooled connection and give it back."""

from flask import g
from sqlalchemy import event

from server.engine.feed import committed_feed_position, feed_position
from server.engine.reads import read_rows
from server.extensions import db
from tests.helpers import movement_fields, new_id, producer_fields, product_fields


def test_the_reads_of_a_request_share_one_connection_given_back_when_it_ends(app):
    with app.app_context():
        pool = db.engine.pool
        before = pool.checkedout()
        with app.test_request_context():
            assert read_rows("SELECT {mark}", (1,)) == [(1,)]
            assert read_rows("SELECT {mark}", (2,)) == [(2,)]
            borrowed = g.read_connection  # held here: only the request's end can give it back
            assert pool.checkedout() == before + 1
        assert borrowed.closed
        assert pool.checkedout() == before


def test_the_committed_position_is_the_feeds_position_after_a_push(facilitator, app):
    producer_id = new_id()
    product_id = new_id()
    facilitator.push(
        facilitator.op("producer", producer_id, producer_fields()),
        facilitator.op("product", product_id, product_fields(producer_id)),
        facilitator.op("stock_movement", new_id(), movement_fields(product_id, "2")),
    )
    with app.test_request_context():
        assert committed_feed_position() == feed_position()
        assert committed_feed_position()[0] >= 3


def test_a_push_writes_through_the_same_connection_as_the_push_before(facilitator, app):
    """SQLite empties a connection's page cache when another has written since: a worker's
    writes keep to one connection, so each push finds the pages the last one left."""
    writers = []

    def remember_writer(connection, cursor, statement, *args):
        if statement.startswith("UPDATE devices"):
            writers.append(connection.connection.dbapi_connection)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", remember_writer)
    try:
        producer_id = new_id()
        facilitator.push(facilitator.op("producer", producer_id, producer_fields()))
        for _ in range(3):
            facilitator.pull_all()  # reads in between, on the request's read connection
            facilitator.push(facilitator.op("producer", producer_id, {"name": f"Kelompok {new_id()[:8]}"}))
    finally:
        event.remove(engine, "before_cursor_execute", remember_writer)
    assert len(writers) == 4
    assert all(writer is writers[0] for writer in writers)
