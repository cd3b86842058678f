"""gzip both ways: request bodies sent with Content-Encoding: gzip, and answers when accepted.

Answers are compressed with ISA-L (the isal package) at level 1: a large pull page takes a
fraction of zlib's time at level 6, for a few per cent more bytes. Request bodies are inflated by
ISA-L too, which is several times quicker than zlib at it.
"""

from flask import current_app, request
from isal import igzip, isal_zlib

from .errors import ApiError

MIN_SIZE = 200  # smaller answers gain nothing from gzip
# What a gzipped answer adds: "Content-Encoding: gzip" and "Vary: Accept-Encoding", each a line.
GZIP_HEADER_BYTES = 47


def _inflate_request():
    """Decompress a gzip request body, refusing more than the size limit (gzip bombs)."""
    if request.headers.get("Content-Encoding", "").lower() != "gzip":
        return
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    raw = request.get_data(cache=False)
    inflater = isal_zlib.decompressobj(16 + isal_zlib.MAX_WBITS)
    try:
        body = inflater.decompress(raw, limit + 1)
    except isal_zlib.error as exc:
        raise ApiError(400, "bad_request", {"reason": "invalid gzip"}) from exc
    if len(body) > limit or inflater.unconsumed_tail:
        raise ApiError(413, "payload_too_large", {"limit_bytes": limit})
    request._cached_data = body  # what get_data() and get_json() read from now on


def _deflate_response(response):
    if (
        response.direct_passthrough
        or response.is_streamed
        or response.status_code < 200
        or response.status_code in (204, 304)
        or "Content-Encoding" in response.headers
        or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
    ):
        return response
    data = response.get_data()
    if len(data) < MIN_SIZE:
        return response
    packed = igzip.compress(data, compresslevel=current_app.config.get("GZIP_LEVEL", 1), mtime=0)
    if len(packed) + GZIP_HEADER_BYTES >= len(data):  # a phone pays for the headers too
        return response
    response.set_data(packed)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def init_app(app):
    """Install the request and response hooks."""
    app.before_request(_inflate_request)
    app.after_request(_deflate_response)
