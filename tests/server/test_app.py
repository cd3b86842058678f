import stat
import subprocess
import sys
import uuid
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from flask_jwt_extended import create_access_token
from sqlalchemy import create_engine, text

from server import create_app
from server.config import DEV_SECRET, from_environment
from server.extensions import db
from server.secrets_file import ensure_secrets_file
from server.web.signing_keys import BadKey, signing_key
from tests.conftest import TEST_SIGNING_KEY, base_config

ENV_VARS = (
    "LUMBUNG_ENV",
    "SECRET_KEY",
    "CURSOR_SECRET_KEY",
    "JWT_SECRET_KEY",
    "JWT_PRIVATE_KEY",
    "JWT_PRIVATE_KEY_FILE",
    "DATABASE_URL",
    "BLOB_DIR",
    "INSTANCE_PATH",
    "LOGIN_FAILURES_PER_PHONE",
    "LOGIN_FAILURES_PER_ADDRESS",
    "LOGIN_WINDOW_MINUTES",
    "SERVER_SOFTWARE",
)
STRONG = "s" * 48
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No Lumbung settings in the environment; the instance folder under tmp_path."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    return monkeypatch


def test_test_config_overrides_the_environment(app):
    assert app.testing
    assert app.config["ENV_NAME"] == "test"
    assert app.config["PIN_HASH_TIME_COST"] == 1


def test_defaults_without_environment(clean_env, tmp_path):
    config = from_environment(str(tmp_path))
    assert config["ENV_NAME"] == "development"
    assert config["SECRET_KEY"] == DEV_SECRET
    assert config["JWT_PRIVATE_KEY"] is None
    assert config["JWT_PRIVATE_KEY_FILE"] == str(tmp_path / "jwt-private-key.pem")
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'lumbung.db'}"
    assert config["BLOB_DIR"] == str(tmp_path / "blobs")
    assert (config["LOGIN_FAILURES_PER_PHONE"], config["LOGIN_WINDOW_MINUTES"]) == (5, 15)
    assert config["LOGIN_FAILURES_PER_ADDRESS"] >= 50


def test_environment_overrides_defaults(clean_env, tmp_path):
    clean_env.setenv("SECRET_KEY", STRONG)
    clean_env.setenv("LOGIN_FAILURES_PER_ADDRESS", "7")
    clean_env.setenv("JWT_PRIVATE_KEY_FILE", str(tmp_path / "elsewhere.pem"))
    config = from_environment(str(tmp_path))
    assert (config["SECRET_KEY"], config["LOGIN_FAILURES_PER_ADDRESS"]) == (STRONG, 7)
    assert config["JWT_PRIVATE_KEY_FILE"] == str(tmp_path / "elsewhere.pem")


def test_empty_variables_mean_default(clean_env, tmp_path):
    # .env.example (copied to .env, which flask loads) leaves DATABASE_URL= and BLOB_DIR= empty.
    for name in ("DATABASE_URL", "BLOB_DIR", "LOGIN_FAILURES_PER_ADDRESS"):
        clean_env.setenv(name, "")
    config = from_environment(str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'lumbung.db'}"
    assert config["BLOB_DIR"] == str(tmp_path / "blobs")
    assert config["LOGIN_FAILURES_PER_ADDRESS"] == 200


def test_create_app_from_environment_uses_sqlite_in_instance(clean_env, tmp_path):
    app = create_app()
    assert (tmp_path / "instance").is_dir()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'lumbung.db'}"


def test_relative_instance_path_is_taken_from_the_working_directory(clean_env, tmp_path):
    clean_env.chdir(tmp_path)
    clean_env.setenv("INSTANCE_PATH", "var/instance")
    assert create_app().instance_path == str(tmp_path / "var" / "instance")


@pytest.mark.parametrize("url", ["postgres://u@h:5432/d", "postgresql://u@h:5432/d"])
def test_postgres_urls_use_psycopg(tmp_path, url):
    app = create_app(base_config(tmp_path, url))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h:5432/d"


def kid_of(app):
    """The kid of the key an app signs tokens with."""
    with app.app_context():
        return jwt.get_unverified_header(create_access_token(identity="someone"))["kid"]


def test_development_runs_with_default_secrets_and_the_development_key(clean_env):
    app = create_app()
    assert app.config["SECRET_KEY"] == DEV_SECRET
    assert kid_of(app) == signing_key(None).kid


@pytest.mark.parametrize(
    "secrets",
    [{}, {"SECRET_KEY": "short", "JWT_PRIVATE_KEY": TEST_SIGNING_KEY}, {"JWT_PRIVATE_KEY": TEST_SIGNING_KEY}],
)
def test_production_refuses_default_or_short_secrets(clean_env, secrets):
    clean_env.setenv("LUMBUNG_ENV", "production")
    for name, value in secrets.items():
        clean_env.setenv(name, value)
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set to a random value of at least 32 characters"):
        create_app()


def test_cursors_are_signed_with_cursor_secret_key_else_jwt_secret_key_else_secret_key(clean_env):
    clean_env.setenv("SECRET_KEY", STRONG)
    assert create_app().config["CURSOR_SECRET_KEY"] == STRONG
    clean_env.setenv("JWT_SECRET_KEY", "j" * 40)
    assert create_app().config["CURSOR_SECRET_KEY"] == "j" * 40
    clean_env.setenv("CURSOR_SECRET_KEY", "c" * 40)
    assert create_app().config["CURSOR_SECRET_KEY"] == "c" * 40


@pytest.mark.parametrize("name", ["CURSOR_SECRET_KEY", "JWT_SECRET_KEY"])
def test_production_refuses_a_short_cursor_secret(clean_env, name):
    clean_env.setenv("LUMBUNG_ENV", "production")
    clean_env.setenv("SECRET_KEY", STRONG)
    clean_env.setenv("JWT_PRIVATE_KEY", TEST_SIGNING_KEY)
    clean_env.setenv(name, "short")
    with pytest.raises(RuntimeError, match="^CURSOR_SECRET_KEY must be set to a random value of at least 32"):
        create_app()


def test_production_refuses_to_sign_with_the_development_key(clean_env, tmp_path):
    clean_env.setenv("LUMBUNG_ENV", "production")
    clean_env.setenv("SECRET_KEY", STRONG)
    with pytest.raises(RuntimeError, match=r"JWT_PRIVATE_KEY \(an Ed25519 private key in PEM\)") as refused:
        create_app()
    assert str(tmp_path / "instance" / "jwt-private-key.pem") in str(refused.value)  # where it looked
    config = {**base_config(tmp_path, "sqlite://"), "ENV_NAME": "production", "JWT_PRIVATE_KEY": None}
    with pytest.raises(RuntimeError, match="JWT_PRIVATE_KEY"):
        create_app(config)


def test_production_starts_with_a_strong_secret_and_a_key(clean_env):
    clean_env.setenv("LUMBUNG_ENV", "production")
    clean_env.setenv("SECRET_KEY", STRONG)
    clean_env.setenv("JWT_PRIVATE_KEY", TEST_SIGNING_KEY)
    app = create_app()
    assert app.config["ENV_NAME"] == "production"
    assert kid_of(app) == signing_key(TEST_SIGNING_KEY).kid


def test_the_key_is_read_from_the_instance_folder_or_the_file_named(clean_env, tmp_path):
    clean_env.setenv("LUMBUNG_ENV", "production")
    clean_env.setenv("SECRET_KEY", STRONG)
    ensure_secrets_file(tmp_path / "instance")
    made = (tmp_path / "instance" / "jwt-private-key.pem").read_text()
    assert kid_of(create_app()) == signing_key(made).kid
    (tmp_path / "other.pem").write_text(TEST_SIGNING_KEY)
    clean_env.setenv("JWT_PRIVATE_KEY_FILE", str(tmp_path / "other.pem"))
    assert kid_of(create_app()) == signing_key(TEST_SIGNING_KEY).kid


def test_a_key_that_is_not_an_ed25519_pem_stops_the_app(tmp_path):
    p256 = ec.generate_private_key(ec.SECP256R1())
    pem = p256.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    for key, message in ((pem, "must be an Ed25519 key"), ("not a key", "not a private key in PEM")):
        with pytest.raises(BadKey, match=message):
            create_app({**base_config(tmp_path, "sqlite://"), "JWT_PRIVATE_KEY": key})


@pytest.mark.parametrize("env_name", [None, "development", "test"])
def test_default_secrets_refused_when_served_by_gunicorn_whatever_the_environment(clean_env, env_name):
    clean_env.setenv("SERVER_SOFTWARE", "gunicorn/23.0.0")  # what gunicorn's arbiter sets
    if env_name:
        clean_env.setenv("LUMBUNG_ENV", env_name)
    with pytest.raises(RuntimeError, match="served by gunicorn"):
        create_app()
    clean_env.setenv("SECRET_KEY", STRONG)
    clean_env.setenv("JWT_PRIVATE_KEY", TEST_SIGNING_KEY)
    assert create_app().config["SECRET_KEY"] == STRONG


def test_scripts_start_makes_secrets_once_and_keeps_them(tmp_path):
    make = [sys.executable, "-m", "server.secrets_file", str(tmp_path / "instance")]
    first = subprocess.run(make, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    path = Path(first)
    assert path == tmp_path / "instance" / "secrets.env"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    kept = path.read_text()
    values = dict(line.split("=", 1) for line in kept.splitlines())
    assert set(values) == {"SECRET_KEY", "CURSOR_SECRET_KEY"}
    assert all(len(value) >= 32 and value != DEV_SECRET for value in values.values())
    key_file = tmp_path / "instance" / "jwt-private-key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text()
    assert signing_key(key).kid != signing_key(None).kid  # an Ed25519 key, not the development one
    again = subprocess.run(make, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert again == first and path.read_text() == kept and key_file.read_text() == key
    assert "python -m server.secrets_file" in (ROOT / "scripts" / "start").read_text()


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path):
    app = create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'p.db'}"))
    with app.app_context():
        pragmas = [
            db.session.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        ]
        assert pragmas == ["wal", 1, 30000]
        db.session.remove()
        db.engine.dispose()


def test_the_pragmas_are_set_on_the_apps_own_engine_only(tmp_path):
    """Another engine in the same process (a library's, a script's) keeps SQLite's own defaults."""
    apps = [create_app(base_config(tmp_path, f"sqlite:///{tmp_path / name}")) for name in ("a.db", "b.db")]
    foreign = create_engine(f"sqlite:///{tmp_path / 'foreign.db'}")
    try:
        with foreign.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "delete"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 0
        for app in apps:  # and each app's engine has them, the one created first as the last
            with app.app_context():
                assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
                db.session.remove()
                db.engine.dispose()
    finally:
        foreign.dispose()


def test_openapi_document_is_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/auth/login" in response.get_json()["paths"]


def test_api_needs_a_token(client):
    response = client.get("/api/v1/regions")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_no_cookie_sessions_are_kept(app, client, accounts):
    """Every API request is authenticated by its Bearer token: no session is opened or sent back."""
    from flask import session
    from flask.sessions import NullSession

    with app.test_request_context("/"):
        assert isinstance(session._get_current_object(), NullSession)
    phone = accounts.make(role="facilitator", regions=("32.04.10",))
    login = {"phone": phone, "pin": "246810", "device_id": str(uuid.uuid4())}
    answers = {"POST /api/v1/auth/login": client.post("/api/v1/auth/login", json=login)}
    token = answers["POST /api/v1/auth/login"].get_json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    push = {"device_id": str(uuid.uuid4()), "ops": []}
    answers |= {
        "GET /": client.get("/"),
        "GET /api/v1/sync/pull": client.get("/api/v1/sync/pull", headers=bearer),
        "POST /api/v1/sync/push": client.post("/api/v1/sync/push", json=push, headers=bearer),
        "GET /api/v1/regions": client.get("/api/v1/regions", headers=bearer),
        "GET /api/v1/regions without a token": client.get("/api/v1/regions"),
        "GET /api/v1/no-such-thing": client.get("/api/v1/no-such-thing"),
        "GET /api/v1/openapi.json": client.get("/api/v1/openapi.json"),
    }
    assert [answer.status_code for answer in answers.values()] == [200, 200, 200, 200, 200, 401, 404, 200]
    assert [request for request, answer in answers.items() if "Set-Cookie" in answer.headers] == []
