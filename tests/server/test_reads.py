"""A request's point reads (its account, the feed's position) borrow one pooled connection and give it back."""

from flask import g

from server.extensions import db
from server.feed import committed_feed_position, feed_position
from server.reads import read_rows
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
