"""Many approved products at once, inserted straight into the tables (for export tests and the benchmark).

The apply path is the one write path of the app; these rows skip it only to be made fast (20,000
or 100,000 products in seconds). They look as applied rows do: an approved product with a
producer, a desa and change-feed sequence numbers far above those the tests' ops take.
"""

import uuid
from datetime import UTC, datetime

from server.engine.models import Producer, Product, ProductStock, StockMovement
from server.engine.store import insert_rows
from server.extensions import db

SEQ_BASE = 10**12
WORDS = ("kopi", "arabika", "gula", "aren", "kayu", "manis", "vanili", "kakao", "madu", "hutan", "teh", "jahe")


def insert_approved_products(count, villages, start=0, per_producer=10, photos=(), movements_per_product=0):
    """Insert `count` approved products (and their producers) spread over the villages; answers their ids.

    Call inside an app context; commits.
    """
    now = datetime.now(UTC).replace(tzinfo=None)
    ids = []
    for first in range(0, count, 5000):
        producers, products, stock, moves = [], [], [], []
        for i in range(first, min(count, first + 5000)):
            n = start + i
            village = villages[n % len(villages)]
            if i % per_producer == 0 or not producers:
                producers.append(_producer(n, village, now))
            producer = producers[-1]
            product_id = str(uuid.UUID(int=(0xE0 << 120) + n))
            ids.append(product_id)
            products.append(_product(n, product_id, producer, now, list(photos)))
            stock.append({"product_id": product_id, "stock_milli": 12_500 + n})
            for k in range(movements_per_product):
                moves.append(_movement(n, k, product_id, producer, now))
        insert_rows(Producer.__table__, producers)
        insert_rows(Product.__table__, products)
        insert_rows(ProductStock.__table__, stock)
        insert_rows(StockMovement.__table__, moves)
        db.session.commit()
    return ids


def _producer(n, village, now):
    return {
        "id": str(uuid.UUID(int=(0xD0 << 120) + n)),
        "name": f"Kelompok Tani {n}",
        "village_code": village,
        "kind": "group",
        "phone": f"+62813{n:08d}",
        "nib": None,
        "created_by": None,
        "deleted": False,
        "hlcs": {},
        "seq": SEQ_BASE + 3 * n,
        "created_at": now,
        "updated_at": now,
    }


def _product(n, product_id, producer, now, photos):
    words = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(4))
    return {
        "id": product_id,
        "producer_id": producer["id"],
        "village_code": producer["village_code"],
        "name": f"Produk {n} {words}",
        "category": "coffee" if n % 2 else "spices",
        "description": f"Hasil desa nomor {n}: {words}, dipetik dan dijemur oleh kelompok tani.",
        "unit": "kg",
        "unit_weight_g": None,
        "price_idr": 50_000 + n % 1000,
        "hs_code": "0901.11.10",
        "certifications": [],
        "photos": photos,
        "status": "approved",
        "created_by": None,
        "deleted": False,
        "hlcs": {},
        "seq": SEQ_BASE + 3 * n + 1,
        "created_at": now,
        "updated_at": now,
    }


def _movement(n, k, product_id, producer, now):
    return {
        "seq": SEQ_BASE * 2 + n * 100 + k,
        "id": str(uuid.UUID(int=(0xC0 << 120) + n * 100 + k)),
        "product_id": product_id,
        "producer_id": producer["id"],
        "village_code": producer["village_code"],
        "qty_milli": 6_000,
        "kind": "harvest",
        "occurred_at": now,
        "note": None,
        "hlc": "",
        "created_by": None,
        "created_at": now,
    }
