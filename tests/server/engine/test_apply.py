"""The one write path's own housekeeping, apart from the sync rules it applies."""

import gc
import weakref

from server.engine.apply import Actor, Batch
from server.extensions import db
from tests.helpers import movement_fields, new_id, producer_fields, product_fields


def test_a_batch_goes_when_its_push_ends_without_the_garbage_collector(app, facilitator):
    # A batch holds every record of a push; tied in a reference cycle, it and all it holds
    # would stay until the cyclic collector ran, and a collection in a later push walked them.
    producer_id, product_id = new_id(), new_id()
    ops = [
        facilitator.op("producer", producer_id, producer_fields()),
        facilitator.op("product", product_id, product_fields(producer_id)),
        facilitator.op("stock_movement", new_id(), movement_fields(product_id, "2")),
    ]
    with app.app_context():
        batch = Batch(Actor(id=new_id(), role="facilitator", regions=("32.04.10",)), new_id())
        results = batch.run(ops)
        db.session.rollback()
        assert [r["status"] for r in results] == ["applied"] * 3
        gone = weakref.ref(batch)
        gc.disable()
        try:
            del batch
            assert gone() is None
        finally:
            gc.enable()
