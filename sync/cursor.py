"""The pull cursor: opaque to clients, signed so it cannot be forged or used by another account."""

import base64
import hashlib
import hmac


class CursorError(Exception):
    """A cursor that was forged, damaged, or issued to another account."""


def encode_cursor(secret, user_id, scope_version, seq):
    """Sign (account, scope version, feed position) into an opaque text."""
    payload = f"1|{user_id}|{scope_version}|{seq}"
    mac = hmac.new(secret, payload.encode(), hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(payload.encode() + b"|" + mac).decode().rstrip("=")


def decode_cursor(secret, text, user_id):
    """Answer (scope_version, seq) of a cursor issued to this account, or raise CursorError."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        payload, mac = raw[: raw.rindex(b"|")], raw[raw.rindex(b"|") + 1 :]
        expected = hmac.new(secret, payload, hashlib.sha256).digest()[:12]
        version, owner, scope_version, seq = payload.decode().split("|")
    except (ValueError, UnicodeDecodeError) as exc:
        raise CursorError("malformed") from exc
    if not hmac.compare_digest(mac, expected) or version != "1":
        raise CursorError("forged")
    if owner != user_id:
        raise CursorError("other_account")
    return int(scope_version), int(seq)
