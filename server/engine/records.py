"""Synced records as the wire shows them, and back into database columns."""

from sync.quantity import format_milli, parse_milli
from sync.records import format_time

from .models import Producer, Product, Review, StockMovement

MODELS = {"producer": Producer, "product": Product, "stock_movement": StockMovement, "review": Review}

WIRE_FIELDS = {
    "producer": ("id", "name", "village_code", "kind", "phone", "nib"),
    "product": (
        "id",
        "producer_id",
        "name",
        "category",
        "description",
        "unit",
        "unit_weight_kg",
        "price_idr",
        "hs_code",
        "certifications",
        "photos",
        "status",
    ),
    "stock_movement": ("id", "product_id", "qty", "kind", "occurred_at", "note"),
    "review": ("id", "product_id", "decision", "note", "reviewer_id", "at"),
}

# Wire fields whose column holds the value as an integer, under a name of its own.
COLUMN_OF = {"unit_weight_kg": "unit_weight_g", "qty": "qty_milli"}
# Columns a pull reads besides the record's own: who may see it, and seq.
SCOPE_COLUMNS = {
    "producer": ("created_by", "deleted", "seq"),
    "product": ("created_by", "deleted", "seq"),
    "stock_movement": ("created_by", "seq"),
    "review": ("seq",),
}
# Database columns a pull reads, per entity.
COLUMNS = {
    entity: tuple(COLUMN_OF.get(name, name) for name in names) + SCOPE_COLUMNS[entity]
    for entity, names in WIRE_FIELDS.items()
}


def to_wire(entity, row):
    """A database row (mapping) as the record's wire data."""
    if entity == "producer":
        return {k: row[k] for k in WIRE_FIELDS["producer"]}
    if entity == "product":
        data = {k: row[k] for k in WIRE_FIELDS["product"] if k != "unit_weight_kg"}
        grams = row["unit_weight_g"]
        data["unit_weight_kg"] = None if grams is None else format_milli(grams)
        data["certifications"] = data["certifications"] or []
        data["photos"] = data["photos"] or []
        return data
    if entity == "stock_movement":
        return {
            "id": row["id"],
            "product_id": row["product_id"],
            "qty": format_milli(row["qty_milli"]),
            "kind": row["kind"],
            "occurred_at": format_time(row["occurred_at"]),
            "note": row["note"],
        }
    return {
        "id": row["id"],
        "product_id": row["product_id"],
        "decision": row["decision"],
        "note": row["note"],
        "reviewer_id": row["reviewer_id"],
        "at": format_time(row["at"]),
    }


def to_columns(entity, data):
    """Wire data (possibly partial) as database column values."""
    columns = {}
    for name, value in data.items():
        if name == "unit_weight_kg":
            columns["unit_weight_g"] = None if value is None else parse_milli(value)
        elif name == "qty":
            columns["qty_milli"] = parse_milli(value)
        else:  # times stay RFC 3339 text: server/engine/bulk.py stores them as each engine wants
            columns[name] = value
    return columns
