"""Faults from outside the code: the photos' disk full, and PostgreSQL stopped and started under load."""

import io
import os
import subprocess

import pytest
from PIL import Image

from server.extensions import db
from server.models import Blob
from tests.server.test_blobs import URL, facilitator, put, put_piece, sha  # noqa: F401 (a fixture)


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB tmpfs (root may mount one here); unmounted afterwards."""
    folder = tmp_path / "small"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"a small tmpfs cannot be mounted here: {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def big_png():
    """A PNG of random pixels, about 120 KB: more than the small disk holds."""
    out = io.BytesIO()
    Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3)).save(out, "PNG")
    return out.getvalue()


def files_under(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def test_a_photo_on_a_full_disk_is_507_and_leaves_no_file(client, app, facilitator, small_disk):  # noqa: F811
    app.config["BLOB_DIR"] = str(small_disk)
    data = big_png()
    answer = put(client, facilitator, data, mime="image/png")
    assert answer.status_code == 507
    error = answer.get_json()["error"]
    assert error["code"] == "insufficient_storage"
    assert error["message"].startswith("Penyimpanan server penuh")
    english = put(client, facilitator, data, mime="image/png", **{"Accept-Language": "en"})
    assert english.status_code == 507
    assert english.get_json()["error"]["message"].startswith("The server's storage is full")
    assert files_under(small_disk) == []  # no photo, no thumbnail, no temporary file
    with app.app_context():
        assert db.session.get(Blob, sha(data)) is None
    assert client.head(URL + sha(data), headers=facilitator).status_code == 404


def test_a_piece_on_a_full_disk_is_507_with_the_offset_held(client, app, facilitator, small_disk):  # noqa: F811
    app.config["BLOB_DIR"] = str(small_disk)
    data = big_png()
    name = sha(data)
    answer = put_piece(client, facilitator, name, data, 0, len(data), mime="image/png")
    assert answer.status_code == 507
    assert answer.get_json()["error"]["code"] == "insufficient_storage"
    held = int(answer.headers["Upload-Offset"])
    assert held < len(data)
    # What the server says it holds is what the next HEAD says, so the upload resumes there.
    assert client.head(URL + name, headers=facilitator).headers["Upload-Offset"] == str(held)
    assert [f for f in files_under(small_disk) if not f.startswith("partial/")] == []
