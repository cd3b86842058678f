"""The demo's secrets: a random SECRET_KEY and an Ed25519 signing key, made once in the instance folder.

`python -m server.secrets_file INSTANCE_DIR` makes <INSTANCE_DIR>/secrets.env and
<INSTANCE_DIR>/jwt-private-key.pem (both mode 600) unless they are there, and prints the first's
path; scripts/start runs it and exports the values the environment lacks, and the app reads the
key file from its instance folder. It needs no app: the app refuses to load on weak secrets, or
without a key, when it is served or in production."""

import os
import secrets
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from .config import SECRET_NAMES, SIGNING_KEY_FILE

FILE_NAME = "secrets.env"


def new_signing_key_pem():
    """A new Ed25519 private key, as PKCS#8 PEM text."""
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


def random_secrets():
    """Random values for every secret setting, as environment variables (for a server started by a test
    or a benchmark): SECRET_KEY, and JWT_PRIVATE_KEY as PEM text."""
    return {**_new_secrets(), "JWT_PRIVATE_KEY": new_signing_key_pem()}


def _new_secrets():
    """A random value for each secret (SECRET_NAMES)."""
    return {name: secrets.token_urlsafe(48) for name in SECRET_NAMES}


def ensure_secrets_file(instance_path):
    """Make <instance>/secrets.env with random secrets, and the signing key beside it, once (mode 600);
    answer the secrets' path.

    Existing files are kept as they are, so tokens and photo links signed before a restart stay valid."""
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    _write_once(folder / SIGNING_KEY_FILE, new_signing_key_pem)
    path = folder / FILE_NAME
    _write_once(path, lambda: "".join(f"{name}={value}\n" for name, value in _new_secrets().items()))
    return path


def _write_once(path, make_text):
    """Write a file readable by its owner alone, unless it exists."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as out:
        out.write(make_text())


if __name__ == "__main__":
    print(ensure_secrets_file(sys.argv[1] if len(sys.argv) > 1 else "instance"))
