"""Configuration from the environment, with development defaults."""

import os
from pathlib import Path

DEV_SECRET = "dev-secret-change-me-0123456789abcdef"
SECRET_NAMES = ("SECRET_KEY", "JWT_SECRET_KEY")
MIN_SECRET_LENGTH = 32


def _env(name, default):
    """Read an environment variable; an empty one (as .env.example leaves them) means the default."""
    return os.environ.get(name) or default


def _int(name, default):
    """Read an integer environment variable."""
    return int(_env(name, default))


def from_environment(instance_path):
    """Build the config dict that create_app starts from."""
    default_db = "sqlite:///" + str(Path(instance_path) / "lumbung.db")
    return {
        "ENV_NAME": _env("LUMBUNG_ENV", "development"),
        "SECRET_KEY": _env("SECRET_KEY", DEV_SECRET),
        "JWT_SECRET_KEY": _env("JWT_SECRET_KEY", _env("SECRET_KEY", DEV_SECRET)),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", default_db),
        "BLOB_DIR": _env("BLOB_DIR", str(Path(instance_path) / "blobs")),
        "SERVER_ID": _env("SERVER_ID", "server"),
        "ACCESS_TOKEN_MINUTES": _int("ACCESS_TOKEN_MINUTES", 60),
        "REFRESH_TOKEN_DAYS": _int("REFRESH_TOKEN_DAYS", 90),
        "PIN_HASH_TIME_COST": _int("PIN_HASH_TIME_COST", 3),
        "PIN_HASH_MEMORY_KIB": _int("PIN_HASH_MEMORY_KIB", 65536),
        "LOGIN_FAILURES_PER_PHONE": _int("LOGIN_FAILURES_PER_PHONE", 5),
        "LOGIN_FAILURES_PER_ADDRESS": _int("LOGIN_FAILURES_PER_ADDRESS", 200),
        "SQLITE_BUSY_TIMEOUT_MS": _int("SQLITE_BUSY_TIMEOUT_MS", 30000),
        "LOGIN_WINDOW_MINUTES": _int("LOGIN_WINDOW_MINUTES", 15),
        "EXPORT_LINK_DAYS": _int("EXPORT_LINK_DAYS", 7),
        "BLOB_PHOTOS_PER_MINUTE": _int("BLOB_PHOTOS_PER_MINUTE", 30),
        "BLOB_MEGAPIXELS_PER_MINUTE": _int("BLOB_MEGAPIXELS_PER_MINUTE", 100),
        "PROXY_FIX_HOPS": _int("PROXY_FIX_HOPS", 0),
    }


def check_secrets(config, served=False):
    """Refuse to run with a default or short secret when served by gunicorn, or outside development.

    Served, the environment's name does not matter: a deploy that forgot LUMBUNG_ENV would
    otherwise sign tokens and photo links with the public development secret."""
    if not served and config["ENV_NAME"] in ("development", "test"):
        return
    weak = weak_secrets(config)
    if weak:
        where = "when served by gunicorn" if served else f"when LUMBUNG_ENV={config['ENV_NAME']}"
        raise RuntimeError(weak_secrets_message(weak, where))


def weak_secrets(config):
    """The names among SECRET_KEY and JWT_SECRET_KEY whose value is the default or too short."""
    return [name for name in SECRET_NAMES if config[name] == DEV_SECRET or len(config[name]) < MIN_SECRET_LENGTH]


def weak_secrets_message(names, where):
    """What to tell the operator about weak secrets."""
    return (
        f"{' and '.join(names)} must be set to a random value of at least {MIN_SECRET_LENGTH} characters {where}"
        " (scripts/start makes and keeps such values in instance/secrets.env)"
    )


def served_by_gunicorn():
    """Whether this process is a gunicorn server (its arbiter sets SERVER_SOFTWARE for the app)."""
    return os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/")


def serving_secrets_problem(environ):
    """The message that stops gunicorn from starting on these environment variables, or None."""
    values = {"SECRET_KEY": environ.get("SECRET_KEY") or DEV_SECRET}
    values["JWT_SECRET_KEY"] = environ.get("JWT_SECRET_KEY") or values["SECRET_KEY"]
    weak = weak_secrets(values)
    return weak_secrets_message(weak, "to serve the app") if weak else None
