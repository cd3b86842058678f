"""The change feed a pull reads: records changed after a cursor, within the caller's scope.

Every write takes the next sequence numbers under the sync_state row lock, so sequence order
is commit order; a pull reads only up to the highest committed number, never past a gap.

A pull is the most frequent request there is, and a first sync moves tens of thousands of
records, so its statements are built once per shape of scope and each change is rendered as
JSON text once. Within one page, changes are grouped by entity and by owner (movements of one
product together): each record still comes once, in its current state, and grouping lets gzip
find the repeated ids, which makes the page a fraction of the size.
"""

from bisect import bisect_right
from functools import lru_cache
from operator import itemgetter

import orjson
from sqlalchemy import Integer, and_, bindparam, select, union_all

from sync.quantity import format_milli
from sync.records import format_time

from .models import SyncState, User
from .records import COLUMNS, COPY_COLUMNS, COPY_FIELDS, MODELS, to_wire
from .scope import in_regions_given, region_params, visible_keys
from .store import run, select_in

ENTITY_ORDER = ("producer", "product", "stock_movement", "review")
# The column a change is grouped by within a page, per entity.
GROUP_BY = {"producer": "id", "product": "producer_id", "stock_movement": "product_id", "review": "product_id"}
# The column each kind of scope key is matched on, per entity; both have a (column, seq) index.
KEY_COLUMNS = {
    "producer": {"producer": "id", "product": "producer_id", "stock_movement": "producer_id", "review": "producer_id"},
    "village": dict.fromkeys(ENTITY_ORDER, "village_code"),
}
# Where the author's id is in a fetched row, for the entities that name one.
AUTHOR = {entity: COLUMNS[entity].index("created_by") for entity in ("producer", "product", "stock_movement")}
MAX_KEYS = 400  # desa listed one by one; beyond that, one range scan in feed order


POSITION = select(SyncState.__table__.c.seq, SyncState.__table__.c.hlc).where(SyncState.__table__.c.id == 1)


def feed_position():
    """(the highest committed change-feed sequence number, the server clock's last HLC), in the request's session."""
    return run(POSITION).one()


def read_changes(actor, after, upto, limit, since=None):
    """Changes with after < seq <= upto in an actor's scope: (the JSON of the changes joined by commas,
    last seq, more). With `since`, movements that occurred before it are left out (a recent-first sync)."""
    # Scope as equality keys, or None when there are too many desa to list (a whole province):
    # then a range scan in feed order is the better plan anyway, since such an account sees most
    # of what changes.
    keys = visible_keys(actor, MAX_KEYS)
    copying = actor.role == "hub"  # a hub keeps a copy: where each record sits, and its clocks
    columns = COPY_COLUMNS if copying else COLUMNS
    fetched, bound = {}, upto
    for entity in ENTITY_ORDER:
        recent = since if entity == "stock_movement" else None
        # Up to the bound so far, not upto: rows past it would be cut from this page anyway.
        rows = (
            _fetch(entity, columns[entity], keys, actor.regions, (after, bound, limit, recent))
            if keys or keys is None
            else []
        )
        if len(rows) == limit:
            # This entity may have more: nothing past its last row is complete yet.
            bound = min(bound, rows[-1][-1])
        fetched[entity] = rows
    if bound < upto or sum(map(len, fetched.values())) > limit:
        bound = _page_bound(fetched.values(), after, bound, limit)
        fetched = {entity: rows[: bisect_right(rows, bound, key=SEQ)] for entity, rows in fetched.items()}
    author_ids = _authors_of(fetched)
    authors = Authors(author_ids, author_names(author_ids))
    changes = []
    for entity, rows in fetched.items():
        # Rows come in seq order and the sort is stable: sorted by owner, they stay in seq order within it.
        rows.sort(key=itemgetter(COLUMNS[entity].index(GROUP_BY[entity])))
        if copying:
            changes.extend(render_copy(entity, row, authors) for row in rows)
        elif entity == "stock_movement":
            changes.extend(render_movements(rows, authors))
        else:
            changes.extend(render_change(entity, row, authors) for row in rows)
    return ",".join(changes).encode(), bound, bound < upto


SEQ = itemgetter(-1)  # every fetched row ends with its seq


def _authors_of(fetched):
    """The ids of the accounts that entered the fetched records."""
    ids = set()
    for entity, rows in fetched.items():
        if entity in AUTHOR:
            ids.update(map(itemgetter(AUTHOR[entity]), rows))
    return ids


def _page_bound(row_lists, after, bound, limit):
    """The highest seq a page of at most `limit` changes reaches: the limit-th smallest seq up to bound.

    Each list is in seq order, so counting those up to a seq is a bisection; a bisection over
    seq then finds the bound without sorting thousands of rows.
    """
    row_lists = list(row_lists)

    def count_upto(seq):
        return sum(bisect_right(rows, seq, key=SEQ) for rows in row_lists)

    if count_upto(bound) <= limit:
        return bound
    low, high = after, bound  # count_upto(low) < limit <= count_upto(high)
    while high - low > 1:
        middle = (low + high) // 2
        if count_upto(middle) >= limit:
            high = middle
        else:
            low = middle
    return high


def author_names(user_ids):
    """The names of the accounts that entered these records: on a shared phone, who did it matters."""
    known = sorted(user_id for user_id in user_ids if user_id is not None)
    return {row["id"]: row["name"] for row in select_in(User.__table__, ("id", "name"), "id", known)}


def _fetch(entity, columns, keys, regions, window):
    """Rows of one entity in scope, oldest change first, each of the columns given (COLUMNS or COPY_COLUMNS).

    window: (after, upto, limit, since); since (or None) leaves out movements that occurred before it.
    """
    after, upto, limit, since = window
    params = {"after": after, "upto": upto, "limit": limit}
    recent = since is not None
    if recent:
        params["since"] = since
    if keys is None:
        statement = _in_regions(entity, columns, len(regions), recent)
        params.update(region_params(regions))
    else:
        statement = _by_keys(entity, columns, keys[0][0], len(keys), recent)
        params.update((f"k{i}", key) for i, (_, key) in enumerate(keys))
    return run(statement, params).all()


# Built once per entity and number of regions or keys, so each is compiled once.
@lru_cache(maxsize=64)
def _in_regions(entity, columns, count, recent):
    """Changes under `count` regions: a range instead of LIKE, so both engines use the (village_code, seq) index."""
    table = MODELS[entity].__table__
    scope = in_regions_given(table.c.village_code, count)
    return select(*_pulled(table, columns)).where(_window(table, recent), scope).order_by(table.c.seq).limit(_LIMIT)


@lru_cache(maxsize=1024)
def _by_keys(entity, columns, kind, count, recent):
    """Changes of `count` scope keys (desa or producers).

    One index range per key ((village_code, seq) or (producer_id, seq)), each already in feed
    order, merged: the cost follows what is in scope, not what the whole region wrote. The
    merge carries only seq, read from the index alone; the rows are then fetched by seq
    (several times faster than merging whole rows).
    """
    table = MODELS[entity].__table__
    column = table.c[KEY_COLUMNS[kind][entity]]
    parts = [select(table.c.seq).where(column == bindparam(f"k{i}"), _window(table, recent)) for i in range(count)]
    wanted = (union_all(*parts) if count > 1 else parts[0]).order_by(table.c.seq).limit(_LIMIT)
    return select(*_pulled(table, columns)).where(table.c.seq.in_(wanted)).order_by(table.c.seq)


_LIMIT = bindparam("limit", type_=Integer)


def _window(table, recent=False):
    window = and_(table.c.seq > bindparam("after"), table.c.seq <= bindparam("upto"))
    return and_(window, table.c.occurred_at >= bindparam("since")) if recent else window


def _pulled(table, columns):
    return [table.c[name] for name in columns]


def render_change(entity, row, authors):
    """The JSON of one change (a fetched row of COLUMNS), as text."""
    return orjson.dumps(_change(entity, dict(zip(COLUMNS[entity], row, strict=True)), authors)).decode()


def render_copy(entity, row, authors):
    """The JSON of one change as a hub's pull gives it: the change a device gets, with `copy` holding
    where the record sits and its clocks (a fetched row of COPY_COLUMNS)."""
    values = dict(zip(COPY_COLUMNS[entity], row, strict=True))
    change = _change(entity, values, authors)
    change["copy"] = {name: values[name] for name in COPY_FIELDS if name in values}
    return orjson.dumps(change).decode()


def _change(entity, row, authors):
    if row.get("deleted"):
        return {"entity": entity, "entity_id": row["id"], "action": "delete"}
    data = to_wire(entity, row)
    if entity != "review":  # who entered it (an extension of the contract's fields)
        data["created_by"], data["created_by_name"] = row["created_by"], authors.name(row["created_by"])
    return {"entity": entity, "entity_id": row["id"], "action": "upsert", "data": data}


def render_movements(rows, authors):
    """The JSON of movements, from a template: they come by the ten thousand.

    Ids are validated UUIDs, kind one of a fixed set, qty digits: only texts need escaping.
    """
    qty_text, time_text, author_json = _qty_text, format_time, authors.fragments
    # A row holds COLUMNS["stock_movement"] in order; the keys follow WIRE_FIELDS (test_columns.py).
    for movement_id, product_id, qty_milli, kind, at, note, author, _ in rows:
        at = time_text(at)
        note = "null" if note is None else orjson.dumps(note).decode()
        yield (
            f'{{"entity":"stock_movement","entity_id":"{movement_id}","action":"upsert","data":{{"id":"{movement_id}",'
            f'"product_id":"{product_id}","qty":"{qty_text(qty_milli)}","kind":"{kind}",'
            f'"occurred_at":"{at}","note":{note},{author_json[author]}}}}}'
        )


class Authors:
    """The names of the accounts that entered a page's records, and the JSON a movement names them by."""

    def __init__(self, user_ids, names):
        self.names = names
        self.fragments = {user_id: self._fragment(user_id) for user_id in user_ids}

    def name(self, user_id):
        """The account's name (None for none)."""
        return self.names.get(user_id)

    def _fragment(self, user_id):
        author, name = orjson.dumps(user_id).decode(), orjson.dumps(self.names.get(user_id)).decode()
        return f'"created_by":{author},"created_by_name":{name}'


@lru_cache(maxsize=4096)  # a page repeats the same few quantities
def _qty_text(milli):
    return format_milli(milli)
