"""Three Lumbungs as processes on 127.0.0.1 (the regional server and two kecamatan hubs), and phones
of the sync/ client that sign in at the regional server and sync wherever they are."""

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
import uuid

from sqlalchemy import create_engine, func, select
from sqlite_utils import Database

from server.engine.models import AppliedOp, ProductStock, RelayOp, StockMovement
from server.secrets_file import random_secrets
from sync.client import Replica
from sync.http import HttpTransport
from tests.bench.load import ROOT, VENV
from tests.server.live_server import PHONE, PIN, LiveServer

KEC_A, DESA_A = "32.04.10", "32.04.10.2001"  # Kec. Margaasih, where LiveServer's facilitator works
KEC_B, DESA_B = "32.04.09", "32.04.09.2001"  # Kec. Margahayu, its neighbour
ADMIN_PHONE = "+6281200000009"
PAUSE = 0.05  # seconds a SlowLink pipe stays idle between a request or answer and the next


def flask(env, *args, check=True):
    """Run `flask --app server ARGS` with an environment; answers the finished process."""
    done = subprocess.run(
        [str(VENV / "flask"), "--app", "server", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert not check or done.returncode == 0, done.stderr[-2000:]
    return done


class Region:
    """The regional server (a started LiveServer) with an admin of Kab. Bandung and both kecamatan."""

    def __init__(self, live):
        self.live = live
        flask(live.env, "regions", "import", "--only", KEC_B)
        flask(
            live.env,
            "user",
            "create",
            "--phone",
            ADMIN_PHONE,
            "--pin",
            PIN,
            "--role",
            "admin",
            "--region",
            "32.04",
            "--name",
            "Admin",
        )
        self.admin = HttpTransport(live.url)
        self.admin.login(ADMIN_PHONE, PIN, str(uuid.uuid4()))
        self.phones = iter(range(10, 99))

    def account(self, role, kecamatan):
        """A new account of a kecamatan, made by the admin through the API; answers its phone."""
        phone = f"+62812000000{next(self.phones):02d}"
        body = {"phone": phone, "pin": PIN, "name": f"{role} {kecamatan}", "role": role, "regions": [kecamatan]}
        status, answer = self.admin("POST", "/api/v1/users", body=body)
        assert status == 201, answer
        return phone, answer["id"]

    def move(self, user_id, kecamatan):
        """Assign an account to another kecamatan (PATCH /api/v1/users/{id})."""
        status, answer = self.admin("PATCH", f"/api/v1/users/{user_id}", body={"regions": [kecamatan]})
        assert status == 200, answer

    def stock(self, product_id):
        """(stock on hand in thousandths, movements, their sum) of a product, read in the regional database."""
        with self.live.db.connect() as conn:
            stock = conn.scalar(select(ProductStock.stock_milli).where(ProductStock.product_id == product_id))
            count, total = conn.execute(
                select(func.count(), func.coalesce(func.sum(StockMovement.qty_milli), 0)).where(
                    StockMovement.product_id == product_id
                )
            ).one()
        return stock, count, int(total)

    def applied(self, op_ids):
        """How many of these ops the regional server holds as applied: in applied_ops, or (a movement
        keyed by its own id) as the movement's row."""
        op_ids = list(op_ids)
        with self.live.db.connect() as conn:
            logged = conn.scalar(select(func.count()).select_from(AppliedOp).where(AppliedOp.op_id.in_(op_ids)))
            rows = conn.scalar(select(func.count()).select_from(StockMovement).where(StockMovement.id.in_(op_ids)))
        return logged + rows


class Hub(LiveServer):
    """A hub of a kecamatan under gunicorn, on its own SQLite file, with its own keys and hub account."""

    def __init__(self, tmp_path, name, kecamatan, region):
        folder = tmp_path / name
        folder.mkdir()
        self.phone, self.user_id = region.account("hub", kecamatan)
        env = {
            **random_secrets(),
            "LUMBUNG_UPSTREAM_URL": region.live.url,
            "LUMBUNG_HUB_PHONE": self.phone,
            "LUMBUNG_HUB_PIN": PIN,
            "SERVER_ID": name,
        }
        super().__init__(folder, f"sqlite:///{folder / 'hub.db'}", env=env)
        self.kecamatan = kecamatan
        flask(self.env, "db", "upgrade")
        flask(self.env, "regions", "import", "--only", kecamatan)
        self.db = create_engine(f"sqlite:///{folder / 'hub.db'}")

    def relay(self, check=True):
        """One relay cycle, `flask hub sync`; answers the finished process."""
        return flask(self.env, "hub", "sync", check=check)

    def relay_process(self):
        """`flask hub sync` started in a process group of its own (to be killed)."""
        return subprocess.Popen(
            [str(VENV / "flask"), "--app", "server", "hub", "sync"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def waiting_ops(self):
        """The ids of the ops that wait for upstream's answer (read in the hub's file)."""
        with self.db.connect() as conn:
            return list(conn.scalars(select(RelayOp.op_id).where(RelayOp.answered_at.is_(None))))

    def relay_ops(self):
        """The hub's relay_ops rows: [{op_id, user_id, device_id, status, error}]."""
        columns = (RelayOp.op_id, RelayOp.user_id, RelayOp.device_id, RelayOp.status, RelayOp.error)
        with self.db.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(select(*columns).order_by(RelayOp.seq))]

    def close(self):
        """Stop gunicorn and drop the engine."""
        self.stop()
        self.db.dispose()


def kill_group(proc):
    """SIGKILL a process group and reap its leader."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


class Phone:
    """A device of the sync/ client: signs in at the regional server once, then syncs at any server."""

    def __init__(self, folder, region, phone=PHONE):
        self.replica = Replica(Database(folder / f"phone-{uuid.uuid4()}.db"))
        transport = HttpTransport(region.live.url)
        body = transport.login(phone, PIN, self.replica.device_id)
        transport.close()
        self.token, self.user = body["access_token"], body["user"]

    @property
    def device_id(self):
        return self.replica.device_id

    def at(self, server):
        """Sync at a server (the regional one or a hub) from now on, with the region's token."""
        self.close()
        self.replica.transport = HttpTransport(server.url, token=self.token)
        return self

    def close(self):
        """Drop its connection."""
        if self.replica.transport is not None:
            self.replica.transport.close()

    def sync(self):
        """Push the outbox and pull, retried as the client does when no answer comes (a connection
        kept to a server since restarted)."""
        return self.replica.sync(attempts=3, base_delay=0.1)

    def seed(self, desa, movements, qty="2.5"):
        """A producer in a desa, a product of it and its movements, written locally; answers
        (product id, the ops written)."""
        producer_id, product_id = str(uuid.uuid4()), str(uuid.uuid4())
        ops = [
            self.replica.upsert(
                "producer", producer_id, {"name": "Bu Sri", "village_code": desa, "kind": "individual"}
            ),
            self.replica.upsert(
                "product",
                product_id,
                {"producer_id": producer_id, "name": "Kopi Arabika", "category": "coffee", "unit": "kg"},
            ),
        ]
        occurred = "2026-11-27T08:15:00Z"
        for _ in range(movements):
            fields = {"product_id": product_id, "qty": qty, "kind": "harvest", "occurred_at": occurred}
            ops.append(self.replica.upsert("stock_movement", str(uuid.uuid4()), fields))
        return product_id, ops

    def has(self, entity, entity_id):
        """Whether the device holds a record."""
        return (entity, entity_id) in self.replica.records(entity)


def elapsed(started):
    """Seconds since a time.monotonic() reading."""
    return time.monotonic() - started


class SlowLink:
    """A TCP relay to a port on 127.0.0.1 passing at most `rate` bytes a second each way, as a
    kecamatan's uplink: a relay's push lasts long enough to be killed in the middle of it. With
    `rtt` (s), the first bytes of each request and each answer are held half of it, as a phone's
    3G link holds them."""

    def __init__(self, target_port, rate=64 * 1024, rtt=0):
        self.target_port, self.rate, self.one_way = target_port, rate, rtt / 2
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.upward = 0  # bytes passed towards the target
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            for src, dst, up in ((client, server, True), (server, client, False)):
                threading.Thread(target=self._pipe, args=(src, dst, up), daemon=True).start()

    def _pipe(self, src, dst, up):
        last = 0.0
        try:
            while data := src.recv(4096):
                if up:
                    self.upward += len(data)
                if self.one_way and time.monotonic() - last > PAUSE:
                    time.sleep(self.one_way)  # a new request or answer: it meets the link's latency
                time.sleep(len(data) / self.rate)
                dst.sendall(data)
                last = time.monotonic()
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def close(self):
        """Stop accepting connections."""
        self.listener.close()
