"""The pull cursor: opaque to clients, signed so it cannot be forged or used by another account.

A cursor carries its scope version and feed position; its account is signed into its MAC, not
written in it (a pull sends the cursor both ways: 26 characters, not 76). Cursors of the first
format, which wrote the account out, still decode: phones hold them.
"""

import base64
import hashlib
import hmac

MAC_BYTES = 12


class CursorError(Exception):
    """A cursor that was forged, damaged, or issued to another account."""


def _mac(secret, payload):
    return hmac.new(secret, payload, hashlib.sha256).digest()[:MAC_BYTES]


def encode_cursor(secret, user_id, scope_version, seq):
    """Sign (account, scope version, feed position) into an opaque text."""
    payload = f"2|{scope_version}|{seq}".encode()
    mac = _mac(secret, f"2|{user_id}|{scope_version}|{seq}".encode())
    return base64.urlsafe_b64encode(payload + b"|" + mac).decode().rstrip("=")


def decode_cursor(secret, text, user_id):
    """Answer (scope_version, seq) of a cursor issued to this account, or raise CursorError."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        # The MAC is binary and may itself hold "|": split by its fixed length.
        payload, separator, mac = raw[: -MAC_BYTES - 1], raw[-MAC_BYTES - 1 : -MAC_BYTES], raw[-MAC_BYTES:]
        if separator != b"|":
            raise ValueError("no separator")
        version, *rest = payload.decode().split("|")
        if version == "2":
            scope_version, seq = rest
            owner, signed = user_id, f"2|{user_id}|{scope_version}|{seq}".encode()
        else:
            owner, scope_version, seq = rest
            signed = payload
    except (ValueError, UnicodeDecodeError) as exc:
        raise CursorError("malformed") from exc
    if version not in ("1", "2") or not hmac.compare_digest(mac, _mac(secret, signed)):
        raise CursorError("forged")  # a version 2 cursor of another account too: its MAC names it
    if owner != user_id:
        raise CursorError("other_account")
    return int(scope_version), int(seq)
