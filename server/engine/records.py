"""Synced records as the wire shows them, and back into database columns."""

from datetime import datetime

from sqlalchemy import DateTime

from sync.quantity import format_milli, parse_milli
from sync.records import ENTITIES, SERVER_FIELDS, format_time

from .models import Producer, Product, Review, StockMovement

MODELS = {"producer": Producer, "product": Product, "stock_movement": StockMovement, "review": Review}

# A record's wire data: its id, the fields ops set (sync.records, the one list of them), and a
# review's own server-set fields (who decided, when). Who entered a record is added by the feed.
WIRE_FIELDS = {entity: ("id", *spec["fields"]) for entity, spec in ENTITIES.items()}
WIRE_FIELDS["review"] += SERVER_FIELDS["review"]
# The column a wire field is stored in, where it has another name (and form: thousandths).
COLUMN_OF = {"unit_weight_kg": "unit_weight_g", "qty": "qty_milli"}


def _pulled_columns(entity):
    """The database columns a pull reads: the wire fields', the author's and the deletion's where
    the table has them, and seq last (the feed reads it from the end of each row)."""
    names = MODELS[entity].__table__.c
    stored = tuple(COLUMN_OF.get(name, name) for name in WIRE_FIELDS[entity])
    return (*stored, *(name for name in ("created_by", "deleted") if name in names), "seq")


# Database columns a pull reads, per entity, in the order the feed unpacks them.
COLUMNS = {entity: _pulled_columns(entity) for entity in MODELS}
# What a hub's copy needs beyond what a device sees: where a record sits and its clocks.
COPY_FIELDS = ("producer_id", "village_code", "hlcs", "hlc")
# The columns a hub's pull reads: a device's, then those of COPY_FIELDS the table has, seq last.
COPY_COLUMNS = {
    entity: (
        *columns[:-1],
        *(name for name in COPY_FIELDS if name in MODELS[entity].__table__.c and name not in columns),
        "seq",
    )
    for entity, columns in COLUMNS.items()
}
# The wire fields that are times (RFC 3339 text on the wire, datetimes in the database).
TIMES = {
    entity: {name for name in WIRE_FIELDS[entity] if isinstance(getattr(table.c.get(name), "type", None), DateTime)}
    for entity, table in ((entity, model.__table__) for entity, model in MODELS.items())
}


def to_wire(entity, row):
    """A database row (mapping) as the record's wire data."""
    if entity == "product":
        # The weight goes last: the order of a pulled product's data is part of the wire.
        data = {k: row[k] for k in WIRE_FIELDS["product"] if k != "unit_weight_kg"}
        grams = row["unit_weight_g"]
        data["unit_weight_kg"] = None if grams is None else format_milli(grams)
        data["certifications"] = data["certifications"] or []
        data["photos"] = data["photos"] or []
        return data
    data = {name: row[COLUMN_OF.get(name, name)] for name in WIRE_FIELDS[entity]}
    if entity == "stock_movement":
        data["qty"], data["occurred_at"] = format_milli(data["qty"]), format_time(data["occurred_at"])
    elif entity == "review":
        data["at"] = format_time(data["at"])
    return data


def to_columns(entity, data):
    """Wire data (possibly partial) as database column values."""
    columns = {}
    times = TIMES[entity]
    for name, value in data.items():
        if name in COLUMN_OF:  # a qty or weight, stored in thousandths (of a kg: grams)
            columns[COLUMN_OF[name]] = None if value is None else parse_milli(value)
        elif name in times:
            columns[name] = stored_time(value)
        else:
            columns[name] = value
    return columns


def stored_time(value):
    """An RFC 3339 UTC time as sync.records checked it ("2026-11-27T08:15:00Z") -> the naive UTC datetime stored."""
    return None if value is None else datetime.fromisoformat(value[:-1])
