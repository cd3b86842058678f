"""Faults from outside the code: the photos' disk full, and PostgreSQL stopped and started under load."""

import contextlib
import glob
import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import create_engine, event, text

from server.engine.models import Blob
from server.extensions import db
from tests.bench import load
from tests.conftest import ENGINE
from tests.helpers import Device, new_id, producer_fields, wait_until
from tests.server.api.test_blobs import URL, facilitator, put, put_piece, sha  # noqa: F401 (a fixture)


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB tmpfs (root may mount one here); unmounted afterwards."""
    folder = tmp_path / "small"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"a small tmpfs cannot be mounted here: {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def big_png():
    """A PNG of random pixels, about 120 KB: more than the small disk holds."""
    out = io.BytesIO()
    Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3)).save(out, "PNG")
    return out.getvalue()


def files_under(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def test_a_photo_on_a_full_disk_is_507_and_leaves_no_file(client, app, facilitator, small_disk):  # noqa: F811
    app.config["BLOB_DIR"] = str(small_disk)
    data = big_png()
    answer = put(client, facilitator, data, mime="image/png")
    assert answer.status_code == 507
    error = answer.get_json()["error"]
    assert error["code"] == "insufficient_storage"
    assert error["message"].startswith("Penyimpanan server penuh")
    english = put(client, facilitator, data, mime="image/png", **{"Accept-Language": "en"})
    assert english.status_code == 507
    assert english.get_json()["error"]["message"].startswith("The server's storage is full")
    assert files_under(small_disk) == []  # no photo, no thumbnail, no temporary file
    with app.app_context():
        assert db.session.get(Blob, sha(data)) is None
    assert client.head(URL + sha(data), headers=facilitator).status_code == 404


def test_a_piece_on_a_full_disk_is_507_with_the_offset_held(client, app, facilitator, small_disk):  # noqa: F811
    app.config["BLOB_DIR"] = str(small_disk)
    data = big_png()
    name = sha(data)
    answer = put_piece(client, facilitator, name, data, 0, len(data), mime="image/png")
    assert answer.status_code == 507
    assert answer.get_json()["error"]["code"] == "insufficient_storage"
    held = int(answer.headers["Upload-Offset"])
    assert held < len(data)
    # What the server says it holds is what the next HEAD says, so the upload resumes there.
    assert client.head(URL + name, headers=facilitator).headers["Upload-Offset"] == str(held)
    assert [f for f in files_under(small_disk) if not f.startswith("partial/")] == []


@contextlib.contextmanager
def database_connections_killed(app, borrowed=None, before=None, after=None):
    """Within: the PostgreSQL server terminates every connection the app has borrowed from its pool
    so far, once: when the `borrowed`-th is lent (after pool_pre_ping passed it), or right before
    a statement starting with `before` runs, or right after one starting with `after` ran. Yields
    the list of the pids it terminated."""
    with app.app_context():
        engine = db.engine
    side = create_engine(engine.url)
    lent, killed = [], []

    def kill_all():
        if killed:
            return
        with side.connect() as conn:
            for connection in lent:
                pid = connection.info.backend_pid
                assert conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar()
                killed.append(pid)

    def on_checkout(dbapi_connection, record, proxy):
        lent.append(dbapi_connection)
        if len(lent) == borrowed:
            kill_all()

    def before_statement(conn, cursor, statement, *args):
        if before and statement.startswith(before):
            kill_all()

    def after_statement(conn, cursor, statement, *args):
        if after and statement.startswith(after):
            kill_all()

    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "before_cursor_execute", before_statement)
    event.listen(engine, "after_cursor_execute", after_statement)
    try:
        yield killed
    finally:
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "before_cursor_execute", before_statement)
        event.remove(engine, "after_cursor_execute", after_statement)
        side.dispose()


def assert_busy(answer):
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.headers["Retry-After"] == "2"
    assert answer.get_json()["error"]["code"] == "service_unavailable"


@pytest.fixture
def facilitator_device(client, accounts):
    if ENGINE != "postgresql":
        pytest.skip("a database server that terminates connections is PostgreSQL")
    return Device(client, accounts.headers(role="facilitator", regions=("32.04.10",)))


def test_a_pull_whose_database_connection_dies_before_its_first_read_is_503_not_500(app, client, facilitator_device):
    pull = "/api/v1/sync/pull?limit=1000"
    with database_connections_killed(app, borrowed=1) as killed:
        answer = client.get(pull, headers=facilitator_device.headers)
    assert killed
    assert_busy(answer)
    assert client.get(pull, headers=facilitator_device.headers).status_code == 200  # the database is found again


@pytest.mark.parametrize("kill", [{"borrowed": 1}, {"before": "UPDATE devices"}, {"after": "UPDATE devices"}])
def test_a_push_whose_database_connections_die_mid_request_is_503_and_its_retry_applies_it(
    app, client, facilitator_device, kill
):
    device = facilitator_device
    op = device.op("producer", new_id(), producer_fields())
    with database_connections_killed(app, **kill) as killed:
        body = {"device_id": device.device_id, "ops": [op]}
        answer = client.post("/api/v1/sync/push", json=body, headers=device.headers)
    assert killed
    assert_busy(answer)
    assert [r["status"] for r in device.push(op)["results"]] == ["applied"]


class PrivatePostgres:
    """A PostgreSQL server of the test's own (the machine's shared one must not be stopped)."""

    def __init__(self):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if os.geteuid() != 0 or not found or shutil.which("runuser") is None:
            pytest.skip("a private PostgreSQL needs root (to run initdb as postgres) and initdb")
        self.bin = Path(found[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="lumbung-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.port = load.free_port()
        self.as_postgres(self.bin / "initdb", "-D", self.dir / "data", "-A", "trust", "-U", "postgres", "--no-sync")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def as_postgres(self, *command):
        """Run a command as the postgres user (initdb refuses root)."""
        done = subprocess.run(["runuser", "-u", "postgres", "--", *map(str, command)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr

    def start(self):
        """Start it, listening on 127.0.0.1 only; returns once it accepts connections."""
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self.as_postgres(
            self.bin / "pg_ctl", "-D", self.dir / "data", "-o", options, "-l", self.dir / "log", "-w", "start"
        )

    def stop(self, mode="fast"):
        """Stop it: "fast" as a service stop does (connections are closed), "immediate" as a crash."""
        self.as_postgres(self.bin / "pg_ctl", "-D", self.dir / "data", "-m", mode, "-w", "stop")

    def remove(self):
        """Stop it if it runs, and remove its files."""
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.dir / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
        )
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_postgres():
    """A started private PostgreSQL; removed afterwards."""
    if ENGINE != "postgresql":
        pytest.skip("PostgreSQL's faults are tested in the PostgreSQL run")
    server = PrivatePostgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


def probe(port, tokens):
    """One pull of an account: (status, Retry-After, body)."""
    wire = load.Wire(port, load.Stats(), timeout=30)
    wire.tokens = dict(tokens)
    status, body = wire.call("GET", "/api/v1/sync/pull", endpoint="pull")
    wire.close()
    return status, wire.retry_after, body


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgresql_stopped_mid_load_is_503_with_retry_after_and_recovers_by_itself(private_postgres, mode):
    server = load.Server(database_url=private_postgres.url, fast_pins=True)
    stats, ledger = load.Stats(), load.Ledger()
    try:
        server.prepare()
        server.start()
        population = load.open_population(server, stats)
        fleet = load.Fleet(population, ledger, sleep=(0.05, 0.2))
        try:
            fleet.grow(5, ramp=0)
            wait_until(lambda: len(ledger.acknowledged()) >= 100, seconds=90)
            private_postgres.stop(mode)
            wait_until(lambda: sum(1 for f in stats.failures if f[1] == 503) >= 5, seconds=90)
            status, retry_after, body = probe(server.port, population.admin.tokens)
            assert (status, retry_after, body["error"]["code"]) == (503, "2", "service_unavailable")
            private_postgres.start()
            # gunicorn was never restarted: the devices' next syncs succeed again.
            after_restart = len(ledger.acknowledged())
            wait_until(lambda: len(ledger.acknowledged()) >= after_restart + 100, seconds=90)
            assert probe(server.port, population.admin.tokens)[0] == 200
        finally:
            fleet.halt()
        server.stop()
        unexpected = [f for f in stats.failures if f[1] != 503]
        assert unexpected == [], server.log.read_text()  # no 500, no dropped connection
        assert {(f[2], f[3]["error"]["code"]) for f in stats.failures} == {("2", "service_unavailable")}
        assert load.check(server.url, ledger) == []  # nothing acknowledged was lost
    finally:
        server.stop()
        server.remove()
