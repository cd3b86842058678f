"""Marketplace exports of approved products: Shopee's mass-upload sheet, an Alibaba-style B2B sheet
and a schema.org Product feed, streamed so that 100,000 rows never time out.

Who and what. Admins only (anyone else: 403). Approved, non-deleted products of live producers
in the admin's regions; `?region=` narrows to one region inside them (403 outside), `?category=`
to one category, `?featured=1` to the desa's "produk unggulan".

How. Products are read in batches of 1,000 by id (keyset: `id > last id ORDER BY id LIMIT
1000`), joined with their producer and the names of their desa, kecamatan and kabupaten, and
each batch is written out before the next is read, so memory stays flat however many rows there
are. Each batch is its own short read: an export is not one snapshot, and a product approved
while an export runs may or may not be in it. CSV and JSON are sent batch by batch as they are
made. XLSX is a zip whose sheet must be complete before the zip is: openpyxl's write-only mode
writes the rows to a temporary file as they come, the workbook is then saved to a
SpooledTemporaryFile (on disk beyond 8 MB) and sent from there in 64 KB pieces.

Columns of products.csv / products.xlsx (Shopee's mass-upload layout, one row per product, no
variations):
    Category            our category code (coffee, spices...); map it to Shopee's category id on upload
    Product Name        at most 100 characters, cut on a word boundary
    Product Description the product's description
    Parent SKU, SKU     the product id (a product has no variations, so both are the same): a
                        marketplace's answer can be matched back to the product
    Price               whole rupiah (price_idr), empty when unknown
    Stock               whole units on hand: the stock on hand rounded down, never below 0
    Weight (g)          net weight of one unit plus 10% for packaging, rounded up; the net weight
                        is unit_weight_kg, or 1 kg / 1 g / 1 l as 1 kg / 1 ml as 1 g when the
                        unit says it; empty when unknown
    Length/Width/Height (cm)  empty: not recorded
    Cover image, Item image 1-8  signed links to the first nine photos (server/web/signed_links.py),
                        valid EXPORT_LINK_DAYS (7) days, opened without login
    Origin Desa Code, Origin Desa   the product's desa

Columns of products-b2b.csv / .xlsx (Alibaba-style):
    Product Name (at most 128 characters, word boundary), Category, HS Code, Unit,
    MOQ                 the units that make 100 kg net (at least 1); 10 units when the weight is unknown
    Price Term, Currency   EXW (ex works, at the desa), IDR. FOB needs the port costs, which
                        Lumbung does not know: the buyer or consolidator adds them
    Tier 1..3 Min Qty / Price   MOQ at price_idr; 5 x MOQ at 95%; 20 x MOQ at 90% (whole rupiah,
                        rounded half up): indicative tiers for the producer to confirm
    Supply Ability per Month    the average monthly inflow (harvest and production movements)
                        of the last 365 days, summed in the database and divided by 12, in the
                        product's unit; and in kg when the unit weight is known
    Stock on Hand       in the product's unit
    Packaging           a default per category (PACKAGING), as nothing records it per product
    Lead Time (days)    a default per category (LEAD_TIME_DAYS)
    Origin              "desa, kecamatan, kabupaten, Indonesia"; Origin Desa Code; SKU; Main Image

feed.json: a JSON array (or JSON Lines with ?format=jsonl) of schema.org Product records:
@context, @type, sku, productID, name, description, category, image (signed links), weight,
countryOfOrigin (Indonesia, "ID"), offers {price, priceCurrency IDR, availability InStock or
OutOfStock, inventoryLevel}, additionalProperty (hs_code, desa_code, desa_name, kecamatan_name,
kabupaten_name).

Spreadsheet safety: a text cell of XLSX is always text (openpyxl would take "=..." for a
formula), characters XLSX forbids are dropped; CSV is written by server/web/csv_writer.py, which
guards every text cell against formulas and writes UTF-8 with a BOM (for Excel).
"""

import math
import re
from dataclasses import dataclass
from datetime import timedelta
from tempfile import SpooledTemporaryFile

import orjson
from flask import Response, request, stream_with_context
from flask_jwt_extended import current_user
from marshmallow import fields, validate
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import aliased

from sync.quantity import format_milli
from sync.records import CATEGORIES

from ..engine.models import FeaturedProduct, Producer, Product, Region, StockMovement
from ..engine.scope import covers, in_regions, user_regions
from ..extensions import db
from ..web.csv_writer import CsvWriter
from ..web.errors import ApiError
from ..web.json_body import Blueprint
from ..web.openapi import signed_in, stacked
from ..web.schemas import BaseSchema, RegionCode
from ..web.signed_links import LinkSigner
from ..web.timeutil import utcnow

blp = Blueprint(
    "exports", __name__, url_prefix="/api/v1/exports", description="Marketplace exports of approved products"
)

BATCH = 1000
SHOPEE_NAME_MAX = 100
ALIBABA_NAME_MAX = 128
ITEM_IMAGES = 8
PACKAGING_ALLOWANCE_PCT = 10
UNIT_GRAMS = {"kg": 1000, "g": 1, "l": 1000, "ml": 1}  # net grams of a unit when no weight is given
MOQ_NET_G = 100_000
DEFAULT_MOQ_UNITS = 10
PRICE_TIERS = ((1, 100), (5, 95), (20, 90))  # (times MOQ, percent of price_idr)
SUPPLY_KINDS = ("harvest", "production")
SUPPLY_DAYS = 365
SUPPLY_SPLIT = 10**9
XLSX_SPOOL_BYTES = 8 * 1024 * 1024
CHUNK = 64 * 1024
SCHEMA_ORG = "https://schema.org"
IN_STOCK, OUT_OF_STOCK = "https://schema.org/InStock", "https://schema.org/OutOfStock"

# Defaults an export buyer reads as "usual for this kind of product"; nothing records them per product.
LEAD_TIME_DAYS = {
    "coffee": 21,
    "cocoa": 21,
    "spices": 21,
    "rice_grains": 14,
    "fruits": 7,
    "vegetables": 5,
    "fishery": 7,
    "livestock": 14,
    "processed_food": 14,
    "beverages": 14,
    "herbal": 14,
    "handicraft": 30,
    "textile": 30,
    "other": 21,
}
PACKAGING = {
    "coffee": "Jute or GrainPro-lined bags, 60 kg",
    "cocoa": "Jute bags, 62.5 kg",
    "spices": "PP woven sacks, 25-50 kg",
    "rice_grains": "PP woven sacks, 25-50 kg",
    "fruits": "Ventilated cartons",
    "vegetables": "Crates or ventilated cartons",
    "fishery": "Chilled or frozen, in insulated cartons",
    "livestock": "As agreed with the buyer",
    "processed_food": "Retail packs in export cartons",
    "beverages": "Bottles or packs in export cartons",
    "herbal": "Sealed bags in cartons",
    "handicraft": "Individually wrapped, in export cartons",
    "textile": "Folded in polybags, in cartons",
    "other": "As agreed with the buyer",
}

SHOPEE_COLUMNS = (
    "Category",
    "Product Name",
    "Product Description",
    "Parent SKU",
    "SKU",
    "Price",
    "Stock",
    "Weight (g)",
    "Length (cm)",
    "Width (cm)",
    "Height (cm)",
    "Cover image",
    *(f"Item image {n}" for n in range(1, ITEM_IMAGES + 1)),
    "Origin Desa Code",
    "Origin Desa",
)
B2B_COLUMNS = (
    "Product Name",
    "Category",
    "HS Code",
    "Unit",
    "MOQ",
    "Price Term",
    "Currency",
    "Tier 1 Min Qty",
    "Tier 1 Price",
    "Tier 2 Min Qty",
    "Tier 2 Price",
    "Tier 3 Min Qty",
    "Tier 3 Price",
    "Supply Ability per Month",
    "Supply Ability per Month (kg)",
    "Stock on Hand",
    "Packaging",
    "Lead Time (days)",
    "Origin",
    "Origin Desa Code",
    "SKU",
    "Main Image",
)


class ExportArgs(BaseSchema):
    region = RegionCode(metadata={"description": "Only this region (inside yours)."})
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    featured = fields.Boolean(load_default=False, metadata={"description": "Only featured products (1)."})


class FeedArgs(ExportArgs):
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "jsonl"]),
        metadata={"description": "`json`: one JSON array; `jsonl`: one record a line."},
    )


@dataclass(frozen=True)
class Selection:
    """Which products an export holds."""

    regions: tuple
    category: str = None
    featured: bool = False


def _file(kind, description):
    schema = {"type": "string", "format": "binary"} if kind == XLSX else {"type": "string"}
    return {"description": description, "content": {kind: {"schema": schema}}}


VALUE = {"type": "object", "properties": {"@type": {"type": "string"}, "value": {}}}
FEED_RECORD = {
    "type": "object",
    "required": ["@context", "@type", "sku", "productID", "name", "description", "category", "image"],
    "properties": {
        "@context": {"type": "string", "enum": [SCHEMA_ORG]},
        "@type": {"type": "string", "enum": ["Product"]},
        "sku": {"type": "string"},
        "productID": {"type": "string"},
        "name": {"type": "string"},
        "description": {"type": "string"},
        "category": {"type": "string", "enum": list(CATEGORIES)},
        "image": {"type": "array", "items": {"type": "string"}, "description": "Signed photo links."},
        "countryOfOrigin": {"type": "object"},
        "weight": VALUE,
        "offers": {"type": "object", "properties": {"price": {"type": "integer"}, "inventoryLevel": VALUE}},
        "additionalProperty": {"type": "array", "items": VALUE},
    },
}
FEED = {
    "description": "schema.org Product records: a JSON array, or JSON Lines (`format=jsonl`).",
    "content": {
        "application/json": {"schema": {"type": "array", "items": FEED_RECORD}},
        "application/x-ndjson": {"schema": {"type": "string", "description": "One record a line."}},
    },
}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORBIDDEN = "Not an admin, or a region outside yours."
SHOPEE_SHEET = "Shopee mass-upload columns, one approved product a row."
B2B_SHEET = "Alibaba-style B2B columns: MOQ, EXW price tiers, supply per month, lead time."


def export(path, args, answer):
    """An export's view: GET path for admins, its query args, and `answer` saying what 200 sends."""
    return stacked(
        blp.route(path, methods=["GET"]),
        signed_in(blp, 400, 403),
        blp.arguments(args, location="query", error_status_code=400),
        blp.doc(responses={"200": answer}),
        blp.alt_response(403, description=FORBIDDEN),
    )


@export("/products.csv", ExportArgs, _file("text/csv", SHOPEE_SHEET))
def products_csv(args):
    """Approved products as Shopee's mass-upload sheet (CSV), streamed."""
    selection, signer = _selection(args), LinkSigner(request.host_url)
    return _csv_response(selection, SHOPEE_COLUMNS, _shopee_rows(signer), "products")


@export("/products.xlsx", ExportArgs, _file(XLSX, SHOPEE_SHEET))
def products_xlsx(args):
    """Approved products as Shopee's mass-upload sheet (XLSX), streamed."""
    selection, signer = _selection(args), LinkSigner(request.host_url)
    return _xlsx_response(selection, SHOPEE_COLUMNS, _shopee_rows(signer), "products")


@export("/products-b2b.csv", ExportArgs, _file("text/csv", B2B_SHEET))
def products_b2b_csv(args):
    """Approved products as an Alibaba-style B2B sheet (CSV), streamed."""
    selection, signer = _selection(args), LinkSigner(request.host_url)
    return _csv_response(selection, B2B_COLUMNS, _b2b_rows(signer), "products-b2b", supply=True)


@export("/products-b2b.xlsx", ExportArgs, _file(XLSX, B2B_SHEET))
def products_b2b_xlsx(args):
    """Approved products as an Alibaba-style B2B sheet (XLSX), streamed."""
    selection, signer = _selection(args), LinkSigner(request.host_url)
    return _xlsx_response(selection, B2B_COLUMNS, _b2b_rows(signer), "products-b2b", supply=True)


@export("/feed.json", FeedArgs, FEED)
def feed_json(args):
    """Approved products as schema.org Product records (JSON array or JSON Lines), streamed."""
    selection, signer = _selection(args), LinkSigner(request.host_url)
    lines = args["format"] == "jsonl"
    body = _json_stream(product_batches(selection), signer, lines)
    mime = "application/x-ndjson" if lines else "application/json"
    name = f"lumbung-feed-{_stamp()}.{'jsonl' if lines else 'json'}"
    return _streamed(body, mime, name)


# --- selection and reading ------------------------------------------------------------------


def _selection(args):
    """The export's scope for the signed-in admin; 403 for anyone else or a region outside theirs."""
    if current_user.role != "admin":
        raise ApiError(403, "forbidden")
    regions = tuple(user_regions(current_user.id))
    region = args.get("region")
    if region is not None:
        if not covers(regions, region):
            raise ApiError(403, "forbidden", {"reason": "region_out_of_scope"})
        regions = (region,)
    return Selection(regions, args.get("category"), args.get("featured", False))


def product_batches(selection, supply=False, batch_size=BATCH):
    """Lists of at most batch_size product rows (dicts) in id order, read by keyset pagination."""
    desa, kecamatan, kabupaten = aliased(Region), aliased(Region), aliased(Region)
    query = (
        select(
            Product.id,
            Product.name,
            Product.category,
            Product.description,
            Product.unit,
            Product.unit_weight_g,
            Product.price_idr,
            Product.hs_code,
            Product.photos,
            Product.stock_milli,
            Product.village_code,
            Product.producer_id,
            Producer.name.label("producer_name"),
            desa.name.label("desa_name"),
            kecamatan.name.label("kecamatan_name"),
            kabupaten.name.label("kabupaten_name"),
        )
        .join(Producer, Producer.id == Product.producer_id)
        .outerjoin(desa, desa.code == Product.village_code)
        .outerjoin(kecamatan, kecamatan.code == func.substr(Product.village_code, 1, 8))
        .outerjoin(kabupaten, kabupaten.code == func.substr(Product.village_code, 1, 5))
        .where(
            walk_by_id(Product.status) == "approved",
            Product.deleted.is_(False),
            Producer.deleted.is_(False),
            in_regions(walk_by_id(Product.village_code), selection.regions),
        )
        .order_by(Product.id)
        .limit(batch_size)
    )
    if selection.category:
        query = query.where(Product.category == selection.category)
    if selection.featured:
        query = query.where(Product.id.in_(select(FeaturedProduct.product_id)))
    for rows in keyset_pages(query, Product.id, batch_size):
        for row in rows:
            row["stock_milli"] = exact_milli(row["stock_milli"])
        if supply:
            supplies = monthly_supply(rows)
            for row in rows:
                row["supply_milli"] = supplies.get(row["id"], 0)
        db.session.rollback()  # end the read: no transaction stays open while the batch is sent
        yield rows


def keyset_pages(query, key, batch_size):
    """The rows (dicts) of a query ordered by `key` and limited to batch_size, page after page."""
    last = None
    while True:
        page = query if last is None else query.where(key > last)
        rows = [dict(row) for row in db.session.execute(page).mappings()]
        if not rows:
            return
        yield rows
        if len(rows) < batch_size:
            return
        last = rows[-1][key.key]


def walk_by_id(column):
    """The column, kept from SQLite's index choice so that a batch walks the primary key.

    Left to itself, SQLite answers `... WHERE status = 'approved' ORDER BY id LIMIT 1000` from the
    status (or desa) index and sorts every match for each batch: quadratic in the rows (11 s for
    100,000). `column || ''` is the same value no index can serve, so each batch reads on from
    the last id and the whole export reads the table once. PostgreSQL plans this well by itself.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        return column.concat(literal_column("''"))
    return column


def exact_milli(value):
    """A stored stock total as an exact integer, whatever the database holds.

    SQLite turns an integer that overflows into a REAL. The apply path keeps every total within
    the contract's limits, so none overflows; still, an export must not fail on any stored value.
    """
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else 0
    return value or 0


def monthly_supply(rows):
    """{product id: average monthly harvest + production of the last 365 days, in thousandths}."""
    since = utcnow() - timedelta(days=SUPPLY_DAYS)
    # Summed in two parts, billions and the rest, each far from 64 bits however many movements
    # there are (SQLite's sum of integers fails on overflow); joined exactly in Python.
    high, low = StockMovement.qty_milli // SUPPLY_SPLIT, StockMovement.qty_milli % SUPPLY_SPLIT
    # Movements are found through their producer's index (they have none on product_id).
    query = (
        select(StockMovement.product_id, func.sum(high), func.sum(low))
        .where(
            StockMovement.producer_id.in_(sorted({row["producer_id"] for row in rows})),
            StockMovement.product_id.in_([row["id"] for row in rows]),
            StockMovement.kind.in_(SUPPLY_KINDS),
            StockMovement.occurred_at >= since,
        )
        .group_by(StockMovement.product_id)
    )
    return {
        product_id: (int(high) * SUPPLY_SPLIT + int(low)) // 12 for product_id, high, low in db.session.execute(query)
    }


# --- what the columns hold -------------------------------------------------------------------


def shorten(text, limit):
    """Text of at most `limit` characters, cut at the last space that fits (hard cut when none)."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > 0 else text[:limit]
    return cut.rstrip(" ,;:-/")


def net_grams(row):
    """Net grams of one unit: its weight, or what its unit says; None when unknown."""
    if row["unit_weight_g"]:
        return row["unit_weight_g"]
    return UNIT_GRAMS.get(row["unit"])


def gross_grams(row):
    """Weight of one unit with packaging: net plus PACKAGING_ALLOWANCE_PCT, rounded up."""
    net = net_grams(row)
    return None if net is None else -(-net * (100 + PACKAGING_ALLOWANCE_PCT) // 100)


def whole_units(stock_milli):
    """Whole units on hand: rounded down, never below zero."""
    return max(stock_milli or 0, 0) // 1000


def moq(row):
    """Minimum order: units making 100 kg net, at least 1; DEFAULT_MOQ_UNITS when the weight is unknown."""
    net = net_grams(row)
    return DEFAULT_MOQ_UNITS if net is None else max(1, math.ceil(MOQ_NET_G / net))


def price_tiers(row):
    """[(min qty, whole rupiah per unit)] for the EXW tiers; empty when the price is unknown."""
    if row["price_idr"] is None:
        return []
    base = moq(row)
    return [(base * times, (row["price_idr"] * percent + 50) // 100) for times, percent in PRICE_TIERS]


def hs_code(row):
    """The HS code as written on a declaration: 0901.21.10 (stored as 8 digits)."""
    code = row["hs_code"] or ""
    return f"{code[:4]}.{code[4:6]}.{code[6:]}" if len(code) == 8 and code.isdigit() else code


def origin(row):
    parts = [row["desa_name"], row["kecamatan_name"], row["kabupaten_name"], "Indonesia"]
    return ", ".join(part for part in parts if part)


def _photos(row):
    photos = row["photos"]
    return [p for p in photos if isinstance(p, str)] if isinstance(photos, list) else []


def _blank(value):
    return "" if value is None else value


def _shopee_rows(signer):
    def row_of(row):
        images = [signer.url(sha) for sha in _photos(row)[: ITEM_IMAGES + 1]]
        images += [""] * (ITEM_IMAGES + 1 - len(images))
        return [
            row["category"] or "",
            shorten(row["name"], SHOPEE_NAME_MAX),
            row["description"] or "",
            row["id"],
            row["id"],
            _blank(row["price_idr"]),
            whole_units(row["stock_milli"]),
            _blank(gross_grams(row)),
            "",
            "",
            "",
            *images,
            row["village_code"],
            _blank(row["desa_name"]),
        ]

    return row_of


def _b2b_rows(signer):
    def row_of(row):
        tiers = price_tiers(row)
        tier_cells = [cell for tier in tiers for cell in tier] or [""] * (2 * len(PRICE_TIERS))
        net = net_grams(row)
        supply = row["supply_milli"]
        photos = _photos(row)
        return [
            shorten(row["name"], ALIBABA_NAME_MAX),
            row["category"] or "",
            hs_code(row),
            row["unit"] or "",
            moq(row),
            "EXW",
            "IDR",
            *tier_cells,
            _decimal(supply),
            "" if net is None else _decimal(supply * net // 1000),
            _decimal(row["stock_milli"]),
            PACKAGING.get(row["category"], PACKAGING["other"]),
            LEAD_TIME_DAYS.get(row["category"], LEAD_TIME_DAYS["other"]),
            origin(row),
            row["village_code"],
            row["id"],
            signer.url(photos[0]) if photos else "",
        ]

    return row_of


def _decimal(milli):
    """Thousandths as a number: an int when whole, else a float with at most 3 places."""
    if milli % 1000 == 0:
        return milli // 1000
    return float(format_milli(milli))


def schema_org_product(row, signer):
    """A product as a schema.org Product record (a dict)."""
    units = whole_units(row["stock_milli"])
    record = {
        "@context": SCHEMA_ORG,
        "@type": "Product",
        "sku": row["id"],
        "productID": row["id"],
        "name": row["name"],
        "description": row["description"] or "",
        "category": row["category"],
        "image": [signer.url(sha) for sha in _photos(row)],
        "countryOfOrigin": {"@type": "Country", "name": "Indonesia", "identifier": "ID"},
    }
    net = net_grams(row)
    if net is not None:
        record["weight"] = {"@type": "QuantitativeValue", "value": net, "unitCode": "GRM"}
    if row["price_idr"] is not None:
        record["offers"] = {
            "@type": "Offer",
            "price": row["price_idr"],
            "priceCurrency": "IDR",
            "availability": IN_STOCK if units > 0 else OUT_OF_STOCK,
            "inventoryLevel": {"@type": "QuantitativeValue", "value": units, "unitText": row["unit"]},
        }
    properties = (
        ("hs_code", "HS code", hs_code(row) or None),
        ("desa_code", "Desa code (Kemendagri)", row["village_code"]),
        ("desa_name", "Desa", row["desa_name"]),
        ("kecamatan_name", "Kecamatan", row["kecamatan_name"]),
        ("kabupaten_name", "Kabupaten/Kota", row["kabupaten_name"]),
    )
    record["additionalProperty"] = [
        {"@type": "PropertyValue", "propertyID": key, "name": name, "value": value}
        for key, name, value in properties
        if value is not None
    ]
    return record


# --- writing ---------------------------------------------------------------------------------


def _csv_stream(batches, columns, row_of):
    writer = CsvWriter()
    yield writer.rows([columns])
    for batch in batches:
        yield writer.rows(row_of(row) for row in batch)


ILLEGAL = re.compile(ILLEGAL_CHARACTERS_RE.pattern)


def _xlsx_cell(sheet, value):
    if not isinstance(value, str):
        return value
    if not value:
        return None  # an empty cell is not written at all
    value = ILLEGAL.sub("", str(value))
    if value.startswith("="):  # openpyxl would store it as a formula
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


def _xlsx_stream(batches, columns, row_of, title):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(list(columns))
    for batch in batches:
        for row in batch:
            sheet.append([_xlsx_cell(sheet, value) for value in row_of(row)])
    with SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES) as out:
        workbook.save(out)
        out.seek(0)
        while chunk := out.read(CHUNK):
            yield chunk


def _json_stream(batches, signer, lines):
    first = True
    if not lines:
        yield b"["
    for batch in batches:
        pieces = [orjson.dumps(schema_org_product(row, signer)) for row in batch]
        if lines:
            yield b"\n".join(pieces) + b"\n"
        else:
            yield (b"" if first else b",") + b"\n" + b",\n".join(pieces)
        first = False
    if not lines:
        yield b"\n]\n"


def _stamp():
    return utcnow().strftime("%Y%m%d")


def _streamed(body, mime, filename):
    response = Response(stream_with_context(body), mimetype=mime)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _csv_response(selection, columns, row_of, name, supply=False):
    body = _csv_stream(product_batches(selection, supply), columns, row_of)
    return _streamed(body, "text/csv", f"lumbung-{name}-{_stamp()}.csv")


def _xlsx_response(selection, columns, row_of, name, supply=False):
    body = _xlsx_stream(product_batches(selection, supply), columns, row_of, name)
    return _streamed(body, XLSX, f"lumbung-{name}-{_stamp()}.xlsx")
