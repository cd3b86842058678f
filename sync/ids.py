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
