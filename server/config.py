"""Configuration from the environment, with development defaults."""

import os
from pathlib import Path

DEV_SECRET = "dev-secret-change-me-0123456789abcdef"
# The secrets the demo's secrets.env holds, and that served or in production must be strong.
SECRET_NAMES = ("SECRET_KEY", "CURSOR_SECRET_KEY")
MIN_SECRET_LENGTH = 32
# The private key that signs tokens, in the instance folder unless JWT_PRIVATE_KEY(_FILE) says otherwise.
SIGNING_KEY_FILE = "jwt-private-key.pem"


def _env(name, default):
    """Read an environment variable; an empty one (as .env.example leaves them) means the default."""
    return os.environ.get(name) or default


def _int(name, default):
    """Read an integer environment variable."""
    return int(_env(name, default))


def instance_folder(environ):
    """The instance folder: INSTANCE_PATH, else instance/ beside the server package (Flask's own default)."""
    return os.path.abspath(environ.get("INSTANCE_PATH") or Path(__file__).resolve().parents[1] / "instance")


def from_environment(instance_path):
    """Build the config dict that create_app starts from."""
    default_db = "sqlite:///" + str(Path(instance_path) / "lumbung.db")
    return {
        "ENV_NAME": _env("LUMBUNG_ENV", "development"),
        "SECRET_KEY": _env("SECRET_KEY", DEV_SECRET),
        "CURSOR_SECRET_KEY": _cursor_secret_setting(os.environ),
        "JWT_PRIVATE_KEY": _env("JWT_PRIVATE_KEY", None),
        "JWT_PRIVATE_KEY_FILE": _env("JWT_PRIVATE_KEY_FILE", str(Path(instance_path) / SIGNING_KEY_FILE)),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", default_db),
        "BLOB_DIR": _env("BLOB_DIR", str(Path(instance_path) / "blobs")),
        "SERVER_ID": _env("SERVER_ID", "server"),
        "ACCESS_TOKEN_MINUTES": _int("ACCESS_TOKEN_MINUTES", 24 * 60),
        "REFRESH_TOKEN_DAYS": _int("REFRESH_TOKEN_DAYS", 90),
        "PIN_HASH_TIME_COST": _int("PIN_HASH_TIME_COST", 3),
        "PIN_HASH_MEMORY_KIB": _int("PIN_HASH_MEMORY_KIB", 65536),
        "LOGIN_FAILURES_PER_PHONE": _int("LOGIN_FAILURES_PER_PHONE", 5),
        "LOGIN_FAILURES_PER_ADDRESS": _int("LOGIN_FAILURES_PER_ADDRESS", 200),
        "CLAIM_FAILURES_PER_ADDRESS": _int("CLAIM_FAILURES_PER_ADDRESS", 10),
        "CLAIM_CODE_MINUTES": _int("CLAIM_CODE_MINUTES", 15),
        "SQLITE_BUSY_TIMEOUT_MS": _int("SQLITE_BUSY_TIMEOUT_MS", 30000),
        "LOGIN_WINDOW_MINUTES": _int("LOGIN_WINDOW_MINUTES", 15),
        "EXPORT_LINK_DAYS": _int("EXPORT_LINK_DAYS", 7),
        "BLOB_PHOTOS_PER_MINUTE": _int("BLOB_PHOTOS_PER_MINUTE", 30),
        "BLOB_MEGAPIXELS_PER_MINUTE": _int("BLOB_MEGAPIXELS_PER_MINUTE", 100),
        "PROXY_FIX_HOPS": _int("PROXY_FIX_HOPS", 0),
        # A hub: the regional server it relays to, and its account there (empty on a regional server).
        "UPSTREAM_URL": _env("LUMBUNG_UPSTREAM_URL", ""),
        "HUB_PHONE": _env("LUMBUNG_HUB_PHONE", ""),
        "HUB_PIN": _env("LUMBUNG_HUB_PIN", ""),
        # Where the office's phones open the hub (its QR code); empty: the address a request came to.
        "HUB_ADDRESS": _env("LUMBUNG_HUB_ADDRESS", ""),
        # A hub's own certificate authority and HTTPS certificate (flask hub certificate).
        "TLS_DIR": _env("LUMBUNG_TLS_DIR", str(Path(instance_path) / "tls")),
    }


def _cursor_secret_setting(environ):
    """CURSOR_SECRET_KEY, else JWT_SECRET_KEY: the value that signed the cursors phones hold (tokens were
    once signed with it too), so a deploy that had it keeps every cursor valid; None leaves SECRET_KEY."""
    return environ.get("CURSOR_SECRET_KEY") or environ.get("JWT_SECRET_KEY") or None


def cursor_secret(config):
    """The secret that signs pull cursors: CURSOR_SECRET_KEY (or JWT_SECRET_KEY), else SECRET_KEY."""
    return config.get("CURSOR_SECRET_KEY") or config["SECRET_KEY"]


def signing_key_pem(config):
    """The PEM of the private key that signs tokens: JWT_PRIVATE_KEY, else the file JWT_PRIVATE_KEY_FILE
    names when it exists; None when neither gives one (the app then signs with a public development key)."""
    if config.get("JWT_PRIVATE_KEY"):
        return config["JWT_PRIVATE_KEY"]
    path = config.get("JWT_PRIVATE_KEY_FILE")
    return Path(path).read_text() if path and Path(path).is_file() else None


def check_secrets(config, served=False):
    """Refuse to run with a default or short secret, or without a signing key, when served by gunicorn
    or outside development.

    Served, the environment's name does not matter: a deploy that forgot LUMBUNG_ENV would
    otherwise sign tokens and photo links with public development keys."""
    if not served and config["ENV_NAME"] in ("development", "test"):
        return
    where = "when served by gunicorn" if served else f"when LUMBUNG_ENV={config['ENV_NAME']}"
    if problem := secrets_problem(config, where):
        raise RuntimeError(problem)


def secrets_problem(config, where):
    """What to tell the operator about weak secrets and a missing signing key, or None."""
    problems = []
    weak = weak_secrets(config)
    if weak:
        problems.append(weak_secrets_message(weak, where))
    if signing_key_pem(config) is None:
        problems.append(
            "JWT_PRIVATE_KEY (an Ed25519 private key in PEM) or a key file at JWT_PRIVATE_KEY_FILE "
            f"({config.get('JWT_PRIVATE_KEY_FILE')}) is needed {where}"
            " (python -m server.secrets_file INSTANCE_DIR makes one in the instance folder)"
        )
    return "; ".join(problems) or None


def weak_secrets(config):
    """The names among the secrets (SECRET_KEY, CURSOR_SECRET_KEY) whose value is the default or too short."""
    values = {"SECRET_KEY": config["SECRET_KEY"], "CURSOR_SECRET_KEY": cursor_secret(config)}
    return [name for name in SECRET_NAMES if values[name] == DEV_SECRET or len(values[name]) < MIN_SECRET_LENGTH]


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
    folder = instance_folder(environ)
    config = {
        "SECRET_KEY": environ.get("SECRET_KEY") or DEV_SECRET,
        "CURSOR_SECRET_KEY": _cursor_secret_setting(environ),
        "JWT_PRIVATE_KEY": environ.get("JWT_PRIVATE_KEY"),
        "JWT_PRIVATE_KEY_FILE": environ.get("JWT_PRIVATE_KEY_FILE") or str(Path(folder) / SIGNING_KEY_FILE),
    }
    return secrets_problem(config, "to serve the app")
