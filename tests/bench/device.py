"""The benchmarks' device: ops and push bodies encoded byte for byte as the PWA sends them.

The PWA's movement form writes its fields in the order product_id, kind, qty, occurred_at (and a
note when one was typed); the qty is canonical text, negative for what takes stock away; a
movement of today is timed by JavaScript's toISOString, in UTC with milliseconds. The op id is
the movement's id (sync/ids.py op_id_for, pwa/src/ids.js opIdFor). tests/vectors/movement_push.json
holds this module and the PWA to the same bytes (tests/bench/test_device.py,
tests/pwa/movement_push.test.mjs).
"""

from datetime import UTC, datetime

import orjson

from sync.ids import op_id_for
from sync.records import MOVEMENT_SIGNS


def pwa_time(ms):
    """A time in ms since the epoch as JavaScript's toISOString writes it: 2025-11-27T08:00:00.123Z."""
    return f"{datetime.fromtimestamp(ms // 1000, UTC):%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


def movement_op(entity_id, product_id, kind, amount, at_ms, hlc, note=None):
    """The upsert of a movement of a typed positive `amount` (canonical text), as the PWA makes it."""
    qty = f"-{amount}" if MOVEMENT_SIGNS[kind] < 0 else amount
    fields = {"product_id": product_id, "kind": kind, "qty": qty, "occurred_at": pwa_time(at_ms)}
    if note and note.strip():
        fields["note"] = note.strip()
    return {
        "op_id": op_id_for("stock_movement", entity_id, "upsert"),
        "entity": "stock_movement",
        "entity_id": entity_id,
        "action": "upsert",
        "fields": fields,
        "hlc": hlc,
    }


def push_text(device_id, ops):
    """A push's JSON text, as the PWA's transport writes it (JSON.stringify: no spaces)."""
    return orjson.dumps({"device_id": device_id, "ops": ops})
