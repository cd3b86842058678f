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

# Database columns a pull reads, per entity (scope columns and seq included).
COLUMNS = {
    "producer": ("id", "name", "village_code", "kind", "phone", "nib", "created_by", "deleted", "seq"),
    "product": (
        "id",
        "producer_id",
        "name",
        "category",
        "description",
        "unit",
        "unit_weight_g",
        "price_idr",
        "hs_code",
        "certifications",
        "photos",
        "status",
        "created_by",
        "deleted",
        "seq",
    ),
    "stock_movement": ("id", "product_id", "qty_milli", "kind", "occurred_at", "note", "created_by", "seq"),
    "review": ("id", "product_id", "decision", "note", "reviewer_id", "at", "seq"),
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
