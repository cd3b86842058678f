"""Record and op ids made on devices: UUIDv7, time-ordered, so indexes append and gzip compresses."""

import os
import time
import uuid


def uuid7(now_ms=None):
    """A new UUID version 7 (RFC 9562) as lower-case text."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | (rand >> 68 & 0xFFF) << 64 | 0b10 << 62 | (rand & (1 << 62) - 1)
    return str(uuid.UUID(int=value))


def op_id_for(entity, entity_id, action, resend=False):
    """The id of a new op (sync/README.md): a movement's first upsert is keyed by the movement's id, all else fresh."""
    # A movement is created once and never changes (SYNC-CONTRACT 1.1), so its id names its one
    # op. A corrected resend of a rejected movement is another op than the one rejected: a new id.
    if entity == "stock_movement" and action == "upsert" and not resend:
        return entity_id
    return uuid7()


# The namespace of the session ids below (a fixed, random UUID).
DEVICE_SESSIONS = uuid.UUID("5d0c1c5e-6a8b-4f0e-9d3a-2b7e4f1a9c60")


def device_session_id(user_id, device_id):
    """The session id (a token's `dev`, the server's device row) of a device a hub enrols for an account.

    Derived, not drawn: the regional server registers that device when the hub relays its first op,
    under the same id, so the tokens the hub signed for it hold there too (SYNC-CONTRACT 1.1, Hubs)."""
    return str(uuid.uuid5(DEVICE_SESSIONS, f"{user_id} {device_id}"))
