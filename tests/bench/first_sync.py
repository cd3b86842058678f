"""First-sync benchmark: a new phone's first sync of a whole kecamatan, full and recent-first.

    python -m tests.bench.first_sync [--runs 3] [--products 5000] [--movements 100000] [--days 90]
                                     [--markdown docs/benchmarks.md]

The workload: one kecamatan's 1,000 producers (in its desa) with 5 products each, and 100,000
stock movements spread evenly over the 2 years before today (about 137 a day), pushed through
the API into Lumbung under gunicorn on SQLite (tests/bench/sync.py's server). Then a new phone
syncs for the first time, with the Python client (sync/client.py) sending what the PWA sends
(pages of 1,000): the full first sync of today, and the recent-first one (`since` 90 days
back: stock on hand and the last 90 days). Each figure is the median of `--runs` first syncs,
each by a new phone. Bytes are counted on the wire, both ways, headers included; the slow-3G
estimate is bytes / 400 kbit/s + requests x 400 ms. `--markdown PATH` also writes the table
into the `first_sync` section of PATH (tests/bench/report.py).
"""

import argparse
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import sqlite_utils

from sync.client import Replica
from tests.bench import report
from tests.bench.sync import Server, op, push_all

PAGE = 1000  # the PWA's PULL_LIMIT (pwa/src/replica.js)
PRODUCTS_PER_PRODUCER = 5
SLOW_3G_BYTES_PER_S = 400_000 / 8
SLOW_3G_RTT_S = 0.4
YEARS = 2
KECAMATAN = "32.04.10"


class WireTransport:
    """The sync client's transport over a counting bench Wire (tests/bench/sync.py)."""

    def __init__(self, wire):
        self.wire = wire

    def __call__(self, method, path, params=None, body=None):
        """One request; answers (status, JSON body)."""
        if params:
            path = f"{path}?{urlencode(params)}"
        return self.wire.call(method, path, body)


def desa_of(server, kecamatan):
    """The desa codes of a kecamatan."""
    db = sqlite_utils.Database(server.dir / "lumbung.db")
    rows = db.query("SELECT code FROM regions WHERE level = 4 AND code LIKE ? ORDER BY code", [kecamatan + ".%"])
    return [row["code"] for row in rows]


def workload(products, movements, desa, node, now):
    """Producers, products and movements (over the YEARS before now) as ops, in the order pushed."""
    producers = [
        op("producer", {"name": f"Produsen {i}", "village_code": desa[i % len(desa)], "kind": "individual"}, node, i)
        for i in range(products // PRODUCTS_PER_PRODUCER)
    ]
    items = [
        op(
            "product",
            {
                "producer_id": producers[i // PRODUCTS_PER_PRODUCER]["entity_id"],
                "name": f"Produk {i}",
                "category": "coffee",
                "unit": "kg",
                "price_idr": 25_000 + i,
            },
            node,
            len(producers) + i,
        )
        for i in range(products)
    ]
    start, step = now - timedelta(days=365 * YEARS), timedelta(days=365 * YEARS) / movements
    ops = producers + items
    for i in range(movements):
        qty = ((i * 37) % 200) - 50 or 1
        fields = {
            "product_id": items[(i * 7919) % products]["entity_id"],
            "qty": str(qty),
            "kind": "harvest" if qty > 0 else "sale",
            "occurred_at": (start + step * i).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        ops.append(op("stock_movement", fields, node, len(ops)))
    return ops


def first_sync(server, recent_days):
    """One new phone's first sync; answers its figures and the phone."""
    wire = server.login()
    phone = Replica(sqlite_utils.Database(memory=True), transport=WireTransport(wire), recent_days=recent_days)
    started = time.perf_counter()
    phone.pull(limit=PAGE)
    seconds = time.perf_counter() - started
    sent, received, requests = wire.counters()
    wire.close()
    return {"s": seconds, "bytes": sent + received, "requests": requests}, phone


def slow_3g_s(figures):
    """The time the same bytes and round trips would take over slow 3G."""
    return figures["bytes"] / SLOW_3G_BYTES_PER_S + figures["requests"] * SLOW_3G_RTT_S


def check(phone, full):
    """The recent-first phone shows each product's stock as the full one computes it."""
    totals = {}
    for data in full.records("stock_movement").values():
        totals[data["product_id"]] = totals.get(data["product_id"], 0) + Decimal(data["qty"])
    sample = sorted(totals)[:: max(1, len(totals) // 50)]
    wrong = [p for p in sample if phone.stock(p) != totals[p]]
    assert not wrong, f"stock differs for {len(wrong)} products"


def main():
    """Build the workload, run both first syncs, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--movements", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--markdown", help="also write the table into this file's first_sync section")
    args = parser.parse_args()
    server = Server()
    try:
        now = datetime.now(UTC).replace(tzinfo=None)
        node = str(uuid.uuid4())
        desa = desa_of(server, KECAMATAN)
        ops = workload(args.products, args.movements, desa, node, now)
        started = time.perf_counter()
        push_all(server.login(), ops, node)
        built = time.perf_counter() - started
        modes = {"full (today)": None, f"recent-first ({args.days} days)": args.days}
        results, phones = {}, {}
        for _ in range(args.runs):  # interleaved, so that both see the same machine
            for name, days in modes.items():
                figures, phones[name] = first_sync(server, days)
                results.setdefault(name, []).append(figures)
        check(phones[f"recent-first ({args.days} days)"], phones["full (today)"])
    finally:
        server.stop()
    recent = sum(1 for o in ops if o["entity"] == "stock_movement" and o["fields"]["occurred_at"] >= _since(now, args))
    intro = (
        f"Workload: {args.products:,} products of {args.products // PRODUCTS_PER_PRODUCER:,} producers in "
        f"{len(desa)} desa of Kec. {KECAMATAN}; {args.movements:,} movements evenly over the {YEARS} years "
        f"before today, {recent:,} of them in the last {args.days} days (pushed in {built:.0f} s). "
        f"First sync by the Python client in pages of {PAGE:,} (as the PWA), median of {args.runs}, loopback; "
        "slow 3G estimate: wire bytes / 400 kbit/s + requests x 400 ms (login not counted)."
    )
    headers = ["first sync", "time", "wire bytes", "requests", "slow 3G estimate"]
    rows = [_row(name, runs) for name, runs in results.items()]
    print(intro)
    print(report.table(headers, rows))
    if args.markdown:
        body = intro + "\n\n" + report.table(headers, rows)
        section = report.section("First sync of a kecamatan", "tests.bench.first_sync", body, args.markdown)
        report.write_section(args.markdown, "first_sync", section)


def _row(name, runs):
    median = {key: statistics.median(run[key] for run in runs) for key in ("s", "bytes", "requests")}
    return [
        name,
        f"{median['s']:.2f} s",
        f"{median['bytes']:,}",
        f"{median['requests']:.0f}",
        f"{slow_3g_s(median):.1f} s",
    ]


def _since(now, args):
    return (now - timedelta(days=args.days)).strftime("%Y-%m-%dT00:00:00Z")


if __name__ == "__main__":
    main()
