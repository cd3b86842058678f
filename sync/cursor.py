"""The pull cursor: opaque to clients, signed so it cannot be forged or used by another account.

A cursor carries its scope version and feed position, and at a hub a mark: how far the device
has been given its ops rejected upstream (only when there is one). Its account is signed into its
MAC, not written in it (a pull sends the cursor both ways: 26 characters, not 76). Cursors of the
first format, which wrote the account out, still decode: phones hold them.
"""

import base64
import hashlib
import hmac

MAC_BYTES = 12


class CursorError(Exception):
    """A cursor that was forged, damaged, or issued to another account."""


def _mac(secret, payload):
    return hmac.new(secret, payload, hashlib.sha256).digest()[:MAC_BYTES]


def encode_cursor(secret, user_id, scope_version, seq, mark=0):
    """Sign (account, scope version, feed position, and a hub's mark when there is one) into an opaque text."""
    position = f"{scope_version}|{seq}" + (f"|{mark}" if mark else "")
    mac = _mac(secret, f"2|{user_id}|{position}".encode())
    return base64.urlsafe_b64encode(f"2|{position}".encode() + b"|" + mac).decode().rstrip("=")


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
        version, *rest = payload.decode().split("|")
        if version == "2":
            owner, signed = user_id, f"2|{user_id}|{'|'.join(rest)}".encode()
        else:
            owner, *rest = rest
            signed = payload
        if len(rest) not in (2, 3):
            raise ValueError("wrong number of parts")
        position = (int(rest[0]), int(rest[1]), int(rest[2]) if len(rest) == 3 else 0)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CursorError("malformed") from exc
    if version not in ("1", "2") or not hmac.compare_digest(mac, _mac(secret, signed)):
        raise CursorError("forged")  # a version 2 cursor of another account too: its MAC names it
    if owner != user_id:
        raise CursorError("other_account")
    return position
