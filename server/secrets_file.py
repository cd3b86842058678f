"""The demo's secrets: random SECRET_KEY and JWT_SECRET_KEY made once and kept in the instance folder.

`python -m server.secrets_file INSTANCE_DIR` makes <INSTANCE_DIR>/secrets.env (mode 600) unless it
is there, and prints its path; scripts/start runs it and exports the values the environment lacks.
It needs no app: the app refuses to load on weak secrets when it is served or in production."""

import os
import secrets
import sys
from pathlib import Path

from .config import SECRET_NAMES

FILE_NAME = "secrets.env"


def ensure_secrets_file(instance_path):
    """Make <instance>/secrets.env with random secrets once (mode 600); answer its path.

    An existing file is kept as it is, so tokens and photo links signed before a restart stay valid."""
    path = Path(instance_path) / FILE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    with os.fdopen(fd, "w") as out:
        out.writelines(f"{name}={secrets.token_urlsafe(48)}\n" for name in SECRET_NAMES)
    return path


if __name__ == "__main__":
    print(ensure_secrets_file(sys.argv[1] if len(sys.argv) > 1 else "instance"))
