"""Load: simulated devices on a field day against Lumbung under gunicorn, on SQLite or PostgreSQL.

    python -m tests.bench.load [--engine sqlite|postgresql|both] [--devices 200] [--seconds 300]
                               [--sleep 5-30] [--ramp S] [--fast-pins] [--workers N] [--threads N]
    python -m tests.bench.load --knee [--steps 200,400,...] [--step-seconds 120]
    (either with [--markdown docs/benchmarks.md])

Each device is a thread with one keep-alive HTTP connection, sending what the PWA sends
(pwa/src/transport.js, replica.js, syncloop.js): it logs in, pulls everything in its scope
following the cursor, then in a loop adds 1-20 ops to its outbox (new stock movements, now and
then an edit of a product it has pulled), pushes the outbox, pulls, and sleeps 5-30 s. Bodies of
1 KB or more go gzipped; a failed sync is retried with the PWA's backoff (2 s doubling, with
jitter), the same ops again. One device in five is a facilitator of a kecamatan (it sees and
writes every producer's products there); the others are producers, each with a record and two
products of its own. An admin made with the CLI sets them all up through the API first.

Logins cost Argon2 time (0.3-0.6 s at production settings, which the server runs with unless
`--fast-pins`), so devices come online spread over `--ramp` seconds (0.25 s a device by
default) and are measured only once all have logged in and pulled (or 10 minutes after the
ramp). `--knee` adds devices step by step (the ones already online stay) until the p95 of pushes
and pulls passes 1 s.

Afterwards the database is read directly: every movement the server acknowledged (applied or
duplicate) is there with the quantity sent, none is there that was not sent, none twice, and
every product's stock total is the sum of its movements. A failed check exits non-zero.

Only 127.0.0.1. PostgreSQL: `--pg-url` (default DATABASE_URL, else postgresql://postgres@
127.0.0.1:5432/test), in a schema of the run's own, dropped afterwards.

`--markdown PATH` also writes each engine's tables into a section of PATH of its own (`load-sqlite`,
`load-postgresql`, or `load-knee-...` for --knee; tests/bench/report.py).
"""

import argparse
import gzip
import http.client
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import orjson
from sqlalchemy import create_engine, make_url, text

from server.secrets_file import random_secrets
from sync.hlc import Clock
from sync.ids import op_id_for, uuid7
from tests.bench import report as markdown_report

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv" / "bin"
KABUPATEN = "32.04"  # Kab. Bandung: 31 kecamatan, 280 desa
PIN = "730418"
ADMIN_PHONE = "+6281100000001"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
API = "/api/v1"
GZIP_MIN = 1024  # as pwa/src/transport.js
PUSH_BATCH = 500  # as pwa/src/replica.js
PULL_LIMIT = 1000
FACILITATOR_EVERY = 5
MAX_PAGES = 1000  # bounds every pull
KNEE_MS = 1000
ENDPOINTS = ("login", "refresh", "push", "pull", "other")
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

threading.stack_size(512 * 1024)  # a thousand device threads, each mostly asleep


# --- the server --------------------------------------------------------------------------------


def free_port():
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def engine_for(url):
    """A SQLAlchemy engine on a database URL as the server is given it (dispose it when done)."""
    url = make_url(url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return create_engine(url)


def run_sql(url, sql):
    """Run one statement in a transaction of its own."""
    engine = engine_for(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def with_schema(base_url, schema):
    """A PostgreSQL URL whose connections use `schema`."""
    return f"{base_url}{'&' if '?' in base_url else '?'}options=-csearch_path%3D{schema}"


def prepare_database(env, region, account):
    """Migrate the database `env` names, import a region's places and create one account, with the CLI.

    `account` holds the options of `flask user create`."""
    for args in (("db", "upgrade"), ("regions", "import", "--only", region), ("user", "create", *account)):
        command = [str(VENV / "flask"), "--app", "server", *args]
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)


class Server:
    """Lumbung under gunicorn (gunicorn.conf.py, as the Procfile runs it) on a fresh database.

    engine "sqlite": a file in a temporary folder; "postgresql": a new schema in `pg_url`; or
    `database_url` given outright (it is then neither created nor dropped)."""

    def __init__(
        self, engine="sqlite", pg_url=DEFAULT_PG, fast_pins=False, workers=None, threads=None, database_url=None
    ):
        self.dir = Path(tempfile.mkdtemp(prefix="lumbung-load-"))
        self.schema = None
        self.pg_url = pg_url
        if database_url:
            self.url = database_url
        elif engine == "sqlite":
            self.url = f"sqlite:///{self.dir / 'lumbung.db'}"
        else:
            self.schema = f"lumbung_load_{os.getpid()}_{uuid.uuid4().hex[:8]}"
            run_sql(pg_url, f"CREATE SCHEMA {self.schema}")
            self.url = with_schema(pg_url, self.schema)
        self.env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "INSTANCE_PATH": str(self.dir / "instance"),
            "BLOB_DIR": str(self.dir / "blobs"),
            "HOST": "127.0.0.1",
            "ACCESS_LOG": "",
            "LUMBUNG_ENV": "production",
            **random_secrets(),
        }
        if fast_pins:
            self.env.update(PIN_HASH_TIME_COST="1", PIN_HASH_MEMORY_KIB="8192")
        if workers:
            self.env["WEB_CONCURRENCY"] = str(workers)
        if threads:
            self.env["GUNICORN_THREADS"] = str(threads)
        self.proc = None
        self.port = None
        self.log = self.dir / "gunicorn.log"

    def prepare(self):
        """Migrate, import the kabupaten's regions and create the admin, with the CLI."""
        admin = ("--phone", ADMIN_PHONE, "--pin", PIN, "--role", "admin", "--region", KABUPATEN, "--name", "Admin")
        prepare_database(self.env, KABUPATEN, admin)

    def start(self, timeout=60):
        """Start gunicorn on a fresh port; returns once it answers."""
        self.port = free_port()
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [str(VENV / "gunicorn"), "-c", "gunicorn.conf.py", "server:create_app()"],
                cwd=ROOT,
                env={**self.env, "PORT": str(self.port)},
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                conn.request("GET", f"{API}/openapi.json")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer in time")

    def stop(self):
        """Stop gunicorn (TERM, then KILL after 15 s)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()

    def remove(self):
        """Drop the schema or the folder of the database."""
        if self.schema:
            run_sql(self.pg_url, f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        shutil.rmtree(self.dir, ignore_errors=True)


# --- the wire ----------------------------------------------------------------------------------


class TransportError(Exception):
    """No answer came."""


class Stats:
    """Every request's endpoint, start time, duration and outcome."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rows = []  # (endpoint, started, seconds, ok)
        self.failures = []  # (endpoint, status or 0 when no answer came, Retry-After, body): the first 10,000

    def add(self, endpoint, started, seconds, ok):
        """Record one request."""
        with self.lock:
            self.rows.append((endpoint, started, seconds, ok))

    def failed(self, endpoint, status, retry_after, body):
        """Record what a failed request answered."""
        with self.lock:
            if len(self.failures) < 10_000:
                self.failures.append((endpoint, status, retry_after, body))

    def since(self, start, until=float("inf")):
        """The rows of requests started in [start, until)."""
        with self.lock:
            return [row for row in self.rows if start <= row[1] < until]


class Wire:
    """One device's keep-alive HTTP connection, sending requests as pwa/src/transport.js does."""

    def __init__(self, port, stats, timeout=60):
        self.port = port
        self.stats = stats
        self.timeout = timeout
        self.conn = None
        self.tokens = None
        self.retry_after = None  # the last answer's Retry-After

    def call(self, method, path, body=None, endpoint="other", params=None):
        """Send a request (refreshing an expired token once); answers (status, parsed JSON)."""
        started = time.monotonic()
        status, answer, self.retry_after = 0, None, None
        try:
            status, answer = self._send(method, path, body, params, self.tokens and self.tokens["access_token"])
            code = (answer or {}).get("error", {}).get("code") if isinstance(answer, dict) else None
            if status == 401 and self.tokens and code in ("token_expired", "invalid_token"):
                self.refresh()
                status, answer = self._send(method, path, body, params, self.tokens["access_token"])
            return status, answer
        finally:
            self.stats.add(endpoint, started, time.monotonic() - started, 0 < status < 400)
            if not 0 < status < 400:
                self.stats.failed(endpoint, status, self.retry_after, answer)

    def refresh(self):
        """Trade the refresh token for a new access token."""
        started = time.monotonic()
        status, answer = self._send("POST", f"{API}/auth/refresh", {}, None, self.tokens["refresh_token"])
        self.stats.add("refresh", started, time.monotonic() - started, status == 200)
        if status != 200:
            raise TransportError(f"refresh answered {status}")
        self.tokens["access_token"] = answer["access_token"]

    def _send(self, method, path, body, params, token):
        headers = {"Accept": "application/json", "Accept-Language": "id", "Accept-Encoding": "gzip, deflate, br"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = None
        if body is not None:
            payload = orjson.dumps(body)
            headers["Content-Type"] = "application/json"
            if len(payload) >= GZIP_MIN:
                payload = gzip.compress(payload, compresslevel=6)
                headers["Content-Encoding"] = "gzip"
        if params:
            path += "?" + "&".join(f"{key}={value}" for key, value in params.items())
        # A browser sends a request again, once, when a kept-alive connection turns out closed
        # before any answer came (the server closes idle ones after gunicorn's keepalive).
        for attempt in (0, 1):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self.close()
                if reused and attempt == 0:
                    continue
                raise TransportError(str(exc)) from exc
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise TransportError(str(exc)) from exc
            self.retry_after = response.getheader("Retry-After")
            if response.getheader("Content-Encoding") == "gzip":
                data = gzip.decompress(data)
            try:
                return response.status, orjson.loads(data) if data else None
            except orjson.JSONDecodeError:
                return response.status, None  # an HTML page: the status says enough
        raise AssertionError("unreachable")

    def close(self):
        """Close the connection (the next request opens a new one)."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# --- what the devices wrote, as they know it ---------------------------------------------------


class Ledger:
    """Every movement the devices made: id -> [product id, qty in thousandths, state].

    A movement is "pending" until a push answers for it, then "acknowledged" (applied or
    duplicate) or "rejected"; one still pending at the end is in doubt (its push got no answer).
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.movements = {}
        self.rejected_ops = 0

    def made(self, movement_id, product_id, qty):
        """A device recorded a movement."""
        with self.lock:
            self.movements[movement_id] = [product_id, int(Decimal(qty) * 1000), "pending"]

    def answered(self, op, result):
        """A push answered for an op."""
        acknowledged = result.get("status") in ("applied", "duplicate")
        with self.lock:
            if not acknowledged:
                self.rejected_ops += 1
            if op["entity"] == "stock_movement":
                self.movements[op["entity_id"]][2] = "acknowledged" if acknowledged else "rejected"

    def acknowledged(self):
        """{movement id: (product id, qty in thousandths)} of every acknowledged movement."""
        with self.lock:
            return {key: (p, q) for key, (p, q, state) in self.movements.items() if state == "acknowledged"}

    def in_doubt(self):
        """The ids of movements no push answered for."""
        with self.lock:
            return {key for key, (_, _, state) in self.movements.items() if state == "pending"}


def read_movements(database_url):
    """From the database: ({movement id: (product id, qty_milli)}, ids stored twice, {product id: stock_milli})."""
    engine = engine_for(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, product_id, qty_milli FROM stock_movements")).all()
            stock = conn.execute(text("SELECT product_id, stock_milli FROM product_stock")).all()
    finally:
        engine.dispose()
    stored, twice = {}, set()
    for movement_id, product_id, qty in rows:
        if str(movement_id) in stored:
            twice.add(str(movement_id))
        stored[str(movement_id)] = (str(product_id), qty)
    return stored, twice, {str(product_id): total for product_id, total in stock}


def stock_problems(stored, stock):
    """A problem (in a list) when a product's stock total is not the sum of its stored movements."""
    sums = {}
    for product_id, qty in stored.values():
        sums[product_id] = sums.get(product_id, 0) + qty
    wrong = sorted(key for key in sums.keys() | stock.keys() if sums.get(key, 0) != stock.get(key, 0))
    return (
        [f"{len(wrong)} products' stock totals differ from the sum of their movements, e.g. {wrong[:3]}"]
        if wrong
        else []
    )


def check(database_url, ledger):
    """Compare the database with the ledger; answers a list of problems (empty: exact)."""
    stored, twice, stock = read_movements(database_url)
    acknowledged = ledger.acknowledged()
    problems = []
    missing = acknowledged.keys() - stored.keys()
    extra = stored.keys() - acknowledged.keys() - ledger.in_doubt()
    changed = [key for key in acknowledged.keys() & stored.keys() if acknowledged[key] != stored[key]]
    for label, ids in (
        ("acknowledged movements missing", missing),
        ("movements stored that were not acknowledged", extra),
        ("movements stored twice", twice),
        ("acknowledged movements stored with another product or quantity", changed),
    ):
        if ids:
            problems.append(f"{len(ids)} {label}, e.g. {sorted(ids)[:3]}")
    return problems + stock_problems(stored, stock)


# --- the devices -------------------------------------------------------------------------------


@dataclass
class Account:
    """An account a device logs in with."""

    phone: str
    role: str
    region: str


@dataclass
class Population:
    """The accounts of the run, the admin's wire and the regions they live in."""

    server: Server
    stats: Stats
    kecamatan: list
    desa: dict  # kecamatan -> its desa
    admin: Wire = None
    accounts: list = field(default_factory=list)

    def setup(self, count):
        """Make accounts, producer records and products for devices up to `count` (kept across calls)."""
        new = range(len(self.accounts), count)
        ops, accounts = [], []
        node = str(uuid.uuid4())
        for i in new:
            kecamatan = self.kecamatan[i % len(self.kecamatan)]
            if i % FACILITATOR_EVERY == 0:
                accounts.append(Account(f"+62815{i:08d}", "facilitator", kecamatan))
                continue
            desa = self.desa[kecamatan][i % len(self.desa[kecamatan])]
            account = Account(f"+62813{i:08d}", "producer", desa)
            accounts.append(account)
            producer = new_op(
                "producer",
                {"name": f"Produsen {i}", "village_code": desa, "kind": "individual", "phone": account.phone},
                node,
                len(ops),
            )
            ops.append(producer)
            for n in range(2):
                fields = {
                    "producer_id": producer["entity_id"],
                    "name": f"Kopi {i}.{n}",
                    "category": "coffee",
                    "unit": "kg",
                    "status": "draft",
                }
                ops.append(new_op("product", fields, node, len(ops)))
        for start in range(0, len(ops), 1000):
            status, body = self.admin.call(
                "POST", f"{API}/sync/push", {"device_id": node, "ops": ops[start : start + 1000]}
            )
            if status != 200 or any(r["status"] != "applied" for r in body["results"]):
                raise RuntimeError(f"setup push failed: {status} {str(body)[:500]}")
        # Each account is a PIN hashed with Argon2: several at once, as the server has threads.
        threads = [threading.Thread(target=self._create_accounts, args=(accounts[k::8],)) for k in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.accounts.extend(accounts)

    def _create_accounts(self, accounts):
        wire = Wire(self.server.port, Stats())
        wire.tokens = self.admin.tokens
        for account in accounts:
            body = {
                "phone": account.phone,
                "pin": PIN,
                "role": account.role,
                "name": "Akun",
                "regions": [account.region],
            }
            status, answer = wire.call("POST", f"{API}/users", body)
            if status != 201:
                raise RuntimeError(f"account not made: {status} {answer}")
        wire.close()


def new_op(entity, fields, node, i, clock=None):
    """An upsert of a new record (UUIDv7) with its op id, as replica.js makes them."""
    hlc = clock.tick() if clock else f"{int(time.time() * 1000):016d}:{i % 65536:04x}:{node}"
    entity_id = uuid7()
    op_id = op_id_for(entity, entity_id, "upsert")
    return {"op_id": op_id, "entity": entity, "entity_id": entity_id, "action": "upsert", "fields": fields, "hlc": hlc}


class Device:
    """A phone with the app: an account, an outbox, the records it pulled, a cursor."""

    def __init__(self, account, port, stats, ledger, rng):
        self.account = account
        self.wire = Wire(port, stats)
        self.ledger = ledger
        self.rng = rng
        self.device_id = str(uuid.uuid4())
        self.clock = Clock(self.device_id)
        self.outbox = []
        self.products = {}  # id -> data, as pulled
        self.cursor = None
        self.failures = 0
        self.online = threading.Event()  # logged in, first pull done

    def login(self):
        """Log in with phone and PIN (one Argon2 on the server)."""
        body = {"phone": self.account.phone, "pin": PIN, "device_id": self.device_id}
        status, answer = self.wire.call("POST", f"{API}/auth/login", body, endpoint="login")
        if status != 200:
            raise TransportError(f"login answered {status}: {answer}")
        self.wire.tokens = {"access_token": answer["access_token"], "refresh_token": answer["refresh_token"]}

    def write(self, count):
        """Record `count` ops in the outbox: new movements, and one in ten an edit of a product."""
        if not self.products:
            return
        for _ in range(count):
            product_id = self.rng.choice(list(self.products))
            if self.rng.random() < 0.1:
                fields = {
                    "price_idr": self.rng.randrange(1000, 500_000, 500),
                    "description": f"Panen {self.rng.randrange(1000)}",
                }
                self.outbox.append(self._op("product", product_id, fields))
                continue
            kind = self.rng.choice(("harvest", "harvest", "sale", "adjustment"))
            qty = f"{self.rng.randint(1, 50)}" if self.rng.random() < 0.7 else f"{self.rng.randint(1, 99)}.5"
            qty = "-" + qty if kind == "sale" or (kind == "adjustment" and self.rng.random() < 0.5) else qty
            at = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
            op = self._op(
                "stock_movement", uuid7(), {"product_id": product_id, "kind": kind, "qty": qty, "occurred_at": at}
            )
            self.ledger.made(op["entity_id"], product_id, qty)
            self.outbox.append(op)

    def _op(self, entity, entity_id, fields):
        return {
            "op_id": op_id_for(entity, entity_id, "upsert"),
            "entity": entity,
            "entity_id": entity_id,
            "action": "upsert",
            "fields": fields,
            "hlc": self.clock.tick(),
        }

    def push(self):
        """Send the outbox in batches; an op leaves it once answered (applied, duplicate or rejected)."""
        for _ in range(len(self.outbox) // PUSH_BATCH + 1):
            if not self.outbox:
                return
            ops = self.outbox[:PUSH_BATCH]
            status, body = self.wire.call("POST", f"{API}/sync/push", {"device_id": self.device_id, "ops": ops}, "push")
            if status != 200:
                raise TransportError(f"push answered {status}: {body}")
            for op, result in zip(ops, body["results"], strict=True):
                self.ledger.answered(op, result)
            self.clock.observe(body.get("hlc", ""))
            del self.outbox[: len(ops)]

    def pull(self):
        """Follow the cursor until nothing more, keeping the products."""
        for _ in range(MAX_PAGES):
            params = {"limit": PULL_LIMIT, **({"cursor": self.cursor} if self.cursor else {})}
            status, body = self.wire.call("GET", f"{API}/sync/pull", endpoint="pull", params=params)
            if status != 200:
                raise TransportError(f"pull answered {status}: {body}")
            for change in body["changes"]:
                if change["entity"] == "product":
                    if change.get("data") and not change["data"].get("deleted"):
                        self.products[change["entity_id"]] = change["data"]
                    else:
                        self.products.pop(change["entity_id"], None)
            self.cursor = body["cursor"]
            self.clock.observe(body.get("hlc", ""))
            if not body["more"]:
                return

    def live(self, start_after, stop, sleep, max_cycles=100_000):
        """Come online after `start_after` s, then sync and sleep until `stop` is set."""
        if stop.wait(start_after):
            return
        for _ in range(10):  # a login refused by a busy server is tried again
            try:
                self.login()
                break
            except TransportError:
                if stop.wait(self._backoff()):
                    return
        else:
            return
        self.failures = 0
        first = True
        for _ in range(max_cycles):
            try:
                if not first:
                    self.write(self.rng.randint(1, 20))
                    self.push()
                self.pull()
                first = False
                self.online.set()
                self.failures = 0
                delay = self.rng.uniform(*sleep)
            except TransportError:
                delay = self._backoff()
            if stop.wait(delay):
                break
        self.wire.close()

    def _backoff(self):
        """As replica.js backoffDelay: 2 s doubling, capped at 5 minutes, times 0.5-1.5."""
        delay = min(300, 2 * 2**self.failures) * (0.5 + self.rng.random())
        self.failures += 1
        return delay

    def flush(self):
        """Push what is left in the outbox (at the end of a run), trying a few times."""
        for _ in range(5):
            try:
                self.push()
                return
            except TransportError:
                time.sleep(1)


class Fleet:
    """Devices running on threads; more can be added while the others run."""

    def __init__(self, population, ledger, sleep, seed=1):
        self.population = population
        self.ledger = ledger
        self.sleep = sleep
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.devices = []
        self.threads = []

    def grow(self, count, ramp):
        """Bring the fleet to `count` devices, the new ones logging in spread over `ramp` seconds."""
        self.population.setup(count)
        for account in self.population.accounts[len(self.devices) : count]:
            device = Device(
                account,
                self.population.server.port,
                self.population.stats,
                self.ledger,
                random.Random(self.rng.random()),
            )
            thread = threading.Thread(
                target=device.live, args=(self.rng.uniform(0, ramp), self.stop, self.sleep), daemon=True
            )
            self.devices.append(device)
            self.threads.append(thread)
            thread.start()

    def wait_online(self, timeout):
        """Wait until every device has logged in and pulled once (at most `timeout` s); answers how many have."""
        deadline = time.monotonic() + timeout
        for device in self.devices:
            device.online.wait(max(0, deadline - time.monotonic()))
        return sum(device.online.is_set() for device in self.devices)

    def halt(self, timeout=120):
        """Stop every device after its current request, then push what their outboxes hold."""
        self.stop.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.1, deadline - time.monotonic()))
        for device in self.devices:
            if device.outbox and device.wire.tokens:
                device.flush()
            device.wire.close()
        self.population.admin.close()


def open_population(server, stats, kecamatan_count=8):
    """The admin, logged in, and the regions of the run, read from the server's database."""
    engine = engine_for(server.url)
    with engine.connect() as conn:
        kecamatan = [
            code
            for (code,) in conn.execute(
                text("SELECT code FROM regions WHERE level = 3 AND parent_code = :k ORDER BY code LIMIT :n"),
                {"k": KABUPATEN, "n": kecamatan_count},
            )
        ]
        desa = {
            k: [
                code
                for (code,) in conn.execute(
                    text("SELECT code FROM regions WHERE parent_code = :k ORDER BY code"), {"k": k}
                )
            ]
            for k in kecamatan
        }
    engine.dispose()
    admin = Wire(server.port, Stats())
    status, answer = admin.call(
        "POST", f"{API}/auth/login", {"phone": ADMIN_PHONE, "pin": PIN, "device_id": str(uuid.uuid4())}
    )
    if status != 200:
        raise RuntimeError(f"admin login answered {status}: {answer}")
    admin.tokens = {"access_token": answer["access_token"], "refresh_token": answer["refresh_token"]}
    return Population(server, stats, kecamatan, desa, admin)


# --- figures -----------------------------------------------------------------------------------


def cpu_seconds(is_counted):
    """CPU seconds (user + system) used so far by the processes `is_counted(pid, name, parent)` picks."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended meanwhile
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        if is_counted(int(stat.parent.name), name, int(fields[1])):
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Where a step's CPU time goes: gunicorn (master and workers), PostgreSQL, this load generator."""

    def __init__(self, server_pid, with_database):
        self.server_pid = server_pid
        self.with_database = with_database  # PostgreSQL's processes; SQLite runs inside the server

    def read(self):
        """(server, database, load generator) CPU seconds so far."""
        server = cpu_seconds(lambda pid, name, parent: self.server_pid in (pid, parent))
        database = cpu_seconds(lambda pid, name, parent: name.startswith("postgres")) if self.with_database else 0
        own = os.times()
        return server, database, own.user + own.system

    def line(self, before, after, seconds, requests):
        """The step's CPU use in words: seconds of each part, and server milliseconds a request."""
        server, database, generator = (b - a for a, b in zip(before, after, strict=True))
        per_request = 1000 * (server + database) / max(requests, 1)
        return (
            f"cpu over {seconds} s on {os.cpu_count()} cores: server {server:.1f} s, database {database:.1f} s, "
            f"load generator {generator:.1f} s; server and database {per_request:.1f} ms a request"
        )


def percentile(values, p):
    """The p-th percentile (nearest rank) of a sorted list."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))]


def summary(rows, seconds):
    """{endpoint: {count, rps, p50, p95, p99 (ms), errors}} and the totals, of stats rows."""
    table = {}
    for endpoint in (*ENDPOINTS, "sync", "all"):
        if endpoint == "sync":
            chosen = [r for r in rows if r[0] in ("push", "pull")]
        elif endpoint == "all":
            chosen = rows
        else:
            chosen = [r for r in rows if r[0] == endpoint]
        if not chosen:
            continue
        ms = sorted(r[2] * 1000 for r in chosen)
        table[endpoint] = {
            "count": len(chosen),
            "rps": len(chosen) / seconds if seconds else float("nan"),
            "p50": percentile(ms, 50),
            "p95": percentile(ms, 95),
            "p99": percentile(ms, 99),
            "errors": sum(1 for r in chosen if not r[3]),
        }
    return table


def print_table(title, table):
    """Print a summary."""
    print(f"\n{title}")
    print(f"{'endpoint':<10}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for endpoint, f in table.items():
        print(
            f"{endpoint:<10}{f['count']:>10}{f['rps']:>9.1f}{f['p50']:>9.1f}{f['p95']:>9.1f}{f['p99']:>9.1f}{f['errors']:>8}"
        )


# --- runs --------------------------------------------------------------------------------------


@dataclass
class Result:
    """What a run measured and found."""

    tables: list  # (devices, summary of the measured window)
    logins: dict
    problems: list
    acknowledged: int
    in_doubt: int
    rejected: int
    knee: int = None
    failures: dict = field(default_factory=dict)  # {(endpoint, status, 0 when no answer came): count}


def default_ramp(devices, fast_pins):
    """Seconds over which devices log in: a quarter of a second each (a fiftieth with fast PINs)."""
    return devices * (0.02 if fast_pins else 0.25)


def run(
    engine="sqlite",
    devices=20,
    seconds=60,
    sleep=(5, 30),
    ramp=None,
    fast_pins=False,
    workers=None,
    threads=None,
    pg_url=DEFAULT_PG,
    knee_steps=None,
    step_seconds=120,
    keep=False,
    seed=1,
    quiet=False,
):
    """Start a server, run the devices (or the knee's steps), check the database; answers a Result.

    With keep=True the server is stopped but its database kept: the Result then carries
    `server` and `ledger`, for a caller to check again (and remove the server)."""
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    server = Server(engine, pg_url, fast_pins, workers, threads)
    ledger = Ledger()
    stats = Stats()
    fleet = None
    try:
        say(f"[{engine}] preparing the database")
        server.prepare()
        server.start()
        fleet = Fleet(open_population(server, stats), ledger, sleep, seed)
        meter = CpuMeter(server.proc.pid, engine == "postgresql")
        tables, knee = [], None
        for count in knee_steps or [devices]:
            step_ramp = default_ramp(count - len(fleet.devices), fast_pins) if ramp is None else ramp
            say(f"[{engine}] {count} devices: setting up, then logging in over {step_ramp:.0f} s")
            fleet.grow(count, step_ramp)
            # Logins queue for Argon2 when the cores are busy: measure once every device is online.
            online = fleet.wait_online(step_ramp + 600)
            if online < count:
                say(f"[{engine}] only {online} of {count} devices came online; measuring them")
            window = step_seconds if knee_steps else seconds
            start = time.monotonic()
            say(f"[{engine}] {count} devices: measuring {window} s")
            cpu_before = meter.read()
            time.sleep(window)
            cpu_after = meter.read()
            table = summary([r for r in stats.since(start) if r[0] != "login"], window)
            tables.append((count, table))
            if not quiet:
                print_table(f"[{engine}] {count} devices, {window} s measured (gunicorn.conf.py settings)", table)
                print(meter.line(cpu_before, cpu_after, window, table.get("all", {}).get("count", 0)))
            if knee_steps and table.get("sync", {}).get("p95", 0) > KNEE_MS:
                knee = count
                break
        fleet.halt()
        server.stop()
        logins = summary([r for r in stats.rows if r[0] == "login"], 0).get("login", {})
        problems = check(server.url, ledger)
        result = Result(
            tables, logins, problems, len(ledger.acknowledged()), len(ledger.in_doubt()), ledger.rejected_ops, knee
        )
        result.failures = dict(Counter((f[0], f[1]) for f in stats.failures))
        if keep:
            result.server, result.ledger = server, ledger
        return result
    finally:
        if fleet is not None:
            fleet.stop.set()  # when something failed before halt: no device outlives the run
        server.stop()
        if not keep:
            server.remove()


def report(engine, result):
    """Print the logins, the knee and the exactness check; answers True when the check passed."""
    if result.logins:
        f = result.logins
        print(f"\n[{engine}] logins: {f['count']}, p50 {f['p50']:.0f} ms, p95 {f['p95']:.0f} ms, errors {f['errors']}")
    if result.failures:
        listed = ", ".join(
            f"{endpoint} {status or 'no answer'}: {n}" for (endpoint, status), n in result.failures.items()
        )
        print(f"[{engine}] failed requests (whole run): {listed}")
    if result.knee is not None:
        print(f"[{engine}] knee: p95 of push and pull passed {KNEE_MS} ms at {result.knee} devices")
    elif len(result.tables) > 1:
        print(f"[{engine}] knee: not reached up to {result.tables[-1][0]} devices")
    print(
        f"[{engine}] exactness: {result.acknowledged} movements acknowledged, {result.in_doubt} in doubt, "
        f"{result.rejected} ops rejected: "
        + ("; ".join(result.problems) if result.problems else "all present, none extra, none twice, stock = sums")
    )
    return not result.problems


def markdown(args, engine, result):
    """An engine's tables and check in Markdown, for report.write_section."""
    headers = ["devices", "endpoint", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"]
    rows = [
        [devices, endpoint, f"{f['count']:,}", f"{f['rps']:.1f}", f"{f['p50']:.1f}", f"{f['p95']:.1f}",
         f"{f['p99']:.1f}", f["errors"]]
        for devices, table in result.tables
        for endpoint, f in table.items()
    ]  # fmt: skip
    low, high = args.sleep
    server = "gunicorn with `gunicorn.conf.py`'s settings"
    if args.workers or args.threads:
        server += f" (workers {args.workers or 'as set'}, threads {args.threads or 'as set'})"
    pins = "cheap Argon2 (`--fast-pins`)" if args.fast_pins else "production Argon2"
    window = f"{args.step_seconds} s a step" if args.knee else f"{args.seconds} s"
    lines = [
        f"{ENGINE_NAMES[engine]}, {server}, {pins}; devices sleep {low:g}-{high:g} s between syncs; "
        f"measured for {window} once every device was online; the load generator runs on the same machine.",
        "",
        markdown_report.table(headers, rows),
        "",
    ]
    if result.logins:
        f = result.logins
        lines.append(f"- logins: {f['count']}, p50 {f['p50']:.0f} ms, p95 {f['p95']:.0f} ms, errors {f['errors']}")
    if result.failures:
        failed = ", ".join(
            f"{endpoint} {status or 'no answer'}: {n}" for (endpoint, status), n in result.failures.items()
        )
        lines.append(f"- failed requests (whole run): {failed}")
    if result.knee is not None:
        lines.append(f"- knee: the p95 of push and pull passed {KNEE_MS} ms at {result.knee} devices")
    elif args.knee:
        lines.append(f"- knee: not reached up to {result.tables[-1][0]} devices")
    check = "; ".join(result.problems) if result.problems else "all there, none extra, none twice, stock = sums"
    lines.append(
        f"- exactness: {result.acknowledged:,} movements acknowledged, {result.in_doubt} in doubt, "
        f"{result.rejected} ops rejected: {check}"
    )
    return "\n".join(lines)


def parse_range(value):
    """'5-30' -> (5.0, 30.0)."""
    low, _, high = value.partition("-")
    return float(low), float(high or low)


def main():
    """Run the load and print its tables; exits 1 when the database does not hold what was acknowledged."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=300, help="measured, after every device has logged in")
    parser.add_argument("--sleep", type=parse_range, default=(5, 30), help="seconds between syncs, e.g. 5-30")
    parser.add_argument("--ramp", type=float, default=None, help="seconds over which devices log in")
    parser.add_argument("--fast-pins", action="store_true", help="cheap Argon2 (tests), not production's")
    parser.add_argument("--workers", type=int, help="WEB_CONCURRENCY (default: gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, help="GUNICORN_THREADS (default: gunicorn.conf.py's)")
    parser.add_argument("--pg-url", default=os.environ.get("DATABASE_URL") or DEFAULT_PG)
    parser.add_argument("--knee", action="store_true", help="add devices step by step until p95 passes 1 s")
    parser.add_argument("--steps", default="200,400,600,800,1000,1200,1400,1600,2000")
    parser.add_argument("--step-seconds", type=int, default=120)
    parser.add_argument("--markdown", type=Path, help="also write each engine's tables into a section of this file")
    args = parser.parse_args()
    if not args.pg_url.startswith("postgresql://") or make_url(args.pg_url).host not in ("127.0.0.1", "localhost"):
        parser.error("--pg-url must be a postgresql:// URL on 127.0.0.1")
    exact = True
    for engine in ("sqlite", "postgresql") if args.engine == "both" else (args.engine,):
        result = run(
            engine,
            args.devices,
            args.seconds,
            args.sleep,
            args.ramp,
            args.fast_pins,
            args.workers,
            args.threads,
            args.pg_url,
            [int(n) for n in args.steps.split(",")] if args.knee else None,
            args.step_seconds,
        )
        exact = report(engine, result) and exact
        if args.markdown:
            name = f"load-knee-{engine}" if args.knee else f"load-{engine}"
            title = f"Load{' knee' if args.knee else ''}: {ENGINE_NAMES[engine]}"
            section = markdown_report.section(title, "tests.bench.load", markdown(args, engine, result), args.markdown)
            markdown_report.write_section(args.markdown, name, section)
    sys.exit(0 if exact else 1)


if __name__ == "__main__":
    main()
