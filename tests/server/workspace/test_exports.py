"""Marketplace exports: Shopee and B2B sheets (CSV, XLSX), the schema.org feed, signed photo links, streaming."""

import csv
import gc
import io
import time
import tracemalloc
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
from openpyxl import load_workbook

from server.engine.models import FeaturedProduct
from server.extensions import db
from server.web.signed_links import signature
from server.workspace.exports import B2B_COLUMNS, SHOPEE_COLUMNS, shorten
from tests.export_data import insert_approved_products
from tests.helpers import OTHER_VILLAGE, VILLAGE, movement_fields, new_id, producer_fields, product_fields
from tests.server.api.test_blobs import image_bytes, put, sha

BASE = "/api/v1/exports/"
OTHER_KECAMATAN_VILLAGE = "32.04.05.2001"  # Kab. Bandung too, another kecamatan
LONG_NAME = (
    "Kopi Arabika Java Preanger Gunung Puntang Full Wash Grade Satu Petik Merah Kelompok Tani Margamulya "
    "Pangalengan Kabupaten Bandung"
)


def csv_rows(response):
    assert response.status_code == 200, response.get_data()
    text = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def add_product(device, producer_id, status="approved", **fields):
    """Push a product of the producer and, unless draft or submitted, an admin decision on it."""
    product_id = new_id()
    fields.setdefault("status", "submitted")
    device.push(device.op("product", product_id, product_fields(producer_id, **fields)))
    if status not in ("draft", "submitted"):
        device.push(device.op("review", new_id(), {"product_id": product_id, "decision": status}))
    return product_id


@pytest.fixture
def world(admin):
    """Products of Kab. Bandung in several states, and one of Kota Bandung (pushed by its own admin)."""
    producer_id = new_id()
    admin.push(admin.op("producer", producer_id, producer_fields(phone="081234567890")))
    other_desa_producer = new_id()
    admin.push(admin.op("producer", other_desa_producer, producer_fields(village_code=OTHER_KECAMATAN_VILLAGE)))
    ids = {
        "long": add_product(
            admin,
            producer_id,
            name=LONG_NAME,
            description="Kopi dari lereng gunung, dijemur di para-para bambu.",
            price_idr=125000,
            unit_weight_kg="0.25",
            unit="pack",
            hs_code="0901.21.10",
        ),
        "kg": add_product(
            admin, producer_id, name="Gula Aren Cetak", category="processed_food", price_idr=30000, unit="kg"
        ),
        "other_kecamatan": add_product(admin, other_desa_producer, name="Cengkeh Kering", category="spices"),
        "draft": add_product(admin, producer_id, status="draft", name="Belum selesai"),
        "submitted": add_product(admin, producer_id, status="submitted", name="Menunggu"),
        "rejected": add_product(admin, producer_id, status="rejected", name="Ditolak"),
        "deleted": add_product(admin, producer_id, name="Dihapus"),
    }
    admin.push(admin.op("product", ids["deleted"], action="delete"))
    admin.push(
        admin.op("stock_movement", new_id(), movement_fields(ids["long"], qty="40.5")),
        admin.op("stock_movement", new_id(), movement_fields(ids["kg"], qty="12.75")),
        admin.op("stock_movement", new_id(), movement_fields(ids["kg"], qty="-2", kind="sale")),
    )
    return ids


def test_shopee_csv_has_the_columns_and_only_approved_products_in_scope(client, admin, world):
    response = client.get(BASE + "products.csv", headers=admin.headers)
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert tuple(rows[0]) == SHOPEE_COLUMNS
    by_sku = {row[SHOPEE_COLUMNS.index("SKU")]: dict(zip(SHOPEE_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert set(by_sku) == {world["long"], world["kg"], world["other_kecamatan"]}

    long = by_sku[world["long"]]
    assert long["Product Name"] == shorten(LONG_NAME, 100)
    assert len(long["Product Name"]) <= 100 and LONG_NAME.startswith(long["Product Name"])
    assert LONG_NAME[len(long["Product Name"])] == " "  # cut on a word boundary
    assert long["Category"] == "coffee" and long["Parent SKU"] == world["long"]
    assert long["Price"] == "125000"
    assert long["Stock"] == "40"  # 40.5 packs on hand: 40 whole units
    assert long["Weight (g)"] == "275"  # 250 g net + 10% packaging
    assert long["Length (cm)"] == long["Width (cm)"] == long["Height (cm)"] == ""
    assert long["Origin Desa Code"] == VILLAGE and long["Origin Desa"]
    kg = by_sku[world["kg"]]
    assert kg["Stock"] == "10" and kg["Weight (g)"] == "1100" and kg["Price"] == "30000"
    assert by_sku[world["other_kecamatan"]]["Price"] == ""


def test_filters_by_region_category_and_featured(app, client, admin, world):
    def skus(**query):
        rows = csv_rows(client.get(BASE + "products.csv", query_string=query, headers=admin.headers))
        return {row[SHOPEE_COLUMNS.index("SKU")] for row in rows[1:]}

    assert skus(region="32.04.10") == {world["long"], world["kg"]}
    assert skus(region="32.04.05") == {world["other_kecamatan"]}
    assert skus(category="spices") == {world["other_kecamatan"]}
    assert skus(featured=1) == set()
    with app.app_context():
        db.session.add(
            FeaturedProduct(
                product_id=world["kg"], village_code=VILLAGE, featured_by=admin.headers.user["id"], featured_at=_now()
            )
        )
        db.session.commit()
    assert skus(featured=1) == {world["kg"]}
    bad = client.get(BASE + "products.csv", query_string={"category": "gold"}, headers=admin.headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_parameter"


def _now():
    from server.web.timeutil import utcnow

    return utcnow()


def test_only_admins_in_their_own_regions(client, accounts, admin, world, facilitator, producer_account):
    for path in ("products.csv", "products.xlsx", "products-b2b.csv", "products-b2b.xlsx", "feed.json"):
        assert client.get(BASE + path).status_code == 401
        for device in (facilitator, producer_account):
            response = client.get(BASE + path, headers=device.headers)
            assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    kota_admin = accounts.headers(role="admin", regions=("32.73",))
    assert csv_rows(client.get(BASE + "products.csv", headers=kota_admin)) == [list(SHOPEE_COLUMNS)]
    outside = client.get(BASE + "products.csv", query_string={"region": "32.73"}, headers=admin.headers)
    assert outside.status_code == 403
    assert outside.get_json()["error"]["details"] == {"reason": "region_out_of_scope"}
    inside = client.get(BASE + "products.csv", query_string={"region": "32.04"}, headers=kota_admin)
    assert inside.status_code == 403


def test_kota_admin_sees_its_own_products(client, accounts, world):
    from tests.helpers import Device

    kota = Device(client, accounts.headers(role="admin", regions=("32.73",)))
    producer_id = new_id()
    kota.push(kota.op("producer", producer_id, producer_fields(village_code=OTHER_VILLAGE)))
    product_id = add_product(kota, producer_id, name="Batik Tulis")
    rows = csv_rows(client.get(BASE + "products.csv", headers=kota.headers))
    assert [row[SHOPEE_COLUMNS.index("SKU")] for row in rows[1:]] == [product_id]


def test_xlsx_opens_with_openpyxl_and_has_the_header_row(client, admin, world):
    response = client.get(BASE + "products.xlsx", headers=admin.headers)
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == SHOPEE_COLUMNS
    assert len(rows) == 4
    long = next(dict(zip(SHOPEE_COLUMNS, row, strict=True)) for row in rows if row[4] == world["long"])
    assert long["Price"] == 125000 and long["Stock"] == 40 and long["Weight (g)"] == 275
    assert len(long["Product Name"]) <= 100


def test_a_name_that_looks_like_a_formula_stays_text(client, admin):
    producer_id = new_id()
    admin.push(admin.op("producer", producer_id, producer_fields()))
    add_product(admin, producer_id, name="=HYPERLINK(1)", description="+cmd|' /C calc'!A0")
    rows = csv_rows(client.get(BASE + "products.csv", headers=admin.headers))
    assert rows[1][1] == "'=HYPERLINK(1)" and rows[1][2] == "'+cmd|' /C calc'!A0"
    book = load_workbook(io.BytesIO(client.get(BASE + "products.xlsx", headers=admin.headers).get_data()))
    cell = book.active.cell(row=2, column=2)
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"


def test_b2b_sheet_has_moq_tiers_supply_packaging_and_lead_time(client, admin, world):
    response = client.get(BASE + "products-b2b.csv", headers=admin.headers)
    assert response.is_streamed
    rows = csv_rows(response)
    assert tuple(rows[0]) == B2B_COLUMNS
    by_sku = {row[B2B_COLUMNS.index("SKU")]: dict(zip(B2B_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert set(by_sku) == {world["long"], world["kg"], world["other_kecamatan"]}
    long = by_sku[world["long"]]
    assert long["MOQ"] == "400"  # 400 packs of 250 g make 100 kg
    assert (long["Price Term"], long["Currency"], long["HS Code"]) == ("EXW", "IDR", "0901.21.10")
    assert [long[f"Tier {n} Min Qty"] for n in (1, 2, 3)] == ["400", "2000", "8000"]
    assert [long[f"Tier {n} Price"] for n in (1, 2, 3)] == ["125000", "118750", "112500"]
    assert long["Supply Ability per Month"] == "3.375"  # 40.5 harvested in the last 12 months / 12
    assert long["Supply Ability per Month (kg)"] == "0.843"
    assert long["Lead Time (days)"] == "21" and "60 kg" in long["Packaging"]
    assert long["Origin"].endswith("Indonesia") and long["Origin Desa Code"] == VILLAGE
    kg = by_sku[world["kg"]]
    assert kg["MOQ"] == "100" and kg["Supply Ability per Month"] == "1.062" and kg["Stock on Hand"] == "10.75"
    cengkeh = by_sku[world["other_kecamatan"]]
    assert cengkeh["Tier 1 Price"] == "" and cengkeh["Supply Ability per Month"] == "0"
    book = load_workbook(io.BytesIO(client.get(BASE + "products-b2b.xlsx", headers=admin.headers).get_data()))
    assert next(book.active.iter_rows(values_only=True)) == B2B_COLUMNS
    assert book.active.max_row == 4


def test_json_feed_is_schema_org_products(client, admin, world):
    response = client.get(BASE + "feed.json", headers=admin.headers)
    assert response.status_code == 200 and response.is_streamed and response.mimetype == "application/json"
    records = orjson.loads(response.get_data())
    assert {r["sku"] for r in records} == {world["long"], world["kg"], world["other_kecamatan"]}
    for record in records:
        assert record["@context"] == "https://schema.org" and record["@type"] == "Product"
        assert record["name"] and isinstance(record["image"], list)
        assert record["countryOfOrigin"]["identifier"] == "ID"
        props = {p["propertyID"]: p["value"] for p in record["additionalProperty"]}
        assert props["desa_code"] in (VILLAGE, OTHER_KECAMATAN_VILLAGE) and props["desa_name"]
    long = next(r for r in records if r["sku"] == world["long"])
    assert long["name"] == LONG_NAME  # the feed keeps the whole name
    assert long["offers"] == {
        "@type": "Offer",
        "price": 125000,
        "priceCurrency": "IDR",
        "availability": "https://schema.org/InStock",
        "inventoryLevel": {"@type": "QuantitativeValue", "value": 40, "unitText": "pack"},
    }
    assert {p["propertyID"]: p["value"] for p in long["additionalProperty"]}["hs_code"] == "0901.21.10"
    assert "offers" not in next(r for r in records if r["sku"] == world["other_kecamatan"])

    lines = client.get(BASE + "feed.json", query_string={"format": "jsonl"}, headers=admin.headers)
    assert lines.mimetype == "application/x-ndjson"
    assert [orjson.loads(line) for line in lines.get_data().splitlines()] == records


def test_an_empty_feed_is_an_empty_array(client, admin):
    assert orjson.loads(client.get(BASE + "feed.json", headers=admin.headers).get_data()) == []
    assert client.get(BASE + "feed.json", query_string={"format": "jsonl"}, headers=admin.headers).get_data() == b""


def test_shorten_cuts_on_a_word_boundary():
    assert shorten("Kopi  Arabika\n", 100) == "Kopi Arabika"
    assert shorten("a" * 120, 100) == "a" * 100
    assert shorten("kata " * 30, 100) == ("kata " * 20).strip()
    assert shorten("x" * 99 + " yy", 100) == "x" * 99
    assert shorten("x" * 100 + " yy", 100) == "x" * 100


# --- signed photo links --------------------------------------------------------------------------


@pytest.fixture
def photographed(app, client, admin):
    """An approved product with two photos; answers (product id, [sha of each])."""
    names = []
    for colour in ("JPEG", "PNG"):
        data = image_bytes(colour, size=(64, 48))
        assert put(client, admin.headers, data, mime=f"image/{colour.lower()}").status_code == 201
        names.append(sha(data))
    producer_id = new_id()
    admin.push(admin.op("producer", producer_id, producer_fields()))
    return add_product(admin, producer_id, name="Kopi Foto", photos=names), names


def _links(client, admin):
    rows = csv_rows(client.get(BASE + "products.csv", headers=admin.headers))
    row = dict(zip(SHOPEE_COLUMNS, rows[1], strict=True))
    return row["Cover image"], row["Item image 1"], row["Item image 2"]


def test_photo_links_are_signed_and_open_without_login(client, admin, photographed):
    _, names = photographed
    before = int(time.time())
    cover, item, empty = _links(client, admin)
    after = int(time.time())
    assert empty == ""
    parts = urlsplit(cover)
    assert parts.scheme == "http" and parts.path == "/api/v1/blobs/" + names[0]
    query = parse_qs(parts.query)
    exp = int(query["exp"][0])
    assert before + 7 * 86400 <= exp <= after + 7 * 86400  # seven days from when the export was made
    assert client.get(parts.path).status_code == 401  # without the signature: a token is needed
    photo = client.get(parts.path + "?" + parts.query)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    thumb = client.get(parts.path + "?" + parts.query + "&size=thumb")
    assert thumb.status_code == 200
    assert client.get(urlsplit(item).path + "?" + urlsplit(item).query).mimetype == "image/png"


def test_tampered_or_swapped_or_expired_links_are_403(app, client, admin, photographed):
    _, names = photographed
    cover, item, _ = _links(client, admin)
    path, query = urlsplit(cover).path, parse_qs(urlsplit(cover).query)
    exp, sig = query["exp"][0], query["sig"][0]

    def get(path, **params):
        response = client.get(path, query_string=params)
        return response.status_code, response.get_json()["error"]["code"]

    tampered = ("0" if sig[0] != "0" else "1") + sig[1:]
    assert get(path, exp=exp, sig=tampered) == (403, "link_invalid")
    assert get(path, exp=str(int(exp) + 1), sig=sig) == (403, "link_invalid")
    assert get(urlsplit(item).path, exp=exp, sig=sig) == (403, "link_invalid")  # another photo's name
    assert get(path, exp=exp) == (403, "link_invalid")
    assert get(path, exp="soon", sig=sig) == (403, "link_invalid")
    past = int(time.time()) - 1
    with app.app_context():
        old_sig = signature(names[0], past)
    status, code = get(path, exp=str(past), sig=old_sig)
    assert (status, code) == (403, "link_expired")
    english = client.get(path, query_string={"exp": past, "sig": old_sig}, headers={"Accept-Language": "en"})
    assert english.get_json()["error"]["message"] == "This photo link has expired; download a new export."


def test_link_lifetime_follows_export_link_days(app, client, admin, photographed):
    app.config["EXPORT_LINK_DAYS"] = 1
    before = int(time.time())
    cover, _, _ = _links(client, admin)
    after = int(time.time())
    exp = int(parse_qs(urlsplit(cover).query)["exp"][0])
    assert before + 86400 <= exp <= after + 86400


def test_feed_images_are_signed_links(client, admin, photographed):
    records = orjson.loads(client.get(BASE + "feed.json", headers=admin.headers).get_data())
    assert len(records[0]["image"]) == 2
    for url in records[0]["image"]:
        parts = urlsplit(url)
        assert client.get(parts.path + "?" + parts.query).status_code == 200


# --- many rows ------------------------------------------------------------------------------------

VILLAGES = (VILLAGE, OTHER_KECAMATAN_VILLAGE)


def _consume(client, headers, path):
    """Read a streamed export chunk by chunk, keeping none; answers (bytes, peak traced memory)."""
    gc.collect()
    tracemalloc.start()
    try:
        response = client.get(path, headers=headers)
        assert response.status_code == 200 and response.is_streamed
        size = 0
        for chunk in response.response:
            size += len(chunk)
        response.close()
        return size, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_many_rows_are_all_there_and_memory_stays_flat(app, client, admin):
    with app.app_context():
        insert_approved_products(2_000, VILLAGES)
    for path in ("products.csv", "feed.json?format=jsonl"):  # warm up caches before measuring
        _consume(client, admin.headers, BASE + path)
    small = {path: _consume(client, admin.headers, BASE + path) for path in ("products.csv", "feed.json")}
    with app.app_context():
        insert_approved_products(18_000, VILLAGES, start=2_000)
    rows = csv_rows(client.get(BASE + "products.csv", headers=admin.headers))
    assert len(rows) == 20_001 and len({row[4] for row in rows[1:]}) == 20_000
    records = orjson.loads(client.get(BASE + "feed.json", headers=admin.headers).get_data())
    assert len(records) == 20_000
    for path, (small_size, small_peak) in small.items():
        size, peak = _consume(client, admin.headers, BASE + path)
        assert size > 9 * small_size
        # Ten times the rows, about the same peak: one batch of 1,000 rows at a time.
        assert peak < small_peak * 1.5 + 512 * 1024, (path, small_peak, peak)


def test_xlsx_of_many_rows_keeps_every_row(app, client, admin):
    with app.app_context():
        insert_approved_products(2_500, VILLAGES)
    response = client.get(BASE + "products.xlsx", headers=admin.headers)
    assert response.is_streamed
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 2_501 and len({row[4] for row in rows[1:]}) == 2_500
    assert rows[1][SHOPEE_COLUMNS.index("Length (cm)")] is None  # empty cells are not written
