"""Sync benchmark: Lumbung under gunicorn on SQLite against the PouchDB/CouchDB peer, in one run.

    python -m tests.bench.sync [--runs 3] [--n 10000] [--big 1000000] [--no-peer] [--one-at-a-time]
                               [--markdown docs/benchmarks.md]

The workload is the peer's (../shared/bench/peer-sync): one device pushes 10,000 stock movements
of 500 products in 50 desa, in pushes of 1,000 (gzip); a fresh device pulls them all; then 20
idle pulls. Bytes are counted on the wire, both directions, headers included. Each figure is the
median of `--runs` runs, each on a fresh database. With `--big N`, the same is run again on a
database already holding N movements of other desa (runs interleaved with the others). Each run
ends with the first syncs of 15 new producers (1 product, 100 movements each; their median).
`--markdown PATH` also writes the tables into the `sync` section of PATH (tests/bench/report.py).

The device side is a minimal keep-alive HTTP client with orjson (a browser's JSON is native
code too); its ops are the PWA's byte for byte (tests/bench/device.py, held to the PWA by
tests/vectors/movement_push.json): UUIDv7 ids, a movement's op id its own id, times with
milliseconds. Like
PouchDB's replicator, which reads batches ahead, it works ahead: it encodes its next push while
the server applies the one before, and asks for the next pull page (the answer's Link header)
before it stores the page that came. The PWA works ahead both ways and the Python client in its
pushes, each storing a push's answer before it sends the next. `--one-at-a-time` turns that off:
each batch or page waits for the one before to be done.
"""

import argparse
import gzip
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson

from server.secrets_file import random_secrets
from sync.ids import uuid7
from tests.bench import report
from tests.bench.device import movement_op

ROOT = Path(__file__).resolve().parents[2]
PEER = ROOT.parent / "shared" / "bench" / "peer-sync"
VENV = ROOT / ".venv" / "bin"
# gunicorn refuses to serve on default or short secrets (gunicorn.conf.py): random ones, one set a run.
SERVE_SECRETS = random_secrets()
KECAMATAN = ("32.04.05", "32.04.06", "32.04.07", "32.04.08", "32.04.09", "32.04.10", "32.04.11", "32.04.12")
PIN = "246810"
PUSH = "/api/v1/sync/push"
MOVEMENTS_FROM_MS = 1704067200000  # 2024-01-01T00:00:00Z
FIRST_SYNCS = 15  # new producers a run
# The design's budgets (ARCHITECTURE.md): the peer's time and bytes over ours, at least.
BUDGETS = {"push": (10, 6), "pull": (25, 4), "idle_pull": (15, None)}


class Wire:
    """A minimal HTTP/1.1 keep-alive client that counts every byte sent and received."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")
        self.sent = self.received = self.requests = 0
        self.token = None

    def call(self, method, path, body=None, compress=True):
        """Send a request; answers (status, parsed JSON)."""
        return self.send(method, path, *(encode(body, compress) if body is not None else (b"", False)))

    def send(self, method, path, payload=b"", gzipped=False):
        """Send a request whose body is already encoded; answers (status, parsed JSON)."""
        self.start(method, path, payload, gzipped)
        return decode(*self.finish())

    def start(self, method, path, payload=b"", gzipped=False):
        """Send a request, without waiting for its answer."""
        headers = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Accept-Encoding: gzip"]
        if self.token:
            headers.append(f"Authorization: Bearer {self.token}")
        if payload:
            headers.append("Content-Type: application/json")
        if gzipped:
            headers.append("Content-Encoding: gzip")
        headers.append(f"Content-Length: {len(payload)}")
        request = ("\r\n".join(headers) + "\r\n\r\n").encode() + payload
        self.sock.sendall(request)
        self.sent += len(request)
        self.requests += 1

    def finish(self):
        """Read the answer to the request sent last: (status, headers with lower-case names, body bytes)."""
        status_line = self.file.readline()
        size = len(status_line)
        headers = {}
        while True:
            line = self.file.readline()
            size += len(line)
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", 0))
        data = self.file.read(length)
        self.received += size + length
        return int(status_line.split()[1]), headers, data

    def counters(self):
        """(bytes sent, bytes received, requests) so far."""
        return self.sent, self.received, self.requests

    def close(self):
        """Close the connection."""
        self.sock.close()


def encode(body, compress=True):
    """A request body as the device sends it: JSON, gzipped; answers (bytes, gzipped?)."""
    payload = orjson.dumps(body)
    if compress:
        return gzip.compress(payload, compresslevel=6, mtime=0), True
    return payload, False


def decode(status, headers, data):
    """An answer's status and parsed JSON body."""
    if headers.get("content-encoding") == "gzip":
        data = gzip.decompress(data)
    return status, orjson.loads(data) if data else None


def next_page(headers):
    """The address in a Link header's rel="next", if there is one."""
    for link in headers.get("link", "").split(","):
        target, _, params = link.partition(";")
        if 'rel="next"' in params:
            return target.strip()[1:-1]
    return None


def free_port():
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env, *args):
    """Run a flask CLI command of the app."""
    subprocess.run([str(VENV / "flask"), "--app", "server", *args], cwd=ROOT, env=env, check=True, capture_output=True)


class Server:
    """Lumbung under gunicorn (gunicorn.conf.py, as the Procfile runs it) on a fresh SQLite database."""

    def __init__(self, big=0):
        self.dir = Path(tempfile.mkdtemp(prefix="lumbung-bench-"))
        self.port = free_port()
        self.env = {
            **os.environ,
            "INSTANCE_PATH": str(self.dir),
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "ACCESS_LOG": "",
            "PIN_HASH_TIME_COST": "1",
            "PIN_HASH_MEMORY_KIB": "8192",
            **SERVE_SECRETS,
        }
        self.env.pop("DATABASE_URL", None)
        flask(self.env, "db", "upgrade")
        for prefix in KECAMATAN + ("32.04.15",):
            flask(self.env, "regions", "import", "--only", prefix)
        flask(
            self.env,
            "user",
            "create",
            "--phone",
            "+6281200000001",
            "--pin",
            PIN,
            "--role",
            "facilitator",
            "--name",
            "Bench",
            *sum((["--region", k] for k in KECAMATAN), []),
        )
        if big:
            fill_big(self.dir / "lumbung.db", big)
            # Hundreds of MB just written: let the kernel put them on disk before measuring, as
            # a server holding that much would long have done, not during the measured phases.
            os.sync()
        self.proc = subprocess.Popen(
            [str(VENV / "gunicorn"), "-c", "gunicorn.conf.py", "server:create_app()"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port)).close()
                break
            except OSError:
                time.sleep(0.05)

    def login(self, phone="+6281200000001"):
        """A fresh device's wire, logged in."""
        wire = Wire(self.port)
        status, body = wire.call(
            "POST", "/api/v1/auth/login", {"phone": phone, "pin": PIN, "device_id": str(uuid.uuid4())}
        )
        assert status == 200, body
        wire.token = body["access_token"]
        wire.sent = wire.received = wire.requests = 0
        return wire

    def stop(self):
        """Stop gunicorn and remove the database."""
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def villages(server):
    """The first 50 desa codes under the bench kecamatan."""
    import sqlite3

    with sqlite3.connect(server.dir / "lumbung.db") as conn:
        rows = conn.execute(
            f"SELECT code FROM regions WHERE level = 4 AND substr(code, 1, 8) IN ({','.join('?' * len(KECAMATAN))}) "
            "ORDER BY code LIMIT 50",
            KECAMATAN,
        ).fetchall()
    return [r[0] for r in rows]


def op(entity, fields, node, i):
    """An op with fresh ids, made as the Python client and the PWA make them (UUIDv7)."""
    entity_id = uuid7()
    # A movement is written by exactly one op: its id serves as the op's id too.
    op_id = entity_id if entity == "stock_movement" else uuid7()
    return {
        "op_id": op_id,
        "entity": entity,
        "entity_id": entity_id,
        "action": "upsert",
        "fields": fields,
        "hlc": f"{1764230400000 + i:016d}:0000:{node}",
    }


def setup_products(wire, desa, node):
    """500 products of 50 producers (one per desa), as the peer's P0000..P0499."""
    producers = [
        op("producer", {"name": f"Produsen {i}", "village_code": v, "kind": "individual"}, node, i)
        for i, v in enumerate(desa)
    ]
    products = [
        op(
            "product",
            {"producer_id": producers[i % 50]["entity_id"], "name": f"Produk {i}", "category": "coffee", "unit": "kg"},
            node,
            100 + i,
        )
        for i in range(500)
    ]
    status, body = wire.call("POST", "/api/v1/sync/push", {"device_id": node, "ops": producers + products})
    assert status == 200 and all(r["status"] == "applied" for r in body["results"]), body
    return [p["entity_id"] for p in products]


def movement_ops(products, n, node):
    """The peer's 10,000 movements: qty ((i*37) % 200) - 50, one a minute from 2024-01-01.

    Encoded as the PWA encodes them (tests/bench/device.py), timed with milliseconds as it times them.
    """
    ops = []
    for i in range(n):
        qty = ((i * 37) % 200) - 50 or 1
        at_ms = MOVEMENTS_FROM_MS + i * 60_000 + (i * 7919) % 1000
        hlc = f"{1764230400000 + 1000 + i:016d}:0000:{node}"
        kind = "harvest" if qty > 0 else "sale"
        ops.append(movement_op(uuid7(), products[(i * 7919) % 500], kind, str(abs(qty)), at_ms, hlc))
    return ops


def phase(wire, fn):
    """Run fn; answers ms, bytes both ways and requests it took."""
    sent, received, requests = wire.counters()
    start = time.perf_counter()
    fn()
    ms = (time.perf_counter() - start) * 1000
    s2, r2, q2 = wire.counters()
    return {"ms": ms, "bytes": (s2 - sent) + (r2 - received), "requests": q2 - requests}


def push_all(wire, ops, node, ahead=True):
    """Push ops in batches of 1,000 (the outbox is already on the device).

    As PouchDB's replicator reads batches ahead while one is on the wire, the device encodes
    the next batch while the server applies the one before, and sends it as soon as the answer
    says 200, reading that answer's results afterwards; batches still go one at a time, in order.
    With ahead=False it does one thing at a time.
    """
    batches = [{"device_id": node, "ops": ops[start : start + 1000]} for start in range(0, len(ops), 1000)]
    if not ahead:
        for batch in batches:
            status, body = wire.send("POST", PUSH, *encode(batch))
            assert status == 200 and all(result["status"] == "applied" for result in body["results"]), body
        return
    with ThreadPoolExecutor(1) as encoder:
        wire.start("POST", PUSH, *encode(batches[0]))
        for following in [*batches[1:], None]:
            ahead = encoder.submit(encode, following) if following else None
            status, headers, data = wire.finish()
            assert status == 200, data
            if ahead:
                wire.start("POST", PUSH, *ahead.result())
            status, body = decode(status, headers, data)
            assert all(result["status"] == "applied" for result in body["results"]), body


def pull_all(wire, store, cursor=None, ahead=True):
    """Follow the pages until more is false, storing records by id; answers the cursor.

    As soon as a page has arrived, the next one (its Link header) is asked for: the server works
    on it while the device reads and stores this one. With ahead=False the device asks for the
    next page (by the cursor in the body) only once it has stored this one.
    """
    wire.start("GET", "/api/v1/sync/pull?limit=5000" + (f"&cursor={cursor}" if cursor else ""))
    while True:
        status, headers, data = wire.finish()
        following = next_page(headers) if ahead else None
        if following:
            wire.start("GET", following)
        status, body = decode(status, headers, data)
        assert status == 200, body
        for change in body["changes"]:
            store[change["entity_id"]] = change.get("data")
        if not ahead and body["more"]:
            wire.start("GET", f"/api/v1/sync/pull?limit=5000&cursor={body['cursor']}")
        elif not following:
            assert not body["more"]
            return body["cursor"]


def run_ours(n, big=0, ahead=True):
    """One run of the workload against a fresh server; answers its figures."""
    server = Server(big)
    try:
        desa = villages(server)
        device_a = server.login()
        node = str(uuid.uuid4())
        products = setup_products(device_a, desa, node)
        ops = movement_ops(products, n, node)
        push = phase(device_a, lambda: push_all(device_a, ops, node, ahead))
        device_b = server.login()
        store = {}
        cursor = {}
        pull = phase(device_b, lambda: cursor.setdefault("c", pull_all(device_b, store, ahead=ahead)))
        assert sum(1 for v in store.values() if v and "qty" in v) == n
        idle = [phase(device_b, lambda: pull_all(device_b, store, cursor["c"])) for _ in range(20)]
        result = {
            "push": push,
            "pull": pull,
            "idle_pull": {
                "ms": statistics.median(p["ms"] for p in idle),
                "bytes": statistics.median(p["bytes"] for p in idle),
                "requests": statistics.median(p["requests"] for p in idle),
            },
        }
        # New producers, each a single request of a few milliseconds: one, or five, would be noise.
        first_syncs = [first_sync_of_a_producer(server, desa, n) for n in range(FIRST_SYNCS)]
        result["first_sync_producer"] = {
            key: statistics.median(s[key] for s in first_syncs) for key in ("ms", "bytes", "requests")
        }
        return result
    finally:
        server.stop()


def first_sync_of_a_producer(server, desa, n=0):
    """A new producer account (the n-th) whose record has 1 product and 100 movements: its first full pull."""
    facilitator = server.login()
    node = str(uuid.uuid4())
    phone = f"+62812777700{n:02d}"
    producer = op("producer", {"name": "Baru", "village_code": desa[n], "kind": "individual", "phone": phone}, node, 0)
    product = op(
        "product", {"producer_id": producer["entity_id"], "name": "Kopi", "category": "coffee", "unit": "kg"}, node, 1
    )
    facilitator.call("POST", "/api/v1/sync/push", {"device_id": node, "ops": [producer, product]})
    push_all(facilitator, movement_ops([product["entity_id"]] * 500, 100, node), node)
    # The facilitator opens the producer's account, as in the field (a facilitator makes producers).
    account = {"phone": phone, "pin": PIN, "role": "producer", "name": "Produsen", "regions": [desa[n]]}
    status, body = facilitator.call("POST", "/api/v1/users", account, compress=False)
    assert status == 201, body
    device = server.login(phone)
    store = {}
    return phase(device, lambda: pull_all(device, store))


def fill_big(path, count):
    """Put `count` movements of 2,000 products in desa of kecamatan 32.04.15 straight into the file."""
    import sqlite3

    conn = sqlite3.connect(path)
    desa = [r[0] for r in conn.execute("SELECT code FROM regions WHERE level = 4 AND code LIKE '32.04.15.%'")]
    now = "2026-01-01 00:00:00"
    conn.executemany(
        "INSERT INTO producers (id, name, village_code, kind, deleted, hlcs, seq, created_at, updated_at) "
        "VALUES (?, ?, ?, 'individual', 0, '{}', ?, ?, ?)",
        [(f"00000000-0000-4000-8000-{i:012d}", f"P{i}", desa[i % len(desa)], -i - 1, now, now) for i in range(200)],
    )
    conn.executemany(
        "INSERT INTO products (id, producer_id, village_code, name, category, unit, status, deleted, "
        "hlcs, seq, created_at, updated_at) VALUES (?, ?, ?, ?, 'coffee', 'kg', 'draft', 0, '{}', ?, ?, ?)",
        [
            (
                f"00000000-0000-4000-9000-{i:012d}",
                f"00000000-0000-4000-8000-{i % 200:012d}",
                desa[(i % 200) % len(desa)],
                f"Produk {i}",
                -1000 - i,
                now,
                now,
            )
            for i in range(2000)
        ],
    )
    # Each movement in its product's desa, as the apply path would put it, with a UUIDv7 id as a
    # device makes them (sync/ids.py): one every 30 s through 2025, older than today's.
    conn.execute("CREATE TEMP TABLE desa (n INTEGER PRIMARY KEY, code TEXT)")
    conn.executemany("INSERT INTO desa VALUES (?, ?)", list(enumerate(desa)))
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "INSERT INTO stock_movements (id, product_id, producer_id, village_code, qty_milli, kind, occurred_at, hlc, "
        "seq, created_at) SELECT printf('%08x-%04x-7000-8000-%012d', (1735689600000 + i * 30000) >> 16, "
        "(1735689600000 + i * 30000) & 65535, i), "
        "printf('00000000-0000-4000-9000-%012d', i % 2000), printf('00000000-0000-4000-8000-%012d', (i % 2000) % 200), "
        "(SELECT code FROM desa WHERE n = ((i % 2000) % 200) % ?), 1000, 'harvest', ?, '', i, ? FROM n",
        (count, len(desa), now, now),
    )
    conn.execute(
        "INSERT INTO product_stock (product_id, stock_milli) "
        "SELECT product_id, sum(qty_milli) FROM stock_movements GROUP BY product_id"
    )
    conn.execute("UPDATE sync_state SET seq = ?", (count,))
    conn.commit()
    conn.close()


def run_peer(n):
    """One run of the peer at its best settings; answers its figures in our shape."""
    env = {**os.environ, "N": str(n), "STORAGE": "leveldb"}
    out = subprocess.run(
        ["./run.sh", "--keepalive", "--batch-size", "1000"],
        cwd=PEER,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    idle = data["idle_pull"]
    return {
        "push": {
            "ms": data["push"]["ms"],
            "bytes": data["push"]["bytes_sent"] + data["push"]["bytes_received"],
            "requests": data["push"]["requests"],
        },
        "pull": {
            "ms": data["pull"]["ms"],
            "bytes": data["pull"]["bytes_sent"] + data["pull"]["bytes_received"],
            "requests": data["pull"]["requests"],
        },
        "idle_pull": {
            "ms": idle["median_ms"],
            "bytes": idle["median_bytes_sent"] + idle["median_bytes_received"],
            "requests": idle["median_requests"],
        },
    }


def medians(runs):
    """Median of each figure over runs."""
    return {
        phase_name: {key: statistics.median(r[phase_name][key] for r in runs) for key in runs[0][phase_name]}
        for phase_name in runs[0]
    }


def table(title, ours, peer=None):
    """Print a table of figures (and ratios when the peer ran)."""
    print(f"\n{title}")
    print(
        f"{'phase':<20}{'ours ms':>10}{'ours bytes':>12}{'req':>5}"
        + (f"{'peer ms':>10}{'peer bytes':>12}{'req':>5}{'time x':>8}{'bytes x':>9}" if peer else "")
    )
    for name, figures in ours.items():
        line = f"{name:<20}{figures['ms']:>10.1f}{figures['bytes']:>12,.0f}{figures['requests']:>5.0f}"
        if peer and name in peer:
            p = peer[name]
            line += (
                f"{p['ms']:>10.1f}{p['bytes']:>12,.0f}{p['requests']:>5.0f}"
                f"{p['ms'] / figures['ms']:>8.1f}{p['bytes'] / figures['bytes']:>9.1f}"
            )
        print(line)


def ms_text(ms):
    """Milliseconds as a table cell: one decimal below 10 ms."""
    return f"{ms:.1f} ms" if ms < 10 else f"{ms:,.0f} ms"


def bytes_text(count):
    """Bytes as a table cell: KB from 10,000 bytes."""
    return f"{count / 1000:,.0f} KB" if count >= 10_000 else f"{count:,.0f} B"


def ratio_text(ratio, budget):
    """A ratio as a table cell, with its budget when there is one."""
    return f"{ratio:.1f}x" + (f" (budget {budget}x)" if budget else "")


def phase_text(name, n):
    """A phase's name as a table's first cell."""
    names = {"push": f"push {n:,}", "pull": f"pull {n:,}", "first_sync_producer": "a new producer's first sync"}
    return names.get(name, name.replace("_", " "))


def figures_text(figures):
    """A phase's time and bytes as one table cell."""
    return f"{ms_text(figures['ms'])}, {bytes_text(figures['bytes'])}"


def markdown(args, ours, peer=None, big=None):
    """The run's tables in Markdown, for report.write_section."""
    headers = ["phase", "Lumbung", "requests"]
    if peer:
        headers += ["peer", "requests", "peer time / ours", "peer bytes / ours"]
    rows = []
    for name, figures in ours.items():
        row = [phase_text(name, args.n), figures_text(figures), f"{figures['requests']:,.0f}"]
        if peer and name in peer:
            theirs = peer[name]
            time_budget, bytes_budget = BUDGETS[name]
            row += [
                figures_text(theirs),
                f"{theirs['requests']:,.0f}",
                ratio_text(theirs["ms"] / figures["ms"], time_budget),
                ratio_text(theirs["bytes"] / figures["bytes"], bytes_budget),
            ]
        elif peer:
            row += ["", "", "", ""]
        rows.append(row)
    runs = f"medians of {args.runs} runs" if args.runs > 1 else "one run"
    how = f"{args.n:,} stock movements, {runs}, each on a fresh SQLite database under gunicorn"
    if peer:
        how += "; the PouchDB/CouchDB peer (`../shared/bench/peer-sync`: leveldb, keep-alive) in the same runs"
    if args.one_at_a_time:
        how += "; the device sends one request at a time"
    text = f"{how}.\n\n{report.table(headers, rows)}\n"
    if big:
        rows = [[phase_text(name, args.n), figures_text(big[name]), ms_text(ours[name]["ms"])] for name in ours]
        text += (
            f"\nWith {args.big:,} movements of other desa already stored (runs interleaved with the empty ones):\n\n"
            + report.table(["phase", "big database", "empty database"], rows)
            + "\n"
        )
    return text


def main():
    """Run the benchmark and print its tables (and write them with --markdown)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=0, help="also run with this many movements already stored")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument(
        "--one-at-a-time",
        action="store_true",
        help="the device neither encodes its next push nor asks for the next page ahead",
    )
    parser.add_argument("--markdown", type=Path, help="also write the tables into this file's sync section")
    args = parser.parse_args()
    ours, peer, big = [], [], []
    # Interleaved, so that a slow minute of a noisy machine weighs on each side alike.
    for i in range(args.runs):
        ours.append(run_ours(args.n, ahead=not args.one_at_a_time))
        if not args.no_peer:
            peer.append(run_peer(args.n))
        if args.big:
            big.append(run_ours(args.n, args.big, ahead=not args.one_at_a_time))
        print(f"run {i + 1}/{args.runs} done", file=sys.stderr)
        # Each run's own figures too: a budget holds only if it holds in every run, not in the median.
        table(f"run {i + 1} of {args.runs}", ours[-1], peer[-1] if peer else None)
    table(
        f"Lumbung vs PouchDB/CouchDB peer: {args.n:,} movements, medians of {args.runs}",
        medians(ours),
        medians(peer) if peer else None,
    )
    if args.big:
        table(f"Lumbung with {args.big:,} other movements already stored (same workload)", medians(big), medians(ours))
        print("(ratios here: empty database over big one; 1.0 or more means no slower)")
    if args.markdown:
        body = markdown(args, medians(ours), medians(peer) if peer else None, medians(big) if big else None)
        title = "Sync: Lumbung against the PouchDB/CouchDB peer" if peer else "Sync"
        report.write_section(args.markdown, "sync", report.section(title, "tests.bench.sync", body, args.markdown))


if __name__ == "__main__":
    main()
