"""Photo bytes: the type and container checked, location metadata dropped, decoded, thumbnailed.

What is removed and what is refused is written in server/api/blobs.py, which stores and serves
the result; every refusal here is 415 `unsupported_media_type` with a reason, or 413.
"""

import io
import struct
import zlib

from flask import current_app
from PIL import Image, features

from ..web.errors import ApiError

FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
MIMES = {fmt: mime for mime, fmt in FORMATS.items()}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GPS_IFD = 0x8825
ORIENTATION = 0x0112
TRANSPOSE_FOR_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
THUMB_SIDE = 240
DEFAULT_MAX_PIXELS = 16_000_000


def too_large(**details):
    """413 payload_too_large with the limit passed."""
    return ApiError(413, "payload_too_large", details)


def max_pixels():
    """Pixels a photo may have: BLOB_MAX_PIXELS, 16 megapixels unless set."""
    return current_app.config.get("BLOB_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def inspect_image(data, fmt, max_pixels):
    """Check an image's type and container and drop its location metadata: (clean bytes, w, h)."""
    check_magic(data, fmt)
    cleaner = {"JPEG": _clean_jpeg, "PNG": _clean_png, "WEBP": _clean_webp}[fmt]
    try:
        clean, (width, height) = cleaner(data)
    except (IndexError, struct.error) as exc:  # read past the end: the file is cut short
        raise _bad("truncated") from exc
    if width < 1 or height < 1:
        raise _bad("no_size")
    if width * height > max_pixels:
        raise too_large(reason="too_many_pixels", max_pixels=max_pixels, width=width, height=height)
    return clean, width, height


def _bad(reason):
    return ApiError(415, "unsupported_media_type", {"reason": reason})


def format_of(head):
    """The format the magic bytes announce, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(PNG_SIGNATURE):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def check_magic(data, fmt, partial_ok=False):
    """415 unless the magic bytes are those of the declared format."""
    if partial_ok and len(data) < 12:
        return  # too little to tell yet; the whole is checked at the end
    found = format_of(data[:16])
    if found != fmt:
        raise ApiError(415, "unsupported_media_type", {"reason": "type_mismatch", "declared": MIMES[fmt]})


def _no_trailing(data, end):
    """415 when bytes follow the image's end (a polyglot: JPEG+ZIP, PNG+HTML...)."""
    if len(data) > end:
        raise _bad("trailing_data")


def decode(data, fmt, size):
    """Open, verify and fully decode an image with Pillow; 415 when it cannot be."""
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as image:
            image.verify()
        image = Image.open(io.BytesIO(data), formats=[fmt])
        if size is not None and image.size != size:
            raise _bad("size_mismatch")
        image.load()
    except ApiError:
        raise
    except Image.DecompressionBombError as exc:
        raise too_large(reason="too_many_pixels", max_pixels=max_pixels()) from exc
    except Exception as exc:  # whatever Pillow raises on bad bytes, the answer is: not an image
        raise _bad("undecodable") from exc
    return image


def make_thumbnail(image):
    """A thumbnail at most 240 px on the long side, upright, as WebP (or JPEG without WebP)."""
    image = _upright(image)  # the thumbnail keeps no EXIF, so turn it upright now
    image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    image.thumbnail((THUMB_SIDE, THUMB_SIDE))
    out = io.BytesIO()
    if features.check("webp"):
        image.save(out, "WEBP", quality=75)
    else:
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A") if image.mode == "RGBA" else None)
        flat.save(out, "JPEG", quality=80)
    return out.getvalue()


def _upright(image):
    """The image turned as its EXIF orientation says (unchanged when EXIF cannot be read)."""
    try:
        orientation = image.getexif().get(ORIENTATION, 1)
    except Exception:  # odd EXIF only costs the thumbnail its orientation
        return image
    method = TRANSPOSE_FOR_ORIENTATION.get(orientation)
    return image.transpose(method) if method is not None else image


def exif_without_location(raw):
    """EXIF bytes without the GPS IFD (same prefix as given); None when none to remove, b"" to drop all."""
    prefix = b"Exif\x00\x00" if raw.startswith(b"Exif\x00\x00") else b""
    exif = Image.Exif()
    try:
        exif.load(raw)
        if GPS_IFD not in exif:
            return None
        del exif[GPS_IFD]
        body = exif.tobytes()
    except Exception:  # EXIF Pillow cannot read may hide a location: drop it whole
        return b""
    return prefix + body.removeprefix(b"Exif\x00\x00")


# JPEG: markers with no length, frame headers (they carry the size), and the metadata kept.
JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}
JPEG_SOF = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
JPEG_EOI, JPEG_SOS, JPEG_APP1 = 0xD9, 0xDA, 0xE1


def _clean_jpeg(data):
    """Walk a JPEG's segments to its end: (bytes without location metadata, size)."""
    out, pos, size = [data[:2]], 2, None
    while True:
        marker, start, pos = _jpeg_marker(data, pos)
        if marker == JPEG_EOI:
            if size is None:
                raise _bad("no_frame")
            out.append(data[start:pos])
            break
        if marker in JPEG_STANDALONE:
            out.append(data[start:pos])
            continue
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        end = pos + length
        if length < 2 or end > len(data):
            raise _bad("truncated")
        payload = data[pos + 2 : end]
        if marker in JPEG_SOF:
            height, width = struct.unpack(">HH", payload[1:5])
            size = (width, height)
        out.append(_jpeg_segment(marker, data[start:end], payload))
        pos = end
        if marker == JPEG_SOS:
            if size is None:
                raise _bad("no_frame")
            scan_end = _jpeg_scan_end(data, pos)
            out.append(data[pos:scan_end])
            pos = scan_end
    _no_trailing(data, pos)
    return b"".join(out), size


def _jpeg_marker(data, pos):
    """(marker, where its 0xFF starts, where its body starts) of the marker at pos."""
    if data[pos] != 0xFF:
        raise _bad("corrupt")
    start = pos
    while data[pos] == 0xFF:  # fill bytes
        pos += 1
    if data[pos] == 0x00:
        raise _bad("corrupt")
    return data[pos], start, pos + 1


def _jpeg_scan_end(data, pos):
    """Where the entropy-coded data that starts at pos ends (at the next real marker)."""
    while True:
        found = data.find(b"\xff", pos)
        if found < 0 or found + 1 >= len(data):
            raise _bad("truncated")
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte or restart marker
            pos = found + 2
        elif following == 0xFF:
            pos = found + 1
        else:
            return found


def _jpeg_segment(marker, raw, payload):
    """The segment as stored: EXIF without GPS; of other APPn only those that affect display."""
    if marker == JPEG_APP1 and payload.startswith(b"Exif\x00\x00"):
        exif = exif_without_location(payload)
        if exif is None:
            return raw
        if not exif or len(exif) + 2 > 0xFFFF:
            return b""
        return b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    if 0xE0 <= marker <= 0xEF or marker == 0xFE:  # APPn (XMP, IPTC...) and comments
        keep = (
            (marker == 0xE0 and payload.startswith(b"JFIF\x00"))
            or (marker == 0xE2 and payload.startswith(b"ICC_PROFILE\x00"))
            or marker == 0xEE  # Adobe: tells how to read the colours
        )
        return raw if keep else b""
    return raw


PNG_TEXT = {b"tEXt", b"zTXt", b"iTXt"}


def _clean_png(data):
    """Walk a PNG's chunks to IEND: (bytes without location metadata, size)."""
    out, pos, size = [data[:8]], 8, None
    while True:
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise _bad("truncated")
        body = data[pos + 8 : end - 4]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[end - 4 : end])[0]:
            raise _bad("corrupt")
        if (pos == 8) != (kind == b"IHDR"):
            raise _bad("corrupt")
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        if kind == b"acTL":
            raise _bad("animated")
        out.append(_png_chunk(kind, data[pos:end], body))
        pos = end
        if kind == b"IEND":
            break
    _no_trailing(data, pos)
    return b"".join(out), size


def _png_chunk(kind, raw, body):
    """The chunk as stored: text chunks (XMP among them) dropped, eXIf without GPS."""
    if kind in PNG_TEXT:
        return b""
    if kind == b"eXIf":
        exif = exif_without_location(body)
        if exif is None:
            return raw
        if not exif:
            return b""
        return struct.pack(">I4s", len(exif), kind) + exif + struct.pack(">I", zlib.crc32(kind + exif))
    return raw


def _clean_webp(data):
    """Walk a WebP's RIFF chunks: (bytes without location metadata, size)."""
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = 8 + riff_size
    if end > len(data):
        raise _bad("truncated")
    _no_trailing(data, end)
    chunks, pos = [], 12
    while pos < end:
        kind, length = struct.unpack("<4sI", data[pos : pos + 8])
        if pos + 8 + length > end:
            raise _bad("truncated")
        chunks.append((kind, data[pos + 8 : pos + 8 + length]))
        pos += 8 + length + (length & 1)
    if not chunks or any(kind in (b"ANIM", b"ANMF") for kind, _ in chunks):
        raise _bad("animated" if chunks else "truncated")
    size = _webp_size(*chunks[0])
    cleaned = _webp_clean_chunks(chunks)
    if cleaned == chunks:
        return data, size
    body = b"WEBP" + b"".join(_riff_chunk(kind, payload) for kind, payload in cleaned)
    return b"RIFF" + struct.pack("<I", len(body)) + body, size


def _webp_size(kind, payload):
    """Canvas size from the first chunk (VP8X, VP8 or VP8L)."""
    if kind == b"VP8X":
        if payload[0] & 0x02:
            raise _bad("animated")
        return 1 + int.from_bytes(payload[4:7], "little"), 1 + int.from_bytes(payload[7:10], "little")
    if kind == b"VP8 ":
        if payload[3:6] != b"\x9d\x01\x2a":
            raise _bad("corrupt")
        width, height = struct.unpack("<HH", payload[6:10])
        return width & 0x3FFF, height & 0x3FFF
    if kind == b"VP8L":
        if payload[0] != 0x2F:
            raise _bad("corrupt")
        bits = int.from_bytes(payload[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    raise _bad("corrupt")


def _webp_clean_chunks(chunks):
    """Chunks without XMP and with EXIF lacking GPS; the VP8X flags follow."""
    cleaned = []
    for kind, payload in chunks:
        if kind == b"XMP ":
            continue
        if kind == b"EXIF":
            exif = exif_without_location(payload)
            if exif == b"":
                continue
            payload = payload if exif is None else exif
        cleaned.append((kind, payload))
    if cleaned != chunks and cleaned[0][0] == b"VP8X":
        has_exif = any(kind == b"EXIF" for kind, _ in cleaned)
        flags = (cleaned[0][1][0] & ~0x0C) | (0x08 if has_exif else 0)  # 0x04 XMP, 0x08 EXIF
        cleaned[0] = (b"VP8X", bytes([flags]) + cleaned[0][1][1:])
    return cleaned


def _riff_chunk(kind, payload):
    return kind + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) & 1 else b"")
