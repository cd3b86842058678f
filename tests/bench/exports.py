"""Export benchmark: marketplace exports and the open-data file for N approved products (not a test).

    python -m tests.bench.exports [--n 100000] [--movements 2] [--markdown docs/benchmarks.md]

A fresh SQLite database (`flask db upgrade`, the regions of Kab. Bandung) gets N approved
products of 50 desa, each with `--movements` harvest movements, inserted straight into the tables
(tests/export_data.py) so that setting up takes seconds. Lumbung then runs under gunicorn
(gunicorn.conf.py, one worker, one thread) and an admin downloads each export over HTTP, reading
it in 64 KB pieces and keeping none. Reported per export: time to the first byte, total time,
bytes, rows, and the worker's peak resident memory during the export (VmHWM, reset before each
export through /proc/<pid>/clear_refs) against its resident memory before it. The open-data
file is written by `flask export sqlite` in a subprocess, whose peak is its ru_maxrss.
`--markdown PATH` also writes the table into the `exports` section of PATH (tests/bench/report.py).
"""

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from server.secrets_file import random_secrets
from tests.bench import report

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv" / "bin"
# gunicorn refuses to serve on default or short secrets (gunicorn.conf.py): random ones, one set a run.
SERVE_SECRETS = random_secrets()
PIN = "246810"
ADMIN_PHONE = "+6281200000001"
EXPORTS = (
    ("products.csv", "/api/v1/exports/products.csv"),
    ("products.xlsx", "/api/v1/exports/products.xlsx"),
    ("products-b2b.csv", "/api/v1/exports/products-b2b.csv"),
    ("feed.json", "/api/v1/exports/feed.json"),
    ("feed.json?format=jsonl", "/api/v1/exports/feed.json?format=jsonl"),
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env, *args):
    """Run a flask CLI command of the app; answers its output."""
    done = subprocess.run(
        [str(VENV / "flask"), "--app", "server", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


# Runs a command and prints the peak RSS (KiB) of it alone: the wrapper's only child.
PEAK_WRAPPER = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def peak_of(env, *command):
    """Run a command; answers (its output, its peak resident memory in KiB)."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK_WRAPPER, *command], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    *output, peak = done.stdout.strip().splitlines()
    return "\n".join(output), int(peak)


def fill(env, count, movements):
    """Insert the products with the test helper, in this process, on the bench database."""
    os.environ.update({k: env[k] for k in ("INSTANCE_PATH",)})
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from server import create_app
    from server.engine.models import Region
    from server.extensions import db
    from tests.export_data import insert_approved_products

    app = create_app({"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"]})
    with app.app_context():
        villages = list(
            db.session.scalars(select(Region.code).where(Region.level == 4).order_by(Region.code).limit(50))
        )
        started = time.perf_counter()
        insert_approved_products(count, villages, movements_per_product=movements)
        seconds = time.perf_counter() - started
        db.engine.dispose()
    return seconds


def worker_pid(master):
    """The pid of gunicorn's (single) worker."""
    for _ in range(200):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise RuntimeError("no gunicorn worker")


def memory_kib(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def login(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    body = json.dumps({"phone": ADMIN_PHONE, "pin": PIN, "device_id": str(uuid.uuid4())})
    conn.request("POST", "/api/v1/auth/login", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.status == 200, response.read()
    return json.loads(response.read())["access_token"]


def download(port, token, path):
    """GET an export, reading it in 64 KB pieces; answers (first byte s, total s, bytes, lines)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    assert response.status == 200, response.read()[:500]
    first = None
    size = lines = 0
    while chunk := response.read(64 * 1024):
        if first is None:
            first = time.perf_counter() - started
        size += len(chunk)
        lines += chunk.count(b"\n")
    conn.close()
    return first, time.perf_counter() - started, size, lines


def markdown(args, rows):
    """The table in Markdown, for report.write_section; rows as main collects them (None: not measured)."""
    formats = (
        "`{}`", "{:.2f} s", "{:.2f} s", lambda size: f"{size / 1e6:,.1f}", "{:,}",
        lambda kib: f"{kib / 1024:.0f} MB", lambda kib: f"{kib / 1024:.0f} MB",
    )  # fmt: skip
    cells = [
        ["" if value is None else (form(value) if callable(form) else form.format(value))
         for form, value in zip(formats, row, strict=True)]
        for row in rows
    ]  # fmt: skip
    headers = ["export", "first byte", "total", "MB", "lines", "worker RSS before", "peak"]
    return (
        f"{args.n:,} approved products with {args.movements} movements each, SQLite, gunicorn with one worker "
        "of one thread; each export downloaded once over HTTP. `flask export sqlite` writes the open-data file, "
        "its peak that of its own process.\n\n" + report.table(headers, cells)
    )


def main():
    """Fill a database, serve it, download each export and print what it took (and write it with --markdown)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="approved products")
    parser.add_argument("--movements", type=int, default=2, help="harvest movements per product")
    parser.add_argument("--markdown", type=Path, help="also write the table into this file's exports section")
    args = parser.parse_args()
    rows = []  # (export, first byte s, total s, bytes, lines, RSS before KiB, peak KiB)

    folder = Path(tempfile.mkdtemp(prefix="lumbung-export-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "INSTANCE_PATH": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'lumbung.db'}",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "ACCESS_LOG": "",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "1",
        "GUNICORN_TIMEOUT": "600",
        **SERVE_SECRETS,
        "PIN_HASH_TIME_COST": "1",
        "PIN_HASH_MEMORY_KIB": "8192",
    }
    server = None
    try:
        flask(env, "db", "upgrade")
        flask(env, "regions", "import", "--only", "32.04")
        admin = ("--phone", ADMIN_PHONE, "--pin", PIN, "--role", "admin", "--region", "32.04", "--name", "Bench")
        flask(env, "user", "create", *admin)
        seconds = fill(env, args.n, args.movements)
        print(f"{args.n:,} approved products, {args.n * args.movements:,} movements inserted in {seconds:.1f} s")
        server = subprocess.Popen(
            [str(VENV / "gunicorn"), "-c", "gunicorn.conf.py", "server:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(400):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.05)
        worker = worker_pid(server.pid)
        token = login(port)
        download(port, token, "/api/v1/exports/products.csv?category=other")  # warm up: imports, caches
        print(f"{'export':<24}{'first byte':>12}{'total':>10}{'MB':>9}{'lines':>10}{'RSS before':>12}{'peak':>10}")
        for name, path in EXPORTS:
            Path(f"/proc/{worker}/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
            before = memory_kib(worker, "VmRSS")
            first, total, size, lines = download(port, token, path)
            peak = memory_kib(worker, "VmHWM")
            rows.append((name, first, total, size, lines, before, peak))
            print(
                f"{name:<24}{first:>11.2f}s{total:>9.2f}s{size / 1e6:>9.1f}{lines:>10,}"
                f"{before / 1024:>10.0f}MB{peak / 1024:>8.0f}MB"
            )
        out = folder / "open.db"
        started = time.perf_counter()
        output, peak = peak_of(env, str(VENV / "flask"), "--app", "server", "export", "sqlite", str(out))
        seconds, size = time.perf_counter() - started, out.stat().st_size
        rows.append(("flask export sqlite", None, seconds, size, None, None, peak))
        print(f"flask export sqlite: {seconds:.1f} s, {size / 1e6:.1f} MB file, "
              f"peak RSS {peak / 1024:.0f} MB; {output.splitlines()[0]}")  # fmt: skip
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
    if args.markdown:
        section = report.section("Exports", "tests.bench.exports", markdown(args, rows), args.markdown)
        report.write_section(args.markdown, "exports", section)


if __name__ == "__main__":
    main()
