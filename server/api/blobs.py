"""Photos: content-addressed blobs, checked, stripped of location, stored on disk, served in scope.

Names. A blob is named by the sha256 (64 lower-case hex digits) of the bytes the client sends:
that is the contract's name, which products list in `photos` and which HEAD and PUT use, so a
client can tell from its own hash whether a photo must still be sent.

Stored bytes differ from sent bytes. Before a photo is stored, the metadata that can tell where
it was taken is removed, at the container level and without touching the pixels: the GPS IFD of
EXIF (the rest of EXIF, such as the orientation, is kept), XMP, IPTC and comments in JPEG, text
chunks in PNG, XMP in WebP. A photo without such metadata is stored byte for byte as sent. The
stored file is the one served, yet it stays keyed (and its ETag named) by the client's sha256;
the blob's `size` is that of the stored file. So a served photo need not hash to its name.

Checks, each answered 415 `unsupported_media_type` with a `reason` in details: the declared
Content-Type is image/jpeg, image/png or image/webp; the magic bytes match it; the container
parses to its end with nothing after it (a JPEG or PNG with a ZIP or HTML appended, a
"polyglot", is refused; so are camera JPEGs with extra images appended after the end, which a
client re-encodes before sending), and it is a still image; Pillow opens, verifies and fully
decodes it.
Over BLOB_MAX_BYTES (2 MB) or BLOB_MAX_PIXELS (16 megapixels, read from the header before
anything is decoded, so decompression bombs never are) is 413 `payload_too_large` with reason
`too_many_pixels`. A phone photo has 12 megapixels, and the app shrinks it to 1280 px a side.
Decoding is what an upload costs, so an account has a budget of photos and megapixels decoded a
minute (server/web/upload_rate.py): beyond it, a PUT that would complete a photo is 429
`rate_limited` with Retry-After.

On disk, under BLOB_DIR (default instance/blobs):
    <sha[:2]>/<sha>          the served photo
    <sha[:2]>/<sha>.thumb    its thumbnail, at most 240 px on the long side (WebP, or JPEG
                             where Pillow lacks WebP), served by GET ...?size=thumb
    partial/<sha>.<user id>  an upload in progress, one per uploading account
    upstream/<sha>           on a hub, a photo as its device sent it (location and all, since
                             upstream checks the name against these bytes), until upstream has
                             it; never served (server/hub/photos.py)
    incoming/                on a hub, photos being fetched from upstream (temporary files)
Every file is written to a temporary file beside it, fsynced and renamed into place, the
thumbnail before the photo; the database row comes last and is inserted idempotently (a
concurrent PUT of the same photo answers 200 instead of failing). A crash leaves at worst a
file without a row, which the next PUT of that photo completes.

Resumable upload. A client may send a photo in pieces:
    PUT /api/v1/blobs/<sha> with `Content-Range: bytes <start>-<end>/<total>` (inclusive end,
    total at most 2 MB) and the bytes start..end as the body.
The first byte of a piece must be the next byte the server lacks, else 416
`range_not_satisfiable` with details {"offset": n}. Every byte that arrives is kept, even when
the connection drops in the middle of a piece. A piece that leaves the upload incomplete is
answered 202 {"sha256", "offset", "total", "complete": false}; the last one is answered as a
whole PUT would be (201, or 422 `hash_mismatch` / 415, after which the upload starts over).
`HEAD` answers 200 for a stored photo; otherwise 404 with the header `Upload-Offset: <n>`, the
number of bytes of the caller's partial upload the server holds (0 when none): resume there.
The 202 and 416 answers carry `Upload-Offset` too. A piece sent while another request of the
same account is still writing that upload is 409 `upload_in_progress`. Partial uploads are kept
per account (no one can spoil another's), and those untouched for BLOB_PARTIAL_TTL_HOURS
(7 days) are removed.

Who may GET a photo: the account that uploaded it first, and whoever may see a product (not
deleted) that lists it in `photos`; others get 403 (HEAD already tells anyone signed in whether a
photo exists, so 404 would hide nothing).
"""

import errno
import fcntl
import hashlib
import io
import os
import re
import time
from contextlib import contextmanager, suppress

from flask import Response, current_app, jsonify, request, send_file
from flask.views import MethodView
from flask_jwt_extended import current_user
from marshmallow import fields, validate
from sqlalchemy import Text, cast, select

from ..engine.images import FORMATS, MIMES, check_magic, decode, format_of, make_thumbnail, too_large
from ..engine.models import Blob, Product
from ..engine.photo_store import SHA256_RE, THUMB, blob_dir, photo_path, remove, store, stored, write_atomic
from ..engine.scope import actor_for, visible_rows
from ..extensions import db
from ..web import upload_rate
from ..web.errors import ApiError, field_errors
from ..web.json_body import Blueprint
from ..web.openapi import error_answers, signed_in
from ..web.schemas import BaseSchema
from ..web.signed_links import jwt_unless_signed, signed_link_request

blp = Blueprint("blobs", __name__, url_prefix="/api/v1/blobs", description="Photos (content-addressed blobs)")

RANGE_RE = re.compile(r"^bytes (\d{1,10})-(\d{1,10})/(\d{1,10})$")
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)  # answered 507 insufficient_storage
PIECE = 64 * 1024
CACHE_CONTROL = "private, max-age=31536000, immutable"
DEFAULT_PARTIAL_TTL_HOURS = 7 * 24
BINARY = {"schema": {"type": "string", "format": "binary"}}


class BlobSchema(BaseSchema):
    sha256 = fields.String(required=True)
    mime = fields.String(required=True)
    size = fields.Integer(
        required=True, metadata={"description": "Bytes of the stored file (location metadata removed)."}
    )
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)


class PartialSchema(BaseSchema):
    sha256 = fields.String(required=True)
    offset = fields.Integer(
        required=True, metadata={"description": "Bytes received so far: the next piece starts here."}
    )
    total = fields.Integer(required=True)
    complete = fields.Boolean(required=True)


class GetArgs(BaseSchema):
    size = fields.String(
        load_default="full",
        validate=validate.OneOf(["full", "thumb"]),
        metadata={"description": "`thumb` for a thumbnail at most 240 px on the long side."},
    )
    # Read by server/web/signed_links.py, which answers 403 for a link that does not verify.
    exp = fields.String(metadata={"description": "A signed link's expiry (unix seconds).", "pattern": "^[0-9]{1,12}$"})
    sig = fields.String(metadata={"description": "A signed link's HMAC-SHA256, hex.", "pattern": "^[0-9a-fA-F]{64}$"})


RANGE_HEADER = {
    "in": "header",
    "name": "Content-Range",
    "required": False,
    "schema": {"type": "string", "example": "bytes 0-524287/1048576"},
    "description": "Send the photo in pieces: each starts where the server's `Upload-Offset` says.",
}
PHOTO_DESCRIPTION = "The photo (ETag is its name; If-None-Match answers 304)."
OFFSET_HEADER = {"Upload-Offset": {"schema": {"type": "integer"}, "description": "Bytes of the upload received."}}


@blp.route("/<sha256:sha256>")
class BlobView(MethodView):
    """One photo, named by the sha256 of its bytes."""

    @signed_in(blp, 400, 409, 413, 415, 416, 422, 429, 507)
    @blp.doc(requestBody={"required": True, "content": dict.fromkeys(FORMATS, BINARY)}, parameters=[RANGE_HEADER])
    @blp.response(201, BlobSchema, description="Stored.")
    @blp.alt_response(200, schema=BlobSchema, description="Already stored.", success=True)
    @blp.alt_response(202, schema=PartialSchema, description="A piece stored; more to come.", headers=OFFSET_HEADER)
    @blp.alt_response(413, description="Over 2 MB, or over 16 megapixels.")
    @blp.alt_response(415, description="Not a JPEG, PNG or WebP image of the declared type.")
    @blp.alt_response(416, description="A piece that does not start at the received offset.", headers=OFFSET_HEADER)
    @blp.alt_response(409, description="`upload_in_progress`: another request is writing this upload.")
    @blp.alt_response(422, description="`hash_mismatch`: the bytes do not hash to the name.")
    @blp.alt_response(507, description="`insufficient_storage`: the server's disk is full; try again later.")
    def put(self, sha256):
        """Upload a photo (image/jpeg, image/png or image/webp, at most 2 MB), whole or in pieces."""
        _check_name(sha256)
        mime = _declared_mime()
        content_range = request.headers.get("Content-Range")
        try:
            if content_range is not None:
                start, end, total = _parse_range(content_range)
                if end + 1 == total:
                    _check_upload_rate()
                return _put_piece(sha256, mime, (start, end, total))
            _check_upload_rate()
            return _put_whole(sha256, mime)
        except OSError as exc:
            if exc.errno not in DISK_FULL:
                raise
            # Nothing half-written stays under a photo's name (_write_atomic); a partial upload
            # keeps what reached the disk, and says how much, to resume from once there is room.
            headers = _offset_header(_partial_offset(sha256)) if content_range is not None else None
            raise ApiError(507, "insufficient_storage", headers=headers) from exc

    @signed_in(blp, 400, 404)
    @blp.response(200, description="Stored: nothing to send.")
    @blp.alt_response(404, description="Not stored: send it from `Upload-Offset`.", headers=OFFSET_HEADER)
    def head(self, sha256):
        """Whether a photo is stored (200) or must be sent (404, with `Upload-Offset` to resume from)."""
        _check_name(sha256)
        if stored(sha256) is not None:
            return Response(status=200, headers={"ETag": f'"{sha256}"'})
        offset = _partial_offset(sha256)
        raise ApiError(404, "not_found", {"offset": offset}, headers={"Upload-Offset": str(offset)})

    # Marketplace exports link photos with ?exp=&sig= (server/web/signed_links.py): such a request
    # is let in by its signature alone, without a token or the scope check below.
    @jwt_unless_signed
    @blp.doc(security=[{"bearer": []}, {}])  # a token, or a signed link (exp and sig) alone
    @error_answers(blp, 400, 403, 404, 416)
    @blp.arguments(GetArgs, location="query", error_status_code=400)
    @blp.response(200, description=PHOTO_DESCRIPTION)
    @blp.alt_response(206, description="The bytes a Range header asked for.", success=True)
    @blp.alt_response(304, description="The If-None-Match ETag is current: nothing sent.", success=True)
    @blp.doc(
        responses={
            "200": {"description": PHOTO_DESCRIPTION, "content": dict.fromkeys(FORMATS, BINARY)},
            "206": {"content": dict.fromkeys(FORMATS, BINARY)},
        }
    )
    @blp.alt_response(403, description="No product you may see lists this photo.")
    @blp.alt_response(404, description="Not stored.")
    def get(self, args, sha256):
        """A photo, or its thumbnail, for its uploader and whoever may see a product listing it."""
        _check_name(sha256)
        blob = stored(sha256)
        if blob is None:
            raise ApiError(404, "not_found")
        if not signed_link_request() and not _may_get(current_user, blob):
            raise ApiError(403, "forbidden")
        if args["size"] == "thumb":
            return _send(_thumbnail_file(sha256), _thumbnail_mime(sha256), f"{sha256}-thumb")
        return _send(photo_path(sha256), blob.mime, sha256)


# --- requests ---------------------------------------------------------------------------------


def _check_name(sha256):
    """400 unless the name is a sha256 in lower-case hex."""
    if not SHA256_RE.fullmatch(sha256):
        raise ApiError(400, "invalid_parameter", field_errors({"sha256": ("invalid_sha256", {})}))


def _declared_mime():
    """The request's image type; 415 unless it is one a photo may have."""
    mime = request.mimetype
    if mime not in FORMATS:
        raise ApiError(415, "unsupported_media_type", {"reason": "content_type", "allowed": list(FORMATS)})
    return mime


def _max_bytes():
    return current_app.config.get("BLOB_MAX_BYTES") or current_app.config["MAX_CONTENT_LENGTH"]


def _parse_range(header):
    """(start, end, total) of a Content-Range header; 400 when malformed, 413 over the limit."""
    match = RANGE_RE.fullmatch(header.strip())
    if not match:
        raise ApiError(400, "bad_request", {"reason": "content_range", "expected": "bytes <start>-<end>/<total>"})
    start, end, total = (int(g) for g in match.groups())
    if total > _max_bytes():
        raise too_large(limit_bytes=_max_bytes())
    if start > end or end >= total:
        raise ApiError(400, "bad_request", {"reason": "content_range", "expected": "start <= end < total"})
    return start, end, total


def _check_upload_rate():
    """429 rate_limited, before any byte is read, while the account's decoding budget is spent."""
    config = current_app.config
    retry = upload_rate.BUDGET.retry_after(
        current_user.id,
        config["BLOB_PHOTOS_PER_MINUTE"],
        config["BLOB_MEGAPIXELS_PER_MINUTE"] * 1_000_000,
    )
    if retry is not None:
        raise ApiError(429, "rate_limited", {"retry_after": retry}, {"Retry-After": str(retry)})


def _put_whole(sha256, mime):
    """A whole photo in one request."""
    data = request.get_data()  # werkzeug answers 413 beyond MAX_CONTENT_LENGTH
    if len(data) > _max_bytes():
        raise too_large(limit_bytes=_max_bytes())
    _check_hash(sha256, data)
    answer = _finish(sha256, data, mime)
    remove(_partial_path(sha256))  # a whole upload supersedes a partial one
    return answer


def _check_hash(sha256, data, headers=None):
    """422 hash_mismatch unless the bytes hash to the name."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ApiError(422, "hash_mismatch", {"expected": sha256, "actual": actual}, headers=headers)


def _finish(sha256, data, mime):
    """Store checked bytes unless already stored; answers 201 or 200 with the blob."""
    if stored(sha256) is not None:
        return _blob_answer(sha256, 200)
    user_id = current_user.id
    db.session.rollback()  # hold no transaction open while the image is decoded
    created = store(sha256, data, mime, user_id)
    return _blob_answer(sha256, 201 if created else 200)


def _blob_answer(sha256, status):
    blob = db.session.get(Blob, sha256)
    body = {"sha256": blob.sha256, "mime": blob.mime, "size": blob.size, "width": blob.width, "height": blob.height}
    response = jsonify(body)
    response.status_code = status
    response.headers["Location"] = f"{blp.url_prefix}/{sha256}"
    response.headers["ETag"] = f'"{sha256}"'
    return response


# --- resumable uploads ------------------------------------------------------------------------


def _put_piece(sha256, mime, content_range):
    """One piece of a resumable upload: append it, and store the photo when it is complete."""
    start, end, total = content_range
    length = end - start + 1
    gzipped = request.headers.get("Content-Encoding", "").lower() == "gzip"
    if request.content_length is not None and not gzipped and request.content_length != length:
        raise ApiError(400, "bad_request", {"reason": "content_length", "expected": length})
    if stored(sha256) is not None:
        remove(_partial_path(sha256))
        return _blob_answer(sha256, 200)
    if start == 0:
        _sweep_partials()
    with _partial_file(sha256) as partial:
        offset = os.fstat(partial.fileno()).st_size
        if start != offset:
            raise ApiError(416, "range_not_satisfiable", {"offset": offset}, headers=_offset_header(offset))
        offset += _append(partial, length, mime if start == 0 else None)
        if offset < end + 1:  # the body ended early without an error
            raise ApiError(400, "bad_request", {"reason": "short_body", "offset": offset}, _offset_header(offset))
        if offset < total:
            response = jsonify({"sha256": sha256, "offset": offset, "total": total, "complete": False})
            response.status_code = 202
            response.headers.update(_offset_header(offset))
            return response
        return _complete(sha256, mime)


def _complete(sha256, mime):
    """The last piece arrived: hash and store the whole; the partial upload is gone either way."""
    path = _partial_path(sha256)
    try:
        data = path.read_bytes()
        _check_hash(sha256, data, headers=_offset_header(0))
        return _finish(sha256, data, mime)
    finally:
        remove(path)


def _offset_header(offset):
    return {"Upload-Offset": str(offset)}


def _partial_path(sha256):
    return blob_dir() / "partial" / f"{sha256}.{current_user.id}"


def _partial_offset(sha256):
    """Bytes of the caller's partial upload held on disk (0 when none)."""
    try:
        return _partial_path(sha256).stat().st_size
    except FileNotFoundError:
        return 0


@contextmanager
def _partial_file(sha256):
    """The caller's partial upload, opened for appending under an exclusive lock (409 when busy)."""
    path = _partial_path(sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as partial:
        try:
            fcntl.flock(partial, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise ApiError(409, "upload_in_progress") from exc
        # The file may have been completed and removed between open and lock.
        if not path.exists() or path.stat().st_ino != os.fstat(partial.fileno()).st_ino:
            raise ApiError(409, "upload_in_progress")
        yield partial


def _append(partial, length, first_mime):
    """Append up to length bytes of the body as they arrive (kept even if the client drops)."""
    received = 0
    try:
        for piece in _body_pieces(length):
            if first_mime and received == 0:
                check_magic(piece, FORMATS[first_mime], partial_ok=True)
            partial.write(piece)
            received += len(piece)
    finally:
        partial.flush()
        os.fsync(partial.fileno())
    return received


def _body_pieces(length):
    """The request body in pieces of at most 64 KiB, at most length bytes in all."""
    if request.headers.get("Content-Encoding", "").lower() == "gzip":
        yield request.get_data()[:length]  # already inflated (and size-checked) by gzip_middleware
        return
    remaining = length
    while remaining:
        piece = request.stream.read(min(PIECE, remaining))
        if not piece:
            return
        remaining -= len(piece)
        yield piece


def _sweep_partials():
    """Remove partial uploads untouched for longer than BLOB_PARTIAL_TTL_HOURS."""
    hours = current_app.config.get("BLOB_PARTIAL_TTL_HOURS", DEFAULT_PARTIAL_TTL_HOURS)
    cutoff = time.time() - hours * 3600
    folder = blob_dir() / "partial"
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        with suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


# --- serving ----------------------------------------------------------------------------------


def _may_get(user, blob):
    """Whether an account may get a photo: it uploaded it, or may see a product listing it."""
    return blob.created_by == user.id or _listed_in_scope(user, blob.sha256)


def _listed_in_scope(user, sha256):
    """Whether a live product in the account's scope lists the photo."""
    # LIKE on the JSON text narrows the rows portably (SQLite and PostgreSQL); Python confirms.
    query = select(Product.photos).where(
        Product.deleted.is_(False),
        visible_rows(actor_for(user), Product),
        cast(Product.photos, Text).contains(sha256, autoescape=True),
    )
    return any(isinstance(photos, list) and sha256 in photos for photos in db.session.scalars(query))


def _thumbnail_file(sha256):
    """The thumbnail's path, made again from the photo if it is missing."""
    path = photo_path(sha256, THUMB)
    if not path.is_file():
        data = photo_path(sha256).read_bytes()
        write_atomic(path, make_thumbnail(decode(data, format_of(data[:16]), None)))
    return path


def _thumbnail_mime(sha256):
    with open(photo_path(sha256, THUMB), "rb") as thumb:
        return MIMES.get(format_of(thumb.read(16)), "application/octet-stream")


def _send(path, mime, etag):
    """A stored file with its type, its ETag, long private caching and If-None-Match (304)."""
    stat = path.stat()
    # Read whole (at most 2 MB) so no file handle outlives the request.
    response = send_file(
        io.BytesIO(path.read_bytes()), mimetype=mime, etag=etag, last_modified=stat.st_mtime, conditional=True
    )
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
