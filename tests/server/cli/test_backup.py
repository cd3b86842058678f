"""`flask backup` while devices push, `flask restore` into a fresh database, on the run's engine."""

import contextlib
import hashlib
import http.client
import io
import os
import subprocess
import uuid

import pytest
from PIL import Image
from sqlalchemy import create_engine, make_url, text

from tests.bench import load
from tests.conftest import BASE_URL, ENGINE
from tests.helpers import wait_until

PG_BASE = BASE_URL or load.DEFAULT_PG
LATE = "the devices did not get far enough in time"


@pytest.fixture
def live(tmp_path):
    """A fresh database of the run's engine with the load script's admin and regions, for gunicorn to serve."""
    server = load.Server(ENGINE, PG_BASE, fast_pins=True)
    try:
        server.prepare()
        yield server
    finally:
        server.stop()
        server.remove()


@contextlib.contextmanager
def fresh_database(tmp_path, server):
    """A URL to a database that does not exist yet: an SQLite file, or a new PostgreSQL database
    whose connections use the server's schema name (a pg_dump backup restores into its own schema)."""
    if ENGINE == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"lumbung_restore_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(PG_BASE).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        url = make_url(PG_BASE).set(database=name).render_as_string(hide_password=False)
        yield load.with_schema(url, server.schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def flask(env, *args):
    """Run a flask CLI command of the app; answers the finished process."""
    return subprocess.run(
        [str(load.VENV / "flask"), "--app", "server", *args], cwd=load.ROOT, env=env, capture_output=True, text=True
    )


def upload_photo(server, tokens):
    """PUT a small PNG as the admin; answers its sha256."""
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 120, 40)).save(out, "PNG")
    data = out.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    headers = {"Authorization": f"Bearer {tokens['access_token']}", "Content-Type": "image/png"}
    conn.request("PUT", f"/api/v1/blobs/{sha}", body=data, headers=headers)
    status = conn.getresponse().status
    conn.close()
    assert status == 201
    return sha


@pytest.mark.slow
def test_a_backup_taken_mid_load_holds_every_op_acknowledged_before_it(live, tmp_path):
    live.start()
    ledger = load.Ledger()
    population = load.open_population(live, load.Stats())
    photo = upload_photo(live, population.admin.tokens)
    fleet = load.Fleet(population, ledger, sleep=(0.05, 0.2))
    try:
        fleet.grow(5, ramp=0)
        wait_until(lambda: len(ledger.acknowledged()) >= 100, failure=LATE)
        before = ledger.acknowledged()
        done = flask(live.env, "backup", str(tmp_path / "backup"))
        assert done.returncode == 0, done.stderr
        # The devices went on pushing while the backup ran, and after it.
        wait_until(lambda: len(ledger.acknowledged()) >= len(before) + 100, failure=LATE)
    finally:
        fleet.halt()
    live.stop()
    with fresh_database(tmp_path, live) as url:
        env = {**live.env, "DATABASE_URL": url, "BLOB_DIR": str(tmp_path / "restored-blobs")}
        done = flask(env, "restore", str(tmp_path / "backup"))
        assert done.returncode == 0, done.stderr
        stored, twice, stock = load.read_movements(url)
        assert before.keys() - stored.keys() == set()
        assert {key: stored[key] for key in before} == before
        assert stored.keys() - ledger.movements.keys() == set()  # nothing no device made
        assert twice == set()
        assert load.stock_problems(stored, stock) == []
        assert (tmp_path / "restored-blobs" / photo[:2] / photo).is_file()
        assert (tmp_path / "restored-blobs" / photo[:2] / f"{photo}.thumb").is_file()


def test_restore_refuses_a_database_holding_records_unless_forced(live, tmp_path):
    # The database holds the admin's account.
    assert flask(live.env, "backup", str(tmp_path / "backup")).returncode == 0
    refused = flask(live.env, "restore", str(tmp_path / "backup"))
    assert refused.returncode != 0
    assert "not empty (users: 1)" in refused.stderr
    forced = flask(live.env, "restore", "--force", str(tmp_path / "backup"))
    assert forced.returncode == 0, forced.stderr
    engine = load.engine_for(live.url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT phone FROM users")).scalars().all() == [load.ADMIN_PHONE]
    engine.dispose()


def test_backup_refuses_a_folder_that_is_not_empty(live, tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "other.txt").write_text("kept")
    done = flask(live.env, "backup", str(tmp_path / "backup"))
    assert done.returncode != 0
    assert "is not empty" in done.stderr
    assert (tmp_path / "backup" / "other.txt").read_text() == "kept"
