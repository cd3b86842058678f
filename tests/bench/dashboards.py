"""Dashboard benchmark: the admin's figures on an SQLite database of the demo scaled to N movements.

    python -m tests.bench.dashboards --movements 1000000 [--runs 7] [--db PATH] [--markdown docs/benchmarks.md]

Builds the database with `flask db upgrade` and `flask demo` (the one write path, so the running
stock totals are the real ones; about 10 minutes for 1,000,000 movements on a 2-core machine),
unless --db names one that already holds as many movements, which is then only upgraded. Then it
logs in as the demo admin of Kab. Bandung and asks each dashboard, the readiness summary and
the first page of the review queue `--runs` times through the Flask test client (the whole
request: token check, queries, JSON), and prints the median and worst milliseconds of each
against the issue's budget of 300 ms. Not a test: nothing here asserts.

The demo makes no conflict records, so `--conflicts N` (default 10,000) adds that many, half on
movements and half on products, for the conflicts dashboard to have something to count.
`--markdown PATH` also writes the table into the `dashboards` section of PATH (tests/bench/report.py).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from tests.bench import report as markdown_report

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(ROOT / ".venv" / "bin" / "flask")
ADMIN_PHONE, PIN = "+6281200000001", "246810"
BUDGET_MS = 300
QUERIES = (
    ("dashboards/stock?by=category", "/api/v1/dashboards/stock?by=category"),
    ("dashboards/stock?by=kecamatan", "/api/v1/dashboards/stock?by=kecamatan"),
    ("dashboards/stock?by=desa", "/api/v1/dashboards/stock?by=desa"),
    ("dashboards/products-by-status", "/api/v1/dashboards/products-by-status"),
    ("dashboards/growth", "/api/v1/dashboards/growth"),
    ("dashboards/freshness", "/api/v1/dashboards/freshness"),
    ("dashboards/conflicts", "/api/v1/dashboards/conflicts"),
    ("readiness/summary?by=kecamatan", "/api/v1/readiness/summary?region=32.04&by=kecamatan"),
    ("readiness/summary?by=desa", "/api/v1/readiness/summary?region=32.04&by=desa"),
    ("review-queue (first page, 50)", "/api/v1/review-queue?limit=50"),
    ("featured", "/api/v1/featured"),
)


def build(db_path, args):
    """Migrate and fill the database with the demo through the CLI; answers the seconds it took."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "INSTANCE_PATH": str(db_path.parent)}
    run = lambda *cmd: subprocess.run([FLASK, "--app", "server", *cmd], env=env, cwd=ROOT, check=True)  # noqa: E731
    run("db", "upgrade")
    if _movements(db_path) >= args.movements:
        print(f"reusing {db_path} ({_movements(db_path):,} movements)")
        return None
    started = time.perf_counter()
    run("demo", "--producers", str(args.producers), "--products", str(args.products), "--movements",
        str(args.movements), "--seed", "1", "--end-date", "2026-11-27")  # fmt: skip
    return time.perf_counter() - started


def add_conflicts(db_path, count):
    """Conflict records on the newest movements and products, up to `count` in all."""
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        have = conn.execute("SELECT count(*) FROM conflicts").fetchone()[0]
        for table in ("stock_movements", "products"):
            entity = "stock_movement" if table == "stock_movements" else "product"
            conn.execute(
                "INSERT INTO conflicts (entity, entity_id, op_id, reason, field, value, hlc, created_at) "
                f"SELECT '{entity}', id, id, 'lost_to_later', 'note', '\"x\"', '0', created_at FROM {table} "
                "ORDER BY seq DESC LIMIT ?",
                (max(0, count - have) // 2,),
            )


def _movements(db_path):
    import sqlite3

    try:
        with sqlite3.connect(db_path) as conn:
            return conn.execute("SELECT count(*) FROM stock_movements").fetchone()[0]
    except sqlite3.Error:
        return 0


def measure(db_path, runs):
    """{name: [ms per run]} for each query, asked as the demo admin."""
    from server import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "ENV_NAME": "development"})
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"phone": ADMIN_PHONE, "pin": PIN, "device_id": str(uuid.uuid4())})
    headers = {"Authorization": "Bearer " + login.get_json()["access_token"]}
    times = {name: [] for name, _ in QUERIES}
    for name, url in QUERIES:
        response = client.get(url, headers=headers)  # a warm-up, as a dashboard's second look
        assert response.status_code == 200, (url, response.get_json())
        for _ in range(runs):
            started = time.perf_counter()
            client.get(url, headers=headers)
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def report(times, counts):
    """Print the median and worst of each query against the budget."""
    print(f"\nmedian and worst of {len(next(iter(times.values())))} runs, ms (budget {BUDGET_MS} ms): {counts}")
    width = max(len(name) for name in times)
    for name, values in times.items():
        median = statistics.median(values)
        flag = "ok" if median < BUDGET_MS else "OVER BUDGET"
        print(f"  {name.ljust(width)}  {median:8.1f}  {max(values):8.1f}  {flag}")


def markdown(times, counts):
    """The table in Markdown, for report.write_section."""
    rows = []
    for name, values in times.items():
        median = statistics.median(values)
        rows.append([f"`{name}`", f"{median:,.1f}", f"{max(values):,.1f}", "ok" if median < BUDGET_MS else "over"])
    held = ", ".join(f"{count:,} {table.replace('_', ' ')}" for table, count in counts.items())
    return (
        f"SQLite, filled by `flask demo`: {held}. Each query asked as the demo admin through the Flask test client, "
        f"after one warm-up; median and worst of {len(next(iter(times.values())))} runs.\n\n"
        + markdown_report.table(["query", "median ms", "worst ms", f"budget {BUDGET_MS} ms"], rows)
    )


def table_counts(db_path):
    """{table: rows} of the tables the dashboards read."""
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("producers", "products", "stock_movements", "reviews", "conflicts")}  # fmt: skip


def main(argv=None):
    """Build or reuse the database, then measure and print each query (and write the table with --markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--producers", type=int, default=None, help="default: 200 per 50,000 movements")
    parser.add_argument("--products", type=int, default=None, help="default: 600 per 50,000 movements")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--conflicts", type=int, default=10_000)
    parser.add_argument("--db", type=Path, default=None, help="SQLite file to reuse or build (default: a temp one)")
    parser.add_argument("--markdown", type=Path, help="also write the table into this file's dashboards section")
    args = parser.parse_args(argv)
    scale = max(1, args.movements // 50_000)  # the demo's defaults are 200, 600 and 50,000
    args.producers = args.producers or 200 * scale
    args.products = args.products or 600 * scale
    db_path = args.db or Path(tempfile.mkdtemp(prefix="lumbung-bench-")) / "bench.db"
    seconds = build(db_path.resolve(), args)
    if seconds is not None:
        print(f"built with flask demo in {seconds:.0f} s")
    add_conflicts(db_path.resolve(), args.conflicts)
    times, counts = measure(db_path.resolve(), args.runs), table_counts(db_path)
    report(times, counts)
    if args.markdown:
        body = markdown(times, counts)
        section = markdown_report.section("Dashboards", "tests.bench.dashboards", body, args.markdown)
        markdown_report.write_section(args.markdown, "dashboards", section)


if __name__ == "__main__":
    sys.exit(main())
