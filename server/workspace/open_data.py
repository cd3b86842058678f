"""Open data for analysts: `flask --app server export sqlite OUT.db`.

Writes one denormalized, documented SQLite file with sqlite-utils, which opens in Datasette as
it is (`datasette OUT.db -m OUT.metadata.json`), or in any SQLite tool:

    products                   approved (curated), non-deleted products, each with its producer's
                               name and kind, the names and codes of its desa, kecamatan, kabupaten
                               and provinsi, stock on hand in its unit and in kg, and what export
                               readiness reads (HS code, documents held and their expiry, the
                               readiness verdict of server/workspace/readiness/rules.py on the day of the export)
    products_fts               full-text search (FTS5) on product names and descriptions
    producers                  producers with at least one product in `products`
    regions                    the regions those products lie in: desa and every level above
    monthly_stock_movements    stock movements of those products summed per product, month (UTC)
                               and kind, in the database: aggregates, never single movements
    _metadata                  a description of every table and column
    _about                     what this file is: title, source, licence, when and for what scope

Only approved products are open data: the curated catalogue an admin has reviewed; drafts,
submitted, rejected and deleted records never leave. Privacy: no phone numbers (neither the
producers' nor the accounts'), no document numbers (only each document's kind and expiry, and
whether the producer has a NIB), no accounts, devices, review notes or stock-movement notes.
Producer names stay: they are the seller names the marketplace exports carry too.

Memory stays flat: products are read by keyset pagination in batches of 1,000 (id > last id),
their movement aggregates are grouped in the database per batch, and sqlite-utils inserts from
generators. The file is written beside OUT under a temporary name and renamed into place at the
end, so OUT is never half written.
"""

import json
import os
from pathlib import Path

import sqlite_utils
from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import aliased

from sync.quantity import format_milli

from ..engine.models import FeaturedProduct, Producer, Product, Region, StockMovement
from ..engine.scope import in_regions
from ..extensions import db
from ..web.timeutil import utcnow
from .exports import keyset_pages, walk_by_id
from .readiness.rules import evaluate

BATCH = 1000
UNIT_GRAMS = {"kg": 1000, "g": 1, "l": 1000, "ml": 1}
LEVEL_NAMES = {1: "provinsi", 2: "kabupaten/kota", 3: "kecamatan", 4: "desa/kelurahan"}
REGIONS_LICENSE = "Region codes and names: idn-area-data (ODbL 1.0), from Kemendagri."

TABLES = {
    "products": (
        "Approved (curated) village products, one row each, denormalized with producer and region names.",
        {
            "id": "Product id (UUID); the SKU in the marketplace exports.",
            "name": "Product name as the producer wrote it.",
            "description": "Product description.",
            "category": "Category code: coffee, cocoa, spices, rice_grains, fruits, vegetables, fishery, "
            "livestock, processed_food, beverages, herbal, handicraft, textile, other.",
            "unit": "Unit of stock and price: kg, g, l, ml, pcs, pack, karung (sack), ikat (bunch).",
            "unit_weight_kg": "Net weight of one unit in kg (1 for kg, 0.001 for g, 1 for l, 0.001 for ml "
            "when not given); null when unknown.",
            "price_idr": "Price per unit in whole rupiah; null when not given.",
            "hs_code": "8-digit HS (AHTN/BTKI) tariff code, as 0901.21.10; null when not given.",
            "stock_units": "Stock on hand on the export day, in the product's unit.",
            "stock_kg": "Stock on hand in kg (stock_units x unit_weight_kg); null when the weight is unknown.",
            "documents": "JSON list of the documents held: [{kind, valid_until}] (numbers left out).",
            "document_kinds": "Kinds of documents held, comma-separated (nib, pirt, bpom_md, halal, sni, "
            "organic, phytosanitary).",
            "producer_has_nib": "1 when the producer has recorded a NIB (the number itself is left out).",
            "readiness_state": "Export readiness on the export day: ready, expiring (a document expires "
            "within 90 days) or missing.",
            "readiness_missing": "Requirements with no valid document, comma-separated.",
            "readiness_expiring": "Requirements whose document expires within 90 days, comma-separated.",
            "photo_count": "Number of photos.",
            "featured": "1 when an admin features it as a produk unggulan of its desa.",
            "producer_id": "The producer (see producers).",
            "producer_name": "Producer's name (person, group, UKM, BUMDes or koperasi).",
            "producer_kind": "individual, group, ukm, bumdes or koperasi.",
            "desa_code": "Kemendagri code of the desa/kelurahan (PP.KK.CC.DDDD).",
            "desa_name": "Name of the desa/kelurahan.",
            "kecamatan_code": "Kemendagri code of the kecamatan.",
            "kecamatan_name": "Name of the kecamatan.",
            "kabupaten_code": "Kemendagri code of the kabupaten/kota.",
            "kabupaten_name": "Name of the kabupaten/kota.",
            "provinsi_code": "Kemendagri code of the provinsi.",
            "provinsi_name": "Name of the provinsi.",
            "created_at": "When the product was first recorded on the server (UTC).",
            "updated_at": "When the product last changed on the server (UTC).",
        },
    ),
    "producers": (
        "Producers with at least one approved product in this file. No phone numbers.",
        {
            "id": "Producer id (UUID).",
            "name": "Name of the person, group, UKM, BUMDes or koperasi.",
            "kind": "individual, group, ukm, bumdes or koperasi.",
            "has_nib": "1 when a NIB (business id from OSS) is recorded; the number is left out.",
            "approved_products": "Number of its products in this file.",
            "desa_code": "Kemendagri code of its desa.",
            "desa_name": "Name of its desa.",
            "kecamatan_name": "Name of its kecamatan.",
            "kabupaten_name": "Name of its kabupaten/kota.",
        },
    ),
    "regions": (
        "The Kemendagri regions the products lie in: each desa and every level above it.",
        {
            "code": "Kemendagri code: PP, PP.KK, PP.KK.CC or PP.KK.CC.DDDD.",
            "parent_code": "Code of the region one level up; null for a provinsi.",
            "level": "1 provinsi, 2 kabupaten/kota, 3 kecamatan, 4 desa/kelurahan.",
            "level_name": "The level in words.",
            "name": "Name of the region.",
        },
    ),
    "monthly_stock_movements": (
        "Stock movements of the products summed per product, month (UTC) and kind: aggregates, not single movements.",
        {
            "product_id": "The product (see products).",
            "month": "Calendar month, YYYY-MM (UTC).",
            "kind": "harvest, production, purchase (in); sale, spoilage, shipment (out); adjustment (either).",
            "movements": "Number of movements.",
            "qty": "Sum of their quantities in the product's unit (negative: stock going out).",
            "qty_kg": "The same in kg; null when the unit weight is unknown.",
        },
    ),
    "_metadata": (
        "A description of every table and column of this file.",
        {
            "table_name": "The table.",
            "column_name": "The column; null for the table itself.",
            "description": "What it holds.",
        },
    ),
    "_about": ("What this file is.", {"key": "What.", "value": "Its value."}),
}


def write_open_data(out, regions=None):
    """Write the open-data SQLite file at `out` (replaced when it exists); answers row counts per table."""
    out = Path(out)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.unlink(missing_ok=True)
    started = utcnow()
    target = sqlite_utils.Database(tmp)
    try:
        _create_tables(target)
        scope = regions or None
        codes = set()
        products = target["products"]
        movements = target["monthly_stock_movements"]
        counts = {"products": 0, "monthly_stock_movements": 0}
        for batch in _product_batches(scope):
            rows = [_product_row(row, started.date()) for row in batch]
            codes.update(row["desa_code"] for row in rows)
            products.insert_all(rows, batch_size=BATCH)
            aggregates = list(_monthly(batch))
            movements.insert_all(aggregates, batch_size=BATCH)
            counts["products"] += len(rows)
            counts["monthly_stock_movements"] += len(aggregates)
            db.session.rollback()  # each batch its own short read
        counts["producers"] = _write_producers(target, scope)
        counts["regions"] = _write_regions(target, codes)
        products.enable_fts(["name", "description"], fts_version="FTS5", create_triggers=True)
        _write_metadata(target, scope, started, counts)
        target.vacuum()
    finally:
        target.close()
    os.replace(tmp, out)
    metadata_path = out.with_name(out.stem + ".metadata.json")
    metadata_path.write_text(json.dumps(datasette_metadata(out.stem, scope, started), indent=2, ensure_ascii=False))
    return counts


def _create_tables(target):
    target["regions"].create({"code": str, "parent_code": str, "level": int, "level_name": str, "name": str}, pk="code")
    target["producers"].create(
        {
            "id": str,
            "name": str,
            "kind": str,
            "has_nib": int,
            "approved_products": int,
            "desa_code": str,
            "desa_name": str,
            "kecamatan_name": str,
            "kabupaten_name": str,
        },
        pk="id",
        foreign_keys=[("desa_code", "regions", "code")],
    )
    columns = {name: str for name in TABLES["products"][1]}
    columns.update(
        unit_weight_kg=float,
        price_idr=int,
        stock_units=float,
        stock_kg=float,
        producer_has_nib=int,
        photo_count=int,
        featured=int,
    )
    target["products"].create(
        columns,
        pk="id",
        foreign_keys=[("producer_id", "producers", "id"), ("desa_code", "regions", "code")],
    )
    target["monthly_stock_movements"].create(
        {"product_id": str, "month": str, "kind": str, "movements": int, "qty": float, "qty_kg": float},
        pk=("product_id", "month", "kind"),
        foreign_keys=[("product_id", "products", "id")],
    )
    for table, index in (
        ("products", ["category"]),
        ("products", ["desa_code"]),
        ("products", ["kabupaten_code", "category"]),
        ("products", ["producer_id"]),
        ("monthly_stock_movements", ["month"]),
    ):
        target[table].create_index(index)


def _product_batches(scope):
    """Lists of approved products (dicts) in id order, with producer, region and featured columns."""
    desa, kec, kab, prov = (aliased(Region) for _ in range(4))
    featured = select(FeaturedProduct.product_id).where(FeaturedProduct.product_id == Product.id).exists()
    query = (
        select(
            Product.id,
            Product.name,
            Product.description,
            Product.category,
            Product.unit,
            Product.unit_weight_g,
            Product.price_idr,
            Product.hs_code,
            Product.certifications,
            Product.photos,
            Product.stock_milli,
            Product.producer_id,
            Product.village_code,
            Product.created_at,
            Product.updated_at,
            Producer.name.label("producer_name"),
            Producer.kind.label("producer_kind"),
            Producer.nib.label("producer_nib"),
            desa.name.label("desa_name"),
            kec.name.label("kecamatan_name"),
            kab.name.label("kabupaten_name"),
            prov.name.label("provinsi_name"),
            featured.label("featured"),
        )
        .join(Producer, Producer.id == Product.producer_id)
        .outerjoin(desa, desa.code == Product.village_code)
        .outerjoin(kec, kec.code == func.substr(Product.village_code, 1, 8))
        .outerjoin(kab, kab.code == func.substr(Product.village_code, 1, 5))
        .outerjoin(prov, prov.code == func.substr(Product.village_code, 1, 2))
        .where(*_approved(scope))
        .order_by(Product.id)
        .limit(BATCH)
    )
    yield from keyset_pages(query, Product.id, BATCH)


def _approved(scope):
    # walk_by_id: each batch reads on along the primary key (see server/workspace/exports.py).
    status = walk_by_id(Product.status)
    conditions = [status == "approved", Product.deleted.is_(False), Producer.deleted.is_(False)]
    if scope:
        conditions.append(in_regions(walk_by_id(Product.village_code), scope))
    return conditions


def _grams(row):
    return row["unit_weight_g"] or UNIT_GRAMS.get(row["unit"])


def _kg(milli, grams):
    """Thousandths of a unit times grams per unit, in kg."""
    return None if grams is None else milli * grams / 1_000_000


def _product_row(row, today):
    grams = _grams(row)
    certifications = [c for c in row["certifications"] or [] if isinstance(c, dict)]
    documents = [{"kind": c.get("kind"), "valid_until": c.get("valid_until")} for c in certifications]
    verdict = evaluate(row, row["producer_nib"], today)
    code = row["village_code"]
    hs = row["hs_code"] or None
    return {
        "id": row["id"],
        "name": row["name"],
        "description": row["description"],
        "category": row["category"],
        "unit": row["unit"],
        "unit_weight_kg": None if grams is None else grams / 1000,
        "price_idr": row["price_idr"],
        "hs_code": f"{hs[:4]}.{hs[4:6]}.{hs[6:]}" if hs and len(hs) == 8 and hs.isdigit() else hs,
        "stock_units": float(format_milli(row["stock_milli"])),
        "stock_kg": _kg(row["stock_milli"], grams),
        "documents": json.dumps(documents, ensure_ascii=False),
        "document_kinds": ",".join(sorted({d["kind"] for d in documents if d["kind"]})),
        "producer_has_nib": int(bool(row["producer_nib"])),
        "readiness_state": verdict["state"],
        "readiness_missing": ",".join(verdict["missing"] + verdict["expired"]),
        "readiness_expiring": ",".join(verdict["expiring"]),
        "photo_count": len(row["photos"]) if isinstance(row["photos"], list) else 0,
        "featured": int(bool(row["featured"])),
        "producer_id": row["producer_id"],
        "producer_name": row["producer_name"],
        "producer_kind": row["producer_kind"],
        "desa_code": code,
        "desa_name": row["desa_name"],
        "kecamatan_code": code[:8],
        "kecamatan_name": row["kecamatan_name"],
        "kabupaten_code": code[:5],
        "kabupaten_name": row["kabupaten_name"],
        "provinsi_code": code[:2],
        "provinsi_name": row["provinsi_name"],
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
    }


def _iso(value):
    return value.isoformat(timespec="seconds") + "Z" if value is not None else None


def _month_of(column):
    """SQL: the YYYY-MM of a timestamp column, on either engine."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, literal_column("'YYYY-MM'"))
    return func.strftime("%Y-%m", column)


def _monthly(batch):
    """Rows of monthly_stock_movements for a batch of products, summed in the database."""
    grams = {row["id"]: _grams(row) for row in batch}
    month = _month_of(StockMovement.occurred_at).label("month")
    query = (
        select(
            StockMovement.product_id,
            month,
            StockMovement.kind,
            func.count().label("movements"),
            func.sum(StockMovement.qty_milli).label("qty_milli"),
        )
        # Found through the producer's index: movements have none on product_id.
        .where(
            StockMovement.producer_id.in_(sorted({row["producer_id"] for row in batch})),
            StockMovement.product_id.in_(list(grams)),
        )
        .group_by(StockMovement.product_id, month, StockMovement.kind)
        .order_by(StockMovement.product_id, month, StockMovement.kind)
    )
    for product_id, month_text, kind, count, qty_milli in db.session.execute(query):
        qty_milli = int(qty_milli)
        yield {
            "product_id": product_id,
            "month": month_text,
            "kind": kind,
            "movements": count,
            "qty": float(format_milli(qty_milli)),
            "qty_kg": _kg(qty_milli, grams[product_id]),
        }


def _write_producers(target, scope):
    """Producers with approved products in scope, with their counts; answers how many."""
    desa, kec, kab = (aliased(Region) for _ in range(3))
    counted = (
        select(Product.producer_id, func.count().label("approved_products"))
        .join(Producer, Producer.id == Product.producer_id)
        .where(*_approved(scope))
        .group_by(Product.producer_id)
        .subquery()
    )
    query = (
        select(
            Producer.id,
            Producer.name,
            Producer.kind,
            Producer.nib,
            counted.c.approved_products,
            Producer.village_code,
            desa.name.label("desa_name"),
            kec.name.label("kecamatan_name"),
            kab.name.label("kabupaten_name"),
        )
        .join(counted, counted.c.producer_id == Producer.id)
        .outerjoin(desa, desa.code == Producer.village_code)
        .outerjoin(kec, kec.code == func.substr(Producer.village_code, 1, 8))
        .outerjoin(kab, kab.code == func.substr(Producer.village_code, 1, 5))
        .order_by(Producer.id)
        .limit(BATCH)
    )
    total, last = 0, None
    while True:
        page = query if last is None else query.where(Producer.id > last)
        rows = [
            {
                "id": row.id,
                "name": row.name,
                "kind": row.kind,
                "has_nib": int(bool(row.nib)),
                "approved_products": row.approved_products,
                "desa_code": row.village_code,
                "desa_name": row.desa_name,
                "kecamatan_name": row.kecamatan_name,
                "kabupaten_name": row.kabupaten_name,
            }
            for row in db.session.execute(page)
        ]
        db.session.rollback()
        target["producers"].insert_all(rows, batch_size=BATCH)
        total += len(rows)
        if len(rows) < BATCH:
            return total
        last = rows[-1]["id"]


def _write_regions(target, desa_codes):
    """The desa of the products and every region above them; answers how many."""
    codes = set()
    for code in desa_codes:
        parts = code.split(".")
        codes.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
    total, ordered = 0, sorted(codes)
    for start in range(0, len(ordered), BATCH):
        chunk = ordered[start : start + BATCH]
        query = select(Region.code, Region.parent_code, Region.level, Region.name).where(Region.code.in_(chunk))
        rows = [
            {
                "code": row.code,
                "parent_code": row.parent_code,
                "level": row.level,
                "level_name": LEVEL_NAMES.get(row.level),
                "name": row.name,
            }
            for row in db.session.execute(query)
        ]
        target["regions"].insert_all(rows, batch_size=BATCH)
        total += len(rows)
    db.session.rollback()
    return total


def _about(scope, started, counts):
    return {
        "title": "Lumbung open data: curated village products of Indonesia",
        "source": "Lumbung, the village products registry (approved products only)",
        "generated_at": started.isoformat(timespec="seconds") + "Z",
        "scope": ", ".join(scope) if scope else "all regions",
        "privacy": "No phone numbers, document numbers, accounts, review or movement notes.",
        "regions_license": REGIONS_LICENSE,
        "counts": json.dumps(counts),
    }


def _write_metadata(target, scope, started, counts):
    rows = []
    for table, (description, columns) in TABLES.items():
        rows.append({"table_name": table, "column_name": None, "description": description})
        rows.extend({"table_name": table, "column_name": c, "description": d} for c, d in columns.items())
    rows.append(
        {
            "table_name": "products_fts",
            "column_name": None,
            "description": "Full-text index (FTS5) of products.name and products.description: "
            "SELECT * FROM products WHERE rowid IN (SELECT rowid FROM products_fts WHERE products_fts MATCH 'kopi').",
        }
    )
    target["_metadata"].insert_all(rows)
    target["_about"].insert_all([{"key": k, "value": v} for k, v in _about(scope, started, counts).items()], pk="key")


def datasette_metadata(database, scope, started):
    """Datasette's metadata.json for the file: titles, licence and the descriptions of tables and columns."""
    tables = {
        table: {"description": description, "columns": columns} for table, (description, columns) in TABLES.items()
    }
    tables["products"].update(sort="name", fts_table="products_fts")
    tables["monthly_stock_movements"]["sort_desc"] = "month"
    return {
        "title": "Lumbung open data",
        "description": "Curated (approved) village products, their producers, regions and monthly stock "
        f"movements. Scope: {', '.join(scope) if scope else 'all regions'}. Generated "
        f"{started.isoformat(timespec='seconds')}Z. No phone numbers.",
        "license": "ODbL-1.0 (region names from idn-area-data)",
        "license_url": "https://opendatacommons.org/licenses/odbl/1-0/",
        "source": "Lumbung",
        "databases": {database: {"tables": tables}},
    }
