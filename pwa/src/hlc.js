// Hybrid logical clocks in the contract's text form: "<16-digit ms>:<4 hex counter>:<node id>".
// The twin of sync/hlc.py: plain text order of two HLCs is their time order.

const HLC_RE = /^([0-9]{16}):([0-9a-f]{4}):([A-Za-z0-9._-]{1,64})$/;
const MAX_COUNTER = 0xffff;
export const MAX_DRIFT_MS = 60000; // an op further ahead of the server's clock than this is re-stamped

export function wallMs() {
  return Date.now();
}

export function formatHlc(ms, counter, node) {
  return `${String(ms).padStart(16, "0")}:${counter.toString(16).padStart(4, "0")}:${node}`;
}

/** Split an HLC into {ms, counter, node}; null when it is not one. */
export function parseHlc(text) {
  // JavaScript's $ also matches before a final "\n": reject any newline outright.
  const match = typeof text === "string" && !text.includes("\n") ? HLC_RE.exec(text) : null;
  if (!match) return null;
  return { ms: Number(match[1]), counter: parseInt(match[2], 16), node: match[3] };
}

/** A hybrid logical clock for one node; `now` is injectable for tests. */
export class Clock {
  constructor(node, last = "", now = wallMs) {
    this.node = node;
    this.now = now;
    const parsed = parseHlc(last);
    this.ms = parsed ? parsed.ms : 0;
    this.counter = parsed ? parsed.counter : 0;
  }

  /** A new timestamp, later than every one this clock has issued or observed. */
  tick() {
    const physical = this.now();
    if (physical > this.ms) {
      this.ms = physical;
      this.counter = 0;
    } else {
      this._bump();
    }
    return formatHlc(this.ms, this.counter, this.node);
  }

  /** Advance past a timestamp received from elsewhere. */
  observe(remote) {
    const parsed = parseHlc(remote);
    if (parsed) this._advance(parsed.ms, parsed.counter);
  }

  /** The clock's current reading, without issuing a new timestamp. */
  peek() {
    const physical = this.now();
    if (physical > this.ms) return formatHlc(physical, 0, this.node);
    return formatHlc(this.ms, this.counter, this.node);
  }

  /** The op's HLC, or a fresh one of ours when it runs more than 60 s ahead of our clock. */
  guard(remote) {
    const parsed = parseHlc(remote);
    if (parsed && parsed.ms > this.now() + MAX_DRIFT_MS) return this.tick();
    if (parsed) this._advance(parsed.ms, parsed.counter);
    return remote;
  }

  _advance(ms, counter) {
    if (ms > this.ms || (ms === this.ms && counter > this.counter)) {
      this.ms = ms;
      this.counter = counter;
    }
  }

  _bump() {
    if (this.counter >= MAX_COUNTER) {
      // Counter exhausted within one millisecond: borrow the next millisecond.
      this.ms += 1;
      this.counter = 0;
    } else {
      this.counter += 1;
    }
  }
}
