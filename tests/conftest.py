"""Fixtures: an app on a fresh database of the engine DATABASE_URL picks (SQLite by default)."""

import contextlib
import os
import shutil
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from server import create_app
from server.cli.regions import import_regions
from server.extensions import db
from server.secrets_file import new_signing_key_pem

BASE_URL = os.environ.get("DATABASE_URL", "")
ENGINE = "postgresql" if BASE_URL.startswith("postgres") else "sqlite"
# Each test run gets its own schema in the PostgreSQL database, so runs never collide.
PG_SCHEMA = f"lumbung_test_{os.getpid()}"


def schema_url(schema):
    """DATABASE_URL with its connections set to use one schema."""
    return f"{BASE_URL}{'&' if '?' in BASE_URL else '?'}options=-csearch_path%3D{schema}"


PG_URL = schema_url(PG_SCHEMA) if ENGINE == "postgresql" else ""
# Regions loaded for tests: Kab. Bandung with all its desa, and Kota Bandung as "elsewhere".
TEST_REGIONS = ("32.04", "32.73")
KEEP_TABLES = {"regions", "alembic_version"}
# One signing key for the whole run (an Ed25519 key takes microseconds to make, but one is enough).
TEST_SIGNING_KEY = new_signing_key_pem()


def base_config(tmp_path, database_url):
    """The config every test app starts from."""
    return {
        "TESTING": True,
        "ENV_NAME": "test",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-" + "x" * 32,
        "JWT_PRIVATE_KEY": TEST_SIGNING_KEY,
        "PIN_HASH_TIME_COST": 1,
        "PIN_HASH_MEMORY_KIB": 1024,
        "BLOB_DIR": str(tmp_path / "blobs"),
        "TLS_DIR": str(tmp_path / "tls"),
    }


def _migrate_and_seed(app):
    with app.app_context():
        upgrade()
        for prefix in TEST_REGIONS:
            import_regions(only=prefix)
        db.engine.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """A migrated database with test regions: an SQLite file to copy, or the PostgreSQL test DB."""
    tmp = tmp_path_factory.mktemp("template")
    if ENGINE == "postgresql":
        app = create_app(base_config(tmp, PG_URL))
        with app.app_context():
            with db.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
                conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
            db.engine.dispose()
        _migrate_and_seed(app)
        yield PG_URL
        with app.app_context():
            with db.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            db.engine.dispose()
        return
    path = tmp / "template.db"
    _migrate_and_seed(create_app(base_config(tmp, f"sqlite:///{path}")))
    yield path


@pytest.fixture
def app(template_db, tmp_path):
    """An app on a database holding only the schema, the test regions and the sync state."""
    if ENGINE == "postgresql":
        application = create_app(base_config(tmp_path, PG_URL))
        with application.app_context():
            _empty_pg_tables()
    else:
        path = tmp_path / "lumbung.db"
        shutil.copy(template_db, path)
        application = create_app(base_config(tmp_path, f"sqlite:///{path}"))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _empty_pg_tables():
    tables = [t.name for t in db.metadata.sorted_tables if t.name not in KEEP_TABLES]
    with db.engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
        conn.execute(text("INSERT INTO sync_state (id, seq, hlc) VALUES (1, 0, '')"))


@contextlib.contextmanager
def empty_database(tmp_path, name):
    """A URL to an empty database of the run's engine: an SQLite file, or a throwaway PostgreSQL schema."""
    if ENGINE == "sqlite":
        yield f"sqlite:///{tmp_path / f'{name}.db'}"
        return
    # A schema of its own, so nothing here touches the tables the other tests share.
    schema = f"lumbung_{name}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(BASE_URL).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def fresh_db_url(tmp_path):
    """An empty database of the run's engine: an SQLite file, or a throwaway PostgreSQL schema."""
    with empty_database(tmp_path, "fresh") as url:
        yield url


@pytest.fixture
def fresh_app(fresh_db_url, tmp_path):
    """An app on an empty database (no tables) of the run's engine."""
    application = create_app(base_config(tmp_path, fresh_db_url))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner of the app."""
    return app.test_cli_runner()


class Accounts:
    """Makes accounts with the CLI's own function and logs them in through the API."""

    def __init__(self, app, client):
        self.app = app
        self.client = client
        self.counter = 0

    def make(self, role="admin", regions=("32.04",), name=None, pin="246810", phone=None):
        """Create an account directly (as the CLI does); answers its phone."""
        from server.api.users import create_account

        self.counter += 1
        phone = phone or f"+62812{self.counter:08d}"
        with self.app.app_context():
            create_account(
                {
                    "phone": phone,
                    "pin": pin,
                    "role": role,
                    "regions": list(regions),
                    "name": name or f"{role} {self.counter}",
                }
            )
            db.session.commit()
        return phone

    def login(self, phone, pin="246810", device_id=None):
        """Log in and answer the login response's JSON."""
        response = self.client.post(
            "/api/v1/auth/login", json={"phone": phone, "pin": pin, "device_id": device_id or str(uuid.uuid4())}
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def headers(self, role="admin", regions=("32.04",), **kwargs):
        """Make an account, log it in, answer Authorization headers (with .user attached)."""
        body = self.login(self.make(role, regions, **kwargs))
        headers = Headers({"Authorization": "Bearer " + body["access_token"]})
        headers.user = body["user"]
        headers.tokens = body
        return headers


class Headers(dict):
    """Request headers that also carry the logged-in account."""


@pytest.fixture
def accounts(app, client):
    """Make and log in accounts."""
    return Accounts(app, client)
