"""`flask load FILE.csv`: producers, products and stock movements from a spreadsheet, as sync ops.

One row is a product or a stock movement, with its product and producer. A producer is known by
its phone, else by its name in its desa; a product by its producer and name: both get the id of
the record that has that key already, else an id derived from the key (uuid5). A movement's id
comes from its product, time, kind and place among the file's rows of that product, time and
kind; every op's id comes from its content. So loading a file again only answers `duplicate`.
The ops go into a sync.client Replica whose outbox is an SQLite file, and are pushed 1,000 at a
time through apply_ops, in this process: an interrupted load resumes from the outbox.
"""

import csv
import hashlib
import io
import json
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlite_utils import Database

from sync.client import PUSH_BATCH, Replica, TransportError
from sync.phone import normalize_phone
from sync.quantity import format_milli, parse_milli
from sync.records import MOVEMENT_SIGNS, format_time

from ..engine.apply import apply_ops
from ..engine.models import AppliedOp, Producer, Product, User
from ..engine.scope import actor_for
from ..engine.store import select_in
from ..extensions import db
from ..web.errors import error_body
from ..web.messages import LANGUAGES, field_message

NAMESPACE = uuid.UUID("6f0c2a4e-3b1d-5c8e-9a7f-4c2b1e0d9a31")  # ids of loaded records and ops
PUSH_PATH = "/api/v1/sync/push"
MAX_OPS = 1000
RETRY_DELAYS = (0.5, 1, 2, 4, 8)  # seconds between attempts when a push gets no answer

# column -> (entity, field) of the op it goes into
FIELDS = {
    "producer_name": ("producer", "name"),
    "producer_phone": ("producer", "phone"),
    "village_code": ("producer", "village_code"),
    "producer_kind": ("producer", "kind"),
    "producer_nib": ("producer", "nib"),
    "product_name": ("product", "name"),
    "category": ("product", "category"),
    "unit": ("product", "unit"),
    "unit_weight_kg": ("product", "unit_weight_kg"),
    "price_idr": ("product", "price_idr"),
    "hs_code": ("product", "hs_code"),
    "description": ("product", "description"),
    "qty": ("stock_movement", "qty"),
    "kind": ("stock_movement", "kind"),
    "occurred_at": ("stock_movement", "occurred_at"),
    "note": ("stock_movement", "note"),
}
COLUMN_OF = {value: column for column, value in FIELDS.items()} | {
    ("product", "producer_id"): "producer_name",
    ("stock_movement", "product_id"): "product_name",
}
# Indonesian headers people write, and their columns.
HEADER_ALIASES = {
    "nama_produsen": "producer_name",
    "produsen": "producer_name",
    "no_hp": "producer_phone",
    "hp": "producer_phone",
    "phone": "producer_phone",
    "kode_desa": "village_code",
    "jenis_produsen": "producer_kind",
    "nib": "producer_nib",
    "nama_produk": "product_name",
    "produk": "product_name",
    "kategori": "category",
    "satuan": "unit",
    "berat_kg": "unit_weight_kg",
    "harga": "price_idr",
    "kode_hs": "hs_code",
    "deskripsi": "description",
    "jumlah": "qty",
    "jenis": "kind",
    "tanggal": "occurred_at",
    "waktu": "occurred_at",
    "catatan": "note",
    "keterangan": "note",
}
# Indonesian words for the contract's choices; anything else goes to the server as written.
VALUE_ALIASES = {
    "producer_kind": {"perorangan": "individual", "individu": "individual", "kelompok": "group", "poktan": "group",
                      "umkm": "ukm"},
    "category": {"kopi": "coffee", "kakao": "cocoa", "rempah": "spices", "beras": "rice_grains",
                 "padi": "rice_grains", "buah": "fruits", "sayur": "vegetables", "sayuran": "vegetables",
                 "perikanan": "fishery", "ikan": "fishery", "peternakan": "livestock", "ternak": "livestock",
                 "makanan_olahan": "processed_food", "olahan": "processed_food", "minuman": "beverages",
                 "jamu": "herbal", "kerajinan": "handicraft", "tekstil": "textile", "lainnya": "other"},
    "unit": {"kilogram": "kg", "gram": "g", "liter": "l", "pc": "pcs", "buah": "pcs", "biji": "pcs",
             "pak": "pack", "bungkus": "pack", "kemasan": "pack", "sak": "karung"},
    "kind": {"panen": "harvest", "produksi": "production", "beli": "purchase", "pembelian": "purchase",
             "jual": "sale", "penjualan": "sale", "rusak": "spoilage", "susut": "spoilage",
             "penyesuaian": "adjustment", "koreksi": "adjustment", "opname": "adjustment", "kirim": "shipment",
             "pengiriman": "shipment", "ekspor": "shipment"},
}  # fmt: skip
# Messages of the loader's own codes, and of values it reads differently from the wire's.
MESSAGES = {
    "not_utf8": ("Baris ini bukan teks UTF-8; simpan berkas sebagai CSV UTF-8.",
                 "This row is not UTF-8 text; save the file as CSV UTF-8."),
    "too_many_values": ("Ada {count} nilai untuk {columns} kolom.", "{count} values for {columns} columns."),
    "invalid_decimal": ("Harus angka, mis. 12,5 atau 12.5 (paling banyak 3 angka di belakang koma).",
                        "Must be a number such as 12,5 or 12.5 (at most 3 decimal places)."),
    "not_an_integer": ("Harus rupiah bulat, mis. 120000 atau Rp 120.000.",
                       "Must be whole rupiah, such as 120000 or Rp 120.000."),
    "invalid_datetime": ("Harus tanggal seperti 2026-11-27 atau 27/11/2026, atau waktu seperti 2026-11-27 08:15.",
                         "Must be a date such as 2026-11-27 or 27/11/2026, or a time such as 2026-11-27 08:15."),
}  # fmt: skip

DATE_ISO = r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
DATE_DMY = r"(?P<d>[0-9]{1,2})[/.-](?P<m>[0-9]{1,2})[/.-](?P<y>[0-9]{4}|[0-9]{2})"
TIME = r"(?:[T ](?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?)?)?"
ZONE = r"\s*(?P<z>Z|[+-][0-9]{2}:?[0-9]{2})?"
WHEN_RE = [re.compile(f"^{d}{TIME}{ZONE}\\Z", re.I) for d in (DATE_ISO, DATE_DMY)]
NUMBER_RE = re.compile(r"^[0-9.,]+\Z")
VILLAGE_DIGITS_RE = re.compile(r"^([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{4})\Z")
CURRENCY_RE = re.compile(r"^(rp\.?|idr)|[.,]-\Z", re.I)


class LoadError(Exception):
    """The file cannot be loaded at all (no header, a missing column, not CSV)."""


class Problem(Exception):
    """A value the loader cannot read: the field code of sync.records' style and its parameters."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


# -- reading the file ------------------------------------------------------------------------------


@dataclass
class Row:
    """One data row: its number as a spreadsheet shows it (the header is row 1) and its values."""

    number: int
    raw: dict
    values: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)  # (column, code, params)


@dataclass
class Table:
    """A CSV file read: its delimiter, its rows and the columns it ignored."""

    delimiter: str
    rows: list
    ignored: list


def read_table(data):
    """The rows of a CSV file's bytes: UTF-8 with or without BOM, `,` `;` or tab between values."""
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise LoadError("this is an Excel workbook, not CSV: save it as CSV UTF-8")
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    first, _, rest = text.partition("\n")
    if re.match(r"^sep=[,;\t]\r?\Z", first):  # Excel's hint line
        delimiter, text = first[4], rest
    else:
        delimiter = max(",;\t", key=first.count) if any(d in first for d in ",;\t") else ","
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(records, None)
        if not header or _unreadable(header):
            raise LoadError("the first row must be the column names, in UTF-8")
        columns = [header_column(name) for name in header]
        named = [c for c in columns if c]
        if len(named) != len(set(named)):
            raise LoadError(f"a column appears twice: {', '.join(sorted(c for c in set(named) if named.count(c) > 1))}")
        if not {"producer_name", "producer_phone"} & set(named):
            raise LoadError("the file needs a producer_name or a producer_phone column")
        rows = [_row(number, values, columns) for number, values in enumerate(records, start=2)]
    except csv.Error as exc:
        raise LoadError(f"not a CSV file ({exc}); save the spreadsheet as CSV UTF-8") from exc
    ignored = [name.strip() for name, column in zip(header, columns, strict=True) if column is None and name.strip()]
    return Table(delimiter, [row for row in rows if row is not None], ignored)


def header_column(name):
    """The column a header names (case, spaces and Indonesian names forgiven), or None."""
    key = re.sub(r"[\s-]+", "_", name.strip().lower())
    key = HEADER_ALIASES.get(key, key)
    return key if key in FIELDS else None


def _row(number, values, columns):
    """A Row, None for a blank one; unreadable text or too many values are its problems."""
    if not any(v.strip() for v in values):
        return None
    row = Row(number, {c: v.strip() for c, v in zip(columns, values, strict=False) if c and v.strip()})
    if _unreadable(values):
        row.problems.append((None, "not_utf8", {}))
    extra = [v for v in values[len(columns) :] if v.strip()]
    if extra:
        row.problems.append((None, "too_many_values", {"count": len(values), "columns": len(columns)}))
    return row


def _unreadable(values):
    """Whether text decoded with surrogateescape held bytes that are not UTF-8."""
    return any(any("\udc80" <= ch <= "\udcff" for ch in value) for value in values)


# -- values ----------------------------------------------------------------------------------------


def clean_row(row, semicolon=False):
    """Convert a row's texts to the contract's values; unreadable ones become the row's problems."""
    if row.problems:
        return row  # not UTF-8, or too many values: nothing in it is taken
    for column, text in row.raw.items():
        try:
            row.values[column] = CONVERT.get(column, _same)(text, semicolon)
        except Problem as exc:
            row.problems.append((column, exc.code, exc.params))
    qty, kind = row.values.get("qty"), row.values.get("kind")
    if qty and MOVEMENT_SIGNS.get(kind) == -1 and not qty.startswith("-"):
        row.values["qty"] = "-" + qty  # people write the amount sold; the contract wants it signed
    return row


def _same(text, semicolon):
    """Text as written (the server trims and checks it)."""
    return text


def _choice(column):
    """A converter for a choice column: lower case, `_` for spaces, Indonesian words translated."""

    def convert(text, semicolon):
        key = re.sub(r"[\s-]+", "_", text.lower())
        return VALUE_ALIASES[column].get(key, key)

    return convert


@lru_cache(maxsize=65536)  # a producer's phone comes on each of its rows
def parse_phone(text, semicolon=False):
    """+62... from 08..., 62..., +62... or 8... (a spreadsheet dropped the 0); else the text as written."""
    digits = re.sub(r"[\s().-]", "", text.lstrip("'"))
    if re.match(r"^8[0-9]{8,12}\Z", digits):
        digits = "0" + digits
    return normalize_phone(digits) or text


def parse_village(text, semicolon=False):
    """A desa code with its dots (3204102001 -> 32.04.10.2001)."""
    compact = re.sub(r"\s", "", text)
    match = VILLAGE_DIGITS_RE.match(compact)
    return ".".join(match.groups()) if match else compact


def parse_hs(text, semicolon=False):
    """An HS code; seven digits regain the leading zero a spreadsheet took off."""
    return "0" + text if re.match(r"^[0-9]{7}\Z", text) else text


def parse_decimal(text, semicolon=False):
    """ "12,5", "12.5", "1.250,5", "-3" -> the contract's decimal text; in `;` files "1.250" is 1250."""
    sign, digits = _sign(text)
    if not NUMBER_RE.match(digits):
        raise Problem("invalid_decimal")
    if "." in digits and "," in digits:
        point = "." if digits.rfind(".") > digits.rfind(",") else ","
    elif digits.count(".") + digits.count(",") == 1:
        mark = "." if "." in digits else ","
        thousands = semicolon and mark == "." and re.match(r"^[0-9]{1,3}\.[0-9]{3}\Z", digits)
        point = "," if thousands else mark
    else:
        point = "," if "." in digits else "."  # several marks of one kind: thousands separators
    whole, _, frac = digits.partition(point)
    whole = _ungroup(whole, "." if point == "," else ",") or "0"
    milli = parse_milli(sign + whole + ("." + frac if frac else ""))
    if milli is None:
        raise Problem("invalid_decimal")
    return format_milli(milli)


def parse_price(text, semicolon=False):
    """Whole rupiah from "Rp 120.000", "120.000,-", "120,000" or "120000"."""
    compact = CURRENCY_RE.sub("", re.sub(r"\s", "", text))
    if not NUMBER_RE.match(compact):
        raise Problem("not_an_integer")
    whole, frac = compact, ""
    match = re.match(r"^(.*?)[.,]([0-9]{1,2})\Z", compact)
    if match:
        whole, frac = match.groups()
    if frac.strip("0"):
        raise Problem("not_an_integer")
    digits = whole.replace(".", "").replace(",", "")
    if not digits or not re.match(r"^[0-9]{1,3}([.,][0-9]{3})*\Z|^[0-9]+\Z", whole):
        raise Problem("not_an_integer")
    return int(digits)


@lru_cache(maxsize=65536)
def parse_when(text, semicolon=False):
    """RFC 3339 UTC from 2026-11-27, 27/11/2026 (UTC midnight) or a time, with or without offset."""
    for pattern in WHEN_RE:
        match = pattern.match(text.strip())
        if match:
            break
    else:
        raise Problem("invalid_datetime")
    parts = match.groupdict()
    year = int(parts["y"]) + (2000 if len(parts["y"]) == 2 else 0)
    try:
        day = date(year, int(parts["m"]), int(parts["d"]))
        when = datetime.combine(day, datetime.min.time()).replace(
            hour=int(parts["H"] or 0), minute=int(parts["M"] or 0), second=int(parts["S"] or 0),
            microsecond=int((parts["f"] or "0").ljust(6, "0")),
        )  # fmt: skip
    except ValueError:
        raise Problem("invalid_datetime") from None
    zone = (parts["z"] or "Z").upper().replace(":", "")
    if zone != "Z":
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
        when = when - offset if zone[0] == "+" else when + offset
    return format_time(when)


def _sign(text):
    """(sign, the rest) of a number as people write it (spaces, a unicode minus, a plus)."""
    compact = re.sub(r"\s", "", text).replace("\u2212", "-")
    if compact and compact[0] in "+-":
        return ("-" if compact[0] == "-" else ""), compact[1:]
    return "", compact


def _ungroup(whole, mark):
    """Digits without thousands separators; separators in the wrong places are not a number."""
    if mark not in whole:
        return whole
    if not re.match(rf"^[0-9]{{1,3}}(\{mark}[0-9]{{3}})+\Z", whole):
        raise Problem("invalid_decimal")
    return whole.replace(mark, "")


CONVERT = {
    "producer_phone": parse_phone,
    "village_code": parse_village,
    "producer_kind": _choice("producer_kind"),
    "category": _choice("category"),
    "unit": _choice("unit"),
    "unit_weight_kg": parse_decimal,
    "price_idr": parse_price,
    "hs_code": parse_hs,
    "qty": parse_decimal,
    "kind": _choice("kind"),
    "occurred_at": parse_when,
}


# -- rows to ops -----------------------------------------------------------------------------------


@dataclass
class Source:
    """A record's op in the making: its fields, and for each the column and row it came from."""

    entity: str
    entity_id: str
    rows: list = field(default_factory=list)
    fields: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)  # field -> (column, row number)


@dataclass
class Plan:
    """The ops of a file in push order, where each came from, and each row's ops."""

    rows: list
    raw: dict = field(default_factory=dict)  # row number -> {column: text}
    existing: set = field(default_factory=set)  # ids of the records found by their natural keys
    names: dict = field(default_factory=dict)  # id of a record found -> its name as stored
    ops: list = field(default_factory=list)
    sources: dict = field(default_factory=dict)  # op_id -> Source
    row_ops: dict = field(default_factory=dict)  # row number -> [op_id]: producer, product, movement


def fold(name):
    """A name as a key: spaces collapsed, case folded."""
    return " ".join(name.split()).casefold()


def stable_id(*parts):
    """A UUID derived from a natural key."""
    return str(uuid.uuid5(NAMESPACE, "|".join(str(p) for p in parts)))


def make_op(entity, entity_id, fields):
    """An upsert whose op id follows from its content (the replica stamps its clock)."""
    content = json.dumps([entity, entity_id, fields], sort_keys=True, ensure_ascii=False)
    return {"op_id": stable_id("op", content), "entity": entity, "entity_id": entity_id, "action": "upsert",
            "fields": fields}  # fmt: skip


def producer_keys(row):
    """Natural keys of a row's producer: ("phone", "+62...") and ("name", desa code, folded name)."""
    values, keys = row.values, []
    if (values.get("producer_phone") or "").startswith("+62"):
        keys.append(("phone", values["producer_phone"]))
    if values.get("producer_name") and values.get("village_code"):
        keys.append(("name", values["village_code"], fold(values["producer_name"])))
    return keys


def build_plan(rows, find=None):
    """Ops for cleaned rows: producers, products, then movements; find(entity, keys) -> {key: (id, name)}."""
    plan, groups, movements = Plan(rows, {row.number: row.raw for row in rows}), {}, []

    def finding(entity, keys):
        found = find(entity, keys) if find else {}
        plan.existing.update(found_id for found_id, _ in found.values())
        plan.names.update(found.values())
        return {key: found_id for key, (found_id, _) in found.items()}

    producer_of = _producer_ids(rows, finding)
    product_of = _product_ids(rows, producer_of, finding)
    movement_of = _movement_ids(rows, product_of)
    for row in rows:
        _check_references(row, producer_of, product_of)
        if row.problems:
            continue
        keys = [("producer", producer_of[row.number])]
        if row.number in product_of:
            keys.append(("product", product_of[row.number]))
        for entity, entity_id in keys:
            _merge(groups.setdefault((entity, entity_id), Source(entity, entity_id)), row)
        if row.number in product_of:
            groups[keys[1]].fields["producer_id"] = keys[0][1]
        if row.number in movement_of:
            movements.append(_movement(row, movement_of[row.number], product_of[row.number]))
        plan.row_ops[row.number] = keys + ([movements[-1][0]["op_id"]] if row.number in movement_of else [])
    op_ids = {}
    for source in sorted(groups.values(), key=lambda s: s.entity != "producer"):  # stable: first rows first
        stored, name = plan.names.get(source.entity_id), source.fields.get("name")
        if stored and name and stored != name and fold(stored) == fold(name):
            del source.fields["name"]  # the same name in other capitals or spacing: left as it is
        op = make_op(source.entity, source.entity_id, source.fields)
        op_ids[(source.entity, source.entity_id)] = op["op_id"]
        plan.ops.append(op)
        plan.sources[op["op_id"]] = source
    for op, source in movements:
        plan.ops.append(op)
        plan.sources[op["op_id"]] = source
    plan.row_ops = {n: [op_ids.get(op, op) for op in ops] for n, ops in plan.row_ops.items()}
    return plan


def _producer_ids(rows, find):
    """Row number -> producer id: an existing record's by phone, then by name in desa, else derived."""
    phone_of_name = {}
    for row in rows:
        keys = producer_keys(row)
        if len(keys) == 2:
            phone_of_name.setdefault(keys[1], keys[0])
    main, candidates = {}, {}
    for row in rows:
        keys = producer_keys(row)
        if keys:
            main[row.number] = key = phone_of_name.get(keys[0], keys[0])
            # A phone in the file matches a record of that name only if the record has no phone.
            names = [("phoneless", *k[1:]) for k in keys if k[0] == "name"] if key[0] == "phone" else []
            group = candidates.setdefault(key, [key])
            group.extend(k for k in names if k not in group)
    found = find("producer", {k for keys in candidates.values() for k in keys})
    ids = {key: next((found[k] for k in keys if k in found), None) for key, keys in candidates.items()}
    return {number: ids[key] or stable_id("producer", *key) for number, key in main.items()}


def _product_ids(rows, producer_of, find):
    """Row number -> product id: an existing record's by producer and name, else derived."""
    keys = {}
    for row in rows:
        if row.number in producer_of and row.values.get("product_name"):
            keys[row.number] = (producer_of[row.number], fold(row.values["product_name"]))
    found = find("product", set(keys.values()))
    return {number: found.get(key) or stable_id("product", *key) for number, key in keys.items()}


def _movement_ids(rows, product_of):
    """Row number -> movement id, from its product, time, kind and how many such rows came before."""
    seen, ids = Counter(), {}
    for row in rows:
        if row.number in product_of and any(row.values.get(c) for c in MOVEMENT_COLUMNS):
            key = (product_of[row.number], row.values.get("occurred_at"), row.values.get("kind"))
            ids[row.number] = stable_id("stock_movement", *key, seen[key])
            seen[key] += 1
    return ids


MOVEMENT_COLUMNS = ("qty", "kind", "occurred_at", "note")


def _check_references(row, producer_of, product_of):
    """A row must name its producer, and its product when it has product or movement values."""
    values = row.values
    if any(column is None for column, _, _ in row.problems):
        return  # an unreadable row: nothing more to say about it
    if row.number not in producer_of:
        if values.get("producer_phone"):
            row.problems.append(("producer_phone", "invalid_phone", {}))
        else:
            row.problems.append(("village_code" if values.get("producer_name") else "producer_name", "required", {}))
    elif row.number not in product_of and any(values.get(c) for c, (e, _) in FIELDS.items() if e != "producer"):
        row.problems.append(("product_name", "required", {}))


def _fields(entity, row):
    """The fields of an entity a row gives (an empty cell gives nothing)."""
    return {f: row.values[c] for c, (e, f) in FIELDS.items() if e == entity and row.values.get(c) is not None}


def _merge(source, row):
    """Add a row's values to a producer's or product's op: the last row that gives a value wins."""
    for name, value in _fields(source.entity, row).items():
        source.fields[name] = value
        source.columns[name] = (COLUMN_OF[(source.entity, name)], row.number)
    source.rows.append(row.number)


def _movement(row, movement_id, product_id):
    """A row's stock movement op and its Source."""
    fields = _fields("stock_movement", row) | {"product_id": product_id}
    columns = {name: (COLUMN_OF[("stock_movement", name)], row.number) for name in fields}
    source = Source("stock_movement", movement_id, rows=[row.number], fields=fields, columns=columns)
    return make_op("stock_movement", movement_id, fields), source


# -- existing records, the account, the outbox -------------------------------------------------------


def find_existing(entity, keys):
    """(id, name) of live records by natural key (the oldest when several share one)."""
    if entity == "producer":
        table, columns = Producer.__table__, ("id", "name", "village_code", "phone", "deleted", "created_at")
        rows = select_in(table, columns, "phone", sorted({k[1] for k in keys if k[0] == "phone"}))
        rows += select_in(table, columns, "village_code", sorted({k[1] for k in keys if k[0] != "phone"}))

        def naming(r):
            name = (r["village_code"], fold(r["name"] or ""))
            return [("phone", r["phone"]), ("name", *name)] + ([("phoneless", *name)] if r["phone"] is None else [])
    else:
        columns = ("id", "producer_id", "name", "deleted", "created_at")
        rows = select_in(Product.__table__, columns, "producer_id", sorted({k[0] for k in keys}))

        def naming(r):
            return [(r["producer_id"], fold(r["name"] or ""))]

    found = {}
    for row in sorted(rows, key=lambda r: (r["created_at"], r["id"])):
        if not row["deleted"]:
            for key in naming(row):
                found.setdefault(key, (row["id"], row["name"]))
    return {key: found[key] for key in keys if key in found}


def find_actor(phone):
    """The account a load is applied for, and its Actor: the one with this phone, or the first admin."""
    if phone:
        user = db.session.scalar(select(User).where(User.phone == (normalize_phone(phone) or phone)))
        if user is None:
            raise LoadError(f"no account with phone {phone}")
    else:
        user = db.session.scalar(select(User).where(User.role == "admin").order_by(User.created_at, User.id))
        if user is None:
            raise LoadError("no admin account yet: make one with `flask user create --role admin`, or pass --as")
    return user, actor_for(user)


class LoadReplica(Replica):
    """A Replica whose ops keep the ids the loader gave them, so queueing them again adds nothing."""

    def add_ops(self, ops, meta=()):
        """Queue ops in order and set meta values, in one transaction; ops queued before are queued again."""
        with self.db.atomic():
            for op in ops:
                op = {**op, "hlc": self.clock.tick()}
                self._apply_local(op)
                # REPLACE: an op queued before goes to the end again, so the outbox keeps the plan's
                # order (a product before its movements) and one rejected before is sent again.
                self.db.execute(
                    "INSERT OR REPLACE INTO outbox (op_id, entity, entity_id, action, fields, hlc, state) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'pending')",
                    [op["op_id"], op["entity"], op["entity_id"], op["action"], json.dumps(op["fields"]), op["hlc"]],
                )
            self.set_meta("hlc", self.clock.peek())
            for key, value in meta:
                self.set_meta(key, value)

    def pending_ids(self):
        """The ids of the ops waiting to be pushed."""
        return {row["op_id"] for row in self.db.query("SELECT op_id FROM outbox WHERE state = 'pending'")}

    def forget(self, pattern):
        """Drop the metadata values whose keys match a LIKE pattern."""
        self.db.execute("DELETE FROM meta WHERE key LIKE ?", [pattern])


class InProcessTransport:
    """The client's transport, answered in this process: a push goes to apply_ops as the API sends it."""

    def __init__(self, actor, lang="id"):
        self.actor = actor
        self.lang = lang
        self.results = {}  # op_id -> result, of every push answered

    def __call__(self, method, path, params=None, body=None):
        """Answer one request as (status, json); TransportError when the database gave no answer."""
        if (method, path) != ("POST", PUSH_PATH):
            return 404, error_body("not_found")
        if len(body["ops"]) > MAX_OPS:
            return 413, error_body("payload_too_large", {"max_ops": MAX_OPS})
        try:
            with current_app.test_request_context(headers={"Accept-Language": self.lang}):
                results, hlc = apply_ops(self.actor, body["ops"], body["device_id"])
        except OperationalError as exc:  # locked, or the connection dropped: nothing was applied
            db.session.rollback()
            raise TransportError(str(exc)) from exc
        self.results.update((result["op_id"], result) for result in results)
        return 200, {"results": results, "hlc": hlc}


def push_all(replica, delays=None):
    """Push the whole outbox, retrying after each attempt that got no answer."""
    for delay in (*(RETRY_DELAYS if delays is None else delays), None):
        try:
            return replica.push()
        except TransportError:
            if delay is None:
                raise
            time.sleep(delay)
    return 0


# -- the report ------------------------------------------------------------------------------------


def message(code, lang, **params):
    """A person's text for a field code: the loader's own, or the server's."""
    if code in MESSAGES:
        return MESSAGES[code][LANGUAGES.index(lang)].format(**params)
    return field_message(code, lang, **params)


def row_outcomes(plan, results, earlier=(), lang="id"):
    """Row number -> ("loaded" | "rejected" | "pending", [reasons]) for every row read."""
    outcomes = {}
    for row in plan.rows:
        if row.problems:
            outcomes[row.number] = ("rejected", [_problem_text(row, *problem, lang) for problem in row.problems])
            continue
        state, reasons = "loaded", []
        for op_id in plan.row_ops[row.number]:
            result = results.get(op_id)
            if result and result["status"] == "rejected":
                state, reasons = "rejected", _rejection(plan, row, plan.sources[op_id], result["error"])
                break
            if result is None and op_id not in earlier:
                state = "pending"
        outcomes[row.number] = (state, reasons)
    return outcomes


def _problem_text(row, column, code, params, lang):
    """A reason for a value the loader could not read."""
    where = f'{column} "{row.raw[column]}": ' if column in row.raw else f"{column}: " if column else ""
    return f"{where}{code}: {message(code, lang, **params)}"


def _rejection(plan, row, source, error):
    """Reasons for an op the server rejected: each bad field's column, else the op's main column."""
    fields = error.get("details", {}).get("fields")
    if error["code"] == "out_of_range":  # a value past a limit of the contract; a row's qty moves stock
        name = {"stock_on_hand": "qty"}.get(error["details"]["field"], error["details"]["field"])
        fields = {name: {"code": "out_of_range", "message": error["message"]}}
    if error["code"] in ("validation_error", "out_of_range") and fields:
        reasons = []
        for name, problem in fields.items():
            column, number = source.columns.get(name, (COLUMN_OF.get((source.entity, name), name), None))
            value = plan.raw.get(number, {}).get(column)
            where = f'{column} "{value}"' if value is not None else column
            origin = f" (value from row {number})" if number not in (None, row.number) else ""
            reasons.append(f"{where}: {problem['code']}: {problem['message']}{origin}")
        return reasons
    column = {"forbidden": "village_code", "immutable": "qty"}.get(error["code"])
    column = column or ("product_name" if source.entity == "stock_movement" else f"{source.entity}_name")
    return [f"{column}: {error['code']}: {error['message']}"]


def report_lines(outcomes):
    """Reasons of rejected rows, runs of consecutive rows with the same reason on one line."""
    lines, run = [], None  # run: [first, last, reason]
    for number, (state, reasons) in sorted(outcomes.items()):
        for reason in reasons if state == "rejected" else ():
            if run and run[2] == reason and number in (run[1], run[1] + 1):
                run[1] = number
                continue
            if run:
                lines.append(_run_line(*run))
            run = [number, number, reason]
    if run:
        lines.append(_run_line(*run))
    return lines


def _run_line(first, last, reason):
    """One report line for rows first..last."""
    return f"row {first}, {reason}" if first == last else f"rows {first}-{last}, {reason}"


# -- the command -----------------------------------------------------------------------------------


@click.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "as_phone", metavar="PHONE", help="The account whose scope applies (default: the first admin).")
@click.option(
    "--outbox",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The client's outbox, an SQLite file (default: instance/load-outbox.db); a load resumes from it.",
)
@click.option("--lang", type=click.Choice(LANGUAGES), default="id", show_default=True, help="Language of the reasons.")
@with_appcontext
def load_command(file, as_phone, outbox, lang):
    """Load producers, products and stock movements from a CSV file, through the sync ops."""
    started = time.perf_counter()
    data = file.read_bytes()
    try:
        table = read_table(data)
        user, actor = find_actor(as_phone)
    except LoadError as exc:
        raise click.ClickException(f"{file.name}: {exc}") from exc
    rows = [clean_row(row, table.delimiter == ";") for row in table.rows]
    plan = build_plan(rows, find_existing)
    separated = {",": "comma", ";": "semicolon", "\t": "tab"}[table.delimiter]
    click.echo(f"{file.name}: {len(rows):,} rows ({separated}-separated), {len(plan.ops):,} ops, as {user.phone}")
    if table.ignored:
        click.echo(f"  ignored columns: {', '.join(table.ignored)}")
    path = outbox or Path(current_app.instance_path) / "load-outbox.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    transport = InProcessTransport(actor, lang)
    replica = LoadReplica(Database(path), transport=transport)
    try:
        earlier, interrupted = _queue_and_push(replica, plan, f"load:{hashlib.sha256(data).hexdigest()}:{user.id}")
    finally:
        replica.db.close()
    states = _summary(plan, row_outcomes(plan, transport.results, earlier, lang), transport.results, earlier)
    if interrupted:
        raise click.ClickException(f"interrupted ({interrupted}); run the same command again to resume")
    click.echo(f"done in {time.perf_counter() - started:.1f} s")
    if states["rejected"]:
        raise click.exceptions.Exit(1)


def _queue_and_push(replica, plan, key):
    """Queue the plan's ops 1,000 at a time and push each lot; answers (ops loaded by an earlier run, error)."""
    # The outbox remembers (meta `key`) how far an interrupted run queued: the ops before that
    # which left the outbox were accepted (applied_ops says so), and are not sent again.
    target = db.engine.url.render_as_string(hide_password=True)
    if replica.meta("target") not in (None, target):
        if replica.pending_ids():
            raise click.ClickException(f"the outbox holds ops for {replica.meta('target')}; pass another --outbox")
        replica.forget("load:%")
    replica.set_meta("target", target)
    position = {op["op_id"]: i for i, op in enumerate(plan.ops)}
    upto = int(replica.meta(key) or 0)
    queued = {row["op_id"] for row in replica.db.query("SELECT op_id FROM outbox")}
    earlier = _applied([op["op_id"] for op in plan.ops[:upto] if op["op_id"] not in queued])
    if earlier:
        click.echo(f"  resuming: {len(earlier):,} ops were loaded by an earlier run")
    todo = [op for op in plan.ops if op["op_id"] not in earlier]
    try:
        for start in range(0, len(todo), PUSH_BATCH):
            lot = todo[start : start + PUSH_BATCH]
            upto = max(upto, position[lot[-1]["op_id"]] + 1)
            replica.add_ops(lot, meta=[(key, str(upto))])
            push_all(replica)
        if not todo:
            push_all(replica)  # what other loads left in the outbox
    except TransportError as exc:
        return earlier, str(exc)
    replica.forget(key)
    return earlier, None


def _applied(op_ids):
    """Those of these ops the server has applied."""
    return {row["op_id"] for row in select_in(AppliedOp.__table__, ("op_id",), "op_id", op_ids)}


def _summary(plan, outcomes, results, earlier):
    """Print the reasons of the rows not loaded, then the counts of rows and ops; answers rows by state."""
    for line in report_lines(outcomes):
        click.echo("  " + line)
    states = Counter(state for state, _ in outcomes.values())
    ours = {op["op_id"] for op in plan.ops}
    statuses = Counter(r["status"] for op_id, r in results.items() if op_id in ours)
    applied = [op for op in plan.ops if results.get(op["op_id"], {}).get("status") == "applied"]
    made = Counter(op["entity"] for op in applied if op["entity_id"] not in plan.existing)
    changed = Counter(op["entity"] for op in applied if op["entity_id"] in plan.existing)
    waiting = f", {states['pending']:,} not yet loaded" if states["pending"] else ""
    click.echo(f"rows: {len(plan.rows):,} read, {states['loaded']:,} loaded, {states['rejected']:,} rejected{waiting}")
    detail = "; ".join(
        f"{what}: " + ", ".join(f"{label} {counts[entity]:,}" for entity, label in ENTITY_LABELS if counts[entity])
        for what, counts in (("created", made), ("updated", changed))
        if counts
    )
    click.echo(
        f"ops: {statuses['applied']:,} new, {statuses['duplicate']:,} duplicate, {statuses['rejected']:,} rejected"
        + (f" ({detail})" if detail else "")
        + (f"; {len(earlier):,} loaded by an earlier run" if earlier else "")
    )
    others = Counter(r["status"] for op_id, r in results.items() if op_id not in ours)
    if others:
        click.echo("  ops left in the outbox by another load: " + ", ".join(f"{v:,} {k}" for k, v in others.items()))
    return states


ENTITY_LABELS = (("producer", "producers"), ("product", "products"), ("stock_movement", "stock movements"))
