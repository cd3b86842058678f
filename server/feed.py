"""The change feed a pull reads: records changed after a cursor, within the caller's scope.

Every write takes the next sequence numbers under the sync_state row lock, so sequence order
is commit order; a pull reads only up to the highest committed number, never past a gap.
"""

from sqlalchemy import and_, false, or_, select, text

from .extensions import db
from .models import Producer
from .records import COLUMNS, MODELS, to_wire

ENTITY_ORDER = ("producer", "product", "stock_movement", "review")


def high_water():
    """The highest committed change-feed sequence number."""
    return db.session.execute(text("SELECT seq FROM sync_state WHERE id = 1")).scalar_one()


def server_hlc():
    """The server clock's last issued HLC."""
    return db.session.execute(text("SELECT hlc FROM sync_state WHERE id = 1")).scalar_one()


def read_changes(user, regions, after, upto, limit):
    """Changes with after < seq <= upto in scope, oldest first: (changes, last seq, more)."""
    rows, bound = [], upto
    filters = _scope_filters(user, regions)
    for entity in ENTITY_ORDER:
        model = MODELS[entity]
        columns = [model.__table__.c[name] for name in COLUMNS[entity]]
        query = (
            select(*columns)
            .where(model.seq > after, model.seq <= upto, filters(entity, model))
            .order_by(model.seq)
            .limit(limit)
        )
        fetched = db.session.execute(query).mappings().all()
        if len(fetched) == limit:
            # This table may hold more: nothing past its last row is complete yet.
            bound = min(bound, fetched[-1]["seq"])
        rows.extend((row["seq"], entity, row) for row in fetched)
    rows = sorted((item for item in rows if item[0] <= bound), key=lambda item: item[0])
    if len(rows) > limit:
        rows = rows[:limit]
        bound = rows[-1][0]
    return [_change(entity, row) for _, entity, row in rows], bound, bound < upto


def _change(entity, row):
    if row.get("deleted"):
        return {"entity": entity, "entity_id": row["id"], "action": "delete"}
    return {"entity": entity, "entity_id": row["id"], "action": "upsert", "data": to_wire(entity, row)}


def _scope_filters(user, regions):
    """A function (entity, model) -> SQL condition that keeps what the account may see."""
    if user.role == "producer":
        ids = visible_producer_ids(user)

        def producer_scope(entity, model):
            column = model.id if entity == "producer" else model.producer_id
            return column.in_(ids) if ids else false()

        return producer_scope

    def region_scope(entity, model):
        return in_regions(model.village_code, regions)

    return region_scope


def in_regions(column, regions):
    """SQL: the column's region code is one of, or lies under one of, the region codes."""
    if not regions:
        return false()
    # A range instead of LIKE, so both engines can use the (village_code, seq) index.
    return or_(*(or_(column == r, and_(column >= r + ".", column < r + "/")) for r in regions))


def visible_producer_ids(user):
    """The producer records a producer account owns: those it made, and those with its phone."""
    query = select(Producer.id).where(or_(Producer.created_by == user.id, Producer.phone == user.phone))
    return list(db.session.scalars(query))
