"""The pull cursor: opaque to clients, signed so it cannot be forged or used by another account."""

import base64
import hashlib
import hmac

MAC_BYTES = 12


class CursorError(Exception):
    """A cursor that was forged, damaged, or issued to another account."""


def encode_cursor(secret, user_id, scope_version, seq, mark=0):
    """Sign (account, scope version, feed position) into an opaque text; a hub adds a mark
    (how far the device has been given its ops rejected upstream), only when there is one."""
    payload = f"1|{user_id}|{scope_version}|{seq}" + (f"|{mark}" if mark else "")
    mac = hmac.new(secret, payload.encode(), hashlib.sha256).digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(payload.encode() + b"|" + mac).decode().rstrip("=")


def decode_cursor(secret, text, user_id):
    """Answer (scope_version, seq) of a cursor issued to this account, or raise CursorError."""
    return decode_marked_cursor(secret, text, user_id)[:2]


def decode_marked_cursor(secret, text, user_id):
    """Answer (scope_version, seq, mark) of a cursor issued to this account, or raise CursorError."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        # The MAC is binary and may itself hold "|": split by its fixed length.
        payload, separator, mac = raw[: -MAC_BYTES - 1], raw[-MAC_BYTES - 1 : -MAC_BYTES], raw[-MAC_BYTES:]
        if separator != b"|":
            raise ValueError("no separator")
        expected = hmac.new(secret, payload, hashlib.sha256).digest()[:MAC_BYTES]
        version, owner, scope_version, seq, *mark = payload.decode().split("|")
        if len(mark) > 1:
            raise ValueError("too many parts")
        position = (int(scope_version), int(seq), int(mark[0]) if mark else 0)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CursorError("malformed") from exc
    if not hmac.compare_digest(mac, expected) or version != "1":
        raise CursorError("forged")
    if owner != user_id:
        raise CursorError("other_account")
    return position
