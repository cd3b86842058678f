"""The photo store on disk: each photo under its name, its thumbnail beside it, its row last.

The layout and the order of writes are described in server/api/blobs.py, which receives and
serves photos; a hub's relay (server/hub/photos.py) stores those it fetches from upstream here too.
"""

import os
import re
import tempfile
from contextlib import suppress
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..web import upload_rate
from ..web.timeutil import utcnow
from .images import FORMATS, decode, inspect_image, make_thumbnail, max_pixels
from .models import Blob

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
THUMB = ".thumb"


def blob_dir():
    """The folder of the photo store (BLOB_DIR)."""
    return Path(current_app.config["BLOB_DIR"])


def photo_path(sha256, suffix=""):
    """Where a photo (or, with THUMB, its thumbnail) lies."""
    return blob_dir() / sha256[:2] / (sha256 + suffix)


def stored(sha256):
    """The blob's row when the photo is in place on disk, else None."""
    blob = db.session.get(Blob, sha256)
    return blob if blob is not None and photo_path(sha256).is_file() else None


def store(sha256, data, mime, user_id):
    """Check and clean an image, write it and its thumbnail, then its row; True when the row is new."""
    clean, width, height = inspect_image(data, FORMATS[mime], max_pixels())
    upload_rate.BUDGET.spend(user_id, width * height)
    _write_photo(sha256, clean, mime, (width, height))
    if current_app.config.get("UPSTREAM_URL"):  # a hub: the photo goes upstream as it was sent
        write_atomic(upstream_copy(sha256), data)
    return _insert_row(_row(sha256, clean, mime, (width, height), user_id))


def store_from_upstream(sha256, data, mime):
    """Store a photo a hub fetched from upstream under its name (served bytes, checked again; not
    sent back up); True when the row is new."""
    clean, width, height = inspect_image(data, FORMATS[mime], max_pixels())
    _write_photo(sha256, clean, mime, (width, height))
    return _insert_row(_row(sha256, clean, mime, (width, height), None))


def upstream_copy(sha256):
    """Where a hub keeps a photo, as its device sent it, until upstream has it (server/hub/photos.py)."""
    return store_folder("upstream") / sha256


def store_folder(name):
    """A folder of the photo store: "upstream" (a hub's photos for upstream), "incoming" (fetched)."""
    return blob_dir() / name


def stored_names():
    """The names of the photos stored here."""
    return set(db.session.scalars(select(Blob.sha256)))


def _write_photo(sha256, clean, mime, size):
    """Write a checked photo and its thumbnail, the thumbnail first."""
    image = decode(clean, FORMATS[mime], size)
    write_atomic(photo_path(sha256, THUMB), make_thumbnail(image))
    try:
        write_atomic(photo_path(sha256), clean)
    except OSError:
        remove(photo_path(sha256, THUMB))  # no thumbnail is left without its photo
        raise


def _row(sha256, clean, mime, size, user_id):
    width, height = size
    return {
        "sha256": sha256,
        "mime": mime,
        "size": len(clean),
        "width": width,
        "height": height,
        "created_by": user_id,
        "created_at": utcnow(),
    }


def _insert_row(row):
    """Insert a blob's row unless it is there; True when this call inserted it."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(Blob).values(**row).on_conflict_do_nothing(index_elements=["sha256"])
    # RETURNING, not rowcount: psycopg reports no rowcount for this statement.
    inserted = db.session.execute(stmt.returning(Blob.sha256)).first() is not None
    db.session.commit()
    return inserted


def write_atomic(path, data):
    """Write a file so that its final name only ever holds the whole of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        remove(Path(tmp))
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder):
    """Make a rename in the folder durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove(path):
    """Remove a file if it is there."""
    with suppress(FileNotFoundError):
        path.unlink()
