"""The change feed a pull reads: records changed after a cursor, within the caller's scope.

Every write takes the next sequence numbers under the sync_state row lock, so sequence order
is commit order; a pull reads only up to the highest committed number, never past a gap.

A pull is the most frequent request there is, and a first sync moves tens of thousands of
records, so this module reads rows straight through the driver and renders each change as
JSON text once. Within one page, changes are grouped by entity and by owner (movements of one
product together): each record still comes once, in its current state, and grouping lets gzip
find the repeated ids, which makes the page a fraction of the size.
"""

import orjson
from sqlalchemy import and_, false, or_, select

from sync.quantity import format_milli
from sync.records import format_time

from .bulk import column_reader, param_mark
from .extensions import db
from .models import Producer
from .records import COLUMNS, MODELS, to_wire

ENTITY_ORDER = ("producer", "product", "stock_movement", "review")
# The column a change is grouped by within a page, per entity.
GROUP_BY = {"producer": "id", "product": "producer_id", "stock_movement": "product_id", "review": "product_id"}
SCOPE_COLUMNS = {"producer": "id", "product": "producer_id", "stock_movement": "producer_id", "review": "producer_id"}


def feed_position():
    """(the highest committed change-feed sequence number, the server clock's last HLC)."""
    return db.session.connection().exec_driver_sql("SELECT seq, hlc FROM sync_state WHERE id = 1").fetchone()


def read_changes(user, regions, after, upto, limit):
    """Changes with after < seq <= upto in scope: (JSON bytes of each change, last seq, more)."""
    producer_ids = visible_producer_ids(user) if user.role == "producer" else None
    fetched, bound = {}, upto
    for entity in ENTITY_ORDER:
        rows = _fetch(entity, producer_ids, regions, after, upto, limit)
        if len(rows) == limit:
            # This entity may have more: nothing past its last row is complete yet.
            bound = min(bound, rows[-1]["seq"])
        fetched[entity] = rows
    page = sorted(
        ((row["seq"], entity, row) for entity, rows in fetched.items() for row in rows if row["seq"] <= bound)
    )
    if len(page) > limit:
        page = page[:limit]
        bound = page[-1][0]
    grouped = sorted(page, key=lambda item: (ENTITY_ORDER.index(item[1]), item[2][GROUP_BY[item[1]]], item[0]))
    return [render_change(entity, row) for _, entity, row in grouped], bound, bound < upto


def _fetch(entity, producer_ids, regions, after, upto, limit):
    """Rows of one entity in scope, oldest change first, as dicts of the columns a pull needs."""
    connection = db.session.connection()
    mark = param_mark(connection)
    table = MODELS[entity].__table__
    columns = COLUMNS[entity]
    if producer_ids is not None:
        if not producer_ids:
            return []
        scope = f"{SCOPE_COLUMNS[entity]} IN ({', '.join([mark] * len(producer_ids))})"
        params = list(producer_ids)
    else:
        if not regions:
            return []
        # A range instead of LIKE, so both engines can use the (village_code, seq) index.
        scope = " OR ".join(
            [f"village_code = {mark} OR (village_code >= {mark} AND village_code < {mark})"] * len(regions)
        )
        params = [value for r in regions for value in (r, r + ".", r + "/")]
    sql = (
        f"SELECT {', '.join(columns)} FROM {table.name} WHERE seq > {mark} AND seq <= {mark} AND ({scope}) "
        f"ORDER BY seq LIMIT {int(limit)}"
    )
    readers = (
        None if entity == "stock_movement" else [column_reader(table.c[name].type, connection) for name in columns]
    )
    rows = connection.exec_driver_sql(sql, (after, upto, *params)).fetchall()
    if readers is None:
        return [dict(zip(columns, row, strict=True)) for row in rows]
    return [{name: read(value) for name, read, value in zip(columns, readers, row, strict=True)} for row in rows]


def render_change(entity, row):
    """The JSON of one change, as UTF-8 bytes."""
    if row.get("deleted"):
        return orjson.dumps({"entity": entity, "entity_id": row["id"], "action": "delete"})
    if entity == "stock_movement":
        return _render_movement(row)
    data = to_wire(entity, row)
    change = {"entity": entity, "entity_id": row["id"], "action": "upsert", "data": data}
    return orjson.dumps(change)


def _render_movement(row):
    # The one entity that comes by the ten thousand: rendered from a template. Ids are
    # validated UUIDs, kind one of a fixed set, qty digits: only the note needs escaping.
    note = "null" if row["note"] is None else orjson.dumps(row["note"]).decode()
    return (
        f'{{"entity":"stock_movement","entity_id":"{row["id"]}","action":"upsert","data":{{"id":"{row["id"]}",'
        f'"product_id":"{row["product_id"]}","qty":"{format_milli(row["qty_milli"])}","kind":"{row["kind"]}",'
        f'"occurred_at":"{_time_text(row["occurred_at"])}","note":{note}}}}}'
    ).encode()


def _time_text(value):
    """A stored time as RFC 3339: SQLite hands back text, PostgreSQL a datetime."""
    if not isinstance(value, str):
        return format_time(value)
    seconds, _, fraction = value.partition(".")
    millis = fraction[:3]
    return seconds.replace(" ", "T") + (f".{millis}Z" if millis.strip("0") else "Z")


def visible_producer_ids(user):
    """The producer records a producer account owns: those it made, and those with its phone."""
    query = select(Producer.id).where(or_(Producer.created_by == user.id, Producer.phone == user.phone))
    return list(db.session.scalars(query))


def in_regions(column, regions):
    """SQL: the column's region code is one of, or lies under one of, the region codes."""
    if not regions:
        return false()
    return or_(*(or_(column == r, and_(column >= r + ".", column < r + "/")) for r in regions))
