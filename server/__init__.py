"""Lumbung's Flask application: the sync API, accounts, regions and the PWA."""

import os
from pathlib import Path

import orjson
from flask import Flask
from flask.sessions import SessionInterface
from sqlalchemy import event, make_url

from . import config as config_module
from .engine import checkpoint
from .extensions import api as rest_api  # as: `api` is the name of the server.api package
from .extensions import db, jwt, migrate

MIGRATIONS = str(Path(__file__).parent / "migrations")


def create_app(test_config=None):
    """Create and configure the app; tests pass a dict that overrides the environment."""
    # Flask wants an absolute path; .env may well say INSTANCE_PATH=instance.
    app = Flask(__name__, instance_path=config_module.instance_folder(os.environ))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(config_module.from_environment(app.instance_path))
    _api_settings(app)
    if test_config:
        app.config.update(test_config)
    app.config["JWT_PRIVATE_KEY"] = config_module.signing_key_pem(app.config)
    app.config["CURSOR_SECRET_KEY"] = config_module.cursor_secret(app.config)
    config_module.check_secrets(app.config, served=config_module.served_by_gunicorn())
    _database_settings(app)

    db.init_app(app)
    _sqlite_pragmas_on_connect(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    jwt.init_app(app)
    rest_api.init_app(app)

    from . import blueprints, cli
    from .api import auth
    from .engine import store
    from .web import errors, gzip_middleware, headers, json_body, openapi

    errors.init_app(app)
    auth.init_app(app)
    openapi.init_app(app, rest_api)
    blueprints.register(app, rest_api)
    cli.init_app(app)
    gzip_middleware.init_app(app)
    json_body.init_app(app)  # after gzip's hook: it parses the inflated body
    headers.init_app(app)
    store.init_app(app)
    app.session_interface = NoSessions()
    return app


class NoSessions(SessionInterface):
    """No cookie sessions: the API authenticates every request by its Bearer token, so opening
    and saving a session on each one would only cost time (an idle pull is a millisecond)."""

    def open_session(self, app, request):
        """A null session, refusing writes."""
        return self.make_null_session(app)

    def save_session(self, app, session, response):
        """Nothing to save."""


def _api_settings(app):
    app.config.update(
        API_TITLE="Lumbung API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        JSON_SORT_KEYS=False,
        PROPAGATE_EXCEPTIONS=False,
    )


def _database_settings(app):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://"):  # Heroku-style URLs
        uri = "postgresql://" + uri[len("postgres://") :]
    if uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://") :]
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    # The connection given back last is lent first (a request holds one, server/engine/store.py).
    # SQLite empties a connection's page cache whenever another one has written since its last
    # transaction: once a burst has left several connections in the pool, handing them out in
    # turn would give each push a cold cache (a push of 1,000 movements then reads most of its
    # pages from the log again), while last-in-first-out keeps a worker's requests on the one it
    # used last and lets the others idle. (An in-memory SQLite database has one connection per
    # thread, and no such choice.)
    options = {} if make_url(uri).database in (None, "", ":memory:") else {"pool_use_lifo": True}
    # JSON columns (a record's field clocks, photos, certifications) in and out with orjson.
    options["json_serializer"], options["json_deserializer"] = _json_text, orjson.loads
    if uri.startswith("sqlite"):
        # How long a writer waits for another's lock before the request answers 503.
        options["connect_args"] = {"timeout": app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000}
    else:
        options["pool_pre_ping"] = True  # a server may close idle connections; a file cannot
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", options)


def _json_text(value):
    return orjson.dumps(value).decode()


def _sqlite_pragmas_on_connect(app):
    """Set the pragmas on each new connection of this app's engine, when it is SQLite; no other engine's."""
    # Flask-SQLAlchemy made the engine in init_app and has opened no connection yet.
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL and foreign keys (the busy timeout comes from connect_args), for concurrent workers."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # A statement that writes many rows keeps its undo journal in memory: on disk it was a new
    # file in /var/tmp for each push, written ~320 times (a page at a time) and deleted.
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.execute(f"PRAGMA wal_autocheckpoint={checkpoint.autocheckpoint_pages}")
    cursor.close()
