"""Hybrid logical clocks in the contract's text form: "<16-digit ms>:<4 hex counter>:<node id>".

Plain text order of two HLCs is their time order, so records compare them as strings.
"""

import re
import time

# [0-9] and \Z, not \d and $: ASCII digits only, and no trailing newline.
HLC_PATTERN = r"([0-9]{16}):([0-9a-f]{4}):([A-Za-z0-9._-]{1,64})"
HLC_RE = re.compile(rf"^{HLC_PATTERN}\Z")
MAX_COUNTER = 0xFFFF
MAX_DRIFT_MS = 60_000  # an op further ahead of the server's clock than this is re-stamped


def wall_ms():
    """Milliseconds since 1970 by the wall clock."""
    return int(time.time() * 1000)


def format_hlc(ms, counter, node):
    """Render an HLC as text."""
    return f"{ms:016d}:{counter:04x}:{node}"


def is_hlc(text):
    """Whether text is an HLC in the contract's form."""
    return isinstance(text, str) and HLC_RE.match(text) is not None


def parse_hlc(text):
    """Split an HLC into (ms, counter, node); None when it is not one."""
    if not isinstance(text, str) or not HLC_RE.match(text):
        return None
    # Fixed widths: 16 digits, a colon, 4 hex digits, a colon, the node.
    return int(text[:16]), int(text[17:21], 16), text[22:]


class Clock:
    """A hybrid logical clock for one node; `now` is injectable for tests."""

    def __init__(self, node, last="", now=wall_ms):
        self.node = node
        self.now = now
        parsed = parse_hlc(last)
        self.ms, self.counter = (parsed[0], parsed[1]) if parsed else (0, 0)

    def tick(self):
        """A new timestamp, later than every one this clock has issued or observed."""
        physical = self.now()
        if physical > self.ms:
            self.ms, self.counter = physical, 0
        else:
            self._bump()
        return format_hlc(self.ms, self.counter, self.node)

    def observe(self, remote):
        """Advance past a timestamp received from elsewhere."""
        parsed = parse_hlc(remote)
        if parsed is not None:
            self._advance(parsed[0], parsed[1])

    def _advance(self, ms, counter):
        if ms > self.ms or (ms == self.ms and counter > self.counter):
            self.ms, self.counter = ms, counter

    def peek(self):
        """The clock's current reading, without issuing a new timestamp."""
        physical = self.now()
        if physical > self.ms:
            return format_hlc(physical, 0, self.node)
        return format_hlc(self.ms, self.counter, self.node)

    def guard(self, remote, checked=False):
        """The op's HLC, or a fresh one of ours when it runs more than 60 s ahead of our clock.

        `checked`: the caller has already checked that remote is an HLC (sync.records.validate_op
        does), so it is not matched again: a push guards a thousand of them.
        """
        if not checked and not is_hlc(remote):
            return remote
        ms = int(remote[:16])
        if ms > self.now() + MAX_DRIFT_MS:
            return self.tick()
        if ms >= self.ms:  # (the counter is read only when it may matter: a push of 1,000 ops guards each)
            self._advance(ms, int(remote[17:21], 16))
        return remote

    def _bump(self):
        if self.counter >= MAX_COUNTER:
            # Counter exhausted within one millisecond: borrow the next millisecond.
            self.ms, self.counter = self.ms + 1, 0
        else:
            self.counter += 1
