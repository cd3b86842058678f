"""A request's point reads (its account, the feed's position) go through its session: one connection a request."""

from sqlalchemy import bindparam, event, select, text

from server.engine.feed import feed_position
from server.engine.store import run
from server.extensions import db
from tests.helpers import Device, movement_fields, new_id, producer_fields, product_fields


def test_the_reads_of_a_request_are_on_its_session_connection_given_back_when_it_ends(app):
    with app.app_context():
        pool = db.engine.pool
    before = pool.checkedout()
    with app.test_request_context():  # a request's own app context, as a request has
        assert run(select(bindparam("n")), {"n": 1}).all() == [(1,)]
        assert run(select(bindparam("n")), {"n": 2}).all() == [(2,)]
        assert db.session.execute(text("SELECT 3")).scalar() == 3
        assert pool.checkedout() == before + 1
    assert pool.checkedout() == before


def test_a_pull_and_a_push_each_borrow_one_connection(app, client, accounts):
    device = Device(client, accounts.headers(role="facilitator", regions=("32.04.10",)))
    producer_id = new_id()
    device.push(device.op("producer", producer_id, producer_fields()))
    device.pull_all()
    lent = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: lent.append(args[0])  # noqa: E731
    event.listen(engine, "checkout", listener)
    try:
        device.pull_all()  # nothing new: the account and the feed's position
        pulled = len(lent)
        device.push(device.op("producer", producer_id, {"name": "Kelompok Tani"}))
    finally:
        event.remove(engine, "checkout", listener)
    assert (pulled, len(lent) - pulled) == (1, 1)


def test_the_position_is_the_feeds_after_a_push(facilitator, app):
    producer_id = new_id()
    product_id = new_id()
    facilitator.push(
        facilitator.op("producer", producer_id, producer_fields()),
        facilitator.op("product", product_id, product_fields(producer_id)),
        facilitator.op("stock_movement", new_id(), movement_fields(product_id, "2")),
    )
    with app.test_request_context():
        assert feed_position()[0] >= 3


def test_a_push_writes_through_the_same_connection_as_the_push_before(facilitator, app):
    """SQLite empties a connection's page cache when another has written since: a worker's
    writes keep to one connection, so each push finds the pages the last one left, even when
    a burst has left several connections in the pool."""
    writers = []

    def remember_writer(connection, cursor, statement, *args):
        if statement.startswith("UPDATE devices"):
            writers.append(connection.connection.dbapi_connection)

    with app.app_context():
        engine = db.engine
    with engine.connect(), engine.connect(), engine.connect():
        pass  # connections at once, as concurrent requests leave them: all now in the pool
    event.listen(engine, "before_cursor_execute", remember_writer)
    try:
        producer_id = new_id()
        facilitator.push(facilitator.op("producer", producer_id, producer_fields()))
        for _ in range(3):
            facilitator.pull_all()  # reads in between
            facilitator.push(facilitator.op("producer", producer_id, {"name": f"Kelompok {new_id()[:8]}"}))
    finally:
        event.remove(engine, "before_cursor_execute", remember_writer)
    assert len(writers) == 4
    assert all(writer is writers[0] for writer in writers)
