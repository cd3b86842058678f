"""Photos: PUT/HEAD/GET of content-addressed blobs, checks, GPS removal, thumbnails, resumable uploads, scope."""

import fcntl
import hashlib
import io
import struct
import threading
import uuid
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from server.engine.models import Blob
from server.extensions import db
from server.web.upload_rate import UploadBudget

URL = "/api/v1/blobs/"
GPS_IFD = 0x8825
ORIENTATION = 0x0112
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>6,54.5S</exif:GPSLatitude></x:xmpmeta>'
GPS = {1: "S", 2: (6.0, 54.0, 30.0), 3: "E", 4: (107.0, 36.0, 0.0)}


def u():
    return str(uuid.uuid4())


def sha(data):
    return hashlib.sha256(data).hexdigest()


def image_bytes(fmt, size=(640, 480), exif=None, noise=False, **options):
    """An image made with Pillow; noise makes it big and hard to compress."""
    if noise:
        image = Image.frombytes("RGB", size, _noise(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (180, 120, 60))
        image.paste((20, 90, 200), (0, 0, size[0] // 2, size[1] // 3))
    out = io.BytesIO()
    if exif is not None:
        options["exif"] = exif
    image.save(out, fmt, **options)
    return out.getvalue()


def _noise(count):
    seed, chunks = b"lumbung", []
    while sum(map(len, chunks)) < count:
        seed = hashlib.sha256(seed).digest()
        chunks.append(seed * 64)
    return b"".join(chunks)[:count]


def gps_exif(orientation=None):
    """EXIF with a camera name, a location and optionally an orientation."""
    exif = Image.Exif()
    exif[0x010F] = "KameraDesa"
    exif[GPS_IFD] = GPS
    if orientation:
        exif[ORIENTATION] = orientation
    return exif


def put(client, headers, data, mime="image/jpeg", name=None, **extra):
    """PUT bytes as a photo under their own hash (or the given name)."""
    return client.put(URL + (name or sha(data)), data=data, headers={**headers, "Content-Type": mime, **extra})


def put_piece(client, headers, name, data, start, total, mime="image/jpeg", end=None, **kwargs):
    """PUT one piece of a resumable upload (end: the last byte the header announces)."""
    end = start + len(data) - 1 if end is None else end
    piece_headers = {**headers, "Content-Type": mime, "Content-Range": f"bytes {start}-{end}/{total}"}
    return client.put(URL + name, data=data, headers=piece_headers, **kwargs)


def stored_file(app, name, suffix=""):
    return Path(app.config["BLOB_DIR"]) / name[:2] / (name + suffix)


def village_of(client, headers, kecamatan="32.04.10"):
    return client.get("/api/v1/regions?parent=" + kecamatan, headers=headers).get_json()[0]["code"]


def push_product(client, headers, village, photos, phone="081234567890"):
    """Push a producer and a product listing the photos; answers the product id."""
    device, producer_id, product_id = u(), u(), u()
    hlc = "0001764230400000:0000:" + device
    producer = {"name": "Bu Sri", "village_code": village, "kind": "individual", "phone": phone}
    product = {"producer_id": producer_id, "name": "Kopi", "category": "coffee", "unit": "kg", "photos": photos}
    ops = [
        {
            "op_id": u(),
            "entity": "producer",
            "entity_id": producer_id,
            "action": "upsert",
            "hlc": hlc,
            "fields": producer,
        },
        {"op_id": u(), "entity": "product", "entity_id": product_id, "action": "upsert", "hlc": hlc, "fields": product},
    ]
    response = client.post("/api/v1/sync/push", json={"device_id": device, "ops": ops}, headers=headers)
    assert [r["status"] for r in response.get_json()["results"]] == ["applied", "applied"], response.get_json()
    return product_id


@pytest.fixture
def facilitator(accounts):
    return accounts.headers(role="facilitator", regions=("32.04.10",))


def test_put_stores_once_and_head_tells_whether_to_send(client, app, facilitator):
    data = image_bytes("JPEG")
    name = sha(data)
    assert client.head(URL + name).status_code == 401
    assert client.put(URL + name, data=data, content_type="image/jpeg").status_code == 401
    head = client.head(URL + name, headers=facilitator)
    assert head.status_code == 404 and head.headers["Upload-Offset"] == "0"

    first = put(client, facilitator, data)
    assert first.status_code == 201, first.get_json()
    assert first.get_json() == {"sha256": name, "mime": "image/jpeg", "size": len(data), "width": 640, "height": 480}
    assert stored_file(app, name).read_bytes() == data  # nothing to strip: stored as sent
    assert client.head(URL + name, headers=facilitator).status_code == 200
    assert put(client, facilitator, data).status_code == 200
    with app.app_context():
        assert db.session.get(Blob, name).created_by == facilitator.user["id"]


@pytest.mark.parametrize("fmt,mime", [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_png_and_webp_are_accepted(client, facilitator, fmt, mime):
    data = image_bytes(fmt, size=(300, 200))
    response = put(client, facilitator, data, mime=mime)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["mime"] == mime and response.get_json()["width"] == 300


def test_bytes_that_do_not_hash_to_the_name_are_422(client, facilitator):
    data = image_bytes("JPEG")
    response = put(client, facilitator, data, name=sha(b"something else"))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "hash_mismatch"
    assert response.get_json()["error"]["details"]["actual"] == sha(data)


def test_a_malformed_name_is_400(client, facilitator):
    data = image_bytes("JPEG")
    assert put(client, facilitator, data, name=sha(data).upper()).status_code == 400
    assert client.get(URL + "not-a-hash", headers=facilitator).status_code == 400


def test_a_name_with_a_trailing_newline_is_400(client, facilitator):
    data = image_bytes("JPEG")
    assert client.head(URL + sha(data) + "%0A", headers=facilitator).status_code == 400
    assert client.get(URL + sha(data) + "%0A", headers=facilitator).status_code == 400


def _zip_bytes():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.txt", "hello")
    return out.getvalue()


def _not_images():
    jpeg = image_bytes("JPEG", noise=True, size=(200, 200))
    png = image_bytes("PNG")
    return {
        "text_as_text": (b"hello, not a photo", "text/plain"),
        "text_as_jpeg": (b"hello, not a photo", "image/jpeg"),
        "png_as_jpeg": (png, "image/jpeg"),
        "jpeg_plus_zip": (jpeg + _zip_bytes(), "image/jpeg"),
        "png_plus_html": (png + b"<html><script>alert(1)</script></html>", "image/png"),
        "truncated_jpeg": (jpeg[: len(jpeg) // 2], "image/jpeg"),
        "truncated_png": (png[:-30], "image/png"),
        "jpeg_without_content_type": (jpeg, "application/octet-stream"),
        "magic_only": (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "image/jpeg"),
    }


@pytest.mark.parametrize("case", sorted(_not_images()))
def test_anything_but_such_an_image_is_415(client, app, facilitator, case):
    data, mime = _not_images()[case]
    response = put(client, facilitator, data, mime=mime)
    assert response.status_code == 415, response.get_json()
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    assert not stored_file(app, sha(data)).exists()


def test_errors_follow_accept_language(client, facilitator):
    response = put(client, facilitator, b"plain text", mime="text/plain", **{"Accept-Language": "en"})
    assert response.get_json()["error"]["message"] == "Unsupported media type."
    response = put(client, facilitator, b"plain text", mime="text/plain")
    assert response.get_json()["error"]["message"] == "Jenis data tidak didukung."


def test_over_2_mb_is_413(client, facilitator):
    data = b"\xff\xd8\xff" + b"\x00" * (2 * 1024 * 1024)
    response = put(client, facilitator, data)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    response = put_piece(client, facilitator, sha(data), data[:1000], 0, len(data))
    assert response.status_code == 413


def _png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def declared_png(width, height, color_type, zero_bytes):
    """A PNG whose header claims width x height pixels, its image data only zero_bytes compressed."""
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * zero_bytes))
        + _png_chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused_before_decoding(client, facilitator):
    # A tiny PNG that claims 20,000 x 20,000 pixels (400 megapixels).
    data = declared_png(20000, 20000, 0, 1000)
    response = put(client, facilitator, data, mime="image/png")
    assert response.status_code == 413
    assert response.get_json()["error"]["details"]["reason"] == "too_many_pixels"


def test_a_png_declaring_40_megapixels_is_refused_without_decoding(client, facilitator, monkeypatch):
    # A small file of such a PNG costs a worker seconds to decode; a phone photo has 12 megapixels.
    opened = []
    monkeypatch.setattr(Image, "open", lambda *args, **kwargs: opened.append(args))
    data = declared_png(7000, 5700, 2, 150_000)  # 39.9 megapixels of RGB
    response = put(client, facilitator, data, mime="image/png")
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "payload_too_large" and error["details"]["reason"] == "too_many_pixels"
    assert error["details"]["max_pixels"] <= 16_000_000
    assert opened == []  # refused from the header: Pillow never opened it


def test_photos_past_the_accounts_budget_a_minute_are_429_with_retry_after(app, client, accounts, facilitator):
    app.config["BLOB_PHOTOS_PER_MINUTE"] = 2
    for seed in (1, 2):
        assert put(client, facilitator, image_bytes("PNG", size=(seed, 1)), mime="image/png").status_code == 201
    refused = put(client, facilitator, image_bytes("PNG", size=(3, 1)), mime="image/png")
    assert refused.status_code == 429
    assert set(refused.get_json()) == {"error"} and set(refused.get_json()["error"]) == {"code", "message", "details"}
    assert refused.get_json()["error"]["code"] == "rate_limited"
    retry = int(refused.headers["Retry-After"])
    assert 1 <= retry <= 60 and refused.get_json()["error"]["details"]["retry_after"] == retry
    # A piece that does not complete a photo costs no decoding and goes on; the last one waits.
    data = image_bytes("JPEG", noise=True)
    assert put_piece(client, facilitator, sha(data), data[:1000], 0, len(data)).status_code == 202
    last = put_piece(client, facilitator, sha(data), data[1000:], 1000, len(data))
    assert last.status_code == 429
    assert client.head(URL + sha(data), headers=facilitator).headers["Upload-Offset"] == "1000"  # kept
    other = accounts.headers(role="facilitator", regions=("32.04.10",))
    assert put(client, other, image_bytes("PNG", size=(4, 1)), mime="image/png").status_code == 201


def test_the_megapixels_of_a_minute_are_a_budget_too(app, client, facilitator):
    app.config["BLOB_MEGAPIXELS_PER_MINUTE"] = 1
    assert put(client, facilitator, image_bytes("JPEG", size=(1000, 1000))).status_code == 201
    assert put(client, facilitator, image_bytes("JPEG", size=(10, 10))).status_code == 429


def test_the_upload_budget_frees_as_photos_leave_the_minute():
    now = [1000.0]
    budget = UploadBudget(clock=lambda: now[0])
    budget.spend("a", 100)
    now[0] += 20
    budget.spend("a", 100)
    assert budget.retry_after("a", 2, 10_000) == 40  # the first leaves the window in 40 s
    assert budget.retry_after("a", 3, 150) == 40  # 200 pixels spent: the first must leave
    assert budget.retry_after("a", 3, 10_000) is None and budget.retry_after("b", 1, 1) is None
    now[0] += 40
    assert budget.retry_after("a", 2, 10_000) is None


def test_gps_is_removed_from_a_jpeg_and_orientation_kept(client, app, facilitator):
    data = image_bytes("JPEG", exif=gps_exif(orientation=6), xmp=XMP, comment=b"Desa Sukamaju")
    assert GPS_IFD in Image.open(io.BytesIO(data)).getexif() and b"GPSLatitude" in data
    name = sha(data)
    response = put(client, facilitator, data)
    assert response.status_code == 201

    stored = stored_file(app, name).read_bytes()
    assert stored != data and response.get_json()["size"] == len(stored)
    assert b"GPSLatitude" not in stored and b"Sukamaju" not in stored
    exif = Image.open(io.BytesIO(stored)).getexif()
    assert GPS_IFD not in exif and exif.get_ifd(GPS_IFD) == {}
    assert exif[ORIENTATION] == 6 and exif[0x010F] == "KameraDesa"
    # The pixels are untouched: only metadata segments changed.
    assert Image.open(io.BytesIO(stored)).tobytes() == Image.open(io.BytesIO(data)).tobytes()
    served = client.get(URL + name, headers=facilitator)
    assert served.data == stored
    # Still named by the client's hash: HEAD and PUT know it.
    assert client.head(URL + name, headers=facilitator).status_code == 200
    assert put(client, facilitator, data).status_code == 200


def test_gps_and_xmp_are_removed_from_png_and_webp(client, app, facilitator):
    xmp = XMP
    text = PngInfo()
    text.add_itxt("XML:com.adobe.xmp", xmp.decode())
    for fmt, mime, options in (("PNG", "image/png", {"pnginfo": text}), ("WEBP", "image/webp", {"xmp": xmp})):
        data = image_bytes(fmt, exif=gps_exif(), **options)
        assert b"GPSLatitude" in data
        assert put(client, facilitator, data, mime=mime).status_code == 201
        stored = stored_file(app, sha(data)).read_bytes()
        assert b"GPSLatitude" not in stored
        image = Image.open(io.BytesIO(stored))
        assert GPS_IFD not in image.getexif() and image.getexif()[0x010F] == "KameraDesa"
        image.load()


def test_thumbnail_is_small_upright_and_cached(client, app, facilitator):
    data = image_bytes("JPEG", size=(1600, 1200), exif=gps_exif(orientation=6))
    name = sha(data)
    put(client, facilitator, data)
    assert stored_file(app, name, ".thumb").is_file()  # made on upload
    response = client.get(URL + name + "?size=thumb", headers=facilitator)
    assert response.status_code == 200
    assert response.mimetype == "image/webp"
    thumb = Image.open(io.BytesIO(response.data))
    assert thumb.size == (180, 240)  # 1600x1200 turned upright by its orientation, then shrunk

    stored_file(app, name, ".thumb").unlink()  # a lost thumbnail is made again
    again = client.get(URL + name + "?size=thumb", headers=facilitator)
    assert again.status_code == 200 and Image.open(io.BytesIO(again.data)).size == (180, 240)
    assert client.get(URL + name + "?size=huge", headers=facilitator).status_code == 400


def test_get_has_type_etag_caching_and_304(client, facilitator):
    data = image_bytes("PNG")
    name = sha(data)
    put(client, facilitator, data, mime="image/png")
    response = client.get(URL + name, headers=facilitator)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["ETag"] == f'"{name}"'
    assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    again = client.get(URL + name, headers={**facilitator, "If-None-Match": f'"{name}"'})
    assert again.status_code == 304 and again.data == b""
    thumb = client.get(URL + name + "?size=thumb", headers=facilitator)
    assert thumb.headers["ETag"] != response.headers["ETag"]
    assert client.get(URL + "0" * 64, headers=facilitator).status_code == 404


def test_resumable_upload_in_three_pieces_survives_an_interruption(client, app, facilitator):
    data = image_bytes("JPEG", size=(600, 500), noise=True, quality=95)
    name, total = sha(data), len(data)
    cut1, cut2 = total // 3, 2 * total // 3

    first = put_piece(client, facilitator, name, data[:cut1], 0, total)
    assert first.status_code == 202, first.get_json()
    assert first.get_json() == {"sha256": name, "offset": cut1, "total": total, "complete": False}
    assert first.headers["Upload-Offset"] == str(cut1)
    head = client.head(URL + name, headers=facilitator)
    assert head.status_code == 404 and head.headers["Upload-Offset"] == str(cut1)

    # The second piece: the connection drops after 1000 of its bytes.
    arrived = 1000
    dropped = put_piece(
        client,
        facilitator,
        name,
        data[cut1 : cut1 + arrived],
        cut1,
        total,
        end=cut2 - 1,
        environ_overrides={"CONTENT_LENGTH": str(cut2 - cut1)},
    )
    assert dropped.status_code == 400
    offset = int(client.head(URL + name, headers=facilitator).headers["Upload-Offset"])
    assert offset == cut1 + arrived  # what arrived was kept

    resumed = put_piece(client, facilitator, name, data[offset:cut2], offset, total)
    assert resumed.status_code == 202 and resumed.get_json()["offset"] == cut2
    last = put_piece(client, facilitator, name, data[cut2:], cut2, total)
    assert last.status_code == 201, last.get_json()
    assert client.head(URL + name, headers=facilitator).status_code == 200
    assert client.get(URL + name, headers=facilitator).data == data
    assert not any((Path(app.config["BLOB_DIR"]) / "partial").iterdir())
    # A piece of a photo already stored: nothing more to send.
    assert put_piece(client, facilitator, name, data[:10], 0, total).status_code == 200


def test_a_piece_not_at_the_offset_is_416(client, facilitator):
    data = image_bytes("JPEG", noise=True, size=(200, 200))
    name, total = sha(data), len(data)
    early = put_piece(client, facilitator, name, data[100:200], 100, total)
    assert early.status_code == 416
    assert early.get_json()["error"]["code"] == "range_not_satisfiable"
    assert early.get_json()["error"]["details"] == {"offset": 0}
    assert early.headers["Upload-Offset"] == "0"
    assert put_piece(client, facilitator, name, data[:100], 0, total).status_code == 202
    again = put_piece(client, facilitator, name, data[:100], 0, total)  # sent twice
    assert again.status_code == 416 and again.get_json()["error"]["details"] == {"offset": 100}
    bad = client.put(
        URL + name, data=b"x", headers={**facilitator, "Content-Type": "image/jpeg", "Content-Range": "bytes 5-1/9"}
    )
    assert bad.status_code == 400


def test_a_resumed_upload_that_does_not_hash_starts_over(client, facilitator):
    data = image_bytes("JPEG", noise=True, size=(200, 200))
    name, total = sha(b"another photo"), len(data)
    assert put_piece(client, facilitator, name, data[:500], 0, total).status_code == 202
    last = put_piece(client, facilitator, name, data[500:], 500, total)
    assert last.status_code == 422 and last.get_json()["error"]["code"] == "hash_mismatch"
    assert client.head(URL + name, headers=facilitator).headers["Upload-Offset"] == "0"


def test_a_first_piece_of_the_wrong_type_is_415(client, facilitator):
    data = image_bytes("PNG")
    response = put_piece(client, facilitator, sha(data), data[:100], 0, len(data), mime="image/jpeg")
    assert response.status_code == 415


def test_a_piece_while_another_request_writes_the_upload_is_409(client, app, facilitator):
    data = image_bytes("JPEG", noise=True, size=(200, 200))
    name = sha(data)
    partial = Path(app.config["BLOB_DIR"]) / "partial" / f"{name}.{facilitator.user['id']}"
    partial.parent.mkdir(parents=True)
    with open(partial, "ab") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        response = put_piece(client, facilitator, name, data[:100], 0, len(data))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "upload_in_progress"


def test_uploads_of_different_accounts_do_not_mix(client, accounts, facilitator):
    data = image_bytes("JPEG", noise=True, size=(200, 200))
    name, total = sha(data), len(data)
    other = accounts.headers(role="facilitator", regions=("32.04.10",))
    assert put_piece(client, facilitator, name, data[:100], 0, total).status_code == 202
    assert client.head(URL + name, headers=other).headers["Upload-Offset"] == "0"
    assert put_piece(client, other, name, data[:200], 0, total).status_code == 202


def test_get_is_for_the_uploader_and_those_who_see_a_product_naming_it(client, accounts, facilitator):
    listed, unlisted = image_bytes("JPEG"), image_bytes("PNG")
    village = village_of(client, facilitator)
    # A product op naming a photo not yet uploaded is applied; the photo follows.
    push_product(client, facilitator, village, [sha(listed)])
    assert put(client, facilitator, listed).status_code == 201
    assert put(client, facilitator, unlisted, mime="image/png").status_code == 201

    elsewhere = accounts.headers(role="facilitator", regions=("32.73.01",))
    admin_here = accounts.headers(role="admin", regions=("32.04",))
    admin_elsewhere = accounts.headers(role="admin", regions=("32.73",))
    producer = accounts.headers(role="producer", regions=(village,), phone="+6281234567890")
    stranger = accounts.headers(role="producer", regions=(village,))

    def status(headers, data):
        return client.get(URL + sha(data), headers=headers).status_code

    assert status(facilitator, listed) == 200 and status(facilitator, unlisted) == 200  # its uploader
    assert status(admin_here, listed) == 200
    assert status(producer, listed) == 200  # the producer record carries its phone
    assert status(elsewhere, listed) == 403
    assert status(admin_elsewhere, listed) == 403
    assert status(stranger, listed) == 403
    assert status(admin_here, unlisted) == 403  # stored, but no product lists it
    thumb = client.get(URL + sha(listed) + "?size=thumb", headers=elsewhere)
    assert thumb.status_code == 403


def test_a_stored_file_without_its_row_is_completed_by_the_next_put(client, app, facilitator):
    data = image_bytes("JPEG")
    name = sha(data)
    put(client, facilitator, data)
    with app.app_context():  # as if the server crashed between the file and the row
        db.session.delete(db.session.get(Blob, name))
        db.session.commit()
    assert client.head(URL + name, headers=facilitator).status_code == 404
    assert put(client, facilitator, data).status_code == 201
    assert client.head(URL + name, headers=facilitator).status_code == 200


def test_concurrent_puts_of_one_photo_all_succeed(app, accounts, facilitator):
    data = image_bytes("JPEG", noise=True, size=(400, 300))
    statuses, errors = [], []

    def upload():
        try:
            with app.test_client() as own_client:
                statuses.append(put(own_client, facilitator, data).status_code)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert set(statuses) <= {200, 201} and 201 in statuses, statuses
    with app.app_context():
        assert db.session.query(Blob).count() == 1
