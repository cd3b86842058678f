"""Configuration from the environment, with development defaults."""

import os
from pathlib import Path

DEV_SECRET = "dev-secret-change-me-0123456789abcdef"


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
        "PROXY_FIX_HOPS": _int("PROXY_FIX_HOPS", 0),
    }


def check_secrets(config):
    """Refuse to run outside development with a default secret."""
    if config["ENV_NAME"] in ("development", "test"):
        return
    for key in ("SECRET_KEY", "JWT_SECRET_KEY"):
        if config[key] == DEV_SECRET or len(config[key]) < 32:
            raise RuntimeError(
                f"{key} must be set to a random value of at least 32 characters when LUMBUNG_ENV={config['ENV_NAME']}"
            )
