// Record and op ids made on the device: UUIDv7 (RFC 9562), time-ordered, like sync/ids.py.

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A new UUID version 7 as lower-case text. */
export function uuid7(nowMs = Date.now()) {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let ms = nowMs;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (bytes[6] & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8] & 0x3f); // variant 10
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The id of a new op (sync/README.md, like sync/ids.py): a movement's upsert is keyed by the
 * movement's own id, every other op gets a fresh one. A movement is created once and never
 * changes (SYNC-CONTRACT 1.1), so its id names its one op; a corrected resend of a rejected
 * movement is another op than the one rejected, with an id of its own.
 */
export function opIdFor(entity, entityId, action, { resend = false } = {}) {
  return entity === "stock_movement" && action === "upsert" && !resend ? entityId : uuid7();
}
