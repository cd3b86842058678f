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
from .models import Producer, Region, User
from .records import COLUMNS, MODELS, to_wire

ENTITY_ORDER = ("producer", "product", "stock_movement", "review")
# The column a change is grouped by within a page, per entity.
GROUP_BY = {"producer": "id", "product": "producer_id", "stock_movement": "product_id", "review": "product_id"}
# The column each kind of scope key is matched on, per entity; both have a (column, seq) index.
KEY_COLUMNS = {
    "producer": {"producer": "id", "product": "producer_id", "stock_movement": "producer_id", "review": "producer_id"},
    "village": dict.fromkeys(ENTITY_ORDER, "village_code"),
}
MAX_KEYS = 400  # desa listed one by one; beyond that, one range scan in feed order


def feed_position():
    """(the highest committed change-feed sequence number, the server clock's last HLC)."""
    return db.session.connection().exec_driver_sql("SELECT seq, hlc FROM sync_state WHERE id = 1").fetchone()


def read_changes(user, regions, after, upto, limit):
    """Changes with after < seq <= upto in scope: (JSON bytes of each change, last seq, more)."""
    keys = scope_keys(user, regions)
    fetched, bound = {}, upto
    for entity in ENTITY_ORDER:
        rows = _fetch(entity, keys, regions, after, upto, limit) if keys or keys is None else []
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
    names = _author_names({row.get("created_by") for _, _, row in page} - {None})
    return [render_change(entity, row, names) for _, entity, row in grouped], bound, bound < upto


def _author_names(user_ids):
    """The names of the accounts that entered these records: on a shared phone, who did it matters."""
    if not user_ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(sorted(user_ids)))).all())


def scope_keys(user, regions):
    """What the account sees, as equality keys: producer ids, or the desa codes of its regions.

    None when the regions hold too many desa to list (a whole province): then a range scan in
    feed order is the better plan anyway, since such an account sees most of what changes.
    """
    if user.role == "producer":
        return [("producer", pid) for pid in visible_producer_ids(user)]
    desa = [r for r in regions if r.count(".") == 3]
    for region in (r for r in regions if r.count(".") < 3):
        query = select(Region.code).where(Region.level == 4, Region.code > region + ".", Region.code < region + "/")
        desa.extend(db.session.scalars(query))
        if len(desa) > MAX_KEYS:
            return None
    return [("village", code) for code in sorted(set(desa))]


def _fetch(entity, keys, regions, after, upto, limit):
    """Rows of one entity in scope, oldest change first, as dicts of the columns a pull needs."""
    connection = db.session.connection()
    mark = param_mark(connection)
    table = MODELS[entity].__table__
    columns = ", ".join(COLUMNS[entity])
    window = f"seq > {mark} AND seq <= {mark}"
    if keys is None:
        # A range instead of LIKE, so both engines can use the (village_code, seq) index.
        one = f"village_code = {mark} OR (village_code >= {mark} AND village_code < {mark})"
        scope = " OR ".join([one] * len(regions))
        sql = f"SELECT {columns} FROM {table.name} WHERE {window} AND ({scope}) ORDER BY seq LIMIT {int(limit)}"
        params = (after, upto, *(value for r in regions for value in (r, r + ".", r + "/")))
    else:
        # One index range per key ((village_code, seq) or (producer_id, seq)), each already in
        # feed order and cut at the limit, merged: the cost follows what is in scope, not what
        # the whole region wrote.
        column = KEY_COLUMNS[keys[0][0]][entity]
        part = (
            f"SELECT {columns} FROM {table.name} WHERE {column} = {mark} AND {window} ORDER BY seq LIMIT {int(limit)}"
        )
        sql = " UNION ALL ".join(f"SELECT * FROM ({part}) AS k{i}" for i in range(len(keys)))
        sql += f" ORDER BY seq LIMIT {int(limit)}"
        params = tuple(value for _, key in keys for value in (key, after, upto))
    rows = connection.exec_driver_sql(sql, params).fetchall()
    names = COLUMNS[entity]
    if entity == "stock_movement":  # rendered from raw values (_render_movement)
        return [dict(zip(names, row, strict=True)) for row in rows]
    readers = [column_reader(table.c[name].type, connection) for name in names]
    return [{name: read(value) for name, read, value in zip(names, readers, row, strict=True)} for row in rows]


def render_change(entity, row, names):
    """The JSON of one change, as UTF-8 bytes; `names` maps account ids to names."""
    if row.get("deleted"):
        return orjson.dumps({"entity": entity, "entity_id": row["id"], "action": "delete"})
    if entity == "stock_movement":
        return _render_movement(row, names)
    data = to_wire(entity, row)
    if entity != "review":  # who entered it (an extension of the contract's fields)
        data["created_by"], data["created_by_name"] = row["created_by"], names.get(row["created_by"])
    change = {"entity": entity, "entity_id": row["id"], "action": "upsert", "data": data}
    return orjson.dumps(change)


def _render_movement(row, names):
    # The one entity that comes by the ten thousand: rendered from a template. Ids are
    # validated UUIDs, kind one of a fixed set, qty digits: only texts need escaping.
    note = "null" if row["note"] is None else orjson.dumps(row["note"]).decode()
    author = row["created_by"]
    author_name = orjson.dumps(names.get(author)).decode()
    return (
        f'{{"entity":"stock_movement","entity_id":"{row["id"]}","action":"upsert","data":{{"id":"{row["id"]}",'
        f'"product_id":"{row["product_id"]}","qty":"{format_milli(row["qty_milli"])}","kind":"{row["kind"]}",'
        f'"occurred_at":"{_time_text(row["occurred_at"])}","note":{note},'
        f'"created_by":{orjson.dumps(author).decode()},"created_by_name":{author_name}}}}}'
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
